/* What carve-serviceos counts: per container (the state's id, over every
   process that sent a listener), per system call, the calls served, the
   errors answered, the calls let through (CONTINUE), those it does not
   implement (ENOSYS), those abandoned because the process went away, and
   a latency histogram from the notification to the answer; and the
   daemon's own counters.  `carve-serviceos status` reads them as JSON
   (carve_sos_stats_json).  Updated lock-free from the workers.  */
#ifndef CARVE_SERVICEOS_STATS_H
#define CARVE_SERVICEOS_STATS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Native system call numbers below this are counted one by one; the rest
   (none on current architectures) together under the last.  */
#define CARVE_SOS_NR_MAX 1024

/* Log-linear latency buckets: 8 per power of two, exact below 8 ns,
   up to 2^40 ns.  */
#define CARVE_SOS_HIST_SUB 8
#define CARVE_SOS_HIST_BUCKETS ((40 - 2) * CARVE_SOS_HIST_SUB)

enum carve_sos_outcome
{
  CARVE_SOS_SERVED,        /* performed; maybe with an error */
  CARVE_SOS_CONTINUED,     /* answered SECCOMP_USER_NOTIF_FLAG_CONTINUE */
  CARVE_SOS_UNIMPLEMENTED, /* answered ENOSYS */
  CARVE_SOS_ABANDONED,     /* the process died or the call was interrupted */
};

struct carve_sos_syscall_stats_s
{
  atomic_uint_fast64_t calls, errors, continued, unimplemented, abandoned, max_ns;
  atomic_uint_fast64_t hist[CARVE_SOS_HIST_BUCKETS];
};

struct carve_sos_container_s
{
  char *id;
  char *bundle;
  int listeners;      /* live listeners; under the registry's lock */
  uint64_t processes; /* listeners ever received */
  long long first_seen_ms, last_seen_ms;
  struct carve_sos_syscall_stats_s *_Atomic syscalls[CARVE_SOS_NR_MAX];
  struct carve_sos_container_s *next;
};

/* The daemon's counters, written by its parts, read by status.  */
struct carve_sos_counters_s
{
  atomic_uint_fast64_t connections, malformed, timeouts, refused, control;
  atomic_uint_fast64_t listeners_live, listeners_total;
  atomic_uint_fast64_t workers, workers_idle;
  atomic_uint_fast64_t notifications;
};
extern struct carve_sos_counters_s carve_sos_counters;

/* The container ID (BUNDLE may be NULL), made on first use; counts one
   more live listener of it.  Never NULL.  */
struct carve_sos_container_s *carve_sos_stats_attach (const char *id, const char *bundle);
/* One live listener fewer.  A container without any is kept for status
   until CARVE_SOS_GONE_KEPT newer ones have gone.  */
void carve_sos_stats_detach (struct carve_sos_container_s *c);
#define CARVE_SOS_GONE_KEPT 256

/* One call of system call NR, with its outcome, error (errno or 0) and
   latency.  */
void carve_sos_stats_record (struct carve_sos_container_s *c, int nr, enum carve_sos_outcome outcome, int error,
                             uint64_t ns);

/* The histogram's bucket of NS and the value a bucket stands for (its
   middle), for the percentiles; exported for the unit tests.  */
unsigned carve_sos_hist_bucket (uint64_t ns);
uint64_t carve_sos_hist_value (unsigned bucket);
/* The Pth percentile (0 < P <= 100) of HIST, at most MAX.  */
uint64_t carve_sos_hist_percentile (const atomic_uint_fast64_t *hist, uint64_t total, double p, uint64_t max);

/* The status document: the daemon's counters and, per container, per
   system call (SYSCALL_NAME gives names), counts and the latency p50, p90,
   p99 and max in microseconds.  SOCKET and CPUS describe the daemon.  */
char *carve_sos_stats_json (const char *socket_path, const char *cpus, long long started_ms);

#endif
