/* AppArmor and SELinux exec labels (lsm.h).  */
#include <config.h>
#include "lsm.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"

#ifndef SELINUX_MAGIC
#define SELINUX_MAGIC 0xf97cff8c
#endif

/* --- AppArmor, SELinux ----------------------------------------------------- */

bool
carve_apparmor_enabled (void)
{
  cleanup_free char *buf = NULL;
  cleanup_error carve_error_t err = NULL;
  size_t len = 0;

  if (carve_read_file ("/sys/module/apparmor/parameters/enabled", &buf, &len, &err) < 0)
    return false;
  return len > 0 && buf[0] == 'Y';
}

/* Writes DATA to the calling thread's LSM attribute: attr/LSM/NAME (the
   per-LSM directory, kernel 5.8+ for AppArmor) when it exists, else the
   shared attr/NAME.  /proc/thread-self, because these attributes are per
   thread and the exec happens on this one.  */
static int
write_lsm_attr (const char *lsm, const char *name, const char *data, carve_error_t *err)
{
  cleanup_free char *path = NULL;

  if (lsm)
    {
      path = xasprintf ("/proc/thread-self/attr/%s/%s", lsm, name);
      if (carve_path_exists (path))
        return carve_write_file (path, data, strlen (data), err);
      free (path);
    }
  path = xasprintf ("/proc/thread-self/attr/%s", name);
  return carve_write_file (path, data, strlen (data), err);
}

int
carve_apparmor_set_exec (const char *profile, carve_error_t *err)
{
  cleanup_free char *data = NULL;

  if (!carve_apparmor_enabled ())
    return carve_make_error (err, 0, "process.apparmorProfile: AppArmor is not enabled on this host");
  data = xasprintf ("exec %s", profile);
  if (write_lsm_attr ("apparmor", "exec", data, err) < 0)
    return carve_error_wrap (err, "process.apparmorProfile: set `%s`", profile);
  return 0;
}

bool
carve_selinux_enabled (void)
{
  struct statfs st;

  return statfs ("/sys/fs/selinux", &st) == 0 && (uint32_t)st.f_type == (uint32_t)SELINUX_MAGIC;
}

int
carve_selinux_set_exec (const char *label, carve_error_t *err)
{
  if (!carve_selinux_enabled ())
    return carve_make_error (err, 0, "process.selinuxLabel: SELinux is not enabled on this host");
  if (write_lsm_attr (NULL, "exec", label, err) < 0)
    return carve_error_wrap (err, "process.selinuxLabel: set `%s`", label);
  return 0;
}
