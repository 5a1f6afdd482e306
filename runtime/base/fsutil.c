/* File, path and descriptor utilities (fsutil.h).  */
#include <config.h>
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cleanup.h"
#include "xalloc.h"

int
carve_write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t r = write (fd, p, len);
      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      p += r;
      len -= (size_t) r;
    }
  return 0;
}

ssize_t
carve_read_all (int fd, void *buf, size_t len)
{
  char *p = buf;
  size_t done = 0;
  while (done < len)
    {
      ssize_t r = read (fd, p + done, len - done);
      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      if (r == 0)
        break;
      done += (size_t) r;
    }
  return (ssize_t) done;
}

int
carve_read_fd_max (int fd, const char *name, size_t max, char **ret_buf, size_t *ret_len, carve_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0, cap = 4096;
  struct stat st;

  /* A regular file too large is refused before a byte is read; anything
     else (a pipe, /dev/zero) when it goes past MAX, so neither a runaway
     generator nor a config.json pointing at a device takes the node's
     memory or time.  */
  if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && (uintmax_t)st.st_size > max)
    return carve_make_error (err, EFBIG, "`%s`: larger than %zu MiB", name, max >> 20);
  buf = xmalloc (cap);
  for (;;)
    {
      ssize_t r;
      if (len + 1 >= cap)
        {
          if (len > max)
            return carve_make_error (err, EFBIG, "`%s`: larger than %zu MiB", name, max >> 20);
          cap *= 2;
          buf = xrealloc (buf, cap);
        }
      r = read (fd, buf + len, cap - len - 1);
      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          return carve_make_error (err, errno, "read `%s`", name);
        }
      if (r == 0)
        break;
      len += (size_t) r;
    }
  if (len > max)
    return carve_make_error (err, EFBIG, "`%s`: larger than %zu MiB", name, max >> 20);
  buf[len] = '\0';
  if (ret_len)
    *ret_len = len;
  *ret_buf = steal_pointer (&buf);
  return 0;
}

int
carve_read_file_max (int dirfd, const char *path, size_t max, char **ret_buf, size_t *ret_len, carve_error_t *err)
{
  cleanup_close int fd = -1;

  fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return carve_make_error (err, errno, "open `%s`", path);
  return carve_read_fd_max (fd, path, max, ret_buf, ret_len, err);
}

int
carve_read_file_at (int dirfd, const char *path, char **ret_buf, size_t *ret_len, carve_error_t *err)
{
  return carve_read_file_max (dirfd, path, CARVE_READ_FILE_MAX, ret_buf, ret_len, err);
}

int
carve_read_file (const char *path, char **ret_buf, size_t *ret_len, carve_error_t *err)
{
  return carve_read_file_at (AT_FDCWD, path, ret_buf, ret_len, err);
}

int
carve_write_file_at (int dirfd, const char *path, const char *data, size_t len, carve_error_t *err)
{
  cleanup_close int fd = -1;
  ssize_t r;

  fd = openat (dirfd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return carve_make_error (err, errno, "open `%s`", path);
  do
    r = write (fd, data, len);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return carve_make_error (err, errno, "write `%.*s` to `%s`", (int) (len > 64 ? 64 : len), data, path);
  if ((size_t) r != len)
    return carve_make_error (err, EIO, "short write to `%s`", path);
  return 0;
}

int
carve_write_file (const char *path, const char *data, size_t len, carve_error_t *err)
{
  return carve_write_file_at (AT_FDCWD, path, data, len, err);
}

int
carve_write_file_atomic (const char *path, const char *data, size_t len, mode_t mode, carve_error_t *err)
{
  cleanup_free char *tmp = xasprintf ("%s.tmp.%d", path, (int) getpid ());
  cleanup_close int fd = -1;

  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return carve_make_error (err, errno, "create `%s`", tmp);
  if (carve_write_all (fd, data, len) < 0 || fsync (fd) < 0)
    {
      int saved = errno;
      (void) unlink (tmp);
      return carve_make_error (err, saved, "write `%s`", tmp);
    }
  if (rename (tmp, path) < 0)
    {
      int saved = errno;
      (void) unlink (tmp);
      return carve_make_error (err, saved, "rename `%s` to `%s`", tmp, path);
    }
  return 0;
}

int
carve_mkdir_p (const char *path, mode_t mode, carve_error_t *err)
{
  cleanup_free char *p = xstrdup (path);
  char *s;

  for (s = p + 1; *s; s++)
    {
      if (*s != '/')
        continue;
      *s = '\0';
      if (mkdir (p, mode) < 0 && errno != EEXIST)
        return carve_make_error (err, errno, "mkdir `%s`", p);
      *s = '/';
    }
  if (mkdir (p, mode) < 0 && errno != EEXIST)
    return carve_make_error (err, errno, "mkdir `%s`", p);
  return 0;
}

int
carve_rm_rf_at (int parentfd, const char *name, carve_error_t *err)
{
  cleanup_close int fd = -1;
  cleanup_dir DIR *d = NULL;
  struct dirent *de;

  if (unlinkat (parentfd, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno != EISDIR && errno != EPERM)
    return carve_make_error (err, errno, "unlink `%s`", name);

  /* O_NOFOLLOW: a symlink planted in place of a directory must not make us
     delete its target's contents.  */
  fd = openat (parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return carve_make_error (err, errno, "open `%s`", name);
  d = fdopendir (fd);
  if (d == NULL)
    return carve_make_error (err, errno, "fdopendir `%s`", name);
  fd = -1; /* owned by D now */

  while ((de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (carve_rm_rf_at (dirfd (d), de->d_name, err) < 0)
        return -1;
    }
  if (unlinkat (parentfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return carve_make_error (err, errno, "rmdir `%s`", name);
  return 0;
}

int
carve_rm_rf (const char *path, carve_error_t *err)
{
  return carve_rm_rf_at (AT_FDCWD, path, err);
}

ssize_t
carve_send_with_fd (int sock, const void *data, size_t len, int fd)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { (void *) data, len };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
  ssize_t r;

  if (fd >= 0)
    {
      struct cmsghdr *cmsg;
      memset (&control, 0, sizeof (control));
      msg.msg_control = control.buf;
      msg.msg_controllen = sizeof (control.buf);
      cmsg = CMSG_FIRSTHDR (&msg);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (cmsg), &fd, sizeof (int));
    }
  do
    r = sendmsg (sock, &msg, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  return r;
}

int
carve_pidfd_open (pid_t pid)
{
#ifdef SYS_pidfd_open
  return (int) syscall (SYS_pidfd_open, pid, 0);
#else
  (void) pid;
  errno = ENOSYS;
  return -1;
#endif
}

bool
carve_path_exists (const char *path)
{
  return access (path, F_OK) == 0;
}

char *
carve_path_join (const char *a, const char *b)
{
  size_t la = strlen (a);
  while (la > 1 && a[la - 1] == '/')
    la--;
  while (*b == '/')
    b++;
  if (la == 1 && a[0] == '/')
    return xasprintf ("/%s", b);
  return xasprintf ("%.*s/%s", (int) la, a, b);
}

int
carve_parse_long (const char *s, long *ret)
{
  char *end = NULL;
  long v;

  if (s == NULL || *s == '\0')
    return -1;
  errno = 0;
  v = strtol (s, &end, 10);
  if (errno != 0 || end == s || *end != '\0')
    return -1;
  *ret = v;
  return 0;
}

int
carve_parse_ulong (const char *s, unsigned long *ret)
{
  char *end = NULL;
  unsigned long v;

  if (s == NULL || *s < '0' || *s > '9')
    return -1;
  errno = 0;
  v = strtoul (s, &end, 10);
  if (errno != 0 || *end != '\0')
    return -1;
  *ret = v;
  return 0;
}
