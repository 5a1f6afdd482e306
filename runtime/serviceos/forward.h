/* The forwarded system calls: what carve-serviceos does for one
   notification, on behalf of the thread that made the call.

   Implemented (native architecture only): open, openat, openat2, creat
   (the file is opened here and the descriptor put into the process with
   SECCOMP_IOCTL_NOTIF_ADDFD); stat, lstat, newfstatat, statx; access,
   faccessat, faccessat2; mkdir, mkdirat, mknod, mknodat; unlink,
   unlinkat, rmdir; rename, renameat, renameat2; readlink, readlinkat;
   chmod, fchmodat, fchmodat2; chown, lchown, fchownat; truncate.  Any
   other call is answered ENOSYS.

   Each one follows the same order, which is what keeps it safe:
     1. read the arguments from the process's memory (procmem.h);
     2. open the process's root and read its credentials from /proc,
        while carve-serviceos still has its own privileges;
     3. SECCOMP_IOCTL_NOTIF_ID_VALID: the thread is still blocked in this
        very call, so what 1 and 2 read was its, not that of a process
        that got its PID since;
     4. take on its credentials (creds.h), resolve every path inside its
        root (resolve.h) and perform the call; give the credentials back;
     5. write the results into its memory (after checking 3 again) and
        answer.
   Paths under the process's /proc, a path that turns out to be on procfs
   (a symlink into it, /etc/mtab), character devices (/dev/tty means the
   caller's terminal), and fd-relative calls with AT_EMPTY_PATH are not
   carve-serviceos's to answer: they mean the caller itself, so they are
   answered with SECCOMP_USER_NOTIF_FLAG_CONTINUE and run natively.  */
#ifndef CARVE_SERVICEOS_FORWARD_H
#define CARVE_SERVICEOS_FORWARD_H

#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>

enum carve_sos_answer_kind
{
  CARVE_SOS_ANSWER_RETURN,        /* VAL, or -ERROR */
  CARVE_SOS_ANSWER_FD,            /* inject FD (CLOEXEC in the process) and return its number */
  CARVE_SOS_ANSWER_CONTINUE,      /* let the kernel run the call natively */
  CARVE_SOS_ANSWER_UNIMPLEMENTED, /* ENOSYS */
  CARVE_SOS_ANSWER_GONE,          /* the thread is no longer in the call: no answer */
};

struct carve_sos_answer_s
{
  enum carve_sos_answer_kind kind;
  int64_t val;
  int error; /* errno, 0: none */
  int fd;
  bool cloexec;
};

/* Computes the answer to REQ, received on LISTENER (for
   SECCOMP_IOCTL_NOTIF_ID_VALID), with PROC_FD the host's /proc.  Never
   fails: every problem is an answer.  An ANSWER_FD's descriptor belongs
   to the caller.  */
void carve_sos_forward (int listener, int proc_fd, const struct seccomp_notif *req, struct carve_sos_answer_s *ret);

/* Whether carve-serviceos implements system call NR of the native
   architecture (for status and the tests).  */
bool carve_sos_forward_implemented (int nr);

#endif
