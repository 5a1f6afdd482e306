/* Resolving paths inside a container's rootfs without ever leaving it.

   Every path that names something inside the rootfs (a mount destination, a
   device node, a masked path) is resolved here, relative to a descriptor of
   the rootfs, as if that descriptor were "/": an absolute symlink
   `rootfs/evil -> /etc` resolves to `rootfs/etc`, and ".." stops at the
   rootfs.  The result is a descriptor; callers act on the descriptor (or on
   `/proc/self/fd/N`, which the kernel follows to that exact dentry), never
   on the path again, so a symlink swapped in after the check cannot redirect
   them.  */
#ifndef CARVE_LINUX_SAFEPATH_H
#define CARVE_LINUX_SAFEPATH_H

#include <sys/types.h>

#include "runtime/base/error.h"

/* Big enough for "/proc/self/fd/" and any int.  */
#define CARVE_SAFEPATH_FD_PATH_MAX 32

/* Opens PATH (absolute or relative, both taken from ROOTFD) scoped to
   ROOTFD, with FLAGS (O_CLOEXEC is added) and MODE (for O_CREAT).  Magic
   links (/proc/PID/fd/N, /proc/PID/root, ...) are never followed.  Uses
   openat2 (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) and falls back to
   carve_safepath_open_walk on kernels without it.  Returns the descriptor;
   on failure the error's status is the errno (ENOENT for a missing path).  */
int carve_safepath_open (int rootfd, const char *path, int flags, mode_t mode, carve_error_t *err);

/* The fallback for kernels before 5.6 (no openat2): walks PATH one
   component at a time with O_NOFOLLOW, reading each symlink and resolving
   its target against ROOTFD itself.  Exported for the unit tests.  */
int carve_safepath_open_walk (int rootfd, const char *path, int flags, mode_t mode, carve_error_t *err);

/* mkdir -p of PATH inside ROOTFD; existing directories are fine, a symlink
   on the way is followed inside the rootfs (a dangling one gets its target
   created, inside the rootfs).  With RET_FD, returns an O_PATH descriptor of
   the final directory there.  */
int carve_safepath_mkdir_p (int rootfd, const char *path, mode_t mode, int *ret_fd, carve_error_t *err);

/* Makes sure PATH exists inside ROOTFD as something a file can be bind
   mounted onto: creates the parent directories and an empty file when
   nothing is there.  An existing entry of any type is kept (the mount
   itself rejects a mismatch).  With RET_FD, returns an O_PATH descriptor.  */
int carve_safepath_create_file (int rootfd, const char *path, mode_t mode, int *ret_fd, carve_error_t *err);

/* What a failed setup made, undone.  carve_safepath_first_missing gives
   the first component of PATH inside ROOTFD that does not exist ("/m" for
   "/m/d1" when there is no "/m"), or NULL when all of it exists or setup
   would make nothing there of its own (a dangling symlink, a file on the
   way).  carve_safepath_remove_made removes that path again and what is
   below it, as far as it is what setup makes (directories, empty files,
   device nodes, symlinks, fifos, sockets) and on the same filesystem,
   never following a symlink: a file with content, and a mount, stay.  */
char *carve_safepath_first_missing (int rootfd, const char *path);
void carve_safepath_remove_made (int rootfd, const char *path);

/* Writes "/proc/self/fd/FD" into BUF and returns BUF.  */
const char *carve_safepath_fd_path (int fd, char buf[CARVE_SAFEPATH_FD_PATH_MAX]);

#endif
