/* carve-serviceos's counters and latency histograms (stats.h).  */
#include <config.h>
#include "stats.h"

#include <pthread.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/deadline.h"
#include "runtime/base/xalloc.h"
#include "spec/json.h"

struct carve_sos_counters_s carve_sos_counters;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct carve_sos_container_s *registry; /* newest first */
static unsigned long gone;                     /* containers without a live listener */

unsigned
carve_sos_hist_bucket (uint64_t ns)
{
  unsigned e, idx;

  if (ns < CARVE_SOS_HIST_SUB)
    return (unsigned)ns;
  e = 63 - (unsigned)__builtin_clzll (ns); /* >= 3 */
  idx = (e - 2) * CARVE_SOS_HIST_SUB + (unsigned)((ns >> (e - 3)) & (CARVE_SOS_HIST_SUB - 1));
  return idx < CARVE_SOS_HIST_BUCKETS ? idx : CARVE_SOS_HIST_BUCKETS - 1;
}

uint64_t
carve_sos_hist_value (unsigned bucket)
{
  unsigned e, m;
  uint64_t low, width;

  if (bucket < CARVE_SOS_HIST_SUB)
    return bucket;
  e = bucket / CARVE_SOS_HIST_SUB + 2;
  m = bucket % CARVE_SOS_HIST_SUB;
  low = (uint64_t)(CARVE_SOS_HIST_SUB + m) << (e - 3);
  width = (uint64_t)1 << (e - 3);
  return low + width / 2;
}

uint64_t
carve_sos_hist_percentile (const atomic_uint_fast64_t *hist, uint64_t total, double p, uint64_t max)
{
  uint64_t want, seen = 0, v;
  unsigned i;

  if (total == 0)
    return 0;
  want = (uint64_t)(p / 100.0 * (double)total + 0.5);
  if (want < 1)
    want = 1;
  for (i = 0; i < CARVE_SOS_HIST_BUCKETS; i++)
    {
      seen += atomic_load_explicit (&hist[i], memory_order_relaxed);
      if (seen >= want)
        {
          v = carve_sos_hist_value (i);
          return v > max ? max : v;
        }
    }
  return max;
}

static void
container_free (struct carve_sos_container_s *c)
{
  size_t i;

  for (i = 0; i < CARVE_SOS_NR_MAX; i++)
    free (atomic_load (&c->syscalls[i]));
  free (c->id);
  free (c->bundle);
  free (c);
}

/* Drops the oldest containers without a live listener beyond the kept
   number.  Under registry_lock.  */
static void
evict_gone (void)
{
  struct carve_sos_container_s **pp, *c;
  unsigned long seen = 0;

  for (pp = &registry; (c = *pp) != NULL;)
    {
      if (c->listeners == 0 && ++seen > CARVE_SOS_GONE_KEPT)
        {
          *pp = c->next;
          container_free (c);
          gone--;
          continue;
        }
      pp = &c->next;
    }
}

struct carve_sos_container_s *
carve_sos_stats_attach (const char *id, const char *bundle)
{
  struct carve_sos_container_s *c;

  pthread_mutex_lock (&registry_lock);
  for (c = registry; c; c = c->next)
    if (strcmp (c->id, id) == 0)
      break;
  if (c == NULL)
    {
      c = xzalloc (sizeof (*c));
      c->id = xstrdup (id);
      c->first_seen_ms = carve_now_ms ();
      c->next = registry;
      registry = c;
    }
  else if (c->listeners == 0)
    gone--;
  if (bundle && c->bundle == NULL)
    c->bundle = xstrdup (bundle);
  c->listeners++;
  c->processes++;
  c->last_seen_ms = carve_now_ms ();
  pthread_mutex_unlock (&registry_lock);
  return c;
}

void
carve_sos_stats_detach (struct carve_sos_container_s *c)
{
  pthread_mutex_lock (&registry_lock);
  c->last_seen_ms = carve_now_ms ();
  if (--c->listeners == 0)
    {
      gone++;
      if (gone > CARVE_SOS_GONE_KEPT)
        evict_gone ();
    }
  pthread_mutex_unlock (&registry_lock);
}

static struct carve_sos_syscall_stats_s *
syscall_stats (struct carve_sos_container_s *c, int nr)
{
  unsigned i = nr < 0 || nr >= CARVE_SOS_NR_MAX ? CARVE_SOS_NR_MAX - 1 : (unsigned)nr;
  struct carve_sos_syscall_stats_s *s = atomic_load_explicit (&c->syscalls[i], memory_order_acquire);
  struct carve_sos_syscall_stats_s *expected = NULL;

  if (s)
    return s;
  s = xzalloc (sizeof (*s));
  if (!atomic_compare_exchange_strong (&c->syscalls[i], &expected, s))
    {
      free (s);
      return expected;
    }
  return s;
}

void
carve_sos_stats_record (struct carve_sos_container_s *c, int nr, enum carve_sos_outcome outcome, int error,
                        uint64_t ns)
{
  struct carve_sos_syscall_stats_s *s = syscall_stats (c, nr);
  uint64_t max;

  atomic_fetch_add_explicit (&s->calls, 1, memory_order_relaxed);
  switch (outcome)
    {
    case CARVE_SOS_CONTINUED:
      atomic_fetch_add_explicit (&s->continued, 1, memory_order_relaxed);
      break;
    case CARVE_SOS_UNIMPLEMENTED:
      atomic_fetch_add_explicit (&s->unimplemented, 1, memory_order_relaxed);
      break;
    case CARVE_SOS_ABANDONED:
      atomic_fetch_add_explicit (&s->abandoned, 1, memory_order_relaxed);
      break;
    default:
      break;
    }
  if (error != 0)
    atomic_fetch_add_explicit (&s->errors, 1, memory_order_relaxed);
  atomic_fetch_add_explicit (&s->hist[carve_sos_hist_bucket (ns)], 1, memory_order_relaxed);
  max = atomic_load_explicit (&s->max_ns, memory_order_relaxed);
  while (ns > max && !atomic_compare_exchange_weak (&s->max_ns, &max, ns))
    ;
}

/* --- the status document ---------------------------------------------------- */

static void
gen_str (yajl_gen g, const char *s)
{
  yajl_gen_string (g, (const unsigned char *)s, strlen (s));
}

static void
gen_kv_int (yajl_gen g, const char *k, long long v)
{
  gen_str (g, k);
  yajl_gen_integer (g, v);
}

static void
gen_kv_us (yajl_gen g, const char *k, uint64_t ns)
{
  char buf[32];
  int n = snprintf (buf, sizeof (buf), "%.1f", (double)ns / 1000.0);
  gen_str (g, k);
  yajl_gen_number (g, buf, (size_t)n);
}

static void
gen_syscall (yajl_gen g, int nr, struct carve_sos_syscall_stats_s *s)
{
  uint64_t calls = atomic_load (&s->calls), max = atomic_load (&s->max_ns);
  char *name = seccomp_syscall_resolve_num_arch (SCMP_ARCH_NATIVE, nr);
  char fallback[32];

  snprintf (fallback, sizeof (fallback), "syscall_%d", nr);
  yajl_gen_map_open (g);
  gen_str (g, "name");
  gen_str (g, name ? name : fallback);
  free (name);
  gen_kv_int (g, "nr", nr);
  gen_kv_int (g, "calls", (long long)calls);
  gen_kv_int (g, "errors", (long long)atomic_load (&s->errors));
  gen_kv_int (g, "continued", (long long)atomic_load (&s->continued));
  gen_kv_int (g, "unimplemented", (long long)atomic_load (&s->unimplemented));
  gen_kv_int (g, "abandoned", (long long)atomic_load (&s->abandoned));
  gen_str (g, "latency_us");
  yajl_gen_map_open (g);
  gen_kv_us (g, "p50", carve_sos_hist_percentile (s->hist, calls, 50, max));
  gen_kv_us (g, "p90", carve_sos_hist_percentile (s->hist, calls, 90, max));
  gen_kv_us (g, "p99", carve_sos_hist_percentile (s->hist, calls, 99, max));
  gen_kv_us (g, "max", max);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
}

static void
gen_container (yajl_gen g, struct carve_sos_container_s *c)
{
  int nr;

  yajl_gen_map_open (g);
  gen_str (g, "id");
  gen_str (g, c->id);
  if (c->bundle)
    {
      gen_str (g, "bundle");
      gen_str (g, c->bundle);
    }
  gen_kv_int (g, "listeners", c->listeners);
  gen_kv_int (g, "processes", (long long)c->processes);
  gen_kv_int (g, "seen_ms_ago", carve_now_ms () - c->last_seen_ms);
  gen_str (g, "syscalls");
  yajl_gen_array_open (g);
  for (nr = 0; nr < CARVE_SOS_NR_MAX; nr++)
    {
      struct carve_sos_syscall_stats_s *s = atomic_load (&c->syscalls[nr]);
      if (s)
        gen_syscall (g, nr, s);
    }
  yajl_gen_array_close (g);
  yajl_gen_map_close (g);
}

char *
carve_sos_stats_json (const char *socket_path, const char *cpus, long long started_ms)
{
  cleanup_yajl_gen yajl_gen g = yajl_gen_alloc (NULL);
  struct carve_sos_counters_s *k = &carve_sos_counters;
  struct carve_sos_container_s *c;
  const unsigned char *buf;
  size_t len;

  if (g == NULL)
    carve_oom ();
  yajl_gen_map_open (g);
  gen_str (g, "version");
  gen_str (g, PACKAGE_VERSION);
  gen_kv_int (g, "pid", getpid ());
  gen_str (g, "socket");
  gen_str (g, socket_path);
  gen_str (g, "cpus");
  gen_str (g, cpus);
  gen_kv_int (g, "uptime_s", (carve_now_ms () - started_ms) / 1000);
  gen_str (g, "connections");
  yajl_gen_map_open (g);
  gen_kv_int (g, "accepted", (long long)atomic_load (&k->connections));
  gen_kv_int (g, "malformed", (long long)atomic_load (&k->malformed));
  gen_kv_int (g, "timeouts", (long long)atomic_load (&k->timeouts));
  gen_kv_int (g, "refused", (long long)atomic_load (&k->refused));
  gen_kv_int (g, "control", (long long)atomic_load (&k->control));
  yajl_gen_map_close (g);
  gen_str (g, "listeners");
  yajl_gen_map_open (g);
  gen_kv_int (g, "live", (long long)atomic_load (&k->listeners_live));
  gen_kv_int (g, "total", (long long)atomic_load (&k->listeners_total));
  yajl_gen_map_close (g);
  gen_str (g, "workers");
  yajl_gen_map_open (g);
  gen_kv_int (g, "total", (long long)atomic_load (&k->workers));
  gen_kv_int (g, "idle", (long long)atomic_load (&k->workers_idle));
  yajl_gen_map_close (g);
  gen_kv_int (g, "notifications", (long long)atomic_load (&k->notifications));
  gen_str (g, "containers");
  yajl_gen_array_open (g);
  pthread_mutex_lock (&registry_lock);
  for (c = registry; c; c = c->next)
    gen_container (g, c);
  pthread_mutex_unlock (&registry_lock);
  yajl_gen_array_close (g);
  yajl_gen_map_close (g);
  if (yajl_gen_get_buf (g, &buf, &len) != yajl_gen_status_ok)
    carve_oom ();
  return xstrndup ((const char *)buf, len);
}
