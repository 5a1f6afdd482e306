/* Receiving notifications and answering them from a pool of workers
   (notify.h).  */
#include <config.h>
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "creds.h"
#include "forward.h"
#include "log.h"
#include "runtime/base/cleanup.h"
#include "runtime/base/xalloc.h"

/* Workers kept however long they idle; the others leave after
   IDLE_EXIT_S without work.  */
#define WORKERS_KEPT 4
#define IDLE_EXIT_S 30

/* One listener, shared by its owner thread and the workers serving its
   notifications: the last to let go closes it.  */
struct listener_s
{
  int fd;
  struct carve_sos_container_s *stats;
  atomic_int refs;
};

struct job_s
{
  struct listener_s *listener;
  struct seccomp_notif *req;
  struct timespec received;
  struct job_s *next;
};

static int proc_fd = -1;
static size_t notif_size, resp_size;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cond = PTHREAD_COND_INITIALIZER;
static struct job_s *queue_head, *queue_tail;
static unsigned workers, idle;

static void
listener_unref (struct listener_s *l)
{
  if (atomic_fetch_sub (&l->refs, 1) == 1)
    {
      close (l->fd);
      carve_sos_stats_detach (l->stats);
      atomic_fetch_sub (&carve_sos_counters.listeners_live, 1);
      free (l);
    }
}

int
carve_sos_notify_init (int fd)
{
  struct seccomp_notif_sizes sizes;

  if (syscall (SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
    return -errno;
  /* The kernel's structures may be larger than this build's headers.  */
  notif_size = sizes.seccomp_notif > sizeof (struct seccomp_notif) ? sizes.seccomp_notif
                                                                   : sizeof (struct seccomp_notif);
  resp_size = sizes.seccomp_notif_resp > sizeof (struct seccomp_notif_resp) ? sizes.seccomp_notif_resp
                                                                            : sizeof (struct seccomp_notif_resp);
  proc_fd = fd;
  return 0;
}

static uint64_t
elapsed_ns (const struct timespec *since)
{
  struct timespec now;

  clock_gettime (CLOCK_MONOTONIC, &now);
  return (uint64_t)(now.tv_sec - since->tv_sec) * 1000000000ull + (uint64_t)(now.tv_nsec - since->tv_nsec);
}

/* Sends the answer A to REQ; the outcome for the counters.  */
static enum carve_sos_outcome
send_answer (int listener, const struct seccomp_notif *req, struct carve_sos_answer_s *a, int *ret_error)
{
  cleanup_free struct seccomp_notif_resp *resp = xzalloc (resp_size);
  enum carve_sos_outcome outcome = CARVE_SOS_SERVED;

  *ret_error = 0;
  resp->id = req->id;
  switch (a->kind)
    {
    case CARVE_SOS_ANSWER_GONE:
      return CARVE_SOS_ABANDONED;
    case CARVE_SOS_ANSWER_FD:
      {
        struct seccomp_notif_addfd addfd = {
          .id = req->id,
          .flags = SECCOMP_ADDFD_FLAG_SEND,
          .srcfd = (uint32_t)a->fd,
          .newfd = 0,
          .newfd_flags = a->cloexec ? O_CLOEXEC : 0,
        };
        int r = ioctl (listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
        int saved = errno;

        close (a->fd);
        a->fd = -1;
        if (r >= 0)
          return CARVE_SOS_SERVED;
        /* ENOENT: the thread left the call (killed, or a signal).  */
        if (saved == ENOENT)
          return CARVE_SOS_ABANDONED;
        /* EMFILE and the like: the process's own limit, its error.  */
        resp->error = -saved;
        *ret_error = saved;
        break;
      }
    case CARVE_SOS_ANSWER_CONTINUE:
      resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
      outcome = CARVE_SOS_CONTINUED;
      break;
    case CARVE_SOS_ANSWER_UNIMPLEMENTED:
      resp->error = -ENOSYS;
      *ret_error = ENOSYS;
      outcome = CARVE_SOS_UNIMPLEMENTED;
      break;
    case CARVE_SOS_ANSWER_RETURN:
      resp->val = a->val;
      resp->error = -a->error;
      *ret_error = a->error;
      break;
    }
  if (ioctl (listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0)
    return CARVE_SOS_ABANDONED;
  return outcome;
}

static void
run_job (struct job_s *j)
{
  struct carve_sos_answer_s a;
  enum carve_sos_outcome outcome;
  int error;

  carve_sos_forward (j->listener->fd, proc_fd, j->req, &a);
  outcome = send_answer (j->listener->fd, j->req, &a, &error);
  if (a.fd >= 0)
    close (a.fd);
  carve_sos_stats_record (j->listener->stats, j->req->data.nr, outcome, error, elapsed_ns (&j->received));
  if (carve_sos_log_debug_enabled ())
    carve_sos_log (CARVE_SOS_LOG_DEBUG, "container `%s`: thread %u: syscall %d: %s%s%s", j->listener->stats->id,
                   j->req->pid, j->req->data.nr,
                   outcome == CARVE_SOS_ABANDONED     ? "abandoned"
                   : outcome == CARVE_SOS_CONTINUED   ? "run natively"
                   : outcome == CARVE_SOS_UNIMPLEMENTED ? "not implemented (ENOSYS)"
                                                      : "served",
                   error && outcome == CARVE_SOS_SERVED ? ": " : "",
                   error && outcome == CARVE_SOS_SERVED ? strerror (error) : "");
  listener_unref (j->listener);
  free (j->req);
  free (j);
}

static void *
worker_main (void *arg)
{
  int r;

  (void)arg;
  r = carve_sos_creds_worker_init ();
  if (r < 0)
    {
      /* Without a root and umask of its own, a worker must not serve.  */
      carve_sos_log (CARVE_SOS_LOG_ERROR, "a worker cannot start: unshare CLONE_FS: %s", strerror (-r));
      abort ();
    }
  pthread_mutex_lock (&pool_lock);
  for (;;)
    {
      struct job_s *j;

      while (queue_head == NULL)
        {
          struct timespec until;
          int w;

          idle++;
          atomic_store (&carve_sos_counters.workers_idle, idle);
          clock_gettime (CLOCK_REALTIME, &until);
          until.tv_sec += IDLE_EXIT_S;
          w = pthread_cond_timedwait (&pool_cond, &pool_lock, &until);
          idle--;
          atomic_store (&carve_sos_counters.workers_idle, idle);
          if (w == ETIMEDOUT && queue_head == NULL && workers > WORKERS_KEPT)
            {
              workers--;
              atomic_store (&carve_sos_counters.workers, workers);
              pthread_mutex_unlock (&pool_lock);
              return NULL;
            }
        }
      j = queue_head;
      queue_head = j->next;
      if (queue_head == NULL)
        queue_tail = NULL;
      pthread_mutex_unlock (&pool_lock);
      run_job (j);
      pthread_mutex_lock (&pool_lock);
    }
}

/* Queues J; starts a worker when none is idle to take it.  */
static void
dispatch (struct job_s *j)
{
  pthread_mutex_lock (&pool_lock);
  j->next = NULL;
  if (queue_tail)
    queue_tail->next = j;
  else
    queue_head = j;
  queue_tail = j;
  if (idle == 0 && workers < CARVE_SOS_WORKERS_MAX)
    {
      pthread_attr_t attr;
      pthread_t t;

      pthread_attr_init (&attr);
      pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);
      pthread_attr_setstacksize (&attr, 256 * 1024);
      if (pthread_create (&t, &attr, worker_main, NULL) == 0)
        {
          workers++;
          atomic_store (&carve_sos_counters.workers, workers);
        }
      else if (workers == 0)
        carve_sos_log (CARVE_SOS_LOG_ERROR, "no worker can start; notifications wait");
      pthread_attr_destroy (&attr);
    }
  pthread_cond_signal (&pool_cond);
  pthread_mutex_unlock (&pool_lock);
}

void
carve_sos_notify_serve (int fd, struct carve_sos_container_s *stats)
{
  struct listener_s *l = xzalloc (sizeof (*l));

  l->fd = fd;
  l->stats = stats;
  atomic_init (&l->refs, 1);
  atomic_fetch_add (&carve_sos_counters.listeners_live, 1);
  atomic_fetch_add (&carve_sos_counters.listeners_total, 1);
  for (;;)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      struct job_s *j;
      int r;

      r = poll (&p, 1, -1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          carve_sos_log (CARVE_SOS_LOG_ERROR, "container `%s`: poll listener: %s", stats->id, strerror (errno));
          break;
        }
      /* POLLHUP: every process using the filter has exited.  */
      if (!(p.revents & POLLIN))
        break;
      j = xzalloc (sizeof (*j));
      j->req = xzalloc (notif_size);
      if (ioctl (fd, SECCOMP_IOCTL_NOTIF_RECV, j->req) < 0)
        {
          int saved = errno;
          free (j->req);
          free (j);
          /* ENOENT: the thread was killed between poll and here.  */
          if (saved == ENOENT || saved == EINTR)
            continue;
          carve_sos_log (CARVE_SOS_LOG_ERROR, "container `%s`: receive notification: %s", stats->id,
                         strerror (saved));
          break;
        }
      clock_gettime (CLOCK_MONOTONIC, &j->received);
      atomic_fetch_add (&carve_sos_counters.notifications, 1);
      atomic_fetch_add (&l->refs, 1);
      j->listener = l;
      dispatch (j);
    }
  listener_unref (l);
}
