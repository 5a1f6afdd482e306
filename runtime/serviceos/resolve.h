/* Where a forwarded call's path is, seen from the process that made it.

   The security invariant of carve-serviceos: a path argument is resolved
   against the target's root, never against carve-serviceos's own.  Every
   lookup is one openat2(2) from a descriptor of the target's root
   (/proc/TID/root) with RESOLVE_IN_ROOT, so "..", absolute symlinks and
   "/" all stop at that root however the path is spelt, and with
   RESOLVE_NO_MAGICLINKS, so a /proc/PID/fd link cannot jump out of it.

   A relative path starts at the target's working directory or at its
   dirfd: its path inside the root (the readlink of /proc/TID/cwd or
   /proc/TID/fd/N, less the root's own) is put in front, and the whole is
   resolved from the root as above, so a ".." climbs as far as the native
   call's would and no further than the root.  A starting directory that
   is not under the target's root (a descriptor passed in from outside)
   is refused with EXDEV rather than followed.

   Like procmem.h, these return 0 or -errno: the answer for the caller.  */
#ifndef CARVE_SERVICEOS_RESOLVE_H
#define CARVE_SERVICEOS_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct carve_sos_root_s
{
  int proc_fd;    /* the host's /proc, not owned */
  pid_t tid;      /* the thread that made the call */
  int root_fd;    /* O_PATH of /proc/TID/root, -1 until opened */
  char *root_link; /* its readlink, to strip from the other links */
};

/* Opens TID's root (the caller still holds its own privileges: this needs
   ptrace access to TID).  -ESRCH when it is gone.  */
int carve_sos_root_open (struct carve_sos_root_s *r, int proc_fd, pid_t tid);
void carve_sos_root_close (struct carve_sos_root_s *r);

/* *RET (malloc'd): PATH as an absolute path inside the root, from DIRFD
   (AT_FDCWD: the working directory) when PATH is relative.  -EBADF for a
   dirfd TID does not have, -ENOTDIR when it is not a directory, -EXDEV
   when the starting directory is outside the root, -ENOENT for an empty
   PATH.  */
int carve_sos_root_path (struct carve_sos_root_s *r, int dirfd, const char *path, char **ret);

/* true when PATH (from carve_sos_root_path) is under /proc, whose
   entries mean the caller (/proc/self, /proc/thread-self): such calls are
   left to the kernel to run natively.  */
bool carve_sos_path_is_proc (const char *path);

/* openat2 of PATH (absolute, inside the root) with FLAGS and MODE, with
   RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS and EXTRA_RESOLVE; the result
   is O_CLOEXEC in carve-serviceos whatever FLAGS say.  */
int carve_sos_root_openat2 (struct carve_sos_root_s *r, const char *path, uint64_t flags, uint64_t mode,
                            uint64_t extra_resolve, int *ret_fd);

/* The parent directory of PATH, opened O_PATH, and the last component
   (pointing into *RET_COPY, malloc'd): for the calls that create, remove
   or rename a name and so must not follow it.  Trailing slashes are
   dropped and *RET_DIR_ONLY says there were some (the name must then be
   a directory, as the kernel has it); the root's own "last component" is
   ".".  */
int carve_sos_root_parent (struct carve_sos_root_s *r, const char *path, int *ret_dirfd, char **ret_copy,
                           const char **ret_name, bool *ret_dir_only);

#endif
