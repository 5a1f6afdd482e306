/* /dev in the container (devices.h): the default device nodes and
   linux.devices, made or bound inside the rootfs.  */
#include <config.h>
#include "runtime/linux/devices.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "xalloc.h"
#include "runtime/linux/mount.h"
#include "runtime/linux/safepath.h"
#include "spec/spec.h"

struct node_s
{
  const char *path;
  mode_t type; /* S_IFCHR, S_IFBLK or S_IFIFO */
  dev_t rdev;
  mode_t mode;
  bool has_uid;
  uid_t uid;
  bool has_gid;
  gid_t gid;
};

/* config-linux.md "Default Devices": character devices, mode 0666.  */
static const struct
{
  const char *path;
  unsigned int major;
  unsigned int minor;
} default_nodes[] = {
  { "/dev/null", 1, 3 },   { "/dev/zero", 1, 5 },    { "/dev/full", 1, 7 },
  { "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

static const char *
type_name (mode_t type)
{
  switch (type)
    {
    case S_IFCHR:
      return "character device";
    case S_IFBLK:
      return "block device";
    case S_IFIFO:
      return "fifo";
    default:
      return "device";
    }
}

/* Sets mode and owner through an O_PATH descriptor of the node, so a
   symlink put in its place is never followed.  */
static int
set_mode_owner (int parent, const char *base, const struct node_s *d, carve_error_t *err)
{
  cleanup_close int fd = -1;
  char path[CARVE_SAFEPATH_FD_PATH_MAX];
  struct stat st;

  fd = openat (parent, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return carve_make_error (err, errno, "open");
  if (fstat (fd, &st) < 0)
    return carve_make_error (err, errno, "stat");
  if ((st.st_mode & S_IFMT) != d->type)
    return carve_make_error (err, 0, "exists and is not a %s", type_name (d->type));
  if (chmod (carve_safepath_fd_path (fd, path), d->mode) < 0)
    return carve_make_error (err, errno, "chmod");
  if ((d->has_uid || d->has_gid)
      && fchownat (fd, "", d->has_uid ? d->uid : (uid_t)-1, d->has_gid ? d->gid : (gid_t)-1, AT_EMPTY_PATH) < 0)
    return carve_make_error (err, errno, "chown");
  return 0;
}

/* The host's node at D's path, which a user namespace binds because it
   cannot mknod: it must be the device asked for, or the container would get
   another one (or none) under the requested name.  */
static int
check_host_node (const struct node_s *d, carve_error_t *err)
{
  struct stat st;

  if (stat (d->path, &st) < 0)
    {
      if (errno == ENOENT)
        return carve_make_error (err, errno,
                                 "no such device on the host (in a user namespace devices are bound from the host)");
      return carve_make_error (err, errno, "stat host `%s`", d->path);
    }
  if ((st.st_mode & S_IFMT) != d->type || (d->type != S_IFIFO && st.st_rdev != d->rdev))
    return carve_make_error (err, 0, "the host's `%s` is not the %s %u:%u asked for", d->path, type_name (d->type),
                             major (d->rdev), minor (d->rdev));
  return 0;
}

static int
create_node (int rootfd, const struct node_s *d, bool bind_from_host, bool replace, carve_error_t *err)
{
  cleanup_close int parent = -1;
  cleanup_free char *dir = NULL;
  const char *slash = strrchr (d->path, '/');
  const char *base = slash ? slash + 1 : d->path;
  struct stat st;

  if (*base == '\0' || strcmp (base, ".") == 0 || strcmp (base, "..") == 0)
    return carve_make_error (err, EINVAL, "invalid device path");

  if (bind_from_host)
    {
      cleanup_close int fd = -1;
      /* mknod is refused in a user namespace: bind the host's node onto
         an empty file instead, as runc does.  */
      if (check_host_node (d, err) < 0)
        return -1;
      if (carve_safepath_create_file (rootfd, d->path, 0644, &fd, err) < 0)
        return -1;
      if (carve_mount_on_fd (d->path, fd, NULL, MS_BIND, NULL) < 0)
        return carve_make_error (err, errno, "bind host `%s`", d->path);
      return 0;
    }

  dir = slash && slash != d->path ? xstrndup (d->path, (size_t)(slash - d->path)) : xstrdup ("/");
  if (carve_safepath_mkdir_p (rootfd, dir, 0755, &parent, err) < 0)
    return -1;

  if (fstatat (parent, base, &st, AT_SYMLINK_NOFOLLOW) == 0)
    {
      if ((st.st_mode & S_IFMT) != d->type)
        return carve_make_error (err, 0, "exists and is not a %s", type_name (d->type));
      if (d->type == S_IFIFO || st.st_rdev == d->rdev)
        return set_mode_owner (parent, base, d, err);
      /* config-linux.md: a file at the path that does not match the device
         is an error (runc keeps it silently).  Only carve's own default
         nodes give way to a linux.devices entry.  */
      if (!replace)
        return carve_make_error (err, 0, "exists and is %s %u:%u, not %u:%u", type_name (d->type), major (st.st_rdev),
                                 minor (st.st_rdev), major (d->rdev), minor (d->rdev));
      if (unlinkat (parent, base, 0) < 0)
        return carve_make_error (err, errno, "replace");
    }
  else if (errno != ENOENT)
    return carve_make_error (err, errno, "stat");

  if (mknodat (parent, base, d->type | (d->mode & 07777), d->rdev) < 0)
    return carve_make_error (err, errno, "mknod");
  /* mknod applied the umask; set the requested mode and owner.  */
  return set_mode_owner (parent, base, d, err);
}

static int
node_from_spec (const struct carve_spec_linux_device_s *s, struct node_s *ret, carve_error_t *err)
{
  memset (ret, 0, sizeof (*ret));
  if (s->path == NULL || s->type == NULL)
    return carve_make_error (err, 0, "device without path or type");
  ret->path = s->path;
  if (strcmp (s->type, "c") == 0 || strcmp (s->type, "u") == 0)
    ret->type = S_IFCHR;
  else if (strcmp (s->type, "b") == 0)
    ret->type = S_IFBLK;
  else if (strcmp (s->type, "p") == 0)
    ret->type = S_IFIFO;
  else
    return carve_make_error (err, 0, "unknown device type `%s`", s->type);
  if (ret->type != S_IFIFO)
    {
      if (!s->has_major || !s->has_minor || s->major < 0 || s->minor < 0)
        return carve_make_error (err, 0, "device needs major and minor numbers");
      ret->rdev = makedev ((unsigned int)s->major, (unsigned int)s->minor);
    }
  ret->mode = s->has_file_mode ? (s->file_mode & 07777) : 0666;
  ret->has_uid = s->has_uid;
  ret->uid = s->uid;
  ret->has_gid = s->has_gid;
  ret->gid = s->gid;
  return 0;
}

static int
make_symlink (int devfd, const char *target, const char *name, bool replace, carve_error_t *err)
{
  if (replace && unlinkat (devfd, name, 0) < 0 && errno != ENOENT)
    return carve_make_error (err, errno, "remove `/dev/%s`", name);
  if (symlinkat (target, devfd, name) < 0 && errno != EEXIST)
    return carve_make_error (err, errno, "symlink `/dev/%s` -> `%s`", name, target);
  return 0;
}

int
carve_devices_setup (int rootfd, struct carve_spec_linux_device_s *const *devices, size_t n, bool bind_from_host,
                     carve_error_t *err)
{
  cleanup_close int devfd = -1;
  size_t i;

  if (carve_safepath_mkdir_p (rootfd, "/dev", 0755, &devfd, err) < 0)
    return -1;

  for (i = 0; i < sizeof (default_nodes) / sizeof (default_nodes[0]); i++)
    {
      struct node_s d = {
        .path = default_nodes[i].path,
        .type = S_IFCHR,
        .rdev = makedev (default_nodes[i].major, default_nodes[i].minor),
        .mode = 0666,
      };
      if (create_node (rootfd, &d, bind_from_host, false, err) < 0)
        return carve_error_wrap (err, "device `%s`", d.path);
    }

  /* The devpts instance's own ptmx, so each container's ptys stay its
     own.  */
  if (make_symlink (devfd, "pts/ptmx", "ptmx", true, err) < 0)
    return -1;
  if (make_symlink (devfd, "/proc/self/fd", "fd", false, err) < 0
      || make_symlink (devfd, "/proc/self/fd/0", "stdin", false, err) < 0
      || make_symlink (devfd, "/proc/self/fd/1", "stdout", false, err) < 0
      || make_symlink (devfd, "/proc/self/fd/2", "stderr", false, err) < 0)
    return -1;
  if (carve_safepath_mkdir_p (rootfd, "/dev/pts", 0755, NULL, err) < 0)
    return -1;

  for (i = 0; i < n; i++)
    {
      struct node_s d;
      bool is_default = false;
      size_t k;

      for (k = 0; devices[i]->path && k < sizeof (default_nodes) / sizeof (default_nodes[0]); k++)
        if (strcmp (devices[i]->path, default_nodes[k].path) == 0)
          is_default = true;
      if (node_from_spec (devices[i], &d, err) < 0 || create_node (rootfd, &d, bind_from_host, is_default, err) < 0)
        return carve_error_wrap (err, "linux.devices[%zu] `%s`", i, devices[i]->path ? devices[i]->path : "");
    }
  return 0;
}

char **
carve_devices_paths (struct carve_spec_linux_device_s *const *devices, size_t n)
{
  static const char *const fixed[] = { "/dev/ptmx", "/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/pts" };
  size_t n_default = sizeof (default_nodes) / sizeof (default_nodes[0]), n_fixed = sizeof (fixed) / sizeof (fixed[0]);
  char **v = xcalloc (n_default + n_fixed + n + 1, sizeof (char *));
  size_t i, k = 0;

  for (i = 0; i < n_default; i++)
    v[k++] = xstrdup (default_nodes[i].path);
  for (i = 0; i < n_fixed; i++)
    v[k++] = xstrdup (fixed[i]);
  for (i = 0; i < n; i++)
    if (devices[i]->path)
      v[k++] = xstrdup (devices[i]->path);
  return v;
}
