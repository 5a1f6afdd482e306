/* The chokepoint that changes the container process's credentials: groups,
   gid, uid, the five capability sets, umask and no_new_privs.  */
#ifndef CARVE_LINUX_USER_H
#define CARVE_LINUX_USER_H

#include <stdbool.h>
#include <sys/types.h>

#include "caps.h"
#include "runtime/base/error.h"
#include "spec/spec.h"

/* Becomes process.user (NULL keeps the ids) with exactly the capabilities
   CAPS (NULL means none at all), sets the umask (process.user.umask, else
   0022 as runc) and, when NO_NEW_PRIVILEGES, no_new_privs.  Call it last
   before loading seccomp and exec'ing, from a single-threaded process.  */
int carve_process_drop_privileges (const struct carve_spec_user_s *user, const struct carve_caps_s *caps,
                                   bool no_new_privileges, carve_error_t *err);

/* true when /proc/self/setgroups says "deny" (a user namespace whose gid_map
   was written without privilege): setgroups(2) would fail with EPERM.  */
bool carve_setgroups_denied (void);

/* HOME for a process of UID that has none in its environment, as runc
   sets it: the home field of UID's line in /etc/passwd (read as a plain
   file, never through NSS, which would load libraries of the container's
   image into carve), else "/".  Call it with the container's root.  */
char *carve_user_home (uid_t uid);

/* ENV (NULL-terminated) plus "HOME=" carve_user_home (UID) when it has no
   HOME; NULL when it has one.  */
char **carve_user_env_with_home (char *const *env, uid_t uid);

/* In a user namespace just created (its maps written) or joined: becomes
   its root (uid and gid 0, no supplementary groups where setgroups is
   allowed), as runc's init does.  Until then the process keeps the host's
   ids, which the namespace does not map: whatever it creates (a tmpfs
   directory) would fail with EOVERFLOW.  */
int carve_userns_become_root (carve_error_t *err);

#endif
