/* linux.sysctl: kernel parameters written under /proc/sys.  */
#ifndef CARVE_LINUX_SYSCTL_H
#define CARVE_LINUX_SYSCTL_H

#include <stdbool.h>

#include "runtime/base/error.h"

struct carve_spec_map_s;

/* Checks that KEY names a file under /proc/sys and nothing else: dotted
   ("net.ipv4.ip_forward") or slashed as sysctl(8) also accepts
   ("net/ipv4/conf/eth0.1/forwarding"); no empty, "." or ".." component, no
   leading or trailing separator.  */
int carve_sysctl_validate_key (const char *key, carve_error_t *err);

/* Writes every SYSCTL entry (may be NULL) to /proc/sys/<key with dots as
   slashes>, in order, resolved beneath /proc/sys.  Errors name the key and
   the value.  */
int carve_sysctl_apply (const struct carve_spec_map_s *sysctl, carve_error_t *err);

/* true when KEY belongs to a namespace, with its CLONE_NEW* flag in
   *RET_CLONE_FLAG (may be NULL): IPC (kernel.msg*, kernel.sem*, kernel.shm*,
   fs.mqueue.*), network (net.*), UTS (kernel.hostname, kernel.domainname).
   In permeable mode those namespaces are the host's, so setting such a key
   changes the host.  */
bool carve_sysctl_is_namespaced (const char *key, int *ret_clone_flag);

#endif
