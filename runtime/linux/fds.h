/* The descriptors that reach the user's program: the close-on-exec sweep
   of what the init inherited, and the preserved ones.  */
#ifndef CARVE_LINUX_FDS_H
#define CARVE_LINUX_FDS_H

#include "runtime/base/error.h"

/* Marks every descriptor >= FIRST_FD close-on-exec, so only stdio and the
   preserved descriptors (LISTEN_FDS, --preserve-fds) reach the user's program.
   Descriptors stay open until the exec, so a sync socket still works.  */
int carve_fds_close_from (int first_fd, carve_error_t *err);

/* Right before the user's program is exec'd: descriptors 3 .. 3+PRESERVED-1
   (LISTEN_FDS, --preserve-fds) are inherited on purpose and lose
   close-on-exec; every later one gets it.  */
int carve_fds_prepare_exec (int preserved, carve_error_t *err);

#endif
