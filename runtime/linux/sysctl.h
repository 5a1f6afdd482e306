/* linux.sysctl: kernel parameters written under /proc/sys.  */
#ifndef CARVE_LINUX_SYSCTL_H
#define CARVE_LINUX_SYSCTL_H

#include <stdbool.h>
#include <stdint.h>

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

/* Sorts linux.sysctl (SYSCTL, may be NULL) for a container that owns the
   namespaces in OWNED (CLONE_NEW* flags of the namespaces it creates or
   joins).  Keys of owned namespaces go to *RET_APPLY, a map borrowing the
   strings of SYSCTL (free its keys, values and itself; NULL when there is
   nothing).  A key of a namespace the container shares with the host is,
   with PERMEABLE, left out with a warning naming it appended to
   *RET_WARNINGS (may be NULL), and without it an error, as runc.  A key of
   no namespace (vm.*, kernel.pid_max: the whole node's) and
   kernel.hostname (the `hostname` field's) are errors in both modes.  Every
   error names linux.sysctl and the key.  */
int carve_sysctl_plan (const struct carve_spec_map_s *sysctl, uint64_t owned, bool permeable,
                       struct carve_spec_map_s **ret_apply, char ***ret_warnings, carve_error_t *err);

#endif
