/* The `carve-serviceos` program: the ServiceOS helper daemon, and its
   `status` client (DESIGN.md, "carve-serviceos"; docs/carve-serviceos.8).

   The daemon pins itself to the ServiceOS CPUs before it starts any
   thread (every thread inherits the affinity), listens on the node
   config's socket (or the one systemd passes, socket activation), and
   hands each connection to agent.c.  SIGTERM and SIGINT stop it; the
   listeners it holds close with it, and the kernel then fails every
   trapped call with ENOSYS while the containers keep running.  */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent.h"
#include "creds.h"
#include "log.h"
#include "notify.h"
#include "runtime/base/cleanup.h"
#include "runtime/base/cpumask.h"
#include "runtime/base/deadline.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"
#include "runtime/linux/affinity.h"
#include "spec/json.h"
#include "spec/node-config.h"
#include "status.h"

#define STATUS_TIMEOUT_MS 10000

struct options_s
{
  const char *socket;
  const char *config;
  const char *format;
  bool debug;
  bool status;
};

static void
usage (FILE *f)
{
  fprintf (f, "usage: carve-serviceos [--socket PATH] [--config FILE] [--debug]\n"
              "       carve-serviceos status [--socket PATH] [--config FILE] [--format text|json]\n\n"
              "The ServiceOS helper of carve: a seccomp agent that runs forwarded system calls\n"
              "(carve.syscalls.forward) for compute containers.\n\n"
              "  --socket PATH    the Unix socket (default: the node config's serviceos_socket)\n"
              "  --config FILE    the node config (default $CARVE_CONFIG, else /etc/carve/carve.json)\n"
              "  --format FORMAT  status output: text (default) or json\n"
              "  --debug          log every forwarded call\n"
              "  --version        print the version\n");
}

static int
fail (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

static int
fail (const char *fmt, ...)
{
  va_list ap;

  fputs ("carve-serviceos: ", stderr);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
  return 1;
}

static int
parse_options (int argc, char **argv, struct options_s *o)
{
  static const struct option longopts[] = {
    { "socket", required_argument, NULL, 's' }, { "config", required_argument, NULL, 'c' },
    { "format", required_argument, NULL, 'f' }, { "debug", no_argument, NULL, 'd' },
    { "help", no_argument, NULL, 'h' },         { "version", no_argument, NULL, 'v' },
    { NULL, 0, NULL, 0 },
  };
  int c;

  memset (o, 0, sizeof (*o));
  /* The subcommand may come first or after the options.  */
  opterr = 0;
  while ((c = getopt_long (argc, argv, "+", longopts, NULL)) != -1 || optind < argc)
    {
      if (c == -1)
        {
          if (strcmp (argv[optind], "status") != 0 || o->status)
            return fail ("unknown command `%s` (try --help)", argv[optind]);
          o->status = true;
          optind++;
          continue;
        }
      switch (c)
        {
        case 's':
          o->socket = optarg;
          break;
        case 'c':
          o->config = optarg;
          break;
        case 'f':
          o->format = optarg;
          break;
        case 'd':
          o->debug = true;
          break;
        case 'h':
          usage (stdout);
          exit (0);
        case 'v':
          printf ("carve-serviceos version %s\n", PACKAGE_VERSION);
          exit (0);
        case ':':
          return fail ("option `%s` needs a value", argv[optind - 1]);
        default:
          return fail ("unknown option `%s` (try --help)", argv[optind - 1]);
        }
    }
  if (o->format && !o->status)
    return fail ("--format: only for `carve-serviceos status`");
  if (o->format && strcmp (o->format, "text") != 0 && strcmp (o->format, "json") != 0)
    return fail ("--format: `%s` is neither text nor json", o->format);
  if (o->socket && o->socket[0] != '/')
    return fail ("--socket: `%s` is not an absolute path", o->socket);
  return 0;
}

static int
socket_address (const char *path, struct sockaddr_un *sun)
{
  memset (sun, 0, sizeof (*sun));
  sun->sun_family = AF_UNIX;
  if (strlen (path) >= sizeof (sun->sun_path))
    return fail ("socket `%s`: longer than %zu bytes", path, sizeof (sun->sun_path) - 1);
  strcpy (sun->sun_path, path);
  return 0;
}

/* --- status --------------------------------------------------------------- */

static int
run_status (const struct options_s *o, const char *path)
{
  static const char request[] = "{\"command\":\"status\"}";
  cleanup_close int fd = -1;
  cleanup_free char *buf = NULL;
  cleanup_yajl_val yajl_val doc = NULL;
  struct sockaddr_un sun;
  long long deadline = carve_now_ms () + STATUS_TIMEOUT_MS;
  size_t len = 0, cap = 0;
  char errbuf[256];

  if (socket_address (path, &sun))
    return 1;
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect (fd, (struct sockaddr *)&sun, sizeof (sun)) < 0)
    return fail ("no carve-serviceos at `%s`: %s", path, strerror (errno));
  if (carve_write_all (fd, request, sizeof (request) - 1) < 0 || shutdown (fd, SHUT_WR) < 0)
    return fail ("`%s`: send the status request: %s", path, strerror (errno));
  for (;;)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      ssize_t n;
      int r = poll (&p, 1, carve_deadline_remaining_ms (deadline));

      if (r == 0)
        return fail ("`%s`: no answer within %d s", path, STATUS_TIMEOUT_MS / 1000);
      if (r < 0 && errno == EINTR)
        continue;
      if (cap - len < 4096)
        {
          cap = cap ? cap * 2 : 65536;
          buf = xrealloc (buf, cap + 1);
        }
      n = read (fd, buf + len, cap - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return fail ("`%s`: read the status: %s", path, strerror (errno));
      if (n == 0)
        break;
      len += (size_t)n;
    }
  if (len == 0)
    return fail ("`%s`: the daemon closed the connection without an answer", path);
  buf[len] = '\0';
  doc = yajl_tree_parse (buf, errbuf, sizeof (errbuf));
  if (doc == NULL || !YAJL_IS_OBJECT (doc))
    return fail ("`%s`: the answer is not a JSON object", path);
  if (o->format && strcmp (o->format, "json") == 0)
    {
      fwrite (buf, 1, len, stdout);
      return 0;
    }
  carve_sos_status_print_text (doc, stdout);
  return 0;
}

/* --- the daemon ------------------------------------------------------------- */

/* The socket systemd passed (socket activation: LISTEN_PID is us,
   LISTEN_FDS one descriptor at 3), or -1.  */
static int
activated_socket (void)
{
  const char *fds = getenv ("LISTEN_FDS"), *pid = getenv ("LISTEN_PID");
  long n, p;
  int type = 0;
  socklen_t len = sizeof (type);

  if (fds == NULL || pid == NULL || carve_parse_long (fds, &n) < 0 || carve_parse_long (pid, &p) < 0
      || p != (long)getpid () || n < 1)
    return -1;
  unsetenv ("LISTEN_FDS");
  unsetenv ("LISTEN_PID");
  unsetenv ("LISTEN_FDNAMES");
  if (getsockopt (3, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM)
    return -2;
  len = sizeof (type);
  if (getsockopt (3, SOL_SOCKET, SO_DOMAIN, &type, &len) < 0 || type != AF_UNIX)
    return -2;
  len = sizeof (type);
  if (getsockopt (3, SOL_SOCKET, SO_ACCEPTCONN, &type, &len) < 0 || type == 0)
    return -2;
  (void)fcntl (3, F_SETFD, FD_CLOEXEC);
  return 3;
}

/* Binds PATH: a stale socket (nobody accepts on it) is replaced, a live
   one is another carve-serviceos and refused.  */
static int
bind_socket (const char *path, int *ret_fd, struct stat *ret_st)
{
  cleanup_close int fd = -1;
  cleanup_free char *dir = xstrdup (path);
  struct sockaddr_un sun;
  carve_error_t err = NULL;
  struct stat st;
  char *slash;

  if (socket_address (path, &sun))
    return -1;
  slash = strrchr (dir, '/');
  if (slash && slash != dir)
    {
      *slash = '\0';
      if (carve_mkdir_p (dir, 0755, &err) < 0)
        {
          fail ("socket `%s`: %s", path, err->msg);
          carve_error_release (&err);
          return -1;
        }
    }
  if (lstat (path, &st) == 0)
    {
      cleanup_close int probe = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

      if (!S_ISSOCK (st.st_mode))
        return fail ("socket `%s`: exists and is not a socket", path), -1;
      if (probe >= 0 && connect (probe, (struct sockaddr *)&sun, sizeof (sun)) == 0)
        return fail ("socket `%s`: another carve-serviceos is listening there", path), -1;
      (void)unlink (path);
    }
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return fail ("socket: %s", strerror (errno)), -1;
  /* Only root may connect: a status request names every container.  */
  {
    mode_t old = umask (0177);
    int r = bind (fd, (struct sockaddr *)&sun, sizeof (sun));
    int saved = errno;
    umask (old);
    if (r < 0)
      return fail ("socket `%s`: bind: %s", path, strerror (saved)), -1;
  }
  if (listen (fd, 512) < 0)
    return fail ("socket `%s`: listen: %s", path, strerror (errno)), -1;
  if (stat (path, ret_st) < 0)
    return fail ("socket `%s`: %s", path, strerror (errno)), -1;
  *ret_fd = steal_fd (&fd);
  return 0;
}

/* The ServiceOS CPUs (node config serviceos_cpus, else the first online
   CPU, as carve reads them), and this process pinned there.  */
static int
pin_to_serviceos (carve_node_config_t node, char **ret_cpus)
{
  carve_cpumask_t online, mask;
  carve_error_t err = NULL;

  if (carve_cpumask_read_list_file ("/sys/devices/system/cpu/online", &online, &err) < 0)
    {
      fail ("%s", err->msg);
      carve_error_release (&err);
      return -1;
    }
  carve_cpumask_zero (&mask);
  if (node->serviceos_cpus)
    {
      if (carve_cpumask_parse_list (node->serviceos_cpus, &mask, &err) < 0)
        {
          fail ("node config: serviceos_cpus: %s", err->msg);
          carve_error_release (&err);
          return -1;
        }
      carve_cpumask_and (&mask, &mask, &online);
      if (carve_cpumask_empty (&mask))
        return fail ("node config: serviceos_cpus: `%s`: none of these CPUs is online", node->serviceos_cpus), -1;
    }
  else if (carve_cpumask_next (&online, 0) >= 0)
    carve_cpumask_set (&mask, (unsigned)carve_cpumask_next (&online, 0));
  if (carve_cpu_affinity_set_mask (0, &mask, &err) < 0)
    {
      cleanup_free char *list = carve_cpumask_format_list (&mask);
      fail ("pin to the ServiceOS CPUs `%s`: %s", list, err->msg);
      carve_error_release (&err);
      return -1;
    }
  *ret_cpus = carve_cpumask_format_list (&mask);
  return 0;
}

static int
run_daemon (const struct options_s *o, carve_node_config_t node, const char *path)
{
  cleanup_free char *cpus = NULL;
  cleanup_close int sfd = -1;
  cleanup_close int lfd = -1;
  struct stat own;
  sigset_t set;
  bool bound = false;
  int proc_fd, r;

  carve_sos_log_init (o->debug);
  if (pin_to_serviceos (node, &cpus) < 0)
    return 1;
  proc_fd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (proc_fd < 0)
    return fail ("open /proc: %s", strerror (errno));
  r = carve_sos_creds_global_init (proc_fd);
  if (r < 0)
    return fail ("read its own credentials: %s", strerror (-r));
  r = carve_sos_notify_init (proc_fd);
  if (r < 0)
    return fail ("this kernel has no seccomp user notification: %s", strerror (-r));

  lfd = activated_socket ();
  if (lfd == -2)
    return fail ("LISTEN_FDS: descriptor 3 is not a listening Unix stream socket");
  if (lfd < 0)
    {
      if (bind_socket (path, &lfd, &own) < 0)
        return 1;
      bound = true;
    }

  /* The signals come through a descriptor, blocked in every thread.  */
  sigemptyset (&set);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGHUP);
  pthread_sigmask (SIG_BLOCK, &set, NULL);
  signal (SIGPIPE, SIG_IGN);
  sfd = signalfd (-1, &set, SFD_CLOEXEC);
  if (sfd < 0)
    return fail ("signalfd: %s", strerror (errno));

  carve_sos_agent_init (path, cpus, carve_now_ms ());
  carve_sos_log (CARVE_SOS_LOG_INFO, "listening on `%s`%s, pid %d, on CPUs %s", path,
                 bound ? "" : " (socket activation)", (int)getpid (), cpus);
  for (;;)
    {
      struct pollfd p[2] = { { .fd = lfd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
      int conn;

      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return fail ("poll: %s", strerror (errno));
        }
      if (p[1].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          if (read (sfd, &si, sizeof (si)) == sizeof (si) && si.ssi_signo == SIGHUP)
            continue;
          carve_sos_log (CARVE_SOS_LOG_INFO, "stopping (signal %u)", si.ssi_signo);
          break;
        }
      if (!(p[0].revents & POLLIN))
        continue;
      conn = accept4 (lfd, NULL, NULL, SOCK_CLOEXEC);
      if (conn < 0)
        {
          /* EMFILE under a flood: the queued connections wait.  */
          if (errno == EMFILE || errno == ENFILE)
            usleep (10000);
          continue;
        }
      carve_sos_agent_accept (conn);
    }
  /* Remove the socket only if it is still the one bound here.  */
  if (bound)
    {
      struct stat now;
      if (stat (path, &now) == 0 && now.st_ino == own.st_ino && now.st_dev == own.st_dev)
        (void)unlink (path);
    }
  return 0;
}

int
main (int argc, char **argv)
{
  cleanup_node_config carve_node_config_t node = NULL;
  carve_error_t err = NULL;
  struct options_s o;
  const char *path;

  if (parse_options (argc, argv, &o) != 0)
    return 1;
  if (o.config && setenv (CARVE_NODE_CONFIG_ENV, o.config, 1) < 0)
    return fail ("--config: %s", strerror (errno));
  if (carve_node_config_load (&node, &err) < 0)
    {
      fail ("%s", err->msg);
      carve_error_release (&err);
      return 1;
    }
  path = o.socket ? o.socket : node->serviceos_socket;
  if (o.status)
    return run_status (&o, path);
  return run_daemon (&o, node, path);
}
