/* Node-wide mounts in the host's mount namespace (hostmount.h).  */
#include <config.h>

#include "runtime/linux/hostmount.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/fault.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"

bool
carve_hostmount_is_mounted (const char *path)
{
  struct statx stx;

  if (statx (AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &stx) < 0)
    return false;
  return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

static int
make_dir (const char *dir, carve_error_t *err)
{
  cleanup_free char *parent = xstrdup (dir);
  char *slash = strrchr (parent, '/');
  struct stat sb;

  if (slash && slash != parent)
    {
      *slash = '\0';
      if (carve_mkdir_p (parent, 0700, err) < 0)
        return -1;
    }
  if (mkdir (dir, 0700) < 0 && errno != EEXIST)
    return carve_make_error (err, errno, "mkdir `%s`", dir);
  /* What carve mounts on must be its own directory, never a symlink
     someone put in its place (the parent is root's, 0700, but say so where
     it is relied on).  */
  if (lstat (dir, &sb) < 0)
    return carve_make_error (err, errno, "stat `%s`", dir);
  if (!S_ISDIR (sb.st_mode) || sb.st_uid != geteuid ())
    return carve_make_error (err, ENOTDIR, "`%s` is not a directory of carve's", dir);
  return 0;
}

int
carve_hostmount_tmpfs (const char *dir, carve_error_t *err)
{
  struct statfs sfs;

  if (make_dir (dir, err) < 0)
    return -1;
  if (carve_hostmount_is_mounted (dir))
    {
      if (statfs (dir, &sfs) == 0 && sfs.f_type == TMPFS_MAGIC)
        return 0;
      return carve_make_error (err, EBUSY, "`%s`: something other than carve's tmpfs is mounted there", dir);
    }
  if (mount ("shm", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
    return carve_make_error (err, errno, "mount tmpfs on `%s`", dir);
  /* Private: the host's / is often shared, and a container's copy of this
     mount must not become a peer of it.  */
  if (mount (NULL, dir, NULL, MS_PRIVATE, NULL) < 0)
    return carve_make_error (err, errno, "make `%s` private", dir);
  return 0;
}

int
carve_hostmount_clone (const char *dir, carve_error_t *err)
{
  int fd = (int)open_tree (AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW);

  if (fd < 0)
    return carve_make_error (err, errno, "open_tree `%s`", dir);
  return fd;
}

int
carve_hostmount_remove (const char *dir, carve_error_t *err)
{
  int i;

  if (!carve_path_exists (dir))
    return 0;
  /* Stacked mounts come off one at a time; a bound number, in case the
     kernel keeps saying it is mounted.  */
  for (i = 0; i < 16 && carve_hostmount_is_mounted (dir); i++)
    if (umount2 (dir, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL)
      return carve_make_error (err, errno, "unmount `%s`", dir);
  carve_fault_point ("compute:unmounted");
  if (rmdir (dir) < 0 && errno != ENOENT)
    return carve_make_error (err, errno, "rmdir `%s`", dir);
  return 0;
}
