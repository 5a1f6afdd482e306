/* A minimal seccomp agent (runtime-spec config-linux.md, listenerPath), for
   the tests and for bench/forward: it accepts connections on a Unix
   socket, takes the container process state and the listener from each,
   and answers every notification with SECCOMP_USER_NOTIF_FLAG_CONTINUE
   (--errno N: with that error instead).  --record DIR writes each process
   state it received to DIR/state-N.json and its fd count to
   DIR/fds-N.  --threads N serves each listener with N threads.  It exists
   to check carve against a third-party agent, and as the floor of the
   mechanism: a round trip that does no work.  */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int answer_errno;
static int threads_per_listener = 1;
static const char *record_dir;
static unsigned long connections;

static void *
serve_listener (void *arg)
{
  int fd = (int)(long)arg;

  for (;;)
    {
      struct seccomp_notif req;
      struct seccomp_notif_resp resp;
      struct pollfd p = { .fd = fd, .events = POLLIN };

      if (poll (&p, 1, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return NULL;
        }
      if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
        return NULL;
      memset (&req, 0, sizeof (req));
      if (ioctl (fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
        {
          if (errno == ENOENT || errno == EINTR)
            continue;
          return NULL;
        }
      memset (&resp, 0, sizeof (resp));
      resp.id = req.id;
      if (answer_errno)
        resp.error = -answer_errno;
      else
        resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
      (void)ioctl (fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    }
}

static void
record (unsigned long n, const char *buf, size_t len, int nfds)
{
  char path[4096];
  FILE *f;

  snprintf (path, sizeof (path), "%s/state-%lu.json", record_dir, n);
  f = fopen (path, "we");
  if (f)
    {
      fwrite (buf, 1, len, f);
      fclose (f);
    }
  snprintf (path, sizeof (path), "%s/fds-%lu", record_dir, n);
  f = fopen (path, "we");
  if (f)
    {
      fprintf (f, "%d\n", nfds);
      fclose (f);
    }
}

/* One connection: the state (until EOF) with the descriptors of its first
   message.  */
static void
serve_connection (int conn)
{
  static char buf[1 << 16];
  union
  {
    char b[CMSG_SPACE (sizeof (int) * 8)];
    struct cmsghdr align;
  } u;
  struct iovec iov = { buf, sizeof (buf) - 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof (u.b) };
  struct cmsghdr *c;
  int fds[8], nfds = 0, i;
  size_t len;
  ssize_t n;

  n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0)
    return;
  for (c = CMSG_FIRSTHDR (&msg); c; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      {
        int k = (int)((c->cmsg_len - CMSG_LEN (0)) / sizeof (int));
        for (i = 0; i < k && nfds < 8; i++)
          memcpy (&fds[nfds++], CMSG_DATA (c) + i * sizeof (int), sizeof (int));
      }
  len = (size_t)n;
  while (len < sizeof (buf) - 1 && (n = read (conn, buf + len, sizeof (buf) - 1 - len)) > 0)
    len += (size_t)n;
  buf[len] = '\0';
  if (record_dir)
    record (connections, buf, len, nfds);
  connections++;
  for (i = 0; i < nfds; i++)
    {
      int t;
      for (t = 0; t < threads_per_listener; t++)
        {
          pthread_t th;
          pthread_attr_t a;
          pthread_attr_init (&a);
          pthread_attr_setdetachstate (&a, PTHREAD_CREATE_DETACHED);
          pthread_attr_setstacksize (&a, 64 * 1024);
          if (pthread_create (&th, &a, serve_listener, (void *)(long)fds[i]) != 0)
            fprintf (stderr, "seccomp-agent: pthread_create failed\n");
          pthread_attr_destroy (&a);
        }
    }
}

int
main (int argc, char **argv)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  const char *path = NULL;
  int lfd, i;

  for (i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--errno") == 0 && i + 1 < argc)
        answer_errno = atoi (argv[++i]);
      else if (strcmp (argv[i], "--threads") == 0 && i + 1 < argc)
        threads_per_listener = atoi (argv[++i]);
      else if (strcmp (argv[i], "--record") == 0 && i + 1 < argc)
        record_dir = argv[++i];
      else if (argv[i][0] != '-' && path == NULL)
        path = argv[i];
      else
        {
          fprintf (stderr, "usage: seccomp-agent [--errno N] [--threads N] [--record DIR] SOCKET\n");
          return 1;
        }
    }
  if (path == NULL || strlen (path) >= sizeof (addr.sun_path) || threads_per_listener < 1)
    {
      fprintf (stderr, "usage: seccomp-agent [--errno N] [--threads N] [--record DIR] SOCKET\n");
      return 1;
    }
  signal (SIGPIPE, SIG_IGN);
  strcpy (addr.sun_path, path);
  (void)unlink (path);
  lfd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lfd < 0 || bind (lfd, (struct sockaddr *)&addr, sizeof (addr)) < 0 || listen (lfd, 64) < 0)
    {
      fprintf (stderr, "seccomp-agent: listen on %s: %s\n", path, strerror (errno));
      return 1;
    }
  for (;;)
    {
      int conn = accept4 (lfd, NULL, NULL, SOCK_CLOEXEC);
      if (conn < 0)
        {
          if (errno == EINTR)
            continue;
          return 1;
        }
      serve_connection (conn);
      close (conn);
    }
}
