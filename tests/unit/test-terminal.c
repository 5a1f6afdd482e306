/* Unit tests of terminals and console sockets (runtime/linux/terminal.c).  */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fsutil.h"
#include "runtime/linux/notify.h"
#include "runtime/linux/terminal.h"
#include "unit.h"
#include "xalloc.h"

static char tmpdir[64];

static const char *
tmp (void)
{
  if (tmpdir[0] == '\0')
    {
      strcpy (tmpdir, "/tmp/carve-test-terminal.XXXXXX");
      if (mkdtemp (tmpdir) == NULL)
        abort ();
    }
  return tmpdir;
}

static bool
is_cloexec (int fd)
{
  int flags = fcntl (fd, F_GETFD);
  return flags >= 0 && (flags & FD_CLOEXEC);
}

/* Reads from FD until NEEDLE shows up or a second passes.  */
static bool
read_until (int fd, const char *needle)
{
  char buf[256];
  size_t len = 0;

  while (len < sizeof (buf) - 1)
    {
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      ssize_t r;

      if (poll (&pfd, 1, 1000) <= 0)
        return false;
      r = read (fd, buf + len, sizeof (buf) - 1 - len);
      if (r <= 0)
        return false;
      len += (size_t)r;
      buf[len] = '\0';
      if (strstr (buf, needle))
        return true;
    }
  return false;
}

static int
test_open_pty (void)
{
  cleanup_close int master = -1;
  cleanup_close int slave = -1;
  carve_error_t err = NULL;

  if (carve_terminal_open_pty (&master, &slave, &err) < 0)
    {
      fprintf (stderr, "# %s\n", err->msg);
      carve_error_release (&err);
      return access ("/dev/ptmx", R_OK | W_OK) == 0 ? -1 : 77;
    }
  EXPECT (master >= 0 && slave >= 0);
  EXPECT (is_cloexec (master));
  EXPECT (is_cloexec (slave));
  EXPECT (isatty (slave));
  EXPECT (write (slave, "hello\n", 6) == 6);
  EXPECT (read_until (master, "hello"));
  return 0;
}

static int
test_set_size (void)
{
  cleanup_close int master = -1;
  cleanup_close int slave = -1;
  carve_error_t err = NULL;
  struct winsize ws = { 0 };

  EXPECT (carve_terminal_open_pty (&master, &slave, &err) == 0);
  EXPECT (carve_terminal_set_size (master, 37, 131, &err) == 0);
  EXPECT (ioctl (slave, TIOCGWINSZ, &ws) == 0);
  EXPECT (ws.ws_row == 37);
  EXPECT (ws.ws_col == 131);
  EXPECT (carve_terminal_set_size (master, 70000, 1, &err) < 0);
  carve_error_release (&err);
  return 0;
}

static int
test_console_socket_roundtrip (void)
{
  cleanup_free char *path = carve_path_join (tmp (), "console.sock");
  cleanup_close int master = -1;
  cleanup_close int slave = -1;
  cleanup_close int listener = -1;
  cleanup_close int conn = -1;
  cleanup_close int got = -1;
  cleanup_free char *name = NULL;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  carve_error_t err = NULL;

  EXPECT (carve_terminal_open_pty (&master, &slave, &err) == 0);

  listener = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  EXPECT (listener >= 0);
  strcpy (addr.sun_path, path);
  EXPECT (bind (listener, (struct sockaddr *)&addr, sizeof (addr)) == 0);
  EXPECT (listen (listener, 1) == 0);

  /* connect completes against the backlog: no need to accept first.  */
  if (carve_console_socket_send (path, master, &err) < 0)
    {
      fprintf (stderr, "# %s\n", err->msg);
      return -1;
    }
  conn = accept4 (listener, NULL, NULL, SOCK_CLOEXEC);
  EXPECT (conn >= 0);
  EXPECT (carve_console_socket_recv (conn, &got, &name, &err) == 0);
  EXPECT_STR (name, "/dev/ptmx");
  EXPECT (got >= 0 && got != master);
  EXPECT (is_cloexec (got));

  /* The received descriptor is the same pty master.  */
  EXPECT (write (slave, "via socket\n", 11) == 11);
  EXPECT (read_until (got, "via socket"));

  /* A socket nobody listens on.  */
  unlink (path);
  EXPECT (carve_console_socket_send (path, master, &err) < 0);
  EXPECT_CONTAINS (err->msg, "connect to console socket");
  carve_error_release (&err);
  return 0;
}

static int
test_recv_rejects_no_fd (void)
{
  cleanup_close int a = -1;
  cleanup_close int b = -1;
  int sv[2], fd = -1;
  carve_error_t err = NULL;

  EXPECT (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  a = sv[0];
  b = sv[1];
  EXPECT (write (a, "/dev/ptmx", 9) == 9);
  EXPECT (carve_console_socket_recv (b, &fd, NULL, &err) < 0);
  EXPECT (fd == -1);
  EXPECT_CONTAINS (err->msg, "expected exactly one descriptor");
  carve_error_release (&err);

  close (a);
  a = -1;
  EXPECT (carve_console_socket_recv (b, &fd, NULL, &err) < 0);
  EXPECT_CONTAINS (err->msg, "connection closed");
  carve_error_release (&err);
  return 0;
}

static int
test_raw_mode_roundtrip (void)
{
  cleanup_close int master = -1;
  cleanup_close int slave = -1;
  carve_error_t err = NULL;
  struct termios saved, now;

  EXPECT (carve_terminal_open_pty (&master, &slave, &err) == 0);
  EXPECT (tcgetattr (slave, &now) == 0);
  EXPECT (now.c_lflag & ICANON);
  EXPECT (now.c_lflag & ECHO);

  EXPECT (carve_terminal_make_raw (slave, &saved, &err) == 0);
  EXPECT (tcgetattr (slave, &now) == 0);
  EXPECT (!(now.c_lflag & ICANON));
  EXPECT (!(now.c_lflag & ECHO));
  EXPECT (!(now.c_oflag & OPOST));

  carve_terminal_restore (slave, &saved);
  EXPECT (tcgetattr (slave, &now) == 0);
  EXPECT (now.c_lflag == saved.c_lflag);
  EXPECT (now.c_iflag == saved.c_iflag);
  EXPECT (now.c_oflag == saved.c_oflag);
  EXPECT (now.c_lflag & ICANON);

  /* Not a terminal.  */
  {
    cleanup_close int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
    EXPECT (carve_terminal_make_raw (devnull, &saved, &err) < 0);
    carve_error_release (&err);
  }
  return 0;
}

static int
test_copy (void)
{
  cleanup_close int master = -1;
  cleanup_close int slave = -1;
  cleanup_close int rd = -1;
  cleanup_close int wr = -1;
  carve_error_t err = NULL;
  int p[2], n;
  char buf[64];

  EXPECT (carve_terminal_open_pty (&master, &slave, &err) == 0);
  EXPECT (carve_terminal_make_raw (slave, NULL, &err) == 0);
  EXPECT (pipe2 (p, O_CLOEXEC) == 0);
  rd = p[0];
  wr = p[1];

  EXPECT (write (slave, "abc", 3) == 3);
  n = carve_terminal_copy (master, wr);
  EXPECT (n == 3);
  EXPECT (read (rd, buf, sizeof (buf)) == 3);
  EXPECT (memcmp (buf, "abc", 3) == 0);

  /* Nothing to read on a non-blocking master: EAGAIN.  */
  EXPECT (fcntl (master, F_SETFL, O_NONBLOCK) == 0);
  errno = 0;
  EXPECT (carve_terminal_copy (master, wr) == -1);
  EXPECT (errno == EAGAIN);

  /* Every slave closed: end of file.  */
  close (slave);
  slave = -1;
  EXPECT (carve_terminal_copy (master, wr) == 0);
  return 0;
}

static int
test_become_controlling (void)
{
  pid_t pid;
  int status;

  pid = fork ();
  EXPECT (pid >= 0);
  if (pid == 0)
    {
      int master = -1, slave = -1;
      carve_error_t err = NULL;

      if (carve_terminal_open_pty (&master, &slave, &err) < 0)
        _exit (10);
      if (carve_terminal_become_controlling (slave, &err) < 0)
        _exit (11);
      if (!isatty (0) || !isatty (1) || !isatty (2))
        _exit (12);
      if (getsid (0) != getpid ())
        _exit (13);
      if (tcgetsid (0) != getpid ())
        _exit (14);
      if (fcntl (slave, F_GETFD) >= 0)
        _exit (15);
      _exit (0);
    }
  EXPECT (waitpid (pid, &status, 0) == pid);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    fprintf (stderr, "# child status %d\n", status);
  EXPECT (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  return 0;
}

static int
bind_dgram (const char *name)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  socklen_t len = sizeof (addr);
  int fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return -1;
  strcpy (addr.sun_path, name);
  if (name[0] == '@')
    {
      addr.sun_path[0] = '\0';
      len = (socklen_t)(offsetof (struct sockaddr_un, sun_path) + strlen (name));
    }
  if (bind (fd, (struct sockaddr *)&addr, len) < 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

static int
send_dgram (const char *path, const char *msg)
{
  cleanup_close int fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };

  strcpy (addr.sun_path, path);
  if (fd < 0 || connect (fd, (struct sockaddr *)&addr, sizeof (addr)) < 0)
    return -1;
  return send (fd, msg, strlen (msg), 0) < 0 ? -1 : 0;
}

static ssize_t
recv_timeout (int fd, char *buf, size_t size)
{
  struct pollfd pfd = { .fd = fd, .events = POLLIN };
  ssize_t r;

  if (poll (&pfd, 1, 5000) <= 0)
    return -1;
  r = recv (fd, buf, size - 1, 0);
  if (r >= 0)
    buf[r] = '\0';
  return r;
}

/* Forwards READY=1 from a notify socket to HOST in a child and checks what
   HOST receives.  */
static int
check_forward (const char *notify_path, const char *host)
{
  cleanup_close int nfd = -1;
  cleanup_close int hfd = -1;
  cleanup_free char *want = NULL;
  carve_error_t err = NULL;
  struct stat st;
  char buf[256];
  pid_t pid, me = getpid ();
  int status;

  hfd = bind_dgram (host);
  EXPECT (hfd >= 0);
  EXPECT (carve_notify_socket_create (notify_path, &nfd, &err) == 0);
  EXPECT (stat (notify_path, &st) == 0);
  EXPECT (S_ISSOCK (st.st_mode));
  EXPECT ((st.st_mode & 0777) == 0777);

  /* What the container says before READY=1 is not forwarded.  */
  EXPECT (send_dgram (notify_path, "STATUS=starting") == 0);
  EXPECT (send_dgram (notify_path, "STATUS=almost\nREADY=1\nX=y") == 0);

  pid = fork ();
  EXPECT (pid >= 0);
  if (pid == 0)
    {
      int r = carve_notify_forward_ready (nfd, host, me, 5000, &err);
      _exit (r == 1 ? 0 : 1);
    }

  want = xasprintf ("READY=1\nMAINPID=%d\n", (int)me);
  EXPECT (recv_timeout (hfd, buf, sizeof (buf)) > 0);
  EXPECT_STR (buf, want);
  /* BARRIER=1 comes with a pipe; recv without a control buffer closes it,
     which releases the forwarder.  */
  EXPECT (recv_timeout (hfd, buf, sizeof (buf)) > 0);
  EXPECT_STR (buf, "BARRIER=1");
  EXPECT (waitpid (pid, &status, 0) == pid);
  EXPECT (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  return 0;
}

static int
test_notify_forward (void)
{
  cleanup_free char *notify_path = carve_path_join (tmp (), "notify.sock");
  cleanup_free char *host = carve_path_join (tmp (), "host.sock");

  return check_forward (notify_path, host);
}

static int
test_notify_forward_abstract (void)
{
  cleanup_free char *notify_path = carve_path_join (tmp (), "notify2.sock");
  cleanup_free char *host = xasprintf ("@carve-test-notify-%d", (int)getpid ());

  return check_forward (notify_path, host);
}

static int
test_notify_timeout_and_exit (void)
{
  cleanup_free char *notify_path = carve_path_join (tmp (), "notify3.sock");
  cleanup_close int nfd = -1;
  carve_error_t err = NULL;
  pid_t child;
  int status;

  EXPECT (carve_notify_socket_create (notify_path, &nfd, &err) == 0);
  /* The path exists now: a second socket cannot take it.  */
  {
    int fd2 = -1;
    EXPECT (carve_notify_socket_create (notify_path, &fd2, &err) < 0);
    carve_error_release (&err);
  }

  EXPECT (send_dgram (notify_path, "STATUS=READY=1 is not a line") == 0);
  EXPECT (carve_notify_forward_ready (nfd, "/nonexistent/host.sock", -1, 200, &err) < 0);
  EXPECT (err->status == ETIMEDOUT);
  carve_error_release (&err);

  /* The main process exits before READY=1: give up quietly.  */
  child = fork ();
  EXPECT (child >= 0);
  if (child == 0)
    _exit (0);
  EXPECT (waitpid (child, &status, 0) == child);
  EXPECT (carve_notify_forward_ready (nfd, "/nonexistent/host.sock", child, 5000, &err) == 0);
  return 0;
}

static int
test_zzz_cleanup (void)
{
  if (tmpdir[0])
    (void)carve_rm_rf (tmpdir, NULL);
  return 0;
}

UNIT_MAIN (UNIT_CASE (test_open_pty), UNIT_CASE (test_set_size), UNIT_CASE (test_console_socket_roundtrip),
           UNIT_CASE (test_recv_rejects_no_fd), UNIT_CASE (test_raw_mode_roundtrip), UNIT_CASE (test_copy),
           UNIT_CASE (test_become_controlling), UNIT_CASE (test_notify_forward),
           UNIT_CASE (test_notify_forward_abstract), UNIT_CASE (test_notify_timeout_and_exit),
           UNIT_CASE (test_zzz_cleanup))
