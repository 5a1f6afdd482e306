/* Linux security modules: the AppArmor profile and SELinux label the
   next execve of the calling thread switches to.  */
#ifndef CARVE_LINUX_LSM_H
#define CARVE_LINUX_LSM_H

#include <stdbool.h>

#include "runtime/base/error.h"

/* AppArmor is enabled when /sys/module/apparmor/parameters/enabled says Y.  */
bool carve_apparmor_enabled (void);

/* Makes the next execve switch to PROFILE ("exec PROFILE" to the thread's
   attr/apparmor/exec, or attr/exec before kernel 5.8).  Fails with a clear
   error when AppArmor is not enabled.  */
int carve_apparmor_set_exec (const char *profile, carve_error_t *err);

/* SELinux is enabled when selinuxfs is mounted at /sys/fs/selinux.  */
bool carve_selinux_enabled (void);

/* Makes the next execve switch to LABEL (the thread's attr/exec).  Fails with
   a clear error when SELinux is not enabled.  */
int carve_selinux_set_exec (const char *label, carve_error_t *err);

#endif
