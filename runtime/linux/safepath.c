/* Paths resolved inside the rootfs without leaving it (safepath.h).  */
#include <config.h>
#include "runtime/linux/safepath.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "xalloc.h"

/* As the kernel's own path walk (MAXSYMLINKS).  */
#define SAFEPATH_MAX_SYMLINKS 40

const char *
carve_safepath_fd_path (int fd, char buf[CARVE_SAFEPATH_FD_PATH_MAX])
{
  snprintf (buf, CARVE_SAFEPATH_FD_PATH_MAX, "/proc/self/fd/%d", fd);
  return buf;
}

/* The directories entered so far, deepest last; depth 0 is ROOTFD itself,
   which the walk does not own.  ".." pops, so it can never climb above
   ROOTFD.  */
struct walk_s
{
  int rootfd;
  int *fds;
  size_t len;
  size_t cap;
};

static void
walk_release (struct walk_s *w)
{
  size_t i;
  for (i = 0; i < w->len; i++)
    (void)close (w->fds[i]);
  free (w->fds);
  w->fds = NULL;
  w->len = 0;
  w->cap = 0;
}

static int
walk_top (const struct walk_s *w)
{
  return w->len > 0 ? w->fds[w->len - 1] : w->rootfd;
}

static void
walk_push (struct walk_s *w, int fd)
{
  if (w->len == w->cap)
    {
      w->cap = w->cap ? w->cap * 2 : 8;
      w->fds = xrealloc (w->fds, w->cap * sizeof (int));
    }
  w->fds[w->len++] = fd;
}

static void
walk_pop (struct walk_s *w)
{
  if (w->len > 0)
    (void)close (w->fds[--w->len]);
}

static char *
read_link_at (int dirfd, const char *name)
{
  char buf[PATH_MAX + 1];
  ssize_t n = readlinkat (dirfd, name, buf, sizeof (buf));
  if (n < 0)
    return NULL;
  if ((size_t)n >= sizeof (buf))
    {
      errno = ENAMETOOLONG;
      return NULL;
    }
  return xstrndup (buf, (size_t)n);
}

/* The walk proper; returns a descriptor or -1 with errno set.  */
static int
walk_open (int rootfd, const char *path, int flags, mode_t mode)
{
  struct walk_s w = { .rootfd = rootfd };
  cleanup_free char *buf = xstrdup (path);
  const char *p = buf;
  int links = 0;
  int ret = -1;

  for (;;)
    {
      cleanup_free char *name = NULL;
      const char *next, *q;
      struct stat st;
      bool last;
      size_t len;

      while (*p == '/')
        p++;
      if (*p == '\0')
        {
          /* The path ends on a directory already entered.  */
          ret = openat (walk_top (&w), ".", flags | O_CLOEXEC, mode);
          break;
        }

      next = strchr (p, '/');
      len = next ? (size_t)(next - p) : strlen (p);
      name = xstrndup (p, len);
      next = p + len;
      for (q = next; *q == '/'; q++)
        ;
      last = *q == '\0';

      if (strcmp (name, ".") == 0)
        {
          p = next;
          continue;
        }
      if (strcmp (name, "..") == 0)
        {
          walk_pop (&w);
          p = next;
          continue;
        }

      if (fstatat (walk_top (&w), name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        {
          if (errno == ENOENT && last && (flags & O_CREAT))
            ret = openat (walk_top (&w), name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
          break;
        }

      if (S_ISLNK (st.st_mode) && !(last && (flags & O_NOFOLLOW)))
        {
          /* Splice the link's target in front of what is left; an
             absolute target starts again from ROOTFD, not from the host's
             "/".  */
          cleanup_free char *target = NULL;
          char *joined;

          if (++links > SAFEPATH_MAX_SYMLINKS)
            {
              errno = ELOOP;
              break;
            }
          target = read_link_at (walk_top (&w), name);
          if (target == NULL)
            break;
          if (target[0] == '/')
            walk_release (&w);
          joined = xasprintf ("%s/%s", target, next);
          free (buf);
          buf = joined;
          p = buf;
          continue;
        }

      if (last)
        {
          /* O_NOFOLLOW: if NAME was swapped for a symlink since fstatat,
             fail rather than follow it out of the rootfs.  */
          ret = openat (walk_top (&w), name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
          if (ret >= 0 && (flags & O_PATH) && !(flags & O_NOFOLLOW) && fstat (ret, &st) == 0 && S_ISLNK (st.st_mode))
            {
              (void)close (ret);
              ret = -1;
              errno = ELOOP;
            }
          break;
        }

      {
        int fd = openat (walk_top (&w), name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
          break;
        walk_push (&w, fd);
      }
      p = next;
    }

  {
    int saved = errno;
    walk_release (&w);
    errno = saved;
  }
  return ret;
}

int
carve_safepath_open_walk (int rootfd, const char *path, int flags, mode_t mode, carve_error_t *err)
{
  int fd = walk_open (rootfd, path, flags, mode);
  if (fd < 0)
    return carve_make_error (err, errno, "open `%s`", path);
  return fd;
}

/* ELOOP is mostly a symlink into /proc/PID/... (a magic link), refused
   because it would lead out of the rootfs: say so, "too many levels of
   symbolic links" alone misleads.  */
static int
open_error (int e, const char *path, carve_error_t *err)
{
  if (e == ELOOP)
    return carve_make_error (err, e,
                             "open `%s` (a symlink on the way loops or is a /proc magic link, which could "
                             "leave the rootfs)",
                             path);
  return carve_make_error (err, e, "open `%s`", path);
}

/* openat2 came with Linux 5.6; remember when the kernel lacks it.  */
static bool openat2_missing;

int
carve_safepath_open (int rootfd, const char *path, int flags, mode_t mode, carve_error_t *err)
{
  struct open_how how = {
    .flags = (unsigned long long)(flags | O_CLOEXEC),
    .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  int attempt;
  long fd = -1;

  if (!openat2_missing)
    {
      /* EAGAIN: a rename raced with the lookup and the kernel could not
         prove the result stays inside the root; try again.  */
      for (attempt = 0; attempt < 16; attempt++)
        {
          fd = syscall (SYS_openat2, rootfd, path, &how, sizeof (how));
          if (fd >= 0 || errno != EAGAIN)
            break;
        }
      if (fd >= 0)
        return (int)fd;
      if (errno != ENOSYS)
        return open_error (errno, path, err);
      openat2_missing = true;
    }
  return carve_safepath_open_walk (rootfd, path, flags, mode, err);
}

/* Opens PATH as a directory; returns -1 with errno on failure, no error
   object (the callers handle ENOENT).  */
static int
open_dir_quiet (int rootfd, const char *path)
{
  cleanup_error carve_error_t err = NULL;
  int fd = carve_safepath_open (rootfd, path, O_PATH | O_DIRECTORY, 0, &err);
  if (fd < 0)
    errno = err->status;
  return fd;
}

static int
mkdir_p_depth (int rootfd, const char *path, mode_t mode, int *ret_fd, int depth, carve_error_t *err)
{
  cleanup_free char *copy = NULL;
  cleanup_free char *prefix = NULL;
  cleanup_close int parent = -1;
  char *comp, *save = NULL;
  int fd;

  if (depth > SAFEPATH_MAX_SYMLINKS)
    return carve_make_error (err, ELOOP, "mkdir `%s`", path);

  fd = open_dir_quiet (rootfd, path);
  if (fd >= 0)
    goto done;
  if (errno != ENOENT)
    return open_error (errno, path, err);

  parent = openat (rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (parent < 0)
    return carve_make_error (err, errno, "open rootfs");
  prefix = xstrdup ("");
  copy = xstrdup (path);
  for (comp = strtok_r (copy, "/", &save); comp; comp = strtok_r (NULL, "/", &save))
    {
      cleanup_free char *parent_prefix = prefix;
      int cur;

      prefix = xasprintf ("%s/%s", parent_prefix, comp);
      cur = open_dir_quiet (rootfd, prefix);
      if (cur < 0 && errno == ENOENT)
        {
          /* PARENT is the already resolved directory, so the new entry is
             made inside the rootfs whatever symlinks led there.  */
          if (mkdirat (parent, comp, mode) < 0 && errno != EEXIST)
            return carve_make_error (err, errno, "mkdir `%s`", prefix);
          cur = open_dir_quiet (rootfd, prefix);
          if (cur < 0 && errno == ENOENT)
            {
              /* A dangling symlink: create its target, inside the rootfs.  */
              cleanup_free char *target = read_link_at (parent, comp);
              cleanup_free char *where = NULL;
              if (target == NULL)
                return carve_make_error (err, ENOENT, "open `%s`", prefix);
              where = target[0] == '/' ? xstrdup (target) : xasprintf ("%s/%s", parent_prefix, target);
              if (mkdir_p_depth (rootfd, where, mode, NULL, depth + 1, err) < 0)
                return -1;
              cur = open_dir_quiet (rootfd, prefix);
            }
        }
      if (cur < 0)
        return open_error (errno, prefix, err);
      (void)close (parent);
      parent = cur;
    }
  fd = steal_fd (&parent);

done:
  if (ret_fd)
    *ret_fd = fd;
  else
    (void)close (fd);
  return 0;
}

int
carve_safepath_mkdir_p (int rootfd, const char *path, mode_t mode, int *ret_fd, carve_error_t *err)
{
  return mkdir_p_depth (rootfd, path, mode, ret_fd, 0, err);
}

int
carve_safepath_create_file (int rootfd, const char *path, mode_t mode, int *ret_fd, carve_error_t *err)
{
  cleanup_error carve_error_t local = NULL;
  cleanup_close int parent = -1;
  cleanup_close int fd = -1;
  cleanup_free char *dir = NULL;
  const char *base, *slash;
  size_t len = strlen (path);
  int tmp;

  fd = carve_safepath_open (rootfd, path, O_PATH, 0, &local);
  if (fd >= 0)
    goto done;
  if (local->status != ENOENT)
    return carve_make_error (err, local->status, "open `%s`", path);

  while (len > 0 && path[len - 1] == '/')
    len--;
  if (len < strlen (path))
    return carve_make_error (err, EISDIR, "create `%s`", path);
  slash = strrchr (path, '/');
  base = slash ? slash + 1 : path;
  dir = slash ? xstrndup (path, (size_t)(slash - path)) : xstrdup (".");
  if (*base == '\0' || strcmp (base, ".") == 0 || strcmp (base, "..") == 0)
    return carve_make_error (err, EINVAL, "create `%s`", path);

  if (carve_safepath_mkdir_p (rootfd, *dir ? dir : "/", 0755, &parent, err) < 0)
    return -1;
  /* O_EXCL | O_NOFOLLOW: never open (and so never create through) a
     symlink planted at BASE.  */
  tmp = openat (parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (tmp < 0 && errno != EEXIST)
    return carve_make_error (err, errno, "create `%s`", path);
  if (tmp >= 0)
    (void)close (tmp);

  fd = carve_safepath_open (rootfd, path, O_PATH, 0, err);
  if (fd < 0)
    return -1;

done:
  if (ret_fd)
    *ret_fd = steal_fd (&fd);
  return 0;
}

char *
carve_safepath_first_missing (int rootfd, const char *path)
{
  cleanup_free char *copy = xstrdup (path);
  cleanup_free char *prefix = xstrdup ("");
  cleanup_close int parent = -1;
  char *comp, *save = NULL;
  struct stat st;

  parent = openat (rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (parent < 0)
    return NULL;
  for (comp = strtok_r (copy, "/", &save); comp; comp = strtok_r (NULL, "/", &save))
    {
      cleanup_free char *parent_prefix = prefix;
      int cur;

      prefix = xasprintf ("%s/%s", parent_prefix, comp);
      cur = open_dir_quiet (rootfd, prefix);
      if (cur >= 0)
        {
          (void)close (parent);
          parent = cur;
          continue;
        }
      /* Missing, and not as a dangling symlink (whose target, somewhere
         else in the rootfs, mkdir_p would make): this is where what
         setup makes begins.  Anything else (a file on the way, a loop)
         setup fails on, or makes nothing for.  */
      if (errno == ENOENT && fstatat (parent, comp, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
        return steal_pointer (&prefix);
      return NULL;
    }
  return NULL;
}

#define REMOVE_MAX_DEPTH 256

/* Removes NAME in PARENT when it is what setup makes: a directory once
   everything in it is removed, an empty regular file, a device node, a
   symlink, a fifo or a socket.  A regular file with content stays (it is
   not carve's: a hook wrote it), and the directories above it with it.
   DEV is the filesystem being cleaned: a mount on the way is another one
   and stays whole.  Returns true when NAME is gone.  */
static bool
remove_made_at (int parent, const char *name, dev_t dev, int depth)
{
  cleanup_close int fd = -1;
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  struct stat st, fst;
  bool all = true;

  if (fstatat (parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT;
  if (st.st_dev != dev)
    return false;
  if (!S_ISDIR (st.st_mode))
    {
      if (S_ISREG (st.st_mode) && st.st_size > 0)
        return false;
      return unlinkat (parent, name, 0) == 0;
    }
  if (depth >= REMOVE_MAX_DEPTH)
    return false;
  /* O_NOFOLLOW, and the same inode as the one checked: a symlink swapped
     in meanwhile is never entered.  */
  fd = openat (parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &fst) < 0 || fst.st_dev != st.st_dev || fst.st_ino != st.st_ino)
    return false;
  d = fdopendir (fd);
  if (d == NULL)
    return false;
  fd = -1; /* the DIR owns it */
  while ((de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (!remove_made_at (dirfd (d), de->d_name, dev, depth + 1))
        all = false;
    }
  return all && unlinkat (parent, name, AT_REMOVEDIR) == 0;
}

void
carve_safepath_remove_made (int rootfd, const char *path)
{
  cleanup_free char *dir = xstrdup (path);
  cleanup_close int parent = -1;
  cleanup_error carve_error_t ignored = NULL;
  char *slash = strrchr (dir, '/');
  struct stat st;

  if (slash == NULL || slash[1] == '\0')
    return;
  *slash = '\0';
  parent = carve_safepath_open (rootfd, *dir ? dir : "/", O_PATH | O_DIRECTORY, 0, &ignored);
  if (parent < 0 || fstat (parent, &st) < 0)
    return;
  (void)remove_made_at (parent, slash + 1, st.st_dev, 0);
}
