/* The container's own session keyring (keyring.h).  */
#include <config.h>
#include "keyring.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/keyctl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"

/* --- session keyring ------------------------------------------------------- */

/* Key permission bits of <linux/keyctl.h>'s KEY_*_SEARCH.  */
#define CARVE_KEY_USR_SEARCH 0x00080000
#define CARVE_KEY_OTH_SEARCH 0x00000008

static bool
keyctl_tolerated (int e)
{
  return e == ENOSYS || e == EACCES || e == EPERM;
}

int
carve_session_keyring_join (const char *name, bool in_user_namespace, carve_error_t *err)
{
  char desc[512];
  long serial, n;
  char *p;
  unsigned long perm;
  int field;

  serial = syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name);
  if (serial < 0)
    {
      if (keyctl_tolerated (errno))
        return 0;
      return carve_make_error (err, errno, "join session keyring `%s`", name);
    }

  /* The description is "type;uid;gid;perm;name", perm in hex.  */
  n = syscall (SYS_keyctl, KEYCTL_DESCRIBE, serial, desc, sizeof desc);
  if (n < 0)
    return carve_make_error (err, errno, "describe session keyring `%s`", name);
  desc[sizeof desc - 1] = '\0';
  for (p = desc, field = 0; field < 3 && p; field++)
    {
      p = strchr (p, ';');
      if (p)
        p++;
    }
  if (p == NULL)
    return carve_make_error (err, 0, "session keyring `%s`: unexpected description `%s`", name, desc);
  errno = 0;
  perm = strtoul (p, NULL, 16);
  if (errno)
    return carve_make_error (err, errno, "session keyring `%s`: unexpected description `%s`", name, desc);

  /* A process that joins the container later (exec) possesses the keyring
     only after it searched it: with a user namespace its uid may map to no
     owner, so "other" gets search, as runc does.  */
  perm |= in_user_namespace ? CARVE_KEY_OTH_SEARCH : CARVE_KEY_USR_SEARCH;
  if (syscall (SYS_keyctl, KEYCTL_SETPERM, serial, (unsigned long)(uint32_t)perm) < 0)
    return carve_make_error (err, errno, "set permissions of session keyring `%s`", name);
  return 0;
}
