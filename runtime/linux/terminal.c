/* Terminals (terminal.h): the pty, raw mode, sizes, and sending the master
   to --console-socket as runc does.  */
#include <config.h>
#include "runtime/linux/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "xalloc.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO ('T', 0x41)
#endif

/* The largest name accepted with a received descriptor, as in runc.  */
#define CONSOLE_NAME_MAX 4096

static int
open_slave_by_name (int master, carve_error_t *err)
{
  char name[64];
  int fd;

  if (ptsname_r (master, name, sizeof (name)) != 0)
    return carve_make_error (err, errno, "ptsname");
  fd = open (name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return carve_make_error (err, errno, "open pty slave `%s`", name);
  return fd;
}

int
carve_terminal_open_pty (int *ret_master, int *ret_slave, carve_error_t *err)
{
  cleanup_close int master = -1;
  int unlock = 0;
  int slave;

  /* O_NOCTTY: opening the pty must never make it our controlling
     terminal; only the container's init takes it, on purpose.  */
  master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return carve_make_error (err, errno, "open `/dev/ptmx`");

  if (ioctl (master, TIOCSPTLCK, &unlock) < 0)
    return carve_make_error (err, errno, "unlock pty");

  /* TIOCGPTPEER opens the slave through the master, so a path swapped in a
     devpts mounted by someone else cannot be substituted.  The by-name
     fallback can go once Linux 4.13 is the oldest kernel supported.  */
  slave = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    {
      if (errno != EINVAL && errno != ENOTTY)
        return carve_make_error (err, errno, "open pty slave");
      slave = open_slave_by_name (master, err);
      if (slave < 0)
        return -1;
    }

  *ret_master = steal_fd (&master);
  *ret_slave = slave;
  return 0;
}

int
carve_terminal_set_size (int fd, unsigned rows, unsigned cols, carve_error_t *err)
{
  struct winsize ws = { 0 };

  if (rows > 0xffff || cols > 0xffff)
    return carve_make_error (err, 0, "terminal size %ux%u out of range", rows, cols);
  ws.ws_row = (unsigned short)rows;
  ws.ws_col = (unsigned short)cols;
  if (ioctl (fd, TIOCSWINSZ, &ws) < 0)
    return carve_make_error (err, errno, "set terminal size");
  return 0;
}

int
carve_terminal_become_controlling (int slave_fd, carve_error_t *err)
{
  int i;

  /* A controlling terminal can only be acquired by a session leader that
     has none.  */
  if (getsid (0) != getpid () && setsid () < 0)
    return carve_make_error (err, errno, "setsid");

  if (ioctl (slave_fd, TIOCSCTTY, 0) < 0)
    return carve_make_error (err, errno, "set controlling terminal");

  for (i = 0; i < 3; i++)
    if (slave_fd != i && dup2 (slave_fd, i) < 0)
      return carve_make_error (err, errno, "dup2 terminal onto %d", i);

  if (slave_fd > 2)
    close (slave_fd);
  return 0;
}

static int
fill_sockaddr (struct sockaddr_un *addr, const char *path, carve_error_t *err)
{
  size_t len = strlen (path);

  memset (addr, 0, sizeof (*addr));
  addr->sun_family = AF_UNIX;
  if (len == 0 || len >= sizeof (addr->sun_path))
    return carve_make_error (err, 0, "socket path `%s` is empty or too long", path);
  memcpy (addr->sun_path, path, len);
  return 0;
}

int
carve_console_socket_send (const char *socket_path, int master_fd, carve_error_t *err)
{
  cleanup_close int sock = -1;
  struct sockaddr_un addr;
  ssize_t r;

  if (fill_sockaddr (&addr, socket_path, err) < 0)
    return carve_error_wrap (err, "console socket");

  sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return carve_make_error (err, errno, "console socket: socket");
  if (connect (sock, (struct sockaddr *)&addr, sizeof (addr)) < 0)
    return carve_make_error (err, errno, "connect to console socket `%s`", socket_path);

  /* runc sends the file's name as the payload and the descriptor as a
     single SCM_RIGHTS message; conmon and containerd-shim read it that
     way.  */
  r = carve_send_with_fd (sock, CARVE_CONSOLE_SOCKET_NAME, strlen (CARVE_CONSOLE_SOCKET_NAME), master_fd);
  if (r < 0)
    return carve_make_error (err, errno, "send pty master to console socket `%s`", socket_path);
  if ((size_t)r != strlen (CARVE_CONSOLE_SOCKET_NAME))
    return carve_make_error (err, 0, "send pty master to console socket `%s`: short write", socket_path);
  return 0;
}

static void
close_received_fds (struct msghdr *msg)
{
  struct cmsghdr *cmsg;

  for (cmsg = CMSG_FIRSTHDR (msg); cmsg != NULL; cmsg = CMSG_NXTHDR (msg, cmsg))
    {
      size_t n, i;

      if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
        continue;
      n = (cmsg->cmsg_len - CMSG_LEN (0)) / sizeof (int);
      for (i = 0; i < n; i++)
        {
          int fd;
          memcpy (&fd, CMSG_DATA (cmsg) + i * sizeof (int), sizeof (int));
          close (fd);
        }
    }
}

int
carve_console_socket_recv (int sockfd, int *ret_fd, char **ret_name, carve_error_t *err)
{
  cleanup_free char *name = xmalloc (CONSOLE_NAME_MAX + 1);
  union
  {
    /* Room for a few descriptors so that a sender passing too many is
       detected (and its descriptors closed) rather than truncated.  */
    char buf[CMSG_SPACE (sizeof (int) * 4)];
    struct cmsghdr align;
  } control;
  struct iovec iov;
  struct msghdr msg;
  struct cmsghdr *cmsg;
  ssize_t r;
  int fd;

  memset (&control, 0, sizeof (control));
  memset (&msg, 0, sizeof (msg));
  iov.iov_base = name;
  iov.iov_len = CONSOLE_NAME_MAX;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof (control.buf);

  do
    r = recvmsg (sockfd, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return carve_make_error (err, errno, "receive console descriptor");

  cmsg = CMSG_FIRSTHDR (&msg);
  if ((msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) || cmsg == NULL || cmsg->cmsg_level != SOL_SOCKET
      || cmsg->cmsg_type != SCM_RIGHTS || cmsg->cmsg_len != CMSG_LEN (sizeof (int)) || CMSG_NXTHDR (&msg, cmsg) != NULL)
    {
      close_received_fds (&msg);
      if (r == 0 && cmsg == NULL)
        return carve_make_error (err, 0, "receive console descriptor: connection closed");
      return carve_make_error (err, 0, "receive console descriptor: expected exactly one descriptor");
    }
  memcpy (&fd, CMSG_DATA (cmsg), sizeof (int));

  name[r] = '\0';
  *ret_fd = fd;
  if (ret_name)
    *ret_name = steal_pointer (&name);
  return 0;
}

int
carve_terminal_make_raw (int fd, struct termios *ret_saved, carve_error_t *err)
{
  struct termios saved, raw;

  if (tcgetattr (fd, &saved) < 0)
    return carve_make_error (err, errno, "get terminal attributes");
  raw = saved;
  cfmakeraw (&raw);
  if (tcsetattr (fd, TCSANOW, &raw) < 0)
    return carve_make_error (err, errno, "set terminal raw mode");
  if (ret_saved)
    *ret_saved = saved;
  return 0;
}

void
carve_terminal_restore (int fd, const struct termios *saved)
{
  (void)tcsetattr (fd, TCSANOW, saved);
}

static int
write_all_waiting (int fd, const char *buf, size_t len)
{
  while (len > 0)
    {
      ssize_t w = write (fd, buf, len);
      if (w < 0)
        {
          struct pollfd pfd = { .fd = fd, .events = POLLOUT };

          if (errno == EINTR)
            continue;
          if (errno != EAGAIN)
            return -1;
          if (poll (&pfd, 1, -1) < 0 && errno != EINTR)
            return -1;
          continue;
        }
      buf += w;
      len -= (size_t)w;
    }
  return 0;
}

int
carve_terminal_copy (int from, int to)
{
  char buf[16384];
  ssize_t r;

  do
    r = read (from, buf, sizeof (buf));
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return errno == EIO ? 0 : -1;
  if (r == 0)
    return 0;
  if (write_all_waiting (to, buf, (size_t)r) < 0)
    return -1;
  return (int)r;
}
