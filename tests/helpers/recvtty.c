/* recvtty: the receiving end of `--console-socket`, for tests, like runc's
   contrib/cmd/recvtty.

     recvtty [--mode single|null] [--pid-file FILE] SOCKET_PATH

   Listens on SOCKET_PATH (which must not exist), writes its pid to FILE
   once listening, and receives pty masters sent by carve or runc.
   single: accepts one connection, then copies master -> stdout and
           stdin -> master until the master reaches end of file (every
           slave closed), and exits 0.
   null:   accepts any number of connections and discards what the masters
           produce (so the container never blocks on a full pty), until
           killed.  */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fsutil.h"
#include "runtime/linux/terminal.h"
#include "xalloc.h"

#define MAX_MASTERS 64

static void
usage (FILE *f)
{
  fprintf (f, "usage: recvtty [--mode single|null] [--pid-file FILE] SOCKET_PATH\n");
}

static int
fail (carve_error_t *err)
{
  fprintf (stderr, "recvtty: %s\n", (*err)->msg);
  carve_error_release (err);
  return 1;
}

static int
listen_at (const char *path, carve_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd;

  if (strlen (path) >= sizeof (addr.sun_path))
    return carve_make_error (err, 0, "socket path `%s` too long", path);
  strcpy (addr.sun_path, path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return carve_make_error (err, errno, "socket");
  if (bind (fd, (struct sockaddr *)&addr, sizeof (addr)) < 0 || listen (fd, 16) < 0)
    {
      int saved = errno;
      close (fd);
      return carve_make_error (err, saved, "listen on `%s`", path);
    }
  return fd;
}

static int
receive_master (int listener, carve_error_t *err)
{
  cleanup_close int conn = -1;
  int fd = -1;

  do
    conn = accept4 (listener, NULL, NULL, SOCK_CLOEXEC);
  while (conn < 0 && errno == EINTR);
  if (conn < 0)
    return carve_make_error (err, errno, "accept");
  if (carve_console_socket_recv (conn, &fd, NULL, err) < 0)
    return -1;
  return fd;
}

static int
run_single (int listener, const char *path)
{
  cleanup_close int master = -1;
  carve_error_t err = NULL;
  bool stdin_open = true;

  master = receive_master (listener, &err);
  /* One connection only: the socket file is not needed any more.  */
  (void)unlink (path);
  if (master < 0)
    return fail (&err);

  for (;;)
    {
      struct pollfd pfds[2] = { { .fd = master, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
      int r;

      r = poll (pfds, stdin_open ? 2 : 1, -1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          perror ("recvtty: poll");
          return 1;
        }
      if (pfds[0].revents)
        {
          r = carve_terminal_copy (master, 1);
          if (r == 0)
            return 0;
          if (r < 0 && errno != EAGAIN)
            {
              perror ("recvtty: copy from pty");
              return 1;
            }
        }
      if (stdin_open && pfds[1].revents)
        {
          r = carve_terminal_copy (0, master);
          /* End of our stdin does not end the session: the container may
             still be writing.  */
          if (r == 0 || (r < 0 && errno != EAGAIN))
            stdin_open = false;
        }
    }
}

static int
run_null (int listener)
{
  struct pollfd pfds[MAX_MASTERS + 1];
  nfds_t n = 1;

  pfds[0].fd = listener;
  pfds[0].events = POLLIN;
  for (;;)
    {
      nfds_t i;
      int r;

      r = poll (pfds, n, -1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          perror ("recvtty: poll");
          return 1;
        }
      for (i = 1; i < n; i++)
        if (pfds[i].revents)
          {
            char buf[4096];
            ssize_t got = read (pfds[i].fd, buf, sizeof (buf));

            /* The slave side is gone: keep the master open (as runc's
               recvtty does) but stop polling it.  */
            if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR))
              pfds[i].fd = -pfds[i].fd - 1;
          }
      if (pfds[0].revents)
        {
          carve_error_t err = NULL;
          int fd = receive_master (listener, &err);

          if (fd < 0)
            {
              fprintf (stderr, "recvtty: %s\n", err->msg);
              carve_error_release (&err);
            }
          else if (n < MAX_MASTERS + 1)
            {
              pfds[n].fd = fd;
              pfds[n++].events = POLLIN;
            }
          else
            close (fd);
        }
    }
}

int
main (int argc, char **argv)
{
  static const struct option options[] = {
    { "mode", required_argument, NULL, 'm' },
    { "pid-file", required_argument, NULL, 'p' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *mode = "single", *pid_file = NULL, *path;
  cleanup_close int listener = -1;
  carve_error_t err = NULL;
  int c;

  while ((c = getopt_long (argc, argv, "m:p:h", options, NULL)) != -1)
    switch (c)
      {
      case 'm':
        mode = optarg;
        break;
      case 'p':
        pid_file = optarg;
        break;
      case 'h':
        usage (stdout);
        return 0;
      default:
        usage (stderr);
        return 2;
      }
  if (optind != argc - 1 || (strcmp (mode, "single") != 0 && strcmp (mode, "null") != 0))
    {
      usage (stderr);
      return 2;
    }
  path = argv[optind];

  listener = listen_at (path, &err);
  if (listener < 0)
    return fail (&err);

  if (pid_file)
    {
      cleanup_free char *pid = xasprintf ("%d\n", (int)getpid ());
      if (carve_write_file_atomic (pid_file, pid, strlen (pid), 0644, &err) < 0)
        {
          (void)unlink (path);
          return fail (&err);
        }
    }

  if (strcmp (mode, "single") == 0)
    return run_single (listener, path);
  return run_null (listener);
}
