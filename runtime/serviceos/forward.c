/* The forwarded system calls (forward.h).  */
#include <config.h>
#include "forward.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "creds.h"
#include "procmem.h"
#include "resolve.h"
#include "runtime/base/xalloc.h"

/* The stat calls copy the kernel's struct stat, which is glibc's on the
   64-bit architectures carve is built for.  */
#if defined(__x86_64__) || defined(__aarch64__)
#define HAVE_KERNEL_STAT 1
#endif

/* Newer than this system's headers (Linux 6.6; one number on every
   architecture).  */
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef OPEN_HOW_SIZE_VER0
#define OPEN_HOW_SIZE_VER0 24
#endif

/* openat2's flags: the kernel refuses any other, where open and openat
   ignore them, so they are masked off first (the kernel's
   VALID_OPEN_FLAGS).  */
#define VALID_OPEN_FLAGS                                                                                               \
  (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | FASYNC | O_DIRECT            \
   | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_PATH | O_TMPFILE | O_SYNC)
#define VALID_RESOLVE                                                                                                  \
  (RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_IN_ROOT | RESOLVE_CACHED)

struct call_s
{
  int listener;
  int proc_fd;
  const struct seccomp_notif *req;
  pid_t tid;
  struct carve_sos_root_s root;
  bool root_open;
  struct carve_sos_creds_s creds;
  bool creds_read;
  char path[PATH_MAX];
  char path2[PATH_MAX];
};

static void
answer_value (struct carve_sos_answer_s *a, int64_t val)
{
  a->kind = CARVE_SOS_ANSWER_RETURN;
  a->val = val;
  a->error = 0;
}

/* R: 0 (success, VAL) or -errno.  */
static void
answer (struct carve_sos_answer_s *a, int r, int64_t val)
{
  if (r < 0)
    {
      a->kind = CARVE_SOS_ANSWER_RETURN;
      a->error = -r;
      a->val = 0;
    }
  else
    answer_value (a, val);
}

static void
answer_continue (struct carve_sos_answer_s *a)
{
  a->kind = CARVE_SOS_ANSWER_CONTINUE;
}

static bool
still_valid (struct call_s *c)
{
  uint64_t id = c->req->id;
  return ioctl (c->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

/* An error answer, unless the thread went away, which explains it.  */
static void
answer_or_gone (struct call_s *c, struct carve_sos_answer_s *a, int r)
{
  if (!still_valid (c))
    a->kind = CARVE_SOS_ANSWER_GONE;
  else
    answer (a, r, 0);
}

static int
read_path (struct call_s *c, uint64_t addr, char *buf)
{
  return carve_sos_mem_read_string (c->tid, addr, buf, PATH_MAX);
}

/* Steps 2 and 3 of forward.h: the root and the credentials, then the
   check that the thread is still the one that made the call.  1: gone.  */
static int
prepare (struct call_s *c)
{
  int r = carve_sos_root_open (&c->root, c->proc_fd, c->tid);

  if (r < 0)
    return still_valid (c) ? r : 1;
  c->root_open = true;
  r = carve_sos_creds_read (c->proc_fd, c->tid, &c->creds);
  if (r < 0)
    return still_valid (c) ? r : 1;
  c->creds_read = true;
  if (!still_valid (c))
    return 1;
  return 0;
}

/* prepare, and the absolute path inside the root of PATH from DIRFD.
   1 when the answer is already made (gone, an error, or native).  */
static int
prepare_path (struct call_s *c, struct carve_sos_answer_s *a, int dirfd, const char *path, char **ret)
{
  int r = prepare (c);

  if (r != 0)
    {
      if (r > 0)
        a->kind = CARVE_SOS_ANSWER_GONE;
      else
        answer (a, r, 0);
      return 1;
    }
  r = carve_sos_root_path (&c->root, dirfd, path, ret);
  if (r < 0)
    {
      answer (a, r, 0);
      return 1;
    }
  if (carve_sos_path_is_proc (*ret))
    {
      free (*ret);
      *ret = NULL;
      answer_continue (a);
      return 1;
    }
  return 0;
}

static int
assume (struct call_s *c, enum carve_sos_creds_mode mode, bool set_umask)
{
  return carve_sos_creds_assume (&c->creds, mode, set_umask);
}

/* Whether FD, opened for the process, is one whose meaning depends on
   who opens it (forward.h): answered natively instead.  */
static bool
native_only (int fd)
{
  struct statfs sfs;
  struct stat st;

  if (fstat (fd, &st) < 0)
    return false;
  if (S_ISCHR (st.st_mode))
    return true;
  /* procfs is an anonymous device; only those need the second look.  */
  if (major (st.st_dev) != 0)
    return false;
  return fstatfs (fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

/* Resolves PATH (absolute, inside the root) to an O_PATH descriptor, as
   the target would see it, with its credentials already taken on.  */
static int
open_path (struct call_s *c, const char *path, bool follow, int *ret_fd)
{
  return carve_sos_root_openat2 (&c->root, path, O_PATH | (follow ? 0 : O_NOFOLLOW), 0, 0, ret_fd);
}

/* --- open, openat, openat2, creat ------------------------------------------- */

static void
do_open (struct call_s *c, int dirfd, uint64_t path_addr, uint64_t flags, uint64_t mode, uint64_t resolve,
         struct carve_sos_answer_s *a)
{
  char *full = NULL;
  int r, fd = -1, base = -1;

  r = read_path (c, path_addr, c->path);
  if (r < 0)
    return answer (a, r, 0);
  if (!(flags & (O_CREAT | O_TMPFILE)))
    mode = 0;
  mode &= 07777;
  if (prepare_path (c, a, dirfd, c->path, &full))
    return;
  r = assume (c, CARVE_SOS_CREDS_FS, (flags & (O_CREAT | O_TMPFILE)) != 0);
  if (r < 0)
    {
      free (full);
      return answer (a, r, 0);
    }
  if (resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT))
    {
      /* The process's own scoping: relative to its dirfd, which is itself
         inside the root, so resolving from it cannot leave the root.  */
      char *dir = NULL;

      r = carve_sos_root_path (&c->root, dirfd, ".", &dir);
      if (r == 0)
        r = carve_sos_root_openat2 (&c->root, dir, O_PATH | O_DIRECTORY, 0, 0, &base);
      free (dir);
      if (r == 0)
        {
          struct open_how how = { .flags = flags | O_NOCTTY | O_CLOEXEC, .mode = mode,
                                  .resolve = resolve | RESOLVE_NO_MAGICLINKS };
          long n = syscall (SYS_openat2, base, c->path, &how, sizeof (how));
          r = n < 0 ? -errno : 0;
          fd = (int)n;
          close (base);
        }
    }
  else
    r = carve_sos_root_openat2 (&c->root, full, flags | O_NOCTTY, mode, resolve, &fd);
  carve_sos_creds_restore ();
  free (full);
  if (r < 0)
    return answer_or_gone (c, a, r);
  if (native_only (fd))
    {
      close (fd);
      return answer_continue (a);
    }
  a->kind = CARVE_SOS_ANSWER_FD;
  a->fd = fd;
  a->cloexec = (flags & O_CLOEXEC) != 0;
}

static void
do_openat2 (struct call_s *c, struct carve_sos_answer_s *a)
{
  const __u64 *args = c->req->data.args;
  struct open_how how;
  unsigned char extra[64];
  uint64_t size = args[3];
  int r;

  if (size < OPEN_HOW_SIZE_VER0)
    return answer (a, -EINVAL, 0);
  if (size > 4096)
    return answer (a, -E2BIG, 0);
  memset (&how, 0, sizeof (how));
  r = carve_sos_mem_read (c->tid, args[2], &how, size < sizeof (how) ? size : sizeof (how));
  if (r < 0)
    return answer (a, r, 0);
  /* A larger struct from a newer libc: its extra fields must be zero
     (the kernel's copy_struct_from_user rule).  */
  for (uint64_t off = sizeof (how); off < size; off += sizeof (extra))
    {
      size_t n = size - off < sizeof (extra) ? size - off : sizeof (extra);
      r = carve_sos_mem_read (c->tid, args[2] + off, extra, n);
      if (r < 0)
        return answer (a, r, 0);
      for (size_t i = 0; i < n; i++)
        if (extra[i])
          return answer (a, -E2BIG, 0);
    }
  if ((how.flags & ~(uint64_t)VALID_OPEN_FLAGS) || (how.resolve & ~(uint64_t)VALID_RESOLVE)
      || (how.mode & ~(uint64_t)07777) || (how.mode && !(how.flags & (O_CREAT | O_TMPFILE))))
    return answer (a, -EINVAL, 0);
  if ((how.resolve & RESOLVE_BENEATH) && (how.resolve & RESOLVE_IN_ROOT))
    return answer (a, -EINVAL, 0);
  do_open (c, (int)args[0], args[1], how.flags, how.mode, how.resolve, a);
}

/* --- the stat family ------------------------------------------------------ */

/* Steps 1 to 4 for a call on one path that does not create: the O_PATH
   descriptor of what PATH_ADDR names from DIRFD, resolved with the
   target's credentials (MODE).  1 when the answer is already made.  */
static int
lookup (struct call_s *c, struct carve_sos_answer_s *a, int dirfd, uint64_t path_addr, bool follow, bool empty_ok,
        enum carve_sos_creds_mode mode, int *ret_fd)
{
  char *full = NULL;
  int r;

  r = read_path (c, path_addr, c->path);
  if (r < 0)
    {
      answer (a, r, 0);
      return 1;
    }
  /* fstat and friends on the process's own descriptor: the kernel
     answers as well as carve-serviceos could.  */
  if (c->path[0] == '\0' && empty_ok)
    {
      answer_continue (a);
      return 1;
    }
  if (prepare_path (c, a, dirfd, c->path, &full))
    return 1;
  r = assume (c, mode, false);
  if (r == 0)
    {
      r = open_path (c, full, follow, ret_fd);
      if (r < 0)
        carve_sos_creds_restore ();
    }
  free (full);
  if (r < 0)
    {
      answer_or_gone (c, a, r);
      return 1;
    }
  if (native_only (*ret_fd))
    {
      carve_sos_creds_restore ();
      close (*ret_fd);
      answer_continue (a);
      return 1;
    }
  return 0;
}

/* Step 5: LEN bytes of BUF into the process at ADDR.  */
static void
write_back (struct call_s *c, struct carve_sos_answer_s *a, uint64_t addr, const void *buf, size_t len, int64_t val)
{
  int r;

  if (!still_valid (c))
    {
      a->kind = CARVE_SOS_ANSWER_GONE;
      return;
    }
  r = carve_sos_mem_write (c->tid, addr, buf, len);
  answer (a, r, val);
}

#ifdef HAVE_KERNEL_STAT
static void
do_stat (struct call_s *c, int dirfd, uint64_t path_addr, uint64_t buf_addr, uint64_t flags,
         struct carve_sos_answer_s *a)
{
  struct stat st;
  int fd = -1, r;

  if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
    return answer (a, -EINVAL, 0);
  if (lookup (c, a, dirfd, path_addr, !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) != 0,
              CARVE_SOS_CREDS_FS, &fd))
    return;
  r = fstatat (fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
  carve_sos_creds_restore ();
  close (fd);
  if (r < 0)
    return answer_or_gone (c, a, r);
  write_back (c, a, buf_addr, &st, sizeof (st), 0);
}
#endif

static void
do_statx (struct call_s *c, struct carve_sos_answer_s *a)
{
  const __u64 *args = c->req->data.args;
  unsigned flags = (unsigned)args[2];
  struct statx stx;
  int fd = -1, r;

  if (flags & ~(unsigned)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
    return answer (a, -EINVAL, 0);
  if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
    return answer (a, -EINVAL, 0);
  if (lookup (c, a, (int)args[0], args[1], !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) != 0,
              CARVE_SOS_CREDS_FS, &fd))
    return;
  r = statx (fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | (flags & AT_STATX_SYNC_TYPE), (unsigned)args[3], &stx) < 0
          ? -errno
          : 0;
  carve_sos_creds_restore ();
  close (fd);
  if (r < 0)
    return answer_or_gone (c, a, r);
  write_back (c, a, args[4], &stx, sizeof (stx), 0);
}

/* --- access --------------------------------------------------------------- */

static void
do_access (struct call_s *c, int dirfd, uint64_t path_addr, uint64_t mode, uint64_t flags,
           struct carve_sos_answer_s *a)
{
  int fd = -1, r;

  if (mode & ~(uint64_t)(R_OK | W_OK | X_OK))
    return answer (a, -EINVAL, 0);
  if (flags & ~(uint64_t)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
    return answer (a, -EINVAL, 0);
  /* Without AT_EACCESS the check, lookup included, is the real ids'.  */
  if (lookup (c, a, dirfd, path_addr, !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) != 0,
              (flags & AT_EACCESS) ? CARVE_SOS_CREDS_FS : CARVE_SOS_CREDS_REAL, &fd))
    return;
  r = syscall (SYS_faccessat2, fd, "", (int)mode, AT_EMPTY_PATH | AT_EACCESS | AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
  carve_sos_creds_restore ();
  close (fd);
  if (r < 0)
    return answer_or_gone (c, a, r);
  answer_value (a, 0);
}

/* --- readlink ------------------------------------------------------------- */

static void
do_readlink (struct call_s *c, int dirfd, uint64_t path_addr, uint64_t buf_addr, uint64_t size,
             struct carve_sos_answer_s *a)
{
  char buf[PATH_MAX];
  ssize_t n;
  int fd = -1, r;

  if ((int)size <= 0)
    return answer (a, -EINVAL, 0);
  if (lookup (c, a, dirfd, path_addr, false, false, CARVE_SOS_CREDS_FS, &fd))
    return;
  n = readlinkat (fd, "", buf, size < sizeof (buf) ? size : sizeof (buf));
  r = n < 0 ? -errno : 0;
  carve_sos_creds_restore ();
  close (fd);
  /* readlinkat on a descriptor that is not a symlink says ENOENT; the
     native call on such a path says EINVAL.  */
  if (r == -ENOENT)
    r = -EINVAL;
  if (r < 0)
    return answer_or_gone (c, a, r);
  write_back (c, a, buf_addr, buf, (size_t)n, n);
}

/* --- chmod, chown, truncate ------------------------------------------------- */

static void
do_chmod (struct call_s *c, int dirfd, uint64_t path_addr, uint64_t mode, uint64_t flags,
          struct carve_sos_answer_s *a)
{
  int fd = -1, r;

  if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
    return answer (a, -EINVAL, 0);
  if (lookup (c, a, dirfd, path_addr, !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) != 0,
              CARVE_SOS_CREDS_FS, &fd))
    return;
  /* fchmodat2 with AT_EMPTY_PATH: Linux 6.6.  Before it, the
     descriptor's own /proc link (ours: the file is already resolved)
     where the link itself need not be changed.  */
  r = syscall (SYS_fchmodat2, fd, "", (unsigned)(mode & 07777), AT_EMPTY_PATH | (int)(flags & AT_SYMLINK_NOFOLLOW))
          < 0
          ? -errno
          : 0;
  if (r == -ENOSYS && !(flags & AT_SYMLINK_NOFOLLOW))
    {
      char link[64];
      snprintf (link, sizeof (link), "thread-self/fd/%d", fd);
      r = fchmodat (c->proc_fd, link, (mode_t)(mode & 07777), 0) < 0 ? -errno : 0;
    }
  carve_sos_creds_restore ();
  close (fd);
  if (r < 0)
    return answer_or_gone (c, a, r);
  answer_value (a, 0);
}

static void
do_chown (struct call_s *c, int dirfd, uint64_t path_addr, uint64_t uid, uint64_t gid, uint64_t flags,
          struct carve_sos_answer_s *a)
{
  int fd = -1, r;

  if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
    return answer (a, -EINVAL, 0);
  if (lookup (c, a, dirfd, path_addr, !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) != 0,
              CARVE_SOS_CREDS_FS, &fd))
    return;
  r = fchownat (fd, "", (uid_t)(uint32_t)uid, (gid_t)(uint32_t)gid, AT_EMPTY_PATH) < 0 ? -errno : 0;
  carve_sos_creds_restore ();
  close (fd);
  if (r < 0)
    return answer_or_gone (c, a, r);
  answer_value (a, 0);
}

static void
do_truncate (struct call_s *c, uint64_t path_addr, uint64_t length, struct carve_sos_answer_s *a)
{
  char *full = NULL;
  struct stat st;
  int fd = -1, r;

  if ((int64_t)length < 0)
    return answer (a, -EINVAL, 0);
  r = read_path (c, path_addr, c->path);
  if (r < 0)
    return answer (a, r, 0);
  if (prepare_path (c, a, AT_FDCWD, c->path, &full))
    return;
  r = assume (c, CARVE_SOS_CREDS_FS, false);
  if (r == 0)
    {
      /* truncate(2) needs write permission, as an open for writing does;
         O_NONBLOCK so that a FIFO does not wait for a reader.  */
      r = carve_sos_root_openat2 (&c->root, full, O_WRONLY | O_NONBLOCK | O_NOCTTY, 0, 0, &fd);
      if (r == 0)
        {
          if (fstat (fd, &st) < 0)
            r = -errno;
          else if (!S_ISREG (st.st_mode))
            r = -EINVAL;
          else if (ftruncate (fd, (off_t)length) < 0)
            r = -errno;
          close (fd);
        }
      else if (r == -ENXIO)
        r = -EINVAL;
      carve_sos_creds_restore ();
    }
  free (full);
  if (r < 0)
    return answer_or_gone (c, a, r);
  answer_value (a, 0);
}

/* --- mkdir, mknod, unlink, rename -------------------------------------------- */

/* Steps 1 to 4 for a call on a name: its parent directory's O_PATH
   descriptor and the name in it, resolved with the target's
   credentials taken on (SET_UMASK for calls that create).  1 when the
   answer is already made.  */
static int
lookup_parent (struct call_s *c, struct carve_sos_answer_s *a, int dirfd, const char *path, bool set_umask,
               int *ret_dirfd, char **ret_copy, const char **ret_name, bool *ret_dir_only)
{
  char *full = NULL;
  int r;

  if (prepare_path (c, a, dirfd, path, &full))
    return 1;
  r = assume (c, CARVE_SOS_CREDS_FS, set_umask);
  if (r == 0)
    {
      r = carve_sos_root_parent (&c->root, full, ret_dirfd, ret_copy, ret_name, ret_dir_only);
      if (r < 0)
        carve_sos_creds_restore ();
    }
  free (full);
  if (r < 0)
    {
      answer_or_gone (c, a, r);
      return 1;
    }
  return 0;
}

/* The second name of rename, with the credentials already taken on.  */
static int
lookup_parent_again (struct call_s *c, int dirfd, const char *path, int *ret_dirfd, char **ret_copy,
                     const char **ret_name, bool *ret_dir_only)
{
  char *full = NULL;
  int r;

  r = carve_sos_root_path (&c->root, dirfd, path, &full);
  if (r < 0)
    return r;
  /* Into or out of procfs: nothing there can be renamed.  */
  if (carve_sos_path_is_proc (full))
    r = -EXDEV;
  else
    r = carve_sos_root_parent (&c->root, full, ret_dirfd, ret_copy, ret_name, ret_dir_only);
  free (full);
  return r;
}

static void
do_mknod (struct call_s *c, int dirfd, uint64_t path_addr, uint64_t mode, uint64_t dev, bool is_mkdir,
          struct carve_sos_answer_s *a)
{
  char *copy = NULL;
  const char *name;
  bool dir_only;
  int pfd = -1, r;

  r = read_path (c, path_addr, c->path);
  if (r < 0)
    return answer (a, r, 0);
  if (lookup_parent (c, a, dirfd, c->path, true, &pfd, &copy, &name, &dir_only))
    return;
  if (is_mkdir)
    r = mkdirat (pfd, name, (mode_t)(mode & 07777)) < 0 ? -errno : 0;
  else if (dir_only)
    r = -ENOENT; /* mknod ("x/"): the kernel's answer for a name that must be a directory */
  else
    r = syscall (SYS_mknodat, pfd, name, (unsigned)mode, (unsigned)dev) < 0 ? -errno : 0;
  carve_sos_creds_restore ();
  close (pfd);
  free (copy);
  if (r < 0)
    return answer_or_gone (c, a, r);
  answer_value (a, 0);
}

/* A name given with a trailing slash must be a directory.  */
static int
check_dir_only (int pfd, const char *name, bool dir_only, bool removing_file)
{
  struct stat st;

  if (!dir_only)
    return 0;
  if (fstatat (pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return -errno;
  if (!S_ISDIR (st.st_mode))
    return -ENOTDIR;
  return removing_file ? -EISDIR : 0;
}

static void
do_unlink (struct call_s *c, int dirfd, uint64_t path_addr, uint64_t flags, struct carve_sos_answer_s *a)
{
  char *copy = NULL;
  const char *name;
  bool dir_only;
  int pfd = -1, r;

  if (flags & ~(uint64_t)AT_REMOVEDIR)
    return answer (a, -EINVAL, 0);
  r = read_path (c, path_addr, c->path);
  if (r < 0)
    return answer (a, r, 0);
  if (lookup_parent (c, a, dirfd, c->path, false, &pfd, &copy, &name, &dir_only))
    return;
  r = check_dir_only (pfd, name, dir_only && !(flags & AT_REMOVEDIR), true);
  if (r == 0)
    r = unlinkat (pfd, name, (int)flags) < 0 ? -errno : 0;
  carve_sos_creds_restore ();
  close (pfd);
  free (copy);
  if (r < 0)
    return answer_or_gone (c, a, r);
  answer_value (a, 0);
}

static void
do_rename (struct call_s *c, int olddirfd, uint64_t old_addr, int newdirfd, uint64_t new_addr, uint64_t flags,
           struct carve_sos_answer_s *a)
{
  char *copy1 = NULL, *copy2 = NULL;
  const char *name1, *name2;
  bool dir1, dir2;
  int p1 = -1, p2 = -1, r;

  if (flags & ~(uint64_t)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
    return answer (a, -EINVAL, 0);
  r = read_path (c, old_addr, c->path);
  if (r == 0)
    r = read_path (c, new_addr, c->path2);
  if (r < 0)
    return answer (a, r, 0);
  if (lookup_parent (c, a, olddirfd, c->path, false, &p1, &copy1, &name1, &dir1))
    return;
  r = lookup_parent_again (c, newdirfd, c->path2, &p2, &copy2, &name2, &dir2);
  if (r < 0)
    {
      carve_sos_creds_restore ();
      close (p1);
      free (copy1);
      return answer_or_gone (c, a, r);
    }
  r = check_dir_only (p1, name1, dir1 || dir2, false);
  if (r == 0)
    r = syscall (SYS_renameat2, p1, name1, p2, name2, (unsigned)flags) < 0 ? -errno : 0;
  carve_sos_creds_restore ();
  close (p1);
  close (p2);
  free (copy1);
  free (copy2);
  if (r < 0)
    return answer_or_gone (c, a, r);
  answer_value (a, 0);
}

/* --- dispatch ----------------------------------------------------------------- */

#define ARG(i) (c->req->data.args[i])
#define FD(i) ((int)(int32_t)ARG (i))

bool
carve_sos_forward_implemented (int nr)
{
  switch (nr)
    {
#ifdef SYS_open
    case SYS_open:
    case SYS_creat:
    case SYS_access:
    case SYS_mkdir:
    case SYS_mknod:
    case SYS_unlink:
    case SYS_rmdir:
    case SYS_rename:
    case SYS_readlink:
    case SYS_chmod:
    case SYS_chown:
    case SYS_lchown:
#ifdef HAVE_KERNEL_STAT
    case SYS_stat:
    case SYS_lstat:
#endif
#endif
#ifdef HAVE_KERNEL_STAT
    case SYS_newfstatat:
#endif
    case SYS_openat:
    case SYS_openat2:
    case SYS_statx:
    case SYS_faccessat:
    case SYS_faccessat2:
    case SYS_mkdirat:
    case SYS_mknodat:
    case SYS_unlinkat:
    case SYS_renameat:
    case SYS_renameat2:
    case SYS_readlinkat:
    case SYS_fchmodat:
    case SYS_fchmodat2:
    case SYS_fchownat:
    case SYS_truncate:
      return true;
    default:
      return false;
    }
}

static void
dispatch (struct call_s *c, struct carve_sos_answer_s *a)
{
  switch (c->req->data.nr)
    {
#ifdef SYS_open
    case SYS_open:
      return do_open (c, AT_FDCWD, ARG (0), ARG (1) & VALID_OPEN_FLAGS, ARG (2), 0, a);
    case SYS_creat:
      return do_open (c, AT_FDCWD, ARG (0), O_CREAT | O_WRONLY | O_TRUNC, ARG (1), 0, a);
    case SYS_access:
      return do_access (c, AT_FDCWD, ARG (0), ARG (1), 0, a);
    case SYS_mkdir:
      return do_mknod (c, AT_FDCWD, ARG (0), ARG (1), 0, true, a);
    case SYS_mknod:
      return do_mknod (c, AT_FDCWD, ARG (0), ARG (1), ARG (2), false, a);
    case SYS_unlink:
      return do_unlink (c, AT_FDCWD, ARG (0), 0, a);
    case SYS_rmdir:
      return do_unlink (c, AT_FDCWD, ARG (0), AT_REMOVEDIR, a);
    case SYS_rename:
      return do_rename (c, AT_FDCWD, ARG (0), AT_FDCWD, ARG (1), 0, a);
    case SYS_readlink:
      return do_readlink (c, AT_FDCWD, ARG (0), ARG (1), ARG (2), a);
    case SYS_chmod:
      return do_chmod (c, AT_FDCWD, ARG (0), ARG (1), 0, a);
    case SYS_chown:
      return do_chown (c, AT_FDCWD, ARG (0), ARG (1), ARG (2), 0, a);
    case SYS_lchown:
      return do_chown (c, AT_FDCWD, ARG (0), ARG (1), ARG (2), AT_SYMLINK_NOFOLLOW, a);
#ifdef HAVE_KERNEL_STAT
    case SYS_stat:
      return do_stat (c, AT_FDCWD, ARG (0), ARG (1), 0, a);
    case SYS_lstat:
      return do_stat (c, AT_FDCWD, ARG (0), ARG (1), AT_SYMLINK_NOFOLLOW, a);
#endif
#endif
#ifdef HAVE_KERNEL_STAT
    case SYS_newfstatat:
      return do_stat (c, FD (0), ARG (1), ARG (2), ARG (3), a);
#endif
    case SYS_openat:
      return do_open (c, FD (0), ARG (1), ARG (2) & VALID_OPEN_FLAGS, ARG (3), 0, a);
    case SYS_openat2:
      return do_openat2 (c, a);
    case SYS_statx:
      return do_statx (c, a);
    case SYS_faccessat:
      return do_access (c, FD (0), ARG (1), ARG (2), 0, a);
    case SYS_faccessat2:
      return do_access (c, FD (0), ARG (1), ARG (2), ARG (3), a);
    case SYS_mkdirat:
      return do_mknod (c, FD (0), ARG (1), ARG (2), 0, true, a);
    case SYS_mknodat:
      return do_mknod (c, FD (0), ARG (1), ARG (2), ARG (3), false, a);
    case SYS_unlinkat:
      return do_unlink (c, FD (0), ARG (1), ARG (2), a);
    case SYS_renameat:
      return do_rename (c, FD (0), ARG (1), FD (2), ARG (3), 0, a);
    case SYS_renameat2:
      return do_rename (c, FD (0), ARG (1), FD (2), ARG (3), ARG (4), a);
    case SYS_readlinkat:
      return do_readlink (c, FD (0), ARG (1), ARG (2), ARG (3), a);
    case SYS_fchmodat:
      return do_chmod (c, FD (0), ARG (1), ARG (2), 0, a);
    case SYS_fchmodat2:
      return do_chmod (c, FD (0), ARG (1), ARG (2), ARG (3), a);
    case SYS_fchownat:
      return do_chown (c, FD (0), ARG (1), ARG (2), ARG (3), ARG (4), a);
    case SYS_truncate:
      return do_truncate (c, ARG (0), ARG (1), a);
    default:
      a->kind = CARVE_SOS_ANSWER_UNIMPLEMENTED;
      return;
    }
}

void
carve_sos_forward (int listener, int proc_fd, const struct seccomp_notif *req, struct carve_sos_answer_s *ret)
{
  static uint32_t native_arch;
  struct call_s c;

  memset (ret, 0, sizeof (*ret));
  ret->fd = -1;
  if (native_arch == 0)
    native_arch = seccomp_arch_native ();
  /* A 32-bit call of a 64-bit process has other numbers and layouts.  */
  if (req->data.arch != native_arch)
    {
      ret->kind = CARVE_SOS_ANSWER_UNIMPLEMENTED;
      return;
    }
  memset (&c, 0, sizeof (c));
  c.listener = listener;
  c.proc_fd = proc_fd;
  c.req = req;
  c.tid = (pid_t)req->pid;
  c.root.root_fd = -1;
  dispatch (&c, ret);
  if (c.root_open)
    carve_sos_root_close (&c.root);
  if (c.creds_read)
    carve_sos_creds_release (&c.creds);
}
