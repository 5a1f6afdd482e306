/* The descriptors that reach the user's program (fds.h).  */
#include <config.h>
#include "fds.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* --- descriptors ----------------------------------------------------------- */

static int
fds_cloexec_walk (int first_fd, carve_error_t *err)
{
  cleanup_dir DIR *dir = NULL;
  struct dirent *de;

  dir = opendir ("/proc/self/fd");
  if (dir == NULL)
    return carve_make_error (err, errno, "open `/proc/self/fd`");
  while ((de = readdir (dir)))
    {
      long fd;
      int flags;

      if (de->d_name[0] == '.' || carve_parse_long (de->d_name, &fd) < 0)
        continue;
      if (fd < first_fd || fd == dirfd (dir))
        continue;
      flags = fcntl ((int)fd, F_GETFD);
      if (flags < 0)
        continue; /* closed meanwhile */
      if (!(flags & FD_CLOEXEC) && fcntl ((int)fd, F_SETFD, flags | FD_CLOEXEC) < 0)
        return carve_make_error (err, errno, "mark descriptor %ld close-on-exec", fd);
    }
  return 0;
}

int
carve_fds_prepare_exec (int preserved, carve_error_t *err)
{
  int i;

  for (i = 3; i < 3 + preserved; i++)
    {
      int fl = fcntl (i, F_GETFD);
      if (fl >= 0)
        (void)fcntl (i, F_SETFD, fl & ~FD_CLOEXEC);
    }
  return carve_fds_close_from (3 + preserved, err);
}

int
carve_fds_close_from (int first_fd, carve_error_t *err)
{
  if (first_fd < 0)
    return carve_make_error (err, EINVAL, "close descriptors from %d", first_fd);
  if (syscall (SYS_close_range, (unsigned int)first_fd, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return 0;
  /* close_range with CLOSE_RANGE_CLOEXEC needs kernel 5.11; older ones say
     ENOSYS (no close_range) or EINVAL (no such flag).  */
  if (errno != ENOSYS && errno != EINVAL)
    return carve_make_error (err, errno, "close_range %d", first_fd);
  return fds_cloexec_walk (first_fd, err);
}
