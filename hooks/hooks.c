/* The OCI hook engine (hooks.h): runs a hook kind's programs in order with
   the state on stdin, their args, env and timeout, and the runtime-spec's
   rules for what a failure means.  */
#include <config.h>
#include "runtime/base/deadline.h"
#include "hooks/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "pgroup.h"
#include "xalloc.h"

/* How often a hook is checked for when pidfds are missing (before Linux
   5.3; the polling can go when that is the oldest kernel supported).  */
#define HOOK_POLL_MS 20

/* The tail of one output stream of a hook.  */
struct output_tail
{
  char buf[CARVE_HOOKS_OUTPUT_MAX];
  size_t len;
};

static void
tail_append (struct output_tail *t, const char *data, size_t len)
{
  if (len >= sizeof (t->buf))
    {
      memcpy (t->buf, data + len - sizeof (t->buf), sizeof (t->buf));
      t->len = sizeof (t->buf);
      return;
    }
  if (t->len + len > sizeof (t->buf))
    {
      size_t drop = t->len + len - sizeof (t->buf);
      memmove (t->buf, t->buf + drop, t->len - drop);
      t->len -= drop;
    }
  memcpy (t->buf + t->len, data, len);
  t->len += len;
}

static bool
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The last line of T that is not blank, trimmed, or NULL.  */
static char *
tail_last_line (const struct output_tail *t)
{
  size_t end = t->len, start;

  while (end > 0 && is_space (t->buf[end - 1]))
    end--;
  if (end == 0)
    return NULL;
  start = end;
  while (start > 0 && t->buf[start - 1] != '\n')
    start--;
  while (start < end && is_space (t->buf[start]))
    start++;
  return xstrndup (t->buf + start, end - start);
}


/* A pipe whose ends are both above 0, 1 and 2, so that the dup2 onto the
   hook's stdio in the child can never overwrite another of the pipes when
   the caller runs with a standard descriptor closed.  */
static int
pipe_above_stdio (int fds[2])
{
  int i;

  if (pipe2 (fds, O_CLOEXEC) < 0)
    return -1;
  for (i = 0; i < 2; i++)
    if (fds[i] < 3)
      {
        int fd = fcntl (fds[i], F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
          {
            int saved = errno;
            close (fds[0]);
            close (fds[1]);
            errno = saved;
            return -1;
          }
        close (fds[i]);
        fds[i] = fd;
      }
  return 0;
}

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

/* Reads what FD has into T; closes *FD at end of file or on error.  */
static void
drain (int *fd, struct output_tail *t)
{
  char buf[4096];

  while (*fd >= 0)
    {
      ssize_t r = read (*fd, buf, sizeof (buf));
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0 && errno == EAGAIN)
        return;
      if (r <= 0)
        {
          close_fd (fd);
          return;
        }
      tail_append (t, buf, (size_t)r);
    }
}

struct hook_result
{
  int wait_status;
  bool timed_out;
  struct output_tail out;
  struct output_tail err;
};

static int
spawn_hook (const struct carve_spec_hook_s *hook, int in, int out, int errfd, pid_t *ret_pid)
{
  char *default_argv[] = { hook->path, NULL };
  char *empty_env[] = { NULL };
  char **argv = hook->args_len > 0 ? hook->args : default_argv;
  char **envp = hook->env_len > 0 ? hook->env : empty_env;
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t none, all;
  int r;

  sigemptyset (&none);
  sigfillset (&all);

  if ((r = posix_spawn_file_actions_init (&fa)) != 0)
    return r;
  if ((r = posix_spawnattr_init (&attr)) != 0)
    {
      posix_spawn_file_actions_destroy (&fa);
      return r;
    }

  /* The hook starts with default dispositions and no blocked signal,
     whatever the caller set up (carve blocks signals it forwards, and
     SIGPIPE is blocked here), and in a process group of its own, so that a
     timeout kills whatever it started too.  */
  if ((r = posix_spawn_file_actions_adddup2 (&fa, in, 0)) == 0
      && (r = posix_spawn_file_actions_adddup2 (&fa, out, 1)) == 0
      && (r = posix_spawn_file_actions_adddup2 (&fa, errfd, 2)) == 0
      && (r = posix_spawnattr_setflags (&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
             == 0
      && (r = posix_spawnattr_setsigmask (&attr, &none)) == 0 && (r = posix_spawnattr_setsigdefault (&attr, &all)) == 0
      && (r = posix_spawnattr_setpgroup (&attr, 0)) == 0)
    /* glibc reports a failed execve as the return value.  */
    r = posix_spawn (ret_pid, hook->path, &fa, &attr, argv, envp);

  posix_spawnattr_destroy (&attr);
  posix_spawn_file_actions_destroy (&fa);
  return r;
}

static void
kill_hook (pid_t pid)
{
  /* PID is not reaped yet, so neither it nor its process group id can
     have been reused.  */
  (void)kill (-pid, SIGKILL);
  (void)kill (pid, SIGKILL);
}

static int
reap (pid_t pid, int flags, int *ret_status)
{
  pid_t r;

  do
    r = waitpid (pid, ret_status, flags);
  while (r < 0 && errno == EINTR);
  return (int)r;
}

/* Feeds STATE to the hook, collects its output and waits for it.  Returns
   < 0 with errno on a failure of carve itself (the hook is then killed).  */
static int
supervise (pid_t pid, int *in, int *out, int *errfd, const char *state, int timeout, struct hook_result *res)
{
  cleanup_close int pidfd = -1;
  size_t state_len = state ? strlen (state) : 0, written = 0;
  long long deadline = timeout > 0 ? carve_now_ms () + (long long)timeout * 1000 : -1;
  bool exited = false;

  pidfd = carve_pidfd_open (pid);
  if (pidfd < 0 && errno != ENOSYS)
    {
      int saved = errno;
      kill_hook (pid);
      (void)reap (pid, 0, &res->wait_status);
      errno = saved;
      return -1;
    }

  if (state_len == 0)
    close_fd (in);

  while (!exited)
    {
      struct pollfd pfds[4];
      int idx_pid = -1, idx_in = -1, idx_out = -1, idx_err = -1;
      nfds_t n = 0;
      int wait, p;

      if (pidfd >= 0)
        {
          idx_pid = (int)n;
          pfds[n].fd = pidfd;
          pfds[n++].events = POLLIN;
        }
      if (*in >= 0)
        {
          idx_in = (int)n;
          pfds[n].fd = *in;
          pfds[n++].events = POLLOUT;
        }
      if (*out >= 0)
        {
          idx_out = (int)n;
          pfds[n].fd = *out;
          pfds[n++].events = POLLIN;
        }
      if (*errfd >= 0)
        {
          idx_err = (int)n;
          pfds[n].fd = *errfd;
          pfds[n++].events = POLLIN;
        }

      wait = carve_deadline_remaining_ms (deadline);
      if (pidfd < 0 && (wait < 0 || wait > HOOK_POLL_MS))
        wait = HOOK_POLL_MS;

      p = poll (pfds, n, wait);
      if (p < 0 && errno != EINTR)
        {
          int saved = errno;
          kill_hook (pid);
          (void)reap (pid, 0, &res->wait_status);
          errno = saved;
          return -1;
        }
      if (p > 0)
        {
          if (idx_in >= 0 && pfds[idx_in].revents)
            {
              ssize_t w = write (*in, state + written, state_len - written);
              if (w > 0)
                written += (size_t)w;
              /* EPIPE: the hook closed its stdin without reading the
                 state, which the spec allows.  SIGPIPE is blocked by the
                 caller.  */
              if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == state_len)
                close_fd (in);
            }
          if (idx_out >= 0 && pfds[idx_out].revents)
            drain (out, &res->out);
          if (idx_err >= 0 && pfds[idx_err].revents)
            drain (errfd, &res->err);
          if (idx_pid >= 0 && pfds[idx_pid].revents)
            {
              if (reap (pid, 0, &res->wait_status) < 0)
                return -1;
              exited = true;
            }
        }
      if (!exited && pidfd < 0)
        {
          int r = reap (pid, WNOHANG, &res->wait_status);
          if (r < 0)
            return -1;
          exited = r > 0;
        }
      if (!exited && deadline >= 0 && carve_deadline_remaining_ms (deadline) == 0)
        {
          kill_hook (pid);
          if (reap (pid, 0, &res->wait_status) < 0)
            return -1;
          res->timed_out = true;
          exited = true;
        }
    }

  /* What the hook wrote before it ended; processes it left behind may keep
     the pipes open, so this does not wait for end of file.  */
  drain (out, &res->out);
  drain (errfd, &res->err);
  return 0;
}

static int
set_nonblock (int fd)
{
  int flags = fcntl (fd, F_GETFL);

  if (flags < 0 || fcntl (fd, F_SETFL, flags | O_NONBLOCK) < 0)
    return -1;
  return 0;
}

static int
make_pipe (int *ret_rd, int *ret_wr)
{
  int fds[2];

  if (pipe_above_stdio (fds) < 0)
    return -1;
  *ret_rd = fds[0];
  *ret_wr = fds[1];
  return 0;
}

static int
run_one (const struct carve_spec_hook_s *hook, size_t index, const char *kind, const char *state, const char *record,
         carve_error_t *err)
{
  cleanup_close int in_rd = -1;
  cleanup_close int in_wr = -1;
  cleanup_close int out_rd = -1;
  cleanup_close int out_wr = -1;
  cleanup_close int err_rd = -1;
  cleanup_close int err_wr = -1;
  cleanup_free struct hook_result *res = NULL;
  cleanup_free char *line = NULL;
  const char *path = hook->path;
  pid_t pid = -1;
  int r;

  if (path == NULL)
    return carve_make_error (err, 0, "%s hook #%zu: no path", kind, index);
  if (hook->has_timeout && hook->timeout <= 0)
    return carve_make_error (err, 0, "%s hook `%s` (#%zu): timeout must be greater than zero, got %d", kind, path,
                             index, hook->timeout);

  if (make_pipe (&in_rd, &in_wr) < 0 || make_pipe (&out_rd, &out_wr) < 0 || make_pipe (&err_rd, &err_wr) < 0)
    return carve_make_error (err, errno, "%s hook `%s` (#%zu): pipe", kind, path, index);
  if (set_nonblock (in_wr) < 0 || set_nonblock (out_rd) < 0 || set_nonblock (err_rd) < 0)
    return carve_make_error (err, errno, "%s hook `%s` (#%zu): fcntl", kind, path, index);

  r = spawn_hook (hook, in_rd, out_wr, err_wr, &pid);
  /* Only the hook may hold the other ends, so that its exit means end of
     file here.  */
  close_fd (&in_rd);
  close_fd (&out_wr);
  close_fd (&err_wr);
  if (r != 0)
    return carve_make_error (err, r, "%s hook `%s` (#%zu): exec", kind, path, index);
  /* Recorded while it runs, so that whoever comes after a carve killed
     meanwhile ends it, and whatever it started (carve_pgroup_kill_recorded).  */
  if (record && carve_pgroup_record (record, pid, err) < 0)
    {
      (void)kill (-pid, SIGKILL);
      (void)waitpid (pid, NULL, 0);
      return carve_error_wrap (err, "%s hook `%s` (#%zu)", kind, path, index);
    }

  res = xzalloc (sizeof (*res));
  r = supervise (pid, &in_wr, &out_rd, &err_rd, state, hook->has_timeout ? hook->timeout : 0, res);
  if (record)
    (void)unlink (record);
  if (r < 0)
    return carve_make_error (err, errno, "%s hook `%s` (#%zu): wait", kind, path, index);

  line = tail_last_line (&res->err);
  if (line == NULL)
    line = tail_last_line (&res->out);

  if (res->timed_out)
    return carve_make_error (err, 0, "%s hook `%s` (#%zu): timed out after %ds", kind, path, index, hook->timeout);
  if (WIFEXITED (res->wait_status) && WEXITSTATUS (res->wait_status) != 0)
    return carve_make_error (err, 0, "%s hook `%s` (#%zu): exited with status %d%s%s", kind, path, index,
                             WEXITSTATUS (res->wait_status), line ? ": " : "", line ? line : "");
  if (WIFSIGNALED (res->wait_status))
    return carve_make_error (err, 0, "%s hook `%s` (#%zu): killed by signal %d%s%s", kind, path, index,
                             WTERMSIG (res->wait_status), line ? ": " : "", line ? line : "");
  return 0;
}

/* SIGPIPE stays blocked in the calling thread while hooks run, so that a
   hook that exits without reading its stdin gives EPIPE instead of killing
   carve, without touching the process's signal handlers.  */
struct sigpipe_guard
{
  sigset_t old_mask;
  bool was_pending;
};

static void
sigpipe_block (struct sigpipe_guard *g)
{
  sigset_t pipe_set, pending;

  sigemptyset (&pipe_set);
  sigaddset (&pipe_set, SIGPIPE);
  sigpending (&pending);
  g->was_pending = sigismember (&pending, SIGPIPE) == 1;
  pthread_sigmask (SIG_BLOCK, &pipe_set, &g->old_mask);
}

static void
sigpipe_restore (struct sigpipe_guard *g)
{
  sigset_t pipe_set, pending;
  struct timespec zero = { 0, 0 };

  sigemptyset (&pipe_set);
  sigaddset (&pipe_set, SIGPIPE);
  /* Discard a SIGPIPE raised by our own writes, not one that was there
     before.  */
  if (!g->was_pending && sigpending (&pending) == 0 && sigismember (&pending, SIGPIPE) == 1)
    {
      int r;
      do
        r = sigtimedwait (&pipe_set, NULL, &zero);
      while (r < 0 && errno == EINTR);
    }
  pthread_sigmask (SIG_SETMASK, &g->old_mask, NULL);
}

int
carve_hooks_run (struct carve_spec_hook_s *const *hooks, size_t n, const char *kind, const char *state_json,
                 carve_error_t *err)
{
  return carve_hooks_run_recorded (hooks, n, kind, state_json, NULL, err);
}

int
carve_hooks_run_recorded (struct carve_spec_hook_s *const *hooks, size_t n, const char *kind, const char *state_json,
                          const char *record, carve_error_t *err)
{
  struct sigpipe_guard guard;
  size_t i;
  int r = 0;

  sigpipe_block (&guard);
  for (i = 0; i < n && r == 0; i++)
    r = run_one (hooks[i], i + 1, kind, state_json, record, err);
  sigpipe_restore (&guard);
  return r;
}

int
carve_hooks_run_all_warn (struct carve_spec_hook_s *const *hooks, size_t n, const char *kind, const char *state_json,
                          char ***ret_warnings)
{
  struct sigpipe_guard guard;
  char **warnings = NULL;
  size_t i;
  int failed = 0;

  sigpipe_block (&guard);
  for (i = 0; i < n; i++)
    {
      carve_error_t err = NULL;

      if (run_one (hooks[i], i + 1, kind, state_json, NULL, &err) < 0)
        {
          carve_strv_append (&warnings, err ? err->msg : "hook failed");
          carve_error_release (&err);
          failed++;
        }
    }
  sigpipe_restore (&guard);
  *ret_warnings = warnings;
  return failed;
}
