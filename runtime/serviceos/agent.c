/* One thread per connection to carve-serviceos (agent.h).  */
#include <config.h>
#include "agent.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "log.h"
#include "message.h"
#include "notify.h"
#include "runtime/base/cleanup.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"
#include "runtime/linux/seccomp.h"
#include "stats.h"

static const char *status_socket, *status_cpus;
static long long status_started_ms;
static atomic_int pending;
static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;
static struct carve_sos_ratelimit_s fault_rl;

void
carve_sos_agent_init (const char *socket_path, const char *cpus, long long started_ms)
{
  status_socket = socket_path;
  status_cpus = cpus;
  status_started_ms = started_ms;
}

/* A fault of one connection: logged, at most a burst of them a second.  */
static void
fault (pid_t peer, const char *what)
{
  bool ok;
  unsigned long suppressed;

  pthread_mutex_lock (&fault_lock);
  suppressed = fault_rl.suppressed;
  ok = carve_sos_log_ratelimit (&fault_rl, 10);
  if (ok)
    fault_rl.suppressed = 0;
  pthread_mutex_unlock (&fault_lock);
  if (!ok)
    return;
  if (suppressed)
    carve_sos_log (CARVE_SOS_LOG_WARNING, "%lu more faulty connections were not logged", suppressed);
  carve_sos_log (CARVE_SOS_LOG_WARNING, "connection from pid %d dropped: %s", (int)peer, what);
}

static void
close_fds (int *fds, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (fds[i] >= 0)
      close (fds[i]);
}

/* Reads the whole message, until EOF, with the descriptors that came
   with it.  -1 with *RET_WHY on a fault.  */
static int
receive (int conn, char **ret_buf, size_t *ret_len, int *fds, size_t *ret_nfds, const char **ret_why)
{
  cleanup_free char *buf = NULL;
  size_t len = 0, cap = 0, nfds = 0;

  for (;;)
    {
      char cbuf[CMSG_SPACE (CARVE_SOS_FDS_MAX * sizeof (int))];
      struct msghdr msg;
      struct iovec iov;
      struct cmsghdr *cm;
      ssize_t n;

      if (cap - len < 4096)
        {
          cap = cap ? cap * 2 : 8192;
          buf = xrealloc (buf, cap);
        }
      iov.iov_base = buf + len;
      iov.iov_len = cap - len;
      memset (&msg, 0, sizeof (msg));
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = cbuf;
      msg.msg_controllen = sizeof (cbuf);
      n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          *ret_nfds = nfds;
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            {
              atomic_fetch_add (&carve_sos_counters.timeouts, 1);
              *ret_why = "no complete message within the time allowed";
            }
          else
            *ret_why = "receive failed";
          return -1;
        }
      for (cm = CMSG_FIRSTHDR (&msg); cm; cm = CMSG_NXTHDR (&msg, cm))
        {
          size_t k, count;

          if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
          count = (cm->cmsg_len - CMSG_LEN (0)) / sizeof (int);
          for (k = 0; k < count; k++)
            {
              int fd;
              memcpy (&fd, CMSG_DATA (cm) + k * sizeof (int), sizeof (int));
              if (nfds < CARVE_SOS_FDS_MAX)
                fds[nfds++] = fd;
              else
                close (fd);
            }
        }
      if (msg.msg_flags & MSG_CTRUNC)
        {
          *ret_nfds = nfds;
          *ret_why = "more descriptors than the protocol sends";
          return -1;
        }
      if (n == 0)
        break;
      len += (size_t)n;
      if (len > CARVE_SOS_MESSAGE_MAX)
        {
          *ret_nfds = nfds;
          *ret_why = "message too large";
          return -1;
        }
    }
  *ret_nfds = nfds;
  *ret_len = len;
  *ret_buf = steal_pointer (&buf);
  return 0;
}

static void
answer_status (int conn)
{
  cleanup_free char *doc = carve_sos_stats_json (status_socket, status_cpus, status_started_ms);

  atomic_fetch_add (&carve_sos_counters.control, 1);
  (void)carve_write_all (conn, doc, strlen (doc));
  (void)carve_write_all (conn, "\n", 1);
}

static void *
connection_main (void *arg)
{
  int conn = (int)(intptr_t)arg;
  int fds[CARVE_SOS_FDS_MAX];
  cleanup_free char *buf = NULL;
  struct carve_sos_message_s m;
  carve_error_t err = NULL;
  struct ucred peer = { 0 };
  socklen_t plen = sizeof (peer);
  struct timeval tv = { CARVE_SOS_RECV_TIMEOUT_MS / 1000, (CARVE_SOS_RECV_TIMEOUT_MS % 1000) * 1000 };
  const char *why = NULL;
  size_t len = 0, nfds = 0;
  int listener;
  struct carve_sos_container_s *stats;

  (void)getsockopt (conn, SOL_SOCKET, SO_PEERCRED, &peer, &plen);
  (void)setsockopt (conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof (tv));
  if (receive (conn, &buf, &len, fds, &nfds, &why) < 0)
    {
      atomic_fetch_add (&carve_sos_counters.malformed, 1);
      fault (peer.pid, why);
      goto drop;
    }
  if (carve_sos_message_parse (buf, len, nfds, &m, &err) < 0)
    {
      atomic_fetch_add (&carve_sos_counters.malformed, 1);
      fault (peer.pid, err->msg);
      carve_error_release (&err);
      goto drop;
    }
  if (m.kind == CARVE_SOS_MESSAGE_STATUS)
    {
      answer_status (conn);
      carve_sos_message_release (&m);
      goto drop;
    }
  listener = fds[m.seccomp_fd_index];
  if (!carve_seccomp_is_listener (listener))
    {
      atomic_fetch_add (&carve_sos_counters.malformed, 1);
      fault (peer.pid, "process state: fds: `seccompFd` is not a seccomp listener");
      carve_sos_message_release (&m);
      goto drop;
    }
  fds[m.seccomp_fd_index] = -1;
  close_fds (fds, nfds);
  close (conn);
  atomic_fetch_sub (&pending, 1);

  stats = carve_sos_stats_attach (m.container_id, m.bundle);
  carve_sos_log (CARVE_SOS_LOG_INFO, "container `%s`: serving process %d (%s)", m.container_id, m.pid,
                 m.container_status ? m.container_status : "no status");
  carve_sos_notify_serve (listener, stats);
  carve_sos_log (CARVE_SOS_LOG_INFO, "container `%s`: process %d's filter has no process left", m.container_id, m.pid);
  carve_sos_message_release (&m);
  return NULL;

drop:
  close_fds (fds, nfds);
  close (conn);
  atomic_fetch_sub (&pending, 1);
  return NULL;
}

void
carve_sos_agent_accept (int conn)
{
  pthread_attr_t attr;
  pthread_t t;

  atomic_fetch_add (&carve_sos_counters.connections, 1);
  if (atomic_fetch_add (&pending, 1) >= CARVE_SOS_PENDING_MAX)
    {
      atomic_fetch_sub (&pending, 1);
      atomic_fetch_add (&carve_sos_counters.refused, 1);
      fault (0, "too many connections waiting for their message");
      close (conn);
      return;
    }
  pthread_attr_init (&attr);
  pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize (&attr, 256 * 1024);
  if (pthread_create (&t, &attr, connection_main, (void *)(intptr_t)conn) != 0)
    {
      atomic_fetch_sub (&pending, 1);
      atomic_fetch_add (&carve_sos_counters.refused, 1);
      fault (0, "no thread for it");
      close (conn);
    }
  pthread_attr_destroy (&attr);
}
