/* `run` (container.h): create and start, then, unless detached, wait for
   the container's process while forwarding signals and relaying its
   terminal, and delete it.  */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "internal.h"
#include "runtime/linux/terminal.h"
#include "xalloc.h"

/* Signals `carve run` forwards to the container's init; SIGCHLD tells it
   the init is gone, SIGWINCH resizes its terminal.  */
void
carve_container_forwarded_signals (sigset_t *set)
{
  int s;

  sigfillset (set);
  /* Signals that are about carve itself, not requests to the container.  */
  for (s = 1; s < NSIG; s++)
    if (s == SIGKILL || s == SIGSTOP || s == SIGSEGV || s == SIGBUS || s == SIGILL || s == SIGFPE || s == SIGABRT
        || s == SIGTRAP || s == SIGSYS)
      sigdelset (set, s);
}

static void
resize_from (int from, int to)
{
  struct winsize ws;
  if (ioctl (from, TIOCGWINSZ, &ws) == 0)
    (void) ioctl (to, TIOCSWINSZ, &ws);
}

static int
exit_status_of (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 255;
}

/* Waits for the init (our child), forwarding signals and, with a terminal,
   copying between our stdio and the pty master.  */
int
carve_container_supervise (pid_t pid, int pty, int sfd, int *ret_status)
{
  struct termios saved;
  bool raw = false, stdin_open = pty >= 0;
  carve_error_t ignored = NULL;
  int status = 0;

  if (pty >= 0 && isatty (STDIN_FILENO))
    {
      if (carve_terminal_make_raw (STDIN_FILENO, &saved, &ignored) == 0)
        raw = true;
      carve_error_release (&ignored);
      resize_from (STDIN_FILENO, pty);
    }

  for (;;)
    {
      struct pollfd pfd[3] = {
        { .fd = sfd, .events = POLLIN },
        { .fd = pty, .events = POLLIN },
        { .fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN },
      };
      int n = poll (pfd, pty >= 0 ? 3 : 1, -1);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (pty >= 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
        {
          if (carve_terminal_copy (pty, STDOUT_FILENO) <= 0 && errno != EAGAIN)
            {
              /* EOF or EIO: the last holder of the slave is gone.  */
              close (pty);
              pty = -1;
              stdin_open = false;
            }
        }
      if (stdin_open && (pfd[2].revents & (POLLIN | POLLHUP | POLLERR)))
        {
          int r = carve_terminal_copy (STDIN_FILENO, pty);
          if (r == 0 || (r < 0 && errno != EAGAIN))
            stdin_open = false;
        }
      if (pfd[0].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          if (read (sfd, &si, sizeof (si)) != sizeof (si))
            continue;
          if (si.ssi_signo == SIGCHLD)
            {
              pid_t w;
              int st;
              while ((w = waitpid (-1, &st, WNOHANG)) > 0)
                if (w == pid)
                  {
                    status = exit_status_of (st);
                    pid = -1;
                  }
              if (pid < 0)
                break;
            }
          else if (si.ssi_signo == SIGWINCH)
            {
              if (pty >= 0)
                resize_from (STDIN_FILENO, pty);
            }
          else
            (void) kill (pid, (int) si.ssi_signo);
        }
    }

  /* Drain what the container printed last.  */
  while (pty >= 0 && carve_terminal_copy (pty, STDOUT_FILENO) > 0)
    ;
  if (raw)
    carve_terminal_restore (STDIN_FILENO, &saved);
  if (pty >= 0)
    close (pty);
  *ret_status = status;
  return 0;
}

int
carve_container_run (const struct carve_context_s *ctx, const struct carve_create_options_s *opts, int *ret_status,
                     carve_error_t *err)
{
  struct carve_spawned_s s = { .pty_master = -1 };
  sigset_t set, old;
  cleanup_close int sfd = -1;
  int r = -1;

  if (opts->detach)
    {
      if (carve_container_spawn (ctx, opts, false, &s, err) < 0)
        return -1;
      if (carve_container_start_loaded (ctx, s.dir, s.state, err) < 0)
        {
          carve_error_t ignored = NULL;
          (void) carve_container_destroy (ctx, s.dir, s.state, &ignored);
          carve_error_release (&ignored);
          carve_spawned_release (&s);
          return -1;
        }
      carve_spawned_release (&s);
      *ret_status = 0;
      return 0;
    }

  /* Blocked before the init is cloned so that no signal is lost; the init
     unblocks them for itself.  */
  carve_container_forwarded_signals (&set);
  sigprocmask (SIG_BLOCK, &set, &old);
  sfd = signalfd (-1, &set, SFD_CLOEXEC);
  if (sfd < 0)
    {
      carve_make_error (err, errno, "signalfd");
      goto out;
    }

  if (carve_container_spawn (ctx, opts, true, &s, err) < 0)
    goto out;
  if (carve_container_start_loaded (ctx, s.dir, s.state, err) < 0)
    {
      carve_error_t ignored = NULL;
      (void) carve_container_destroy (ctx, s.dir, s.state, &ignored);
      carve_error_release (&ignored);
      goto out;
    }
  carve_container_supervise (s.state->pid, steal_fd (&s.pty_master), sfd, ret_status);
  if (!opts->keep && carve_container_destroy (ctx, s.dir, s.state, err) < 0)
    goto out;
  r = 0;
out:
  carve_spawned_release (&s);
  sigprocmask (SIG_SETMASK, &old, NULL);
  return r;
}
