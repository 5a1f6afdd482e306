/* Unit tests of linux.seccomp (runtime/linux/seccomp.c).  */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/error.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"
#include "runtime/linux/seccomp.h"
#include "tests/unit/unit.h"

/* --- helpers ----------------------------------------------------------------- */

/* One linux.seccomp.syscalls[] entry with up to three args.  */
struct test_syscall
{
  struct carve_spec_syscall_s sys;
  char *names[8];
  struct carve_spec_syscall_arg_s args[3];
  struct carve_spec_syscall_arg_s *argv[4];
};

static void
test_syscall_init (struct test_syscall *t, const char *action, const char *name0, const char *name1)
{
  memset (t, 0, sizeof (*t));
  t->names[0] = (char *)name0;
  t->names[1] = (char *)name1;
  t->sys.names = t->names;
  t->sys.names_len = name1 ? 2 : 1;
  t->sys.action = (char *)action;
  t->sys.args = t->argv;
}

static void
test_syscall_name (struct test_syscall *t, const char *name)
{
  t->names[t->sys.names_len++] = (char *)name;
}

static void
test_syscall_errno (struct test_syscall *t, uint32_t errno_ret)
{
  t->sys.has_errno_ret = true;
  t->sys.errno_ret = errno_ret;
}

static void
test_syscall_arg (struct test_syscall *t, uint32_t index, const char *op, uint64_t value, bool has_two, uint64_t two)
{
  struct carve_spec_syscall_arg_s *a = &t->args[t->sys.args_len];

  a->index = index;
  a->op = (char *)op;
  a->value = value;
  a->has_value_two = has_two;
  a->value_two = two;
  t->argv[t->sys.args_len++] = a;
}

static void
seccomp_init_spec (struct carve_spec_seccomp_s *sc, const char *default_action, struct carve_spec_syscall_s **v,
                   size_t n)
{
  memset (sc, 0, sizeof (*sc));
  sc->default_action = (char *)default_action;
  sc->syscalls = v;
  sc->syscalls_len = n;
}

typedef int (*child_body_t) (int notify_fd, void *data);

/* Forks; the child sets no_new_privs, loads S (built by the parent) and
   leaves with BODY's result.  Returns the child's exit status, 128 + the
   signal when it was killed, or -1.  */
static int
run_loaded (const carve_seccomp_t *s, child_body_t body, void *data, pid_t *ret_pid, int (*parent) (pid_t, void *),
            void *parent_data)
{
  int status;
  pid_t pid;

  fflush (NULL);
  pid = fork ();
  if (pid < 0)
    return -1;
  if (pid == 0)
    {
      carve_error_t err = NULL;
      int notify_fd = -1;

      if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        _exit (100);
      if (carve_seccomp_load (s, &notify_fd, &err) < 0)
        _exit (101);
      _exit (body (notify_fd, data));
    }
  if (ret_pid)
    *ret_pid = pid;
  if (parent && parent (pid, parent_data) < 0)
    {
      kill (pid, SIGKILL);
      (void)waitpid (pid, &status, 0);
      return -1;
    }
  if (waitpid (pid, &status, 0) < 0)
    return -1;
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return WEXITSTATUS (status);
}

static int
build (const struct carve_spec_seccomp_s *sc, char *const *fwd, char *const *deny, carve_seccomp_t **ret,
       char ***ret_warnings)
{
  cleanup_error carve_error_t err = NULL;

  if (carve_seccomp_build (sc, fwd, deny, ret, ret_warnings, &err) < 0)
    {
      fprintf (stderr, "# build: %s\n", err->msg);
      return -1;
    }
  return 0;
}

/* The error message of a build expected to fail, or NULL.  */
static char *
build_error (const struct carve_spec_seccomp_s *sc)
{
  cleanup_error carve_error_t err = NULL;
  cleanup_seccomp carve_seccomp_t *s = NULL;

  if (carve_seccomp_build (sc, NULL, NULL, &s, NULL, &err) == 0)
    return NULL;
  return xstrdup (err->msg);
}

/* --- filters loaded in a child ------------------------------------------------ */

static int
body_getcwd_42 (int notify_fd, void *data)
{
  char buf[4096];

  (void)data;
  if (notify_fd != -1)
    return 2;
  if (syscall (SYS_getcwd, buf, sizeof (buf)) != -1 || errno != 42)
    return 3;
  /* Other calls are untouched.  */
  if (syscall (SYS_getpid) <= 0)
    return 4;
  return 0;
}

static int
test_errno_rule (void)
{
  cleanup_seccomp carve_seccomp_t *s = NULL;
  struct carve_spec_seccomp_s sc;
  struct test_syscall t;
  struct carve_spec_syscall_s *v[2];

  test_syscall_init (&t, "SCMP_ACT_ERRNO", "getcwd", NULL);
  test_syscall_errno (&t, 42);
  v[0] = &t.sys;
  v[1] = NULL;
  seccomp_init_spec (&sc, "SCMP_ACT_ALLOW", v, 1);

  EXPECT (build (&sc, NULL, NULL, &s, NULL) == 0);
  EXPECT (!carve_seccomp_has_notify (s));
  EXPECT (run_loaded (s, body_getcwd_42, NULL, NULL, NULL, NULL) == 0);
  return 0;
}

static int
body_whitelist (int notify_fd, void *data)
{
  int expected = *(int *)data;

  (void)notify_fd;
  if (syscall (SYS_getppid) != -1 || errno != expected)
    return 2;
  if (syscall (SYS_getpid) <= 0)
    return 3;
  return 0;
}

static int
test_default_errno_whitelist (void)
{
  struct carve_spec_seccomp_s sc;
  struct test_syscall t;
  struct carve_spec_syscall_s *v[2];
  int expected;

  test_syscall_init (&t, "SCMP_ACT_ALLOW", "getpid", "exit_group");
  /* What the sanitizers' runtime calls on the way out.  */
  test_syscall_name (&t, "sigaltstack");
  test_syscall_name (&t, "gettid");
  test_syscall_name (&t, "munmap");
  v[0] = &t.sys;
  v[1] = NULL;
  seccomp_init_spec (&sc, "SCMP_ACT_ERRNO", v, 1);

  /* defaultErrnoRet absent: EPERM.  */
  {
    cleanup_seccomp carve_seccomp_t *s = NULL;

    EXPECT (build (&sc, NULL, NULL, &s, NULL) == 0);
    expected = EPERM;
    EXPECT (run_loaded (s, body_whitelist, &expected, NULL, NULL, NULL) == 0);
  }

  sc.has_default_errno_ret = true;
  sc.default_errno_ret = ENOSYS;
  {
    cleanup_seccomp carve_seccomp_t *s = NULL;

    EXPECT (build (&sc, NULL, NULL, &s, NULL) == 0);
    expected = ENOSYS;
    EXPECT (run_loaded (s, body_whitelist, &expected, NULL, NULL, NULL) == 0);
  }
  return 0;
}

static int
body_args (int notify_fd, void *data)
{
  (void)notify_fd;
  (void)data;

  /* personality: only the query (0xffffffff) passes.  */
  if (syscall (SYS_personality, 0xffffffffUL) < 0)
    return 2;
  if (syscall (SYS_personality, (unsigned long)PER_LINUX) != -1 || errno != EPERM)
    return 3;

  /* getpriority: two tests of arg 0 in one entry are ORed.  */
  errno = 0;
  if (syscall (SYS_getpriority, PRIO_USER, 0) < 0)
    return 4;
  if (syscall (SYS_getpriority, PRIO_PROCESS, 0) != -1 || errno != EACCES)
    return 5;
  if (syscall (SYS_getpriority, PRIO_PGRP, 0) != -1 || errno != EACCES)
    return 6;

  /* umask: (mask & 0700) == 0700 is refused.  */
  if (syscall (SYS_umask, 0022) < 0)
    return 7;
  if (syscall (SYS_umask, 0777) != -1 || errno != EDOM)
    return 8;
  return 0;
}

static int
test_arg_conditions (void)
{
  cleanup_seccomp carve_seccomp_t *s = NULL;
  struct carve_spec_seccomp_s sc;
  struct test_syscall pers, prio, um;
  struct carve_spec_syscall_s *v[4];

  test_syscall_init (&pers, "SCMP_ACT_ERRNO", "personality", NULL);
  test_syscall_arg (&pers, 0, "SCMP_CMP_NE", 0xffffffffULL, false, 0);
  test_syscall_init (&prio, "SCMP_ACT_ERRNO", "getpriority", NULL);
  test_syscall_errno (&prio, EACCES);
  test_syscall_arg (&prio, 0, "SCMP_CMP_EQ", PRIO_PROCESS, false, 0);
  test_syscall_arg (&prio, 0, "SCMP_CMP_EQ", PRIO_PGRP, false, 0);
  test_syscall_init (&um, "SCMP_ACT_ERRNO", "umask", NULL);
  test_syscall_errno (&um, EDOM);
  test_syscall_arg (&um, 0, "SCMP_CMP_MASKED_EQ", 0700, true, 0700);
  v[0] = &pers.sys;
  v[1] = &prio.sys;
  v[2] = &um.sys;
  v[3] = NULL;
  seccomp_init_spec (&sc, "SCMP_ACT_ALLOW", v, 3);

  EXPECT (build (&sc, NULL, NULL, &s, NULL) == 0);
  EXPECT (run_loaded (s, body_args, NULL, NULL, NULL, NULL) == 0);
  return 0;
}

static int
body_getppid (int notify_fd, void *data)
{
  (void)notify_fd;
  (void)data;
  syscall (SYS_getppid);
  return 0;
}

static int
test_kill_process (void)
{
  cleanup_seccomp carve_seccomp_t *s = NULL;
  struct carve_spec_seccomp_s sc;
  struct test_syscall t;
  struct carve_spec_syscall_s *v[2];
  const char *archs[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL };
  const char *flags[] = { "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", NULL };

  test_syscall_init (&t, "SCMP_ACT_KILL_PROCESS", "getppid", NULL);
  v[0] = &t.sys;
  v[1] = NULL;
  seccomp_init_spec (&sc, "SCMP_ACT_ALLOW", v, 1);
#if defined(__x86_64__)
  sc.architectures = (char **)archs;
  sc.architectures_len = 3;
#else
  (void)archs;
#endif
  sc.flags = (char **)flags;
  sc.flags_len = 2;

  EXPECT (build (&sc, NULL, NULL, &s, NULL) == 0);
  EXPECT (run_loaded (s, body_getppid, NULL, NULL, NULL, NULL) == 128 + SIGSYS);
  return 0;
}

static int
body_ordering (int notify_fd, void *data)
{
  (void)notify_fd;
  (void)data;

  /* umask: arg0 < 1 refused (EAGAIN); 1 passes.  */
  if (syscall (SYS_umask, 0) != -1 || errno != EAGAIN)
    return 2;
  if (syscall (SYS_umask, 1) < 0)
    return 3;
  /* getpgid: arg0 <= 5 refused (ENOMEM), 6 is the kernel's answer.  */
  if (syscall (SYS_getpgid, 5) != -1 || errno != ENOMEM)
    return 4;
  if (syscall (SYS_getpgid, 6) == -1 && errno == ENOMEM)
    return 5;
  /* getsid: arg0 > 1000000 refused (EACCES), 0 passes.  */
  if (syscall (SYS_getsid, 1000001) != -1 || errno != EACCES)
    return 6;
  if (syscall (SYS_getsid, 0) < 0)
    return 7;
  /* alarm: arg0 >= 5000 refused (EFAULT), 4999 passes.  */
  if (syscall (SYS_alarm, 5000) != -1 || errno != EFAULT)
    return 8;
  if (syscall (SYS_alarm, 4999) < 0)
    return 9;
  (void)syscall (SYS_alarm, 0);
  return 0;
}

static int
test_ordering_operators (void)
{
  cleanup_seccomp carve_seccomp_t *s = NULL;
  struct carve_spec_seccomp_s sc;
  struct test_syscall lt, le, gt, ge;
  struct carve_spec_syscall_s *v[5];

  test_syscall_init (&lt, "SCMP_ACT_ERRNO", "umask", NULL);
  test_syscall_errno (&lt, EAGAIN);
  test_syscall_arg (&lt, 0, "SCMP_CMP_LT", 1, false, 0);
  test_syscall_init (&le, "SCMP_ACT_ERRNO", "getpgid", NULL);
  test_syscall_errno (&le, ENOMEM);
  test_syscall_arg (&le, 0, "SCMP_CMP_LE", 5, false, 0);
  test_syscall_init (&gt, "SCMP_ACT_ERRNO", "getsid", NULL);
  test_syscall_errno (&gt, EACCES);
  test_syscall_arg (&gt, 0, "SCMP_CMP_GT", 1000000, false, 0);
  test_syscall_init (&ge, "SCMP_ACT_ERRNO", "alarm", NULL);
  test_syscall_errno (&ge, EFAULT);
  test_syscall_arg (&ge, 0, "SCMP_CMP_GE", 5000, false, 0);
  v[0] = &lt.sys;
  v[1] = &le.sys;
  v[2] = &gt.sys;
  v[3] = &ge.sys;
  v[4] = NULL;
  seccomp_init_spec (&sc, "SCMP_ACT_ALLOW", v, 4);

  EXPECT (build (&sc, NULL, NULL, &s, NULL) == 0);
  EXPECT (run_loaded (s, body_ordering, NULL, NULL, NULL, NULL) == 0);
  return 0;
}

static int
body_trace_log (int notify_fd, void *data)
{
  (void)notify_fd;
  (void)data;
  /* SCMP_ACT_TRACE without a tracer: ENOSYS (seccomp(2)).  */
  if (syscall (SYS_getppid) != -1 || errno != ENOSYS)
    return 2;
  /* SCMP_ACT_LOG: the call runs.  */
  if (syscall (SYS_getpid) <= 0)
    return 3;
  return 0;
}

static int
body_kill_thread (int notify_fd, void *data)
{
  (void)notify_fd;
  (void)data;
  syscall (SYS_getppid);
  return 0;
}

/* The other actions, each in a child: TRACE and LOG, and KILL_THREAD,
   KILL (the same) and TRAP, which end a single-threaded child with
   SIGSYS.  */
static int
test_actions (void)
{
  static const char *const killers[] = { "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL", "SCMP_ACT_TRAP" };
  struct carve_spec_seccomp_s sc;
  struct test_syscall tr, lg;
  struct carve_spec_syscall_s *v[3];
  size_t i;

  test_syscall_init (&tr, "SCMP_ACT_TRACE", "getppid", NULL);
  test_syscall_errno (&tr, 7);
  test_syscall_init (&lg, "SCMP_ACT_LOG", "getpid", NULL);
  v[0] = &tr.sys;
  v[1] = &lg.sys;
  v[2] = NULL;
  seccomp_init_spec (&sc, "SCMP_ACT_ALLOW", v, 2);
  {
    cleanup_seccomp carve_seccomp_t *s = NULL;
    EXPECT (build (&sc, NULL, NULL, &s, NULL) == 0);
    EXPECT (run_loaded (s, body_trace_log, NULL, NULL, NULL, NULL) == 0);
  }

  for (i = 0; i < sizeof (killers) / sizeof (killers[0]); i++)
    {
      cleanup_seccomp carve_seccomp_t *s = NULL;
      struct test_syscall k;

      test_syscall_init (&k, killers[i], "getppid", NULL);
      v[0] = &k.sys;
      v[1] = NULL;
      seccomp_init_spec (&sc, "SCMP_ACT_ALLOW", v, 1);
      EXPECT (build (&sc, NULL, NULL, &s, NULL) == 0);
      EXPECT (run_loaded (s, body_kill_thread, NULL, NULL, NULL, NULL) == 128 + SIGSYS);
    }

  /* A default action that is not ALLOW, LOG as the default.  */
  seccomp_init_spec (&sc, "SCMP_ACT_LOG", NULL, 0);
  {
    cleanup_seccomp carve_seccomp_t *s = NULL;
    EXPECT (build (&sc, NULL, NULL, &s, NULL) == 0);
    EXPECT (run_loaded (s, body_kill_thread, NULL, NULL, NULL, NULL) == 0);
  }
  return 0;
}

/* --- warnings and errors ------------------------------------------------------- */

static int
test_unknown_syscall_warns (void)
{
  cleanup_seccomp carve_seccomp_t *s = NULL;
  cleanup_strv char **warnings = NULL;
  char *fwd[] = { "carve_no_such_call_2", NULL };
  struct carve_spec_seccomp_s sc;
  struct test_syscall t;
  struct carve_spec_syscall_s *v[2];

  test_syscall_init (&t, "SCMP_ACT_ERRNO", "getcwd", "carve_no_such_call");
  test_syscall_errno (&t, 42);
  v[0] = &t.sys;
  v[1] = NULL;
  seccomp_init_spec (&sc, "SCMP_ACT_ALLOW", v, 1);

  EXPECT (build (&sc, fwd, NULL, &s, &warnings) == 0);
  EXPECT (carve_strv_length (warnings) == 2);
  EXPECT_CONTAINS (warnings[0], "linux.seccomp.syscalls[0].names[1]");
  EXPECT_CONTAINS (warnings[0], "`carve_no_such_call`");
  EXPECT_CONTAINS (warnings[1], "carve.syscalls.forward");
  EXPECT_CONTAINS (warnings[1], "`carve_no_such_call_2`");
  /* Nothing was forwarded, so there is no listener; the known name still
     got its rule.  */
  EXPECT (!carve_seccomp_has_notify (s));
  EXPECT (run_loaded (s, body_getcwd_42, NULL, NULL, NULL, NULL) == 0);
  return 0;
}

static int
test_rejects (void)
{
  struct carve_spec_seccomp_s sc;
  struct test_syscall t[3];
  struct carve_spec_syscall_s *v[4];
  char *arch_bad[] = { "SCMP_ARCH_VAX", NULL };
  char *flag_bad[] = { "SECCOMP_FILTER_FLAG_NOPE", NULL };
  cleanup_free char *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL, *e5 = NULL, *e6 = NULL, *e7 = NULL;
  cleanup_free char *e8 = NULL, *e9 = NULL;

  test_syscall_init (&t[0], "SCMP_ACT_ALLOW", "getpid", NULL);
  test_syscall_init (&t[1], "SCMP_ACT_ERRNO", "getppid", NULL);
  test_syscall_init (&t[2], "SCMP_ACT_FOO", "getcwd", NULL);
  v[0] = &t[0].sys;
  v[1] = &t[1].sys;
  v[2] = &t[2].sys;
  v[3] = NULL;
  seccomp_init_spec (&sc, "SCMP_ACT_ALLOW", v, 3);
  e1 = build_error (&sc);
  EXPECT_STR (e1, "linux.seccomp.syscalls[2].action: unknown action `SCMP_ACT_FOO`");

  t[2].sys.action = "SCMP_ACT_ALLOW";
  test_syscall_errno (&t[2], 5);
  e2 = build_error (&sc);
  EXPECT_CONTAINS (e2, "linux.seccomp.syscalls[2].errnoRet");

  t[2].sys.has_errno_ret = false;
  test_syscall_arg (&t[2], 0, "SCMP_CMP_ABOUT", 1, false, 0);
  e3 = build_error (&sc);
  EXPECT_STR (e3, "linux.seccomp.syscalls[2].args[0].op: unknown operator `SCMP_CMP_ABOUT`");

  t[2].args[0].op = "SCMP_CMP_EQ";
  t[2].args[0].index = 6;
  e4 = build_error (&sc);
  EXPECT_CONTAINS (e4, "linux.seccomp.syscalls[2].args[0].index");
  t[2].args[0].index = 0;

  sc.default_action = "SCMP_ACT_BAR";
  e5 = build_error (&sc);
  EXPECT_STR (e5, "linux.seccomp.defaultAction: unknown action `SCMP_ACT_BAR`");

  sc.default_action = "SCMP_ACT_NOTIFY";
  e6 = build_error (&sc);
  EXPECT_CONTAINS (e6, "linux.seccomp.defaultAction");

  sc.default_action = "SCMP_ACT_ALLOW";
  sc.architectures = arch_bad;
  sc.architectures_len = 1;
  e7 = build_error (&sc);
  EXPECT_STR (e7, "linux.seccomp.architectures[0]: unknown architecture `SCMP_ARCH_VAX`");

  sc.architectures = NULL;
  sc.architectures_len = 0;
  sc.flags = flag_bad;
  sc.flags_len = 1;
  e8 = build_error (&sc);
  EXPECT_STR (e8, "linux.seccomp.flags[0]: unknown flag `SECCOMP_FILTER_FLAG_NOPE`");

  sc.flags = NULL;
  sc.flags_len = 0;
  sc.has_default_errno_ret = true;
  sc.default_errno_ret = 1;
  e9 = build_error (&sc);
  EXPECT_CONTAINS (e9, "linux.seccomp.defaultErrnoRet");
  return 0;
}

/* --- SCMP_ACT_NOTIFY ----------------------------------------------------------- */

struct notify_ctx
{
  int sock[2];
};

static int
send_fd (int sock, int fd)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  char byte = 'x';
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof (control.buf) };
  struct cmsghdr *cmsg;

  memset (&control, 0, sizeof (control));
  cmsg = CMSG_FIRSTHDR (&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cmsg), &fd, sizeof (int));
  return sendmsg (sock, &msg, 0) == 1 ? 0 : -1;
}

/* Reads up to BUFLEN - 1 bytes into BUF (NUL-terminated) and the first
   SCM_RIGHTS descriptor into *RET_FD (-1 when none).  */
static ssize_t
recv_with_fd (int sock, char *buf, size_t buflen, int *ret_fd)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { .iov_base = buf, .iov_len = buflen - 1 };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof (control.buf) };
  struct cmsghdr *cmsg;
  ssize_t n;

  *ret_fd = -1;
  n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0)
    return -1;
  buf[n] = '\0';
  for (cmsg = CMSG_FIRSTHDR (&msg); cmsg; cmsg = CMSG_NXTHDR (&msg, cmsg))
    if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
      memcpy (ret_fd, CMSG_DATA (cmsg), sizeof (int));
  return n;
}

static int
body_notify (int notify_fd, void *data)
{
  struct notify_ctx *nc = data;
  char buf[4096];

  if (notify_fd < 0)
    return 2;
  if (send_fd (nc->sock[1], notify_fd) < 0)
    return 3;
  close (notify_fd);
  /* Forwarded: the agent (the parent) answers ENOTUNIQ.  */
  if (syscall (SYS_getcwd, buf, sizeof (buf)) != -1 || errno != ENOTUNIQ)
    return 4;
  /* Denied: ENOSYS.  */
  if (syscall (SYS_getppid) != -1 || errno != ENOSYS)
    return 5;
  return 0;
}

static int
parent_notify (pid_t pid, void *data)
{
  struct notify_ctx *nc = data;
  cleanup_close int listener = -1;
  struct seccomp_notif req;
  struct seccomp_notif_resp resp;
  struct timeval tv = { .tv_sec = 20 };
  char byte[2];

  /* A child that dies before sending must not hang the test.  */
  close (nc->sock[1]);
  nc->sock[1] = -1;
  (void)setsockopt (nc->sock[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof (tv));
  if (recv_with_fd (nc->sock[0], byte, sizeof (byte), &listener) != 1 || listener < 0)
    {
      fprintf (stderr, "# no listener fd received\n");
      return -1;
    }
  memset (&req, 0, sizeof (req));
  if (ioctl (listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
    {
      fprintf (stderr, "# NOTIF_RECV: %s\n", strerror (errno));
      return -1;
    }
  if (req.data.nr != SYS_getcwd || (pid_t)req.pid != pid)
    {
      fprintf (stderr, "# notification for syscall %d from %u\n", req.data.nr, req.pid);
      return -1;
    }
  memset (&resp, 0, sizeof (resp));
  resp.id = req.id;
  resp.error = -ENOTUNIQ;
  if (ioctl (listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
    {
      fprintf (stderr, "# NOTIF_SEND: %s\n", strerror (errno));
      return -1;
    }
  return 0;
}

static int
test_notify (void)
{
  cleanup_seccomp carve_seccomp_t *s = NULL;
  struct carve_spec_seccomp_s sc;
  struct test_syscall t;
  struct carve_spec_syscall_s *v[2];
  char *fwd[] = { "getcwd", NULL };
  char *deny[] = { "getppid", NULL };
  const char *flags[] = { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "SECCOMP_FILTER_FLAG_TSYNC", NULL };
  struct notify_ctx nc;
  int r;

  /* The profile's own getcwd rule lets the call through, so
     carve.syscalls.forward traps it.  */
  test_syscall_init (&t, "SCMP_ACT_LOG", "getcwd", NULL);
  v[0] = &t.sys;
  v[1] = NULL;
  seccomp_init_spec (&sc, "SCMP_ACT_ALLOW", v, 1);
  sc.flags = (char **)flags;
  sc.flags_len = 2;

  EXPECT (build (&sc, fwd, deny, &s, NULL) == 0);
  EXPECT (carve_seccomp_has_notify (s));

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, nc.sock) < 0)
    return -1;
  r = run_loaded (s, body_notify, &nc, NULL, parent_notify, &nc);
  close (nc.sock[0]);
  if (nc.sock[1] >= 0)
    close (nc.sock[1]);
  EXPECT (r == 0);
  return 0;
}

/* carve.syscalls.forward against a profile that refuses the call, by a
   rule or by its default action, or decides by the arguments: the
   stricter action wins and the call is not forwarded.  */
static int
test_forward_stricter_wins (void)
{
  cleanup_seccomp carve_seccomp_t *s = NULL;
  cleanup_seccomp carve_seccomp_t *s2 = NULL;
  cleanup_seccomp carve_seccomp_t *s3 = NULL;
  cleanup_strv char **warnings = NULL;
  cleanup_strv char **warnings2 = NULL;
  struct carve_spec_seccomp_s sc;
  struct test_syscall t, allow;
  struct carve_spec_syscall_s *v[2];
  char *fwd[] = { "getcwd", NULL };
  char *fwd2[] = { "getcwd", "getpid", NULL };

  test_syscall_init (&t, "SCMP_ACT_ERRNO", "getcwd", NULL);
  test_syscall_errno (&t, 42);
  v[0] = &t.sys;
  v[1] = NULL;
  seccomp_init_spec (&sc, "SCMP_ACT_ALLOW", v, 1);
  EXPECT (build (&sc, fwd, NULL, &s, &warnings) == 0);
  EXPECT (!carve_seccomp_has_notify (s));
  EXPECT (carve_strv_length (warnings) == 1);
  EXPECT_CONTAINS (warnings[0], "carve.syscalls.forward: `getcwd` is not forwarded");
  EXPECT (run_loaded (s, body_getcwd_42, NULL, NULL, NULL, NULL) == 0);

  /* Default ERRNO: getcwd, not named, is refused and stays so; getpid,
     allowed by a rule, is forwarded.  */
  test_syscall_init (&allow, "SCMP_ACT_ALLOW", "getpid", NULL);
  v[0] = &allow.sys;
  seccomp_init_spec (&sc, "SCMP_ACT_ERRNO", v, 1);
  EXPECT (build (&sc, fwd2, NULL, &s2, &warnings2) == 0);
  EXPECT (carve_seccomp_has_notify (s2));
  EXPECT (carve_strv_length (warnings2) == 1);
  EXPECT_CONTAINS (warnings2[0], "`getcwd` is not forwarded");

  /* An allow rule with an argument condition: the profile decides.  */
  test_syscall_init (&allow, "SCMP_ACT_ALLOW", "getcwd", NULL);
  test_syscall_arg (&allow, 1, "SCMP_CMP_EQ", 4096, false, 0);
  v[0] = &allow.sys;
  seccomp_init_spec (&sc, "SCMP_ACT_ERRNO", v, 1);
  EXPECT (build (&sc, fwd, NULL, &s3, NULL) == 0);
  EXPECT (!carve_seccomp_has_notify (s3));
  return 0;
}

/* The listener handed over without a system call after the load: the
   child's very next call (sendmsg) is trapped, and the parent, which took
   the listener with pidfd_getfd, answers it.  */
static int
test_listener_slot (void)
{
  cleanup_seccomp carve_seccomp_t *s = NULL;
  struct carve_spec_seccomp_s sc;
  struct test_syscall t;
  struct carve_spec_syscall_s *v[2];
  cleanup_close int pidfd = -1, listener = -1;
  struct seccomp_notif req;
  struct seccomp_notif_resp resp;
  cleanup_error carve_error_t err = NULL;
  int to_child[2], from_child[2], status, slot = -1;
  pid_t pid;

  test_syscall_init (&t, "SCMP_ACT_NOTIFY", "sendmsg", "write");
  v[0] = &t.sys;
  v[1] = NULL;
  seccomp_init_spec (&sc, "SCMP_ACT_ALLOW", v, 1);
  sc.listener_path = "/run/agent.sock";
  EXPECT (build (&sc, NULL, NULL, &s, NULL) == 0);
  EXPECT_STR (carve_seccomp_listener_path (s), "/run/agent.sock");
  EXPECT (pipe2 (to_child, O_CLOEXEC) == 0 && socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, from_child) == 0);

  fflush (NULL);
  pid = fork ();
  if (pid == 0)
    {
      carve_error_t cerr = NULL;
      char c;
      int fd = -1;
      struct msghdr msg = { 0 };
      struct iovec iov = { &c, 1 };

      close (from_child[0]);
      if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || carve_seccomp_slot_reserve (&slot, &cerr) < 0)
        _exit (100);
      if (write (from_child[1], &slot, sizeof (slot)) != sizeof (slot) || read (to_child[0], &c, 1) != 1)
        _exit (101);
      if (carve_seccomp_load_at (s, slot, &fd, &cerr) < 0)
        _exit (102);
      /* Trapped: only the parent's answer lets it return.  */
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      if (sendmsg (from_child[1], &msg, 0) != -1 || errno != EXDEV)
        _exit (103);
      _exit (fd == slot ? 0 : 104);
    }
  EXPECT (pid > 0);
  close (from_child[1]);
  close (to_child[0]);
  EXPECT (read (from_child[0], &slot, sizeof (slot)) == sizeof (slot));
  pidfd = carve_pidfd_open (pid);
  EXPECT (pidfd >= 0);
  EXPECT (carve_seccomp_can_take (pidfd, slot));
  EXPECT (write (to_child[1], "g", 1) == 1);
  EXPECT (carve_seccomp_take_listener (pidfd, slot, from_child[0], 5000, &listener, &err) == 1);
  EXPECT (carve_seccomp_is_listener (listener));
  EXPECT (!carve_seccomp_is_listener (pidfd));

  memset (&req, 0, sizeof (req));
  EXPECT (ioctl (listener, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0);
  EXPECT (req.data.nr == SYS_sendmsg);
  memset (&resp, 0, sizeof (resp));
  resp.id = req.id;
  resp.error = -EXDEV;
  EXPECT (ioctl (listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0);
  EXPECT (waitpid (pid, &status, 0) == pid);
  close (to_child[1]);
  close (from_child[0]);
  EXPECT (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  return 0;
}

/* A process that fails before its load says so on the watched socket:
   take_listener returns 0 for the caller to read why.  */
static int
test_listener_slot_failed_load (void)
{
  cleanup_close int pidfd = -1;
  cleanup_error carve_error_t err = NULL;
  int sv[2], fd = -1, slot = -1, status;
  pid_t pid;
  char c;

  EXPECT (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
  fflush (NULL);
  pid = fork ();
  if (pid == 0)
    {
      carve_error_t cerr = NULL;
      close (sv[0]);
      if (carve_seccomp_slot_reserve (&slot, &cerr) < 0)
        _exit (100);
      if (write (sv[1], &slot, sizeof (slot)) != sizeof (slot) || read (sv[1], &c, 1) != 1)
        _exit (101);
      close (slot);
      (void)!write (sv[1], "E", 1);
      _exit (0);
    }
  EXPECT (pid > 0);
  close (sv[1]);
  EXPECT (read (sv[0], &slot, sizeof (slot)) == sizeof (slot));
  pidfd = carve_pidfd_open (pid);
  EXPECT (write (sv[0], "g", 1) == 1);
  EXPECT (carve_seccomp_take_listener (pidfd, slot, sv[0], 5000, &fd, &err) == 0);
  EXPECT (fd == -1);
  EXPECT (read (sv[0], &c, 1) == 1 && c == 'E');
  EXPECT (waitpid (pid, &status, 0) == pid);
  close (sv[0]);
  return 0;
}

/* config-linux.md's rules on listenerPath and listenerMetadata.  */
static int
test_listener_fields (void)
{
  cleanup_free char *e1 = NULL, *e2 = NULL;
  cleanup_seccomp carve_seccomp_t *s = NULL;
  struct carve_spec_seccomp_s sc;
  struct test_syscall t;
  struct carve_spec_syscall_s *v[2];
  char *fwd[] = { "getcwd", NULL };

  test_syscall_init (&t, "SCMP_ACT_NOTIFY", "getcwd", NULL);
  v[0] = &t.sys;
  v[1] = NULL;
  seccomp_init_spec (&sc, "SCMP_ACT_ALLOW", v, 1);
  e1 = build_error (&sc);
  EXPECT_STR (e1, "linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY rules");

  seccomp_init_spec (&sc, "SCMP_ACT_ALLOW", NULL, 0);
  sc.listener_metadata = "m";
  e2 = build_error (&sc);
  EXPECT_STR (e2, "linux.seccomp.listenerMetadata: set without linux.seccomp.listenerPath");

  /* carve.syscalls.forward: the caller names the agent afterwards.  */
  sc.listener_metadata = NULL;
  EXPECT (build (&sc, fwd, NULL, &s, NULL) == 0);
  EXPECT (carve_seccomp_has_notify (s));
  EXPECT (carve_seccomp_listener_path (s) == NULL);
  EXPECT_STR (carve_seccomp_listener_source (s), "linux.seccomp.listenerPath");
  carve_seccomp_set_listener (s, "/run/carve/serviceos.sock", "meta", "carve-serviceos");
  EXPECT_STR (carve_seccomp_listener_source (s), "carve-serviceos");
  EXPECT_STR (carve_seccomp_listener_path (s), "/run/carve/serviceos.sock");
  EXPECT_STR (carve_seccomp_listener_metadata (s), "meta");
  return 0;
}

/* --- the seccomp agent protocol ------------------------------------------------ */

static int
test_emit_process_state (void)
{
  cleanup_error carve_error_t err = NULL;
  cleanup_free char *json = NULL;
  cleanup_free char *nometa = NULL;

  json = carve_seccomp_emit_process_state (
      4422, "MKNOD=/dev/null",
      "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":4422,\"bundle\":\"/b\","
      "\"annotations\":{\"k\":\"v\"},\"x\":[1.5,true,null]}",
      &err);
  EXPECT (json != NULL);
  EXPECT_STR (json, "{\"ociVersion\":\"" OCI_SPEC_VERSION "\",\"fds\":[\"seccompFd\"],\"pid\":4422,"
                    "\"metadata\":\"MKNOD=/dev/null\",\"state\":{\"ociVersion\":\"1.3.0\",\"id\":\"c1\","
                    "\"status\":\"creating\",\"pid\":4422,\"bundle\":\"/b\",\"annotations\":{\"k\":\"v\"},"
                    "\"x\":[1.5,true,null]}}");

  nometa = carve_seccomp_emit_process_state (1, NULL, "{\"id\":\"c\"}", &err);
  EXPECT (nometa != NULL);
  EXPECT (strstr (nometa, "metadata") == NULL);

  EXPECT (carve_seccomp_emit_process_state (1, NULL, "[1]", &err) == NULL);
  EXPECT (err != NULL);
  EXPECT_CONTAINS (err->msg, "container state");
  return 0;
}

/* Binds a listening socket at DIR/NAME, with a relative path so that a
   name longer than sun_path works too.  */
static int
listen_at (const char *dir, const char *name)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_close int cwd = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  int fd, r;

  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || cwd < 0 || chdir (dir) < 0)
    return -1;
  snprintf (addr.sun_path, sizeof (addr.sun_path), "%s", name);
  r = bind (fd, (struct sockaddr *)&addr, sizeof (addr));
  if (fchdir (cwd) < 0 || r < 0 || listen (fd, 1) < 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

static int
check_listener (const char *dir, const char *subdir)
{
  cleanup_error carve_error_t err = NULL;
  cleanup_free char *sockdir = carve_path_join (dir, subdir);
  cleanup_free char *path = carve_path_join (sockdir, "agent.sock");
  cleanup_free char *json = NULL;
  cleanup_close int lfd = -1;
  cleanup_close int conn = -1;
  cleanup_close int got = -1;
  int pipefd[2];
  char buf[8192];
  struct stat a, b;
  size_t len = 0;
  ssize_t n;
  int fd = -1;

  if (mkdir (sockdir, 0700) < 0 && errno != EEXIST)
    return -1;
  lfd = listen_at (sockdir, "agent.sock");
  EXPECT (lfd >= 0);
  EXPECT (pipe2 (pipefd, O_CLOEXEC) == 0);

  json = carve_seccomp_emit_process_state (77, "meta",
                                           "{\"ociVersion\":\"1.3.0\",\"id\":\"ctr\",\"status\":"
                                           "\"creating\",\"bundle\":\"/b\"}",
                                           &err);
  EXPECT (json != NULL);
  /* The connection is queued on the backlog, so one process can do both
     ends.  */
  if (carve_seccomp_send_listener (path, pipefd[0], json, &err) < 0)
    {
      fprintf (stderr, "# send_listener: %s\n", err->msg);
      close (pipefd[0]);
      close (pipefd[1]);
      return -1;
    }

  conn = accept4 (lfd, NULL, NULL, SOCK_CLOEXEC);
  EXPECT (conn >= 0);
  n = recv_with_fd (conn, buf, sizeof (buf), &fd);
  got = fd;
  EXPECT (n > 0);
  len = n;
  /* Read to EOF: the runtime closes after one state.  */
  while ((n = read (conn, buf + len, sizeof (buf) - 1 - len)) > 0)
    len += n;
  buf[len] = '\0';
  EXPECT (n == 0);
  EXPECT_STR (buf, json);
  EXPECT (got >= 0);
  EXPECT (fstat (got, &a) == 0 && fstat (pipefd[0], &b) == 0);
  EXPECT (a.st_ino == b.st_ino && a.st_dev == b.st_dev);
  close (pipefd[0]);
  close (pipefd[1]);
  return 0;
}

static int
test_send_listener (void)
{
  char dir[] = "/tmp/carve-test-seccomp-XXXXXX";
  char longname[120];
  cleanup_error carve_error_t err = NULL;
  int r1, r2, r3;

  if (mkdtemp (dir) == NULL)
    return -1;
  memset (longname, 'd', sizeof (longname) - 1);
  longname[sizeof (longname) - 1] = '\0';

  r1 = check_listener (dir, "short");
  /* DIR/LONGNAME/agent.sock is longer than sun_path.  */
  r2 = check_listener (dir, longname);
  /* Nobody listening: an error naming the path.  */
  r3 = carve_seccomp_send_listener ("/tmp/carve-test-seccomp-none/agent.sock", 0, "{}", &err);

  (void)carve_rm_rf (dir, NULL);
  EXPECT (r1 == 0);
  EXPECT (r2 == 0);
  EXPECT (r3 < 0);
  EXPECT_CONTAINS (err->msg, "/tmp/carve-test-seccomp-none/agent.sock");
  return 0;
}

static int
test_name_tables (void)
{
  const char *const *v;
  bool found;
  size_t i, n;

  v = carve_seccomp_known_actions ();
  for (n = 0, found = false; v[n]; n++)
    found = found || strcmp (v[n], "SCMP_ACT_KILL_PROCESS") == 0;
  EXPECT (n == 9 && found);

  v = carve_seccomp_known_operators ();
  for (n = 0, found = false; v[n]; n++)
    found = found || strcmp (v[n], "SCMP_CMP_MASKED_EQ") == 0;
  EXPECT (n == 7 && found);

  v = carve_seccomp_known_flags ();
  for (n = 0; v[n]; n++)
    ;
  EXPECT (n == 4);

  /* Every architecture listed is known to the builder: it is added, or
     refused only for its byte order (a filter cannot mix both).  */
  v = carve_seccomp_known_archs ();
  for (i = 0, n = 0; v[i]; i++)
    {
      cleanup_seccomp carve_seccomp_t *s = NULL;
      cleanup_error carve_error_t err = NULL;
      struct carve_spec_seccomp_s sc;
      char *one[] = { (char *)v[i], NULL };

      seccomp_init_spec (&sc, "SCMP_ACT_ALLOW", NULL, 0);
      sc.architectures = one;
      sc.architectures_len = 1;
      if (carve_seccomp_build (&sc, NULL, NULL, &s, NULL, &err) == 0)
        n++;
      else
        EXPECT_CONTAINS (err->msg, "byte order");
    }
  EXPECT (i >= 19);
  EXPECT (n > i / 2);
  return 0;
}

/* supportedFlags: known flags only, and TSYNC (Linux 3.17) on any kernel
   carve runs on.  */
static int
test_supported_flags (void)
{
  cleanup_strv char **supported = carve_seccomp_supported_flags ();
  const char *const *known = carve_seccomp_known_flags ();
  size_t i, j;

  EXPECT (carve_strv_contains (supported, "SECCOMP_FILTER_FLAG_TSYNC"));
  for (i = 0; supported[i]; i++)
    {
      bool found = false;
      for (j = 0; known[j]; j++)
        found = found || strcmp (known[j], supported[i]) == 0;
      EXPECT (found);
    }
  return 0;
}

UNIT_MAIN (UNIT_CASE (test_supported_flags), UNIT_CASE (test_errno_rule), UNIT_CASE (test_default_errno_whitelist), UNIT_CASE (test_arg_conditions),
           UNIT_CASE (test_kill_process), UNIT_CASE (test_ordering_operators), UNIT_CASE (test_actions),
           UNIT_CASE (test_unknown_syscall_warns), UNIT_CASE (test_rejects), UNIT_CASE (test_notify), UNIT_CASE (test_forward_stricter_wins),
           UNIT_CASE (test_listener_slot), UNIT_CASE (test_listener_slot_failed_load), UNIT_CASE (test_listener_fields),
           UNIT_CASE (test_emit_process_state), UNIT_CASE (test_send_listener), UNIT_CASE (test_name_tables))
