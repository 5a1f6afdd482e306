/* The sealed copy of carve (selfexe.h), against CVE-2019-5736.  */
#include <config.h>
#include "selfexe.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"

#define CARVE_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

bool
carve_selfexe_is_sealed (void)
{
  cleanup_close int fd = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  int seals;

  if (fd < 0)
    return false;
  seals = fcntl (fd, F_GET_SEALS);
  return seals >= 0 && (seals & CARVE_SEALS) == CARVE_SEALS;
}

int
carve_selfexe_reexec_sealed (char *const *argv, carve_error_t *err)
{
  cleanup_close int exe = -1, mem = -1;
  struct stat sb;
  off_t off = 0;

  if (carve_selfexe_is_sealed ())
    return 0;
  exe = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (exe < 0 || fstat (exe, &sb) < 0)
    return carve_make_error (err, errno, "open /proc/self/exe");
  mem = memfd_create ("carve", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mem < 0)
    return carve_make_error (err, errno, "memfd_create");
  while (off < sb.st_size)
    {
      ssize_t r = sendfile (mem, exe, &off, (size_t) (sb.st_size - off));
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return carve_make_error (err, r < 0 ? errno : EIO, "copy carve's binary to a memfd");
    }
  /* Sealed against writes and resizes: nothing, not even root in a
     container holding /proc/PID/exe of this process, can change it.  */
  if (fcntl (mem, F_ADD_SEALS, CARVE_SEALS) < 0)
    return carve_make_error (err, errno, "seal carve's memfd");
  fexecve (mem, argv, environ);
  return carve_make_error (err, errno, "re-exec carve from its sealed copy");
}
