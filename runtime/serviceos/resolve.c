/* Resolving a forwarded call's paths inside the target's root
   (resolve.h).  */
#include <config.h>
#include "resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/base/xalloc.h"

/* readlinkat into a malloc'd string; -errno.  */
static int
read_link (int dirfd, const char *name, char **ret)
{
  char buf[4096 + 1];
  ssize_t n = readlinkat (dirfd, name, buf, sizeof (buf) - 1);

  if (n < 0)
    return -errno;
  if ((size_t)n >= sizeof (buf) - 1)
    return -ENAMETOOLONG;
  buf[n] = '\0';
  *ret = xstrdup (buf);
  return 0;
}

int
carve_sos_root_open (struct carve_sos_root_s *r, int proc_fd, pid_t tid)
{
  char name[64];
  int rc;

  r->proc_fd = proc_fd;
  r->tid = tid;
  r->root_fd = -1;
  r->root_link = NULL;
  snprintf (name, sizeof (name), "%d/root", (int)tid);
  r->root_fd = openat (proc_fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (r->root_fd < 0)
    return errno == ENOENT ? -ESRCH : -errno;
  rc = read_link (proc_fd, name, &r->root_link);
  if (rc < 0)
    {
      carve_sos_root_close (r);
      return rc == -ENOENT ? -ESRCH : rc;
    }
  return 0;
}

void
carve_sos_root_close (struct carve_sos_root_s *r)
{
  if (r->root_fd >= 0)
    close (r->root_fd);
  r->root_fd = -1;
  free (r->root_link);
  r->root_link = NULL;
}

/* LINK (a host-side readlink of the starting directory) as a path inside
   the root, or NULL when it is not under it.  */
static const char *
strip_root (const char *root, const char *link)
{
  size_t n = strlen (root);

  if (link[0] != '/')
    return NULL; /* "pipe:[...]", "anon_inode:...": not a directory */
  if (strcmp (root, "/") == 0)
    return link;
  if (strncmp (link, root, n) != 0 || (link[n] != '/' && link[n] != '\0'))
    return NULL;
  return link[n] ? link + n : "/";
}

int
carve_sos_root_path (struct carve_sos_root_s *r, int dirfd, const char *path, char **ret)
{
  char name[64];
  char *link = NULL;
  const char *rel;
  size_t len;
  int rc;

  if (path[0] == '\0')
    return -ENOENT;
  if (path[0] == '/')
    {
      *ret = xstrdup (path);
      return 0;
    }
  if (dirfd == AT_FDCWD)
    snprintf (name, sizeof (name), "%d/cwd", (int)r->tid);
  else if (dirfd < 0)
    return -EBADF;
  else
    {
      struct stat st;

      snprintf (name, sizeof (name), "%d/fd/%d", (int)r->tid, dirfd);
      if (fstatat (r->proc_fd, name, &st, 0) < 0)
        return errno == ENOENT ? -EBADF : -errno;
      if (!S_ISDIR (st.st_mode))
        return -ENOTDIR;
    }
  rc = read_link (r->proc_fd, name, &link);
  if (rc < 0)
    return rc == -ENOENT ? (dirfd == AT_FDCWD ? -ESRCH : -EBADF) : rc;
  /* A directory removed while the process sits in it: the native
     lookup finds nothing there either.  */
  len = strlen (link);
  if (len > 10 && strcmp (link + len - 10, " (deleted)") == 0)
    {
      free (link);
      return -ENOENT;
    }
  rel = strip_root (r->root_link, link);
  if (rel == NULL)
    {
      free (link);
      return -EXDEV;
    }
  *ret = xasprintf ("%s%s%s", rel, rel[strlen (rel) - 1] == '/' ? "" : "/", path);
  free (link);
  return 0;
}

bool
carve_sos_path_is_proc (const char *path)
{
  while (path[0] == '/' && path[1] == '/')
    path++;
  return strncmp (path, "/proc", 5) == 0 && (path[5] == '/' || path[5] == '\0');
}

int
carve_sos_root_openat2 (struct carve_sos_root_s *r, const char *path, uint64_t flags, uint64_t mode,
                        uint64_t extra_resolve, int *ret_fd)
{
  struct open_how how;
  long fd;

  memset (&how, 0, sizeof (how));
  how.flags = flags | O_CLOEXEC;
  how.mode = mode;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra_resolve;
  fd = syscall (SYS_openat2, r->root_fd, path, &how, sizeof (how));
  if (fd < 0)
    return -errno;
  *ret_fd = (int)fd;
  return 0;
}

int
carve_sos_root_parent (struct carve_sos_root_s *r, const char *path, int *ret_dirfd, char **ret_copy,
                       const char **ret_name, bool *ret_dir_only)
{
  char *copy = xstrdup (path), *slash;
  size_t len = strlen (copy);
  bool dir_only = false;
  int rc, fd = -1;

  while (len > 1 && copy[len - 1] == '/')
    {
      copy[--len] = '\0';
      dir_only = true;
    }
  slash = strrchr (copy, '/');
  /* carve_sos_root_path makes every path absolute.  */
  if (slash == NULL || strcmp (copy, "/") == 0)
    {
      free (copy);
      copy = xstrdup ("/.");
      slash = copy;
    }
  *slash = '\0';
  rc = carve_sos_root_openat2 (r, copy[0] ? copy : "/", O_PATH | O_DIRECTORY, 0, 0, &fd);
  if (rc < 0)
    {
      free (copy);
      return rc;
    }
  *ret_dirfd = fd;
  *ret_name = slash + 1;
  *ret_copy = copy;
  *ret_dir_only = dir_only;
  return 0;
}
