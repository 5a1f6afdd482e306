/* The container's root (rootfs.h): propagation, pivot_root or the
   --no-pivot move, readonly root, masked and readonly paths.  */
#include <config.h>
#include "runtime/linux/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libmount.h>

#include "cleanup.h"
#include "xalloc.h"
#include "runtime/linux/mount.h"
#include "runtime/linux/safepath.h"


struct propagation_name_s
{
  const char *name;
  unsigned long flags;
};

static const struct propagation_name_s propagation_names[] = {
  { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
  { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
  { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
  { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

int
carve_rootfs_propagation_flags (const char *propagation, unsigned long *ret_flags, carve_error_t *err)
{
  size_t i;

  if (propagation == NULL || *propagation == '\0')
    {
      *ret_flags = 0;
      return 0;
    }
  for (i = 0; i < sizeof (propagation_names) / sizeof (propagation_names[0]); i++)
    if (strcmp (propagation, propagation_names[i].name) == 0)
      {
        *ret_flags = propagation_names[i].flags;
        return 0;
      }
  return carve_make_error (err, 0, "linux.rootfsPropagation: unknown propagation `%s`", propagation);
}

/* pivot_root(2) fails with EINVAL when the mount holding the new root is
   shared; make that one mount private (only it: the rest keeps what
   rootfsPropagation asked for).  */
static int
make_parent_private (const char *rootfs, carve_error_t *err)
{
  struct libmnt_table *tb CARVE_CLEANUP (mnt_table) = NULL;
  char real[PATH_MAX];
  struct libmnt_fs *fs;
  const char *fields;

  if (realpath (rootfs, real) == NULL)
    return carve_make_error (err, errno, "resolve rootfs `%s`", rootfs);
  tb = mnt_new_table_from_file ("/proc/self/mountinfo");
  if (tb == NULL)
    return carve_make_error (err, errno ? errno : ENOMEM, "read `/proc/self/mountinfo`");
  fs = mnt_table_find_mountpoint (tb, real, MNT_ITER_BACKWARD);
  if (fs == NULL)
    return 0;
  fields = mnt_fs_get_optional_fields (fs);
  if (fields == NULL || strstr (fields, "shared:") == NULL)
    return 0;
  if (mount (NULL, mnt_fs_get_target (fs), NULL, MS_PRIVATE, NULL) < 0)
    return carve_make_error (err, errno, "make `%s` private", mnt_fs_get_target (fs));
  return 0;
}

int
carve_rootfs_prepare (const char *rootfs, const char *rootfs_propagation, carve_error_t *err)
{
  unsigned long flags;

  if (carve_rootfs_propagation_flags (rootfs_propagation, &flags, err) < 0)
    return -1;
  /* Default rslave, as runc: mounts made from now on in this namespace do
     not propagate back to the host, while host mounts still reach us.  */
  if (flags == 0)
    flags = MS_SLAVE | MS_REC;
  if (mount (NULL, "/", NULL, flags, NULL) < 0)
    return carve_make_error (err, errno, "set propagation of `/`");
  if (make_parent_private (rootfs, err) < 0)
    return -1;
  /* Recursive, so mounts already under the rootfs come along (pivot_root
     needs a mount point; a plain bind would hide them).  */
  if (mount (rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return carve_make_error (err, errno, "bind rootfs `%s` onto itself", rootfs);
  return 0;
}

int
carve_rootfs_pivot (const char *rootfs, bool no_pivot, carve_error_t *err)
{
  cleanup_close int oldroot = -1;
  cleanup_close int newroot = -1;

  if (no_pivot)
    {
      if (chdir (rootfs) < 0)
        return carve_make_error (err, errno, "chdir `%s`", rootfs);
      if (mount (rootfs, "/", NULL, MS_MOVE, NULL) < 0)
        return carve_make_error (err, errno, "move `%s` onto `/`", rootfs);
      if (chroot (".") < 0)
        return carve_make_error (err, errno, "chroot `%s`", rootfs);
      if (chdir ("/") < 0)
        return carve_make_error (err, errno, "chdir `/`");
      return 0;
    }

  oldroot = open ("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0)
    return carve_make_error (err, errno, "open `/`");
  newroot = open (rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (newroot < 0)
    return carve_make_error (err, errno, "open `%s`", rootfs);
  if (fchdir (newroot) < 0)
    return carve_make_error (err, errno, "chdir `%s`", rootfs);
  /* pivot_root(".", "."): the old root ends up stacked under the new one,
     with no directory for it needed in the rootfs.  */
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return carve_make_error (err, errno, "pivot_root `%s`", rootfs);
  if (fchdir (oldroot) < 0)
    return carve_make_error (err, errno, "chdir to the old root");
  /* Slave first: unmounting a shared old root would unmount the host's
     mounts too.  */
  if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return carve_make_error (err, errno, "make the old root rslave");
  if (umount2 (".", MNT_DETACH) < 0)
    return carve_make_error (err, errno, "detach the old root");
  if (chdir ("/") < 0)
    return carve_make_error (err, errno, "chdir `/`");
  return 0;
}

int
carve_rootfs_finalize (bool readonly, const char *rootfs_propagation, carve_error_t *err)
{
  unsigned long flags;

  if (carve_rootfs_propagation_flags (rootfs_propagation, &flags, err) < 0)
    return -1;
  if (readonly)
    {
      cleanup_close int fd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0)
        return carve_make_error (err, errno, "open `/`");
      if (carve_mount_bind_remount (fd, MS_RDONLY, 0) < 0)
        return carve_make_error (err, errno, "remount `/` read-only");
    }
  if (flags && mount (NULL, "/", NULL, flags, NULL) < 0)
    return carve_make_error (err, errno, "set propagation `%s` of `/`", rootfs_propagation);
  return 0;
}

/* Opens PATH inside the new root; 0 and *RET_FD = -1 when it is missing.  */
static int
open_existing (int rootfd, const char *path, int *ret_fd, carve_error_t *err)
{
  cleanup_error carve_error_t local = NULL;
  int fd = carve_safepath_open (rootfd, path, O_PATH, 0, &local);

  if (fd < 0 && local->status != ENOENT)
    return carve_make_error (err, local->status, "open `%s`", path);
  *ret_fd = fd;
  return 0;
}

/* Masking binds /dev/null over files: it has to be the real null device,
   not a file the image put there.  */
static int
open_dev_null (int rootfd, carve_error_t *err)
{
  cleanup_close int fd = -1;
  struct stat st;

  fd = carve_safepath_open (rootfd, "/dev/null", O_PATH, 0, err);
  if (fd < 0)
    return -1;
  if (fstat (fd, &st) < 0)
    return carve_make_error (err, errno, "stat `/dev/null`");
  if (!S_ISCHR (st.st_mode) || major (st.st_rdev) != 1 || minor (st.st_rdev) != 3)
    return carve_make_error (err, 0, "`/dev/null` is not the null device");
  return steal_fd (&fd);
}

int
carve_paths_mask (char *const *paths, size_t n, carve_error_t *err)
{
  cleanup_close int rootfd = -1;
  cleanup_close int nullfd = -1;
  size_t i;

  rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return carve_make_error (err, errno, "open `/`");
  for (i = 0; i < n; i++)
    {
      cleanup_close int fd = -1;
      struct stat st;

      if (open_existing (rootfd, paths[i], &fd, err) < 0)
        return carve_error_wrap (err, "maskedPaths[%zu]", i);
      if (fd < 0)
        continue;
      if (fstat (fd, &st) < 0)
        return carve_make_error (err, errno, "maskedPaths[%zu]: stat `%s`", i, paths[i]);
      if (S_ISDIR (st.st_mode))
        {
          if (carve_mount_on_fd ("tmpfs", fd, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0") < 0)
            return carve_make_error (err, errno, "maskedPaths[%zu]: mount tmpfs on `%s`", i, paths[i]);
        }
      else
        {
          char source[CARVE_SAFEPATH_FD_PATH_MAX];

          if (nullfd < 0)
            {
              nullfd = open_dev_null (rootfd, err);
              if (nullfd < 0)
                return carve_error_wrap (err, "maskedPaths[%zu]", i);
            }
          if (carve_mount_on_fd (carve_safepath_fd_path (nullfd, source), fd, NULL, MS_BIND, NULL) < 0)
            return carve_make_error (err, errno, "maskedPaths[%zu]: bind `/dev/null` on `%s`", i, paths[i]);
        }
    }
  return 0;
}

int
carve_paths_readonly (char *const *paths, size_t n, carve_error_t *err)
{
  cleanup_close int rootfd = -1;
  size_t i;

  rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return carve_make_error (err, errno, "open `/`");
  for (i = 0; i < n; i++)
    {
      cleanup_close int fd = -1;
      cleanup_close int mnt = -1;
      char source[CARVE_SAFEPATH_FD_PATH_MAX];
      struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

      if (open_existing (rootfd, paths[i], &fd, err) < 0)
        return carve_error_wrap (err, "readonlyPaths[%zu]", i);
      if (fd < 0)
        continue;
      if (carve_mount_on_fd (carve_safepath_fd_path (fd, source), fd, NULL, MS_BIND | MS_REC, NULL) < 0)
        return carve_make_error (err, errno, "readonlyPaths[%zu]: bind `%s`", i, paths[i]);
      mnt = carve_safepath_open (rootfd, paths[i], O_PATH, 0, err);
      if (mnt < 0)
        return carve_error_wrap (err, "readonlyPaths[%zu]", i);
      if (mount_setattr (mnt, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof (attr)) == 0)
        continue;
      /* mount_setattr came with Linux 5.12; before it only the top mount
         can be made read-only.  */
      if (errno != ENOSYS || carve_mount_bind_remount (mnt, MS_RDONLY, 0) < 0)
        return carve_make_error (err, errno, "readonlyPaths[%zu]: make `%s` read-only", i, paths[i]);
    }
  return 0;
}
