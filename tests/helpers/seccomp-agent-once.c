/* seccomp-agent: the smallest seccomp agent (runtime-spec's
   linux.seccomp.listenerPath protocol), for tests of SCMP_ACT_NOTIFY.

     seccomp-agent-once SOCKET_PATH ERRNO

   Listens on SOCKET_PATH (which must not exist) and prints "listening"
   once it does; accepts one connection, receives the container process
   state and the listener descriptor (SCM_RIGHTS), prints the state on
   stdout, then answers every notification with -ERRNO until no process
   is left on the filter, and exits 0.  A distinct ERRNO (EROFS, say)
   tells the test the answer came from here.  */
#include <config.h>

#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int
fail (const char *what)
{
  fprintf (stderr, "seccomp-agent-once: %s: %s\n", what, strerror (errno));
  return 1;
}

static int
receive (int conn, int *ret_fd)
{
  char state[65536];
  char control[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = state, .iov_len = sizeof (state) - 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof (control) };
  struct cmsghdr *c;
  ssize_t n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);

  if (n < 0)
    return -1;
  state[n] = '\0';
  c = CMSG_FIRSTHDR (&msg);
  if (c == NULL || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN (sizeof (int)))
    {
      errno = EBADMSG;
      return -1;
    }
  memcpy (ret_fd, CMSG_DATA (c), sizeof (int));
  printf ("%s\n", state);
  fflush (stdout);
  return 0;
}

int
main (int argc, char **argv)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int sock, conn, fd = -1, answer;

  if (argc != 3 || strlen (argv[1]) >= sizeof (addr.sun_path) || (answer = atoi (argv[2])) <= 0)
    {
      fprintf (stderr, "usage: seccomp-agent-once SOCKET_PATH ERRNO\n");
      return 2;
    }
  strcpy (addr.sun_path, argv[1]);
  sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0 || bind (sock, (struct sockaddr *)&addr, sizeof (addr)) < 0 || listen (sock, 1) < 0)
    return fail ("listen");
  printf ("listening\n");
  fflush (stdout);
  conn = accept4 (sock, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0 || receive (conn, &fd) < 0)
    return fail ("receive the listener");
  close (conn);

  for (;;)
    {
      struct seccomp_notif req;
      struct seccomp_notif_resp resp;
      struct pollfd p = { .fd = fd, .events = POLLIN };

      if (poll (&p, 1, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return fail ("poll");
        }
      /* Every process on the filter is gone.  */
      if (p.revents & POLLHUP)
        return 0;
      memset (&req, 0, sizeof (req));
      if (ioctl (fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
        {
          /* The caller was killed between poll and recv.  */
          if (errno == ENOENT || errno == EINTR)
            continue;
          return fail ("SECCOMP_IOCTL_NOTIF_RECV");
        }
      memset (&resp, 0, sizeof (resp));
      resp.id = req.id;
      resp.error = -answer;
      if (ioctl (fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
        return fail ("SECCOMP_IOCTL_NOTIF_SEND");
    }
}
