/* NOTIFY_SOCKET (notify.h): the socket `start` relays the container's
   READY=1 through, as runc does.  */
#include <config.h>
#include "runtime/base/deadline.h"
#include "runtime/linux/notify.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

/* sd_notify messages are small; systemd itself accepts up to a page.  */
#define NOTIFY_MSG_MAX 4096

/* How long runc waits for the host to acknowledge BARRIER=1.  */
#define BARRIER_TIMEOUT_MS 30000

/* How often the main process is checked for when pidfds are missing.  */
#define PID_POLL_MS 100


static int
fill_sockaddr (struct sockaddr_un *addr, socklen_t *ret_len, const char *path, carve_error_t *err)
{
  size_t len = strlen (path);

  memset (addr, 0, sizeof (*addr));
  addr->sun_family = AF_UNIX;
  if (len == 0 || len >= sizeof (addr->sun_path))
    return carve_make_error (err, 0, "socket path `%s` is empty or too long", path);
  memcpy (addr->sun_path, path, len);
  /* '@' names a socket in the abstract namespace (as systemd spells it):
     the name starts with a NUL byte and is not NUL-terminated.  */
  if (path[0] == '@')
    {
      addr->sun_path[0] = '\0';
      *ret_len = (socklen_t)(offsetof (struct sockaddr_un, sun_path) + len);
    }
  else
    *ret_len = (socklen_t)sizeof (*addr);
  return 0;
}

int
carve_notify_socket_create (const char *path, int *ret_fd, carve_error_t *err)
{
  cleanup_close int fd = -1;
  struct sockaddr_un addr;
  socklen_t len;

  if (fill_sockaddr (&addr, &len, path, err) < 0)
    return carve_error_wrap (err, "notify socket");

  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return carve_make_error (err, errno, "notify socket: socket");
  if (bind (fd, (struct sockaddr *)&addr, len) < 0)
    return carve_make_error (err, errno, "bind notify socket `%s`", path);
  /* The container's process may run as any user: it must be able to
     connect.  The socket lives in the state directory, which only root can
     reach from the host.  */
  if (path[0] != '@' && chmod (path, 0777) < 0)
    return carve_make_error (err, errno, "chmod notify socket `%s`", path);

  *ret_fd = steal_fd (&fd);
  return 0;
}

static bool
has_ready_line (const char *msg, size_t len)
{
  const char *p = msg, *end = msg + len;

  while (p < end)
    {
      const char *nl = memchr (p, '\n', (size_t)(end - p));
      size_t l = (size_t)((nl ? nl : end) - p);

      if (l == 7 && memcmp (p, "READY=1", 7) == 0)
        return true;
      if (nl == NULL)
        break;
      p = nl + 1;
    }
  return false;
}

/* The sd_notify barrier: send the write end of a pipe with BARRIER=1; the
   receiver closes it once every earlier message was handled.  */
static int
notify_barrier (int sock, const char *host_socket, carve_error_t *err)
{
  cleanup_close int rd = -1;
  cleanup_close int wr = -1;
  int fds[2];
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { .iov_base = (void *)"BARRIER=1", .iov_len = 9 };
  struct msghdr msg;
  struct cmsghdr *cmsg;
  struct pollfd pfd;
  long long deadline;
  char c;
  int r;

  if (pipe2 (fds, O_CLOEXEC) < 0)
    return carve_make_error (err, errno, "notify barrier: pipe");
  rd = fds[0];
  wr = fds[1];

  memset (&control, 0, sizeof (control));
  memset (&msg, 0, sizeof (msg));
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof (control.buf);
  cmsg = CMSG_FIRSTHDR (&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cmsg), &wr, sizeof (int));
  if (sendmsg (sock, &msg, MSG_NOSIGNAL) < 0)
    return carve_make_error (err, errno, "send BARRIER=1 to `%s`", host_socket);
  close (steal_fd (&wr));

  deadline = carve_now_ms () + BARRIER_TIMEOUT_MS;
  for (;;)
    {
      pfd.fd = rd;
      pfd.events = POLLIN;
      r = poll (&pfd, 1, carve_deadline_remaining_ms (deadline));
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return carve_make_error (err, errno, "notify barrier: poll");
      /* A receiver that ignores BARRIER=1 keeps the pipe open; runc only
         warns about that.  */
      if (r == 0)
        return 0;
      break;
    }
  do
    r = (int)read (rd, &c, 1);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return carve_make_error (err, errno, "notify barrier: read");
  if (r > 0)
    return carve_make_error (err, 0, "notify barrier: unexpected data from `%s`", host_socket);
  return 0;
}

static int
notify_host (const char *host_socket, pid_t main_pid, carve_error_t *err)
{
  cleanup_close int sock = -1;
  struct sockaddr_un addr;
  socklen_t len;
  char msg[64];
  int n;

  if (fill_sockaddr (&addr, &len, host_socket, err) < 0)
    return carve_error_wrap (err, "NOTIFY_SOCKET");

  sock = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return carve_make_error (err, errno, "NOTIFY_SOCKET: socket");
  if (connect (sock, (struct sockaddr *)&addr, len) < 0)
    return carve_make_error (err, errno, "connect to NOTIFY_SOCKET `%s`", host_socket);

  /* One datagram, so the receiver learns the main pid together with the
     readiness (sd_notify(3) recommends this; runc sends two).  */
  if (main_pid > 0)
    n = snprintf (msg, sizeof (msg), "READY=1\nMAINPID=%d\n", (int)main_pid);
  else
    n = snprintf (msg, sizeof (msg), "READY=1\n");
  if (send (sock, msg, (size_t)n, MSG_NOSIGNAL) < 0)
    return carve_make_error (err, errno, "send READY=1 to `%s`", host_socket);

  return notify_barrier (sock, host_socket, err);
}

int
carve_notify_forward_ready (int fd, const char *host_socket, pid_t main_pid, int timeout_ms, carve_error_t *err)
{
  cleanup_close int pidfd = -1;
  char buf[NOTIFY_MSG_MAX];
  long long deadline = timeout_ms < 0 ? -1 : carve_now_ms () + timeout_ms;

  if (main_pid > 0)
    {
      pidfd = carve_pidfd_open (main_pid);
      if (pidfd < 0 && errno == ESRCH)
        return 0;
      /* Without pidfds (before Linux 5.3) the process is polled for.  */
      if (pidfd < 0 && errno != ENOSYS)
        return carve_make_error (err, errno, "pidfd_open %d", (int)main_pid);
    }

  for (;;)
    {
      struct pollfd pfds[2];
      nfds_t n = 0;
      int wait = carve_deadline_remaining_ms (deadline);
      ssize_t r;
      int p;

      pfds[n].fd = fd;
      pfds[n++].events = POLLIN;
      if (pidfd >= 0)
        {
          pfds[n].fd = pidfd;
          pfds[n++].events = POLLIN;
        }
      else if (main_pid > 0 && (wait < 0 || wait > PID_POLL_MS))
        wait = PID_POLL_MS;

      p = poll (pfds, n, wait);
      if (p < 0 && errno == EINTR)
        continue;
      if (p < 0)
        return carve_make_error (err, errno, "notify socket: poll");

      if (pfds[0].revents)
        {
          /* recv without a control buffer: descriptors the container
             sends along (FDSTORE=1) are closed by the kernel.  */
          r = recv (fd, buf, sizeof (buf), MSG_DONTWAIT);
          if (r < 0 && errno != EAGAIN && errno != EINTR)
            return carve_make_error (err, errno, "read notify socket");
          if (r > 0 && has_ready_line (buf, (size_t)r))
            {
              if (notify_host (host_socket, main_pid, err) < 0)
                return -1;
              return 1;
            }
          continue;
        }

      if (pidfd >= 0 && pfds[1].revents)
        return 0;
      if (pidfd < 0 && main_pid > 0 && kill (main_pid, 0) < 0 && errno == ESRCH)
        return 0;
      if (deadline >= 0 && carve_deadline_remaining_ms (deadline) == 0)
        return carve_make_error (err, ETIMEDOUT, "wait for READY=1 on the notify socket");
    }
}
