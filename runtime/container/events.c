/* `events`: the container's cgroup statistics and OOM kills as runc's
   event stream.  */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "fsutil.h"
#include "internal.h"
#include "spec/events.h"
#include "xalloc.h"

/* The poll period of the loop: how soon an OOM kill or the end of the
   container is seen.  */
#define EVENTS_TICK_MS 100

static const struct carve_cgroup_blkio_list_s *
blkio_list (const struct carve_cgroup_stats_s *s, enum carve_spec_stats_blkio_e which)
{
  switch (which)
    {
    case CARVE_SPEC_BLKIO_SERVICE_BYTES:
      return &s->blkio.io_service_bytes_recursive;
    case CARVE_SPEC_BLKIO_SERVICED:
      return &s->blkio.io_serviced_recursive;
    case CARVE_SPEC_BLKIO_QUEUED:
      return &s->blkio.io_queue_recursive;
    case CARVE_SPEC_BLKIO_SERVICE_TIME:
      return &s->blkio.io_service_time_recursive;
    case CARVE_SPEC_BLKIO_WAIT_TIME:
      return &s->blkio.io_wait_time_recursive;
    case CARVE_SPEC_BLKIO_MERGED:
      return &s->blkio.io_merged_recursive;
    case CARVE_SPEC_BLKIO_TIME:
      return &s->blkio.io_time_recursive;
    case CARVE_SPEC_BLKIO_SECTORS:
    case CARVE_SPEC_BLKIO_N:
    default:
      return &s->blkio.sectors_recursive;
    }
}

static void
memory_entry (struct carve_spec_stats_memory_entry_s *to, const struct carve_cgroup_memory_entry_s *from)
{
  to->limit = from->limit;
  to->usage = from->usage;
  to->max = from->max;
  to->failcnt = from->failcnt;
}

/* Builds the stats event of ID from S.  */
static char *
stats_event (const char *id, const struct carve_cgroup_stats_s *s)
{
  struct carve_spec_stats_s out;
  struct carve_spec_stats_blkio_entry_s *blkio[CARVE_SPEC_BLKIO_N] = { NULL };
  cleanup_free struct carve_spec_stats_hugetlb_s *hugetlb = NULL;
  char *json;
  size_t i, l;

  memset (&out, 0, sizeof (out));
  out.cpu.total = s->cpu.total;
  out.cpu.kernel = s->cpu.kernel;
  out.cpu.user = s->cpu.user;
  out.cpu.percpu = s->cpu.percpu;
  out.cpu.percpu_len = s->cpu.percpu_len;
  out.cpu.percpu_kernel = s->cpu.percpu_kernel;
  out.cpu.percpu_kernel_len = s->cpu.percpu_kernel_len;
  out.cpu.percpu_user = s->cpu.percpu_user;
  out.cpu.percpu_user_len = s->cpu.percpu_user_len;
  out.cpu.periods = s->cpu.periods;
  out.cpu.throttled_periods = s->cpu.throttled_periods;
  out.cpu.throttled_time = s->cpu.throttled_time;

  out.cpuset.cpus = s->cpuset.cpus;
  out.cpuset.mems = s->cpuset.mems;
  out.cpuset.cpu_exclusive = s->cpuset.cpu_exclusive;
  out.cpuset.mem_hardwall = s->cpuset.mem_hardwall;
  out.cpuset.mem_exclusive = s->cpuset.mem_exclusive;
  out.cpuset.memory_migrate = s->cpuset.memory_migrate;
  out.cpuset.memory_spread_page = s->cpuset.memory_spread_page;
  out.cpuset.memory_spread_slab = s->cpuset.memory_spread_slab;
  out.cpuset.memory_pressure = s->cpuset.memory_pressure;
  out.cpuset.sched_load_balance = s->cpuset.sched_load_balance;
  out.cpuset.sched_relax_domain_level = s->cpuset.sched_relax_domain_level;

  out.memory.cache = s->memory.cache;
  memory_entry (&out.memory.usage, &s->memory.usage);
  memory_entry (&out.memory.swap, &s->memory.swap);
  memory_entry (&out.memory.kernel, &s->memory.kernel);
  memory_entry (&out.memory.kernel_tcp, &s->memory.kernel_tcp);
  out.memory.raw_keys = (const char *const *)s->memory.raw_keys;
  out.memory.raw_values = s->memory.raw_values;
  out.memory.raw_len = s->memory.raw_len;

  out.pids.current = s->pids.current;
  out.pids.limit = s->pids.limit;

  for (l = 0; l < CARVE_SPEC_BLKIO_N; l++)
    {
      const struct carve_cgroup_blkio_list_s *from = blkio_list (s, (enum carve_spec_stats_blkio_e)l);
      blkio[l] = xcalloc (from->len + 1, sizeof (**blkio));
      for (i = 0; i < from->len; i++)
        {
          blkio[l][i].major = from->entries[i].major;
          blkio[l][i].minor = from->entries[i].minor;
          blkio[l][i].op = from->entries[i].op;
          blkio[l][i].value = from->entries[i].value;
        }
      out.blkio[l].entries = blkio[l];
      out.blkio[l].len = from->len;
    }

  hugetlb = xcalloc (s->hugetlb_len + 1, sizeof (*hugetlb));
  for (i = 0; i < s->hugetlb_len; i++)
    {
      hugetlb[i].page_size = s->hugetlb[i].page_size;
      hugetlb[i].usage = s->hugetlb[i].usage;
      hugetlb[i].max = s->hugetlb[i].max;
      hugetlb[i].failcnt = s->hugetlb[i].failcnt;
    }
  out.hugetlb = hugetlb;
  out.hugetlb_len = s->hugetlb_len;

  json = carve_spec_emit_stats_event (id, &out);
  for (l = 0; l < CARVE_SPEC_BLKIO_N; l++)
    free (blkio[l]);
  return json;
}

static int
emit_stats (const struct carve_events_options_s *opts, const char *id, carve_cgroup_t cg, carve_error_t *err)
{
  struct carve_cgroup_stats_s s;
  cleanup_free char *json = NULL;

  if (carve_cgroup_stats (cg, &s, err) < 0)
    return -1;
  json = stats_event (id, &s);
  carve_cgroup_stats_release (&s);
  opts->emit (opts->data, json);
  return 0;
}

static long long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms (long ms)
{
  struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

/* The OOM kill count, 0 when the node cannot tell (no memory controller).  */
static uint64_t
oom_count (carve_cgroup_t cg)
{
  carve_error_t e = NULL;
  uint64_t n = 0;

  if (carve_cgroup_oom_count (cg, &n, &e) < 0)
    {
      carve_error_release (&e);
      return 0;
    }
  return n;
}

int
carve_container_events (const struct carve_context_s *ctx, const char *id, const struct carve_events_options_s *opts,
                        carve_error_t *err)
{
  cleanup_free char *dir = NULL, *state_file = NULL;
  CARVE_CLEANUP (state) struct carve_state_s *st = NULL;
  CARVE_CLEANUP (cgroup) carve_cgroup_t cg = NULL;
  uint64_t ooms;
  long long next;

  if (opts->interval_ms <= 0)
    return carve_make_error (err, 0, "--interval: the interval must be greater than 0");
  if (carve_state_load (ctx->root, id, &st, err) < 0)
    return -1;
  dir = carve_state_dir (ctx->root, id);
  if (strcmp (carve_container_status_of (dir, st), "stopped") == 0)
    return carve_make_error (err, 0, "container `%s` is not running", id);
  if (carve_container_open_cgroup (st, &cg, err) < 0)
    return -1;
  if (cg == NULL)
    return carve_make_error (err, 0, "container `%s` has no cgroup", id);

  if (opts->stats)
    {
      if (emit_stats (opts, id, cg, err) < 0)
        return carve_error_wrap (err, "events of container `%s`", id);
      return 0;
    }

  /* As runc: the first statistics after one interval, then every interval;
     an OOM kill is reported as soon as the count rises.  The OOM count is
     read once more after the container stopped, so that a kill that ended
     it is still reported.  */
  state_file = carve_path_join (dir, "state.json");
  ooms = oom_count (cg);
  next = now_ms () + opts->interval_ms;
  for (;;)
    {
      bool alive = carve_state_init_alive (st) && carve_path_exists (state_file);
      uint64_t n = oom_count (cg);
      long long now;

      for (; ooms < n; ooms++)
        {
          cleanup_free char *json = carve_spec_emit_event ("oom", id);
          opts->emit (opts->data, json);
        }
      if (!alive)
        return 0;
      now = now_ms ();
      if (now >= next)
        {
          carve_error_t e = NULL;
          /* A failing read is reported and the stream goes on, as runc.  */
          if (emit_stats (opts, id, cg, &e) < 0)
            {
              if (ctx->warn)
                ctx->warn (ctx->warn_data, e->msg);
              carve_error_release (&e);
            }
          next += opts->interval_ms;
          if (next <= now)
            next = now + opts->interval_ms;
          continue;
        }
      sleep_ms (next - now < EVENTS_TICK_MS ? (long)(next - now) : EVENTS_TICK_MS);
    }
}
