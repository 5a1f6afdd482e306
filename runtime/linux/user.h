/* The chokepoint that changes the container process's credentials: groups,
   gid, uid, the five capability sets, umask and no_new_privs.  */
#ifndef CARVE_LINUX_USER_H
#define CARVE_LINUX_USER_H

#include <stdbool.h>

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

#endif
