/* carve.sched, and the RT bandwidth a real-time policy needs when the
   kernel has RT group scheduling (CONFIG_RT_GROUP_SCHED, the v1 cpu
   controller's cpu.rt_runtime_us): a task of a cgroup with no RT runtime
   cannot become SCHED_FIFO or SCHED_RR at all (EPERM), and the kernel
   admits a cgroup's runtime only when its parent's covers the sum of its
   children's, up to the root's kernel.sched_rt_runtime_us.  */
#include <config.h>

#include "runtime/compute/sched.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/kfile.h"
#include "runtime/base/xalloc.h"
#include "runtime/compute/sched-internal.h"


/* cooperative: every thread of the job at this one SCHED_FIFO priority.
   Equal priorities never preempt each other (a thread runs until it
   blocks or yields), which is the point; 1, the lowest RT priority, is
   enough to keep every SCHED_OTHER task off the job's CPUs and keeps the
   kernel's own RT threads (threaded IRQs at 50, watchdogs at 99) above
   the job, so the kernel can still do the work it must do there.  */
#define COOPERATIVE_PRIORITY 1

/* The kernel's BW_SHIFT (kernel/sched/sched.h).  */
#define BW_SHIFT 20
#define BW_UNIT (UINT64_C (1) << BW_SHIFT)

/* --- parse, spec --------------------------------------------------------------- */

struct carve_spec_scheduler_s *
carve_sched_plan (const struct carve_compute_request_s *req, const carve_spec_t spec)
{
  struct carve_spec_scheduler_s *s;
  const char *policy;
  int priority = req->sched_priority;

  /* process.scheduler, when the spec has one, takes precedence.  */
  if (spec->process == NULL || spec->process->scheduler != NULL)
    return NULL;
  switch (req->sched)
    {
    case CARVE_SCHED_COOPERATIVE:
      policy = "SCHED_FIFO";
      priority = COOPERATIVE_PRIORITY;
      break;
    case CARVE_SCHED_FIFO:
      policy = "SCHED_FIFO";
      break;
    case CARVE_SCHED_RR:
      policy = "SCHED_RR";
      break;
    case CARVE_SCHED_BATCH:
      policy = "SCHED_BATCH";
      break;
    case CARVE_SCHED_IDLE:
      policy = "SCHED_IDLE";
      break;
    case CARVE_SCHED_DEFAULT:
    default:
      return NULL;
    }
  s = xzalloc (sizeof (*s));
  s->policy = xstrdup (policy);
  if (req->sched == CARVE_SCHED_COOPERATIVE || req->sched == CARVE_SCHED_FIFO || req->sched == CARVE_SCHED_RR)
    {
      s->has_priority = true;
      s->priority = priority;
    }
  return s;
}

/* --- RT bandwidth -------------------------------------------------------------- */

uint64_t
carve_sched_rt_ratio (uint64_t period, int64_t runtime)
{
  if (runtime < 0)
    return BW_UNIT;
  if (period == 0)
    return 0;
  return ((uint64_t)runtime << BW_SHIFT) / period;
}

static int
read_long (const char *dir, const char *file, long *ret, carve_error_t *err)
{
  cleanup_free char *path = carve_path_join (dir, file);
  cleanup_free char *buf = NULL;
  size_t len = 0;
  char *nl;

  if (carve_read_file (path, &buf, &len, err) < 0)
    return -1;
  nl = strchr (buf, '\n');
  if (nl)
    *nl = '\0';
  if (carve_parse_long (buf, ret) < 0)
    return carve_make_error (err, 0, "`%s`: `%s` is not a number", path, buf);
  return 0;
}

static int
read_bandwidth (const char *dir, uint64_t *ret_period, int64_t *ret_runtime, carve_error_t *err)
{
  long period, runtime;

  if (read_long (dir, "cpu.rt_period_us", &period, err) < 0 || read_long (dir, "cpu.rt_runtime_us", &runtime, err) < 0)
    return -1;
  *ret_period = period > 0 ? (uint64_t)period : 0;
  *ret_runtime = runtime < 0 ? -1 : runtime;
  return 0;
}

/* The bandwidth of LEVEL's child cgroups but SKIP (a name, may be NULL):
   fills its others, others_us and uniform.  */
static int
children_bandwidth (struct carve_sched_rt_level_s *level, const char *skip, carve_error_t *err)
{
  cleanup_dir DIR *d = opendir (level->dir);
  struct dirent *de;

  if (d == NULL)
    return carve_make_error (err, errno, "open `%s`", level->dir);
  level->others = 0;
  level->others_us = 0;
  level->uniform = true;
  while ((de = readdir (d)) != NULL)
    {
      cleanup_free char *child = NULL, *file = NULL;
      uint64_t period;
      int64_t runtime;

      if (de->d_name[0] == '.' || (skip && strcmp (de->d_name, skip) == 0))
        continue;
      if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
        continue;
      child = carve_path_join (level->dir, de->d_name);
      file = carve_path_join (child, "cpu.rt_runtime_us");
      if (!carve_path_exists (file))
        continue;
      if (read_bandwidth (child, &period, &runtime, err) < 0)
        return -1;
      level->others += carve_sched_rt_ratio (period, runtime);
      if (runtime < 0 || period != level->period)
        level->uniform = false;
      else
        level->others_us += runtime;
    }
  return 0;
}

void
carve_sched_rt_levels_free (struct carve_sched_rt_level_s *levels, size_t n)
{
  for (size_t i = 0; levels && i < n; i++)
    free (levels[i].dir);
  free (levels);
}

/* The smallest runtime of PERIOD whose ratio is at least RATIO.  */
static int64_t
runtime_for (uint64_t period, uint64_t ratio)
{
  unsigned __int128 r = ((unsigned __int128)ratio * period + BW_UNIT - 1) >> BW_SHIFT;
  return r > (unsigned __int128)INT64_MAX ? INT64_MAX : (int64_t)r;
}

/* The largest runtime of PERIOD whose ratio is at most RATIO (the ratio
   is rounded down: runtime << 20 < (RATIO + 1) * PERIOD).  */
static int64_t
runtime_within (uint64_t period, uint64_t ratio)
{
  unsigned __int128 r = (((unsigned __int128)ratio + 1) * period - 1) >> BW_SHIFT;
  return r > (unsigned __int128)INT64_MAX ? INT64_MAX : (int64_t)r;
}

/* The most runtime of PERIOD a child of PARENT can have beside PARENT's
   other children, once PARENT has its new_runtime.  Where every period is
   the same, runtimes add up exactly (the kernel rounds each ratio down, so
   a sum of runtimes that fits is always admitted).  */
static int64_t
pass_down (const struct carve_sched_rt_level_s *parent, uint64_t period)
{
  uint64_t ratio;

  if (parent->uniform && parent->new_runtime >= 0 && period == parent->period)
    return parent->new_runtime > parent->others_us ? parent->new_runtime - parent->others_us : 0;
  ratio = carve_sched_rt_ratio (parent->period, parent->new_runtime);
  ratio = ratio > parent->others ? ratio - parent->others : 0;
  if (parent->new_runtime < 0 && ratio >= BW_UNIT)
    return (int64_t)period;
  {
    int64_t r = runtime_within (period, ratio);
    return r > (int64_t)period ? (int64_t)period : r;
  }
}

/* The least runtime LEVEL needs for its other children and a child of
   PERIOD and RUNTIME.  */
static int64_t
hold (const struct carve_sched_rt_level_s *level, uint64_t period, int64_t runtime)
{
  if (level->uniform && period == level->period)
    return level->others_us + runtime;
  return runtime_for (level->period, level->others + carve_sched_rt_ratio (period, runtime));
}

int
carve_sched_rt_plan (const char *root, const char *dir, int64_t runtime, struct carve_sched_rt_level_s **ret_levels,
                     size_t *ret_n, carve_error_t *err)
{
  size_t root_len = strlen (root), n = 1, i;
  struct carve_sched_rt_level_s *lv = NULL;
  cleanup_free char *rel = NULL;
  const char *p;
  int r = -1;

  while (root_len > 1 && root[root_len - 1] == '/')
    root_len--;
  if (strncmp (dir, root, root_len) != 0 || (dir[root_len] != '/' && dir[root_len] != '\0'))
    return carve_make_error (err, 0, "`%s` is not below the cpu hierarchy `%s`", dir, root);
  rel = xstrdup (dir + root_len);
  for (p = rel; *p; p++)
    if (*p == '/' && p[1] && p[1] != '/')
      n++;
  if (n < 2)
    return carve_make_error (err, 0, "`%s` is the cpu hierarchy's root, not a container's cgroup", dir);

  /* Levels from the root down.  */
  lv = xcalloc (n, sizeof (*lv));
  lv[0].dir = xstrndup (root, root_len);
  {
    char *save = NULL, *tok;
    i = 1;
    for (tok = strtok_r (rel, "/", &save); tok && i < n; tok = strtok_r (NULL, "/", &save), i++)
      lv[i].dir = carve_path_join (lv[i - 1].dir, tok);
  }
  for (i = 0; i < n; i++)
    {
      if (read_bandwidth (lv[i].dir, &lv[i].period, &lv[i].runtime, err) < 0)
        goto out;
      if (lv[i].period == 0)
        {
          carve_make_error (err, 0, "`%s/cpu.rt_period_us` is 0", lv[i].dir);
          goto out;
        }
      lv[i].new_runtime = lv[i].runtime;
      if (i + 1 < n && children_bandwidth (&lv[i], strrchr (lv[i + 1].dir, '/') + 1, err) < 0)
        goto out;
    }

  if (runtime < 0)
    {
      /* All the ancestors can pass down: each takes what its parent has
         beside its other children; never lowered.  */
      for (i = 1; i < n; i++)
        {
          int64_t want = pass_down (&lv[i - 1], lv[i].period);
          if (lv[i].runtime > want && i + 1 < n)
            want = lv[i].runtime;
          lv[i].new_runtime = want;
        }
      if (lv[n - 1].new_runtime <= 0)
        {
          carve_make_error (
              err, 0,
              "no RT runtime left to grant `%s`: the cpu.rt_runtime_us of its ancestors (root `%s`: %" PRId64
              " of %" PRIu64 ") is held by other cgroups; give the containers their share with "
              "linux.resources.cpu.realtimeRuntime",
              dir, lv[0].dir, lv[0].runtime, lv[0].period);
          goto out;
        }
    }
  else
    {
      if ((uint64_t)runtime > lv[n - 1].period)
        {
          carve_make_error (err, 0, "linux.resources.cpu.realtimeRuntime: %" PRId64 " is more than the period %" PRIu64,
                            runtime, lv[n - 1].period);
          goto out;
        }
      /* From the container up: each ancestor just enough for its other
         children and the path; never lowered.  */
      lv[n - 1].new_runtime = runtime;
      for (i = n - 1; i-- > 1;)
        {
          int64_t want = hold (&lv[i], lv[i + 1].period, lv[i + 1].new_runtime);
          if (lv[i].runtime < 0 || lv[i].runtime >= want)
            want = lv[i].runtime;
          else if (want > (int64_t)lv[i].period)
            {
              carve_make_error (err, 0,
                                "linux.resources.cpu.realtimeRuntime: %" PRId64 " does not fit: `%s` would need "
                                "cpu.rt_runtime_us %" PRId64 " of its period %" PRIu64,
                                runtime, lv[i].dir, want, lv[i].period);
              goto out;
            }
          lv[i].new_runtime = want;
        }
      if (lv[0].others + carve_sched_rt_ratio (lv[1].period, lv[1].new_runtime)
          > carve_sched_rt_ratio (lv[0].period, lv[0].runtime))
        {
          int64_t spare;
          /* What the container could have, were every ancestor raised.  */
          for (i = 1; i < n; i++)
            lv[i].new_runtime = pass_down (&lv[i - 1], lv[i].period);
          spare = lv[n - 1].new_runtime;
          carve_make_error (err, 0,
                            "linux.resources.cpu.realtimeRuntime: %" PRId64 " does not fit: the root `%s` (%" PRId64
                            " of %" PRIu64 ") can spare %" PRId64 " of %" PRIu64 " beside its other cgroups",
                            runtime, lv[0].dir, lv[0].runtime, lv[0].period, spare, lv[n - 1].period);
          goto out;
        }
    }
  /* The root is kernel.sched_rt_runtime_us: never written.  */
  lv[0].new_runtime = lv[0].runtime;
  *ret_levels = steal_pointer (&lv);
  *ret_n = n;
  r = 0;
out:
  if (lv)
    carve_sched_rt_levels_free (lv, n);
  return r;
}

static int
write_runtime (const char *dir, int64_t runtime, carve_error_t *err)
{
  cleanup_free char *path = carve_path_join (dir, "cpu.rt_runtime_us");
  char buf[32];
  snprintf (buf, sizeof (buf), "%" PRId64, runtime);
  return carve_kfile_write (path, buf, err);
}

int
carve_sched_grant_rt_at (carve_ledger_t l, const char *owner, const char *root, const char *dir, int64_t runtime,
                         carve_error_t *err)
{
  struct carve_sched_rt_level_s *lv = NULL;
  size_t n = 0, i;
  bool recorded = false;
  int r = -1;

  {
    /* A container in the hierarchy's root cgroup runs on the kernel's
       global RT bandwidth: nothing to grant.  */
    cleanup_free char *a = realpath (root, NULL), *b = realpath (dir, NULL);
    if (a && b && strcmp (a, b) == 0)
      return 0;
  }
  if (carve_sched_rt_plan (root, dir, runtime, &lv, &n, err) < 0)
    return -1;

  /* Every ancestor that changes is recorded with its value now, and the
     ledger committed, before the first write; one that another partition
     raised already gets this one as a user too, so it stays raised while
     this container needs it.  The container's own cgroup goes with it.
     Raised from the top: a parent must hold its children's runtime before
     they get it.  */
  for (i = 1; i + 1 < n; i++)
    {
      cleanup_free char *file = carve_path_join (lv[i].dir, "cpu.rt_runtime_us");
      if (lv[i].new_runtime == lv[i].runtime && carve_ledger_find_setting (l, CARVE_LEDGER_FILE, file) == NULL)
        continue;
      if (carve_ledger_record_file (l, owner, file, err) == NULL)
        goto out;
      recorded = true;
    }
  if (recorded && carve_ledger_commit (l, err) < 0)
    goto out;
  for (i = 1; i < n; i++)
    if (lv[i].new_runtime != lv[i].runtime && write_runtime (lv[i].dir, lv[i].new_runtime, err) < 0)
      {
        carve_error_wrap (err, "grant RT runtime %" PRId64 " to `%s`", lv[i].new_runtime, lv[i].dir);
        goto out;
      }
  r = 0;
out:
  carve_sched_rt_levels_free (lv, n);
  return r;
}

static bool
is_realtime (const char *policy)
{
  return policy && (strcmp (policy, "SCHED_FIFO") == 0 || strcmp (policy, "SCHED_RR") == 0);
}

/* The cpu hierarchy's mount when it has RT group scheduling, NULL
   otherwise (a kernel without it, or cgroup2, where RT tasks stay in the
   root's bandwidth and there is nothing to grant).  */
static char *
rt_group_mount (void)
{
  cleanup_cgroup_layout carve_cgroup_layout_t layout = NULL;
  const struct carve_cgroup_hierarchy_s *h;
  cleanup_free char *file = NULL;
  carve_error_t e = NULL;

  if (carve_cgroup_layout_detect_host (&layout, &e) < 0)
    {
      carve_error_release (&e);
      return NULL;
    }
  h = carve_cgroup_layout_find (layout, "cpu");
  if (h == NULL || h->v2)
    return NULL;
  file = carve_path_join (h->mount, "cpu.rt_runtime_us");
  if (!carve_path_exists (file))
    return NULL;
  return xstrdup (h->mount);
}

bool
carve_sched_needs_rt_grant (const char *policy)
{
  cleanup_free char *mount = NULL;

  if (!is_realtime (policy))
    return false;
  mount = rt_group_mount ();
  return mount != NULL;
}

int
carve_sched_grant_rt (carve_ledger_t l, const char *owner, int64_t runtime, const char *source, carve_cgroup_t cg,
                      carve_error_t *err)
{
  cleanup_free char *mount = rt_group_mount ();
  const char *dir = carve_cgroup_dir (cg, "cpu");

  if (mount == NULL || dir == NULL)
    return 0;
  if (carve_sched_grant_rt_at (l, owner, mount, dir, runtime, err) < 0)
    return carve_error_wrap (err, "%s", source);
  return 0;
}

void
carve_sched_refresh (carve_ledger_t l)
{
  const char *suffix = "/cpu.rt_runtime_us";
  struct timespec step = { 0, 10 * 1000 * 1000 };
  int tries = 100;

  /* The deepest first, as the ledger restores.  */
  for (size_t i = l->n_settings; i > 0; i--)
    {
      const struct carve_ledger_setting_s *s = l->settings[i - 1];
      size_t len;

      if (s->kind != CARVE_LEDGER_FILE || s->n_users > 0 || s->original == NULL)
        continue;
      len = strlen (s->path);
      if (len < strlen (suffix) || strcmp (s->path + len - strlen (suffix), suffix) != 0)
        continue;
      for (;;)
        {
          carve_error_t e = NULL;
          int status;

          if (carve_kfile_write (s->path, s->original, &e) == 0)
            break;
          status = e->status;
          carve_error_release (&e);
          /* EINVAL: a removed child still counts; EBUSY: its RT tasks are
             still leaving.  Anything else is the ledger's to report.  */
          if ((status != EINVAL && status != EBUSY) || tries-- <= 0)
            break;
          (void)nanosleep (&step, NULL);
        }
    }
}
