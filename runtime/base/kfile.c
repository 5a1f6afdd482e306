/* Kernel files (kfile.h): one reader, one writer.  */
#include <config.h>

#include "kfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

int
carve_kfile_write (const char *path, const char *value, carve_error_t *err)
{
  cleanup_close int fd = -1;
  const char *data = value[0] ? value : "\n";
  size_t len = strlen (data);
  ssize_t r;

  fd = open (path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return carve_make_error (err, errno, "open `%s`", path);
  do
    r = write (fd, data, len);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return carve_make_error (err, errno, "write `%s` to `%s`", value, path);
  if ((size_t)r != len)
    return carve_make_error (err, EIO, "short write of `%s` to `%s`", value, path);
  return 0;
}

int
carve_kfile_read (const char *path, char **ret, carve_error_t *err)
{
  char *buf = NULL;
  size_t len = 0;

  if (carve_read_file (path, &buf, &len, err) < 0)
    return -1;
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
    buf[--len] = '\0';
  *ret = buf;
  return 0;
}
