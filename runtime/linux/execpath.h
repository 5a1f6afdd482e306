/* Resolving the container process's program (process.args[0]) the way
   execvp(3) would, with the container's own PATH.  */
#ifndef CARVE_LINUX_EXECPATH_H
#define CARVE_LINUX_EXECPATH_H

#include "runtime/base/error.h"

/* PATH used when the container's env has none (runc's and Docker's default).  */
#define CARVE_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Returns the path to exec for FILE (a newly allocated string): FILE itself
   when it contains a '/', else the first executable `DIR/FILE` along the PATH
   found in ENV (NULL-terminated "KEY=VALUE" list, may be NULL).  Resolved in
   the caller's mount namespace and root, so call it after pivot_root.  */
char *carve_exec_lookup (const char *file, char *const *env, carve_error_t *err);

#endif
