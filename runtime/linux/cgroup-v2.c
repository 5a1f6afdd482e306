/* The cgroup v2 backend: one unified tree.  */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "fsutil.h"
#include "runtime/linux/cgroup-bpf.h"
#include "runtime/linux/cgroup-internal.h"
#include "spec/spec.h"
#include "xalloc.h"

/* runc's numToStr: 0 is unset (NULL), -1 is "max".  */
static char *
num_or_max (int64_t v)
{
  if (v == 0)
    return NULL;
  if (v < 0)
    return xstrdup ("max");
  return xasprintf ("%" PRId64, v);
}

static int
v2_set_cpu (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  const struct carve_spec_cpu_s *c = res->cpu;
  bool burst_done = false;

  if ((c->has_realtime_runtime && c->realtime_runtime != 0) || (c->has_realtime_period && c->realtime_period != 0))
    return carve_make_error (err, ENOTSUP, "cpu.realtimeRuntime, cpu.realtimePeriod: cgroup v2 has no realtime limits");
  if (c->has_idle && carve_cgroup_writef (dir, "cpu.idle", err, "%" PRId64, c->idle) < 0)
    return -1;
  if (c->has_shares && c->shares != 0
      && carve_cgroup_writef (dir, "cpu.weight", err, "%" PRIu64, carve_cgroup_shares_to_weight (c->shares)) < 0)
    return -1;
  /* A burst above the old quota is refused, and so is a quota below the
     old burst: try the burst first and again after cpu.max.  */
  if (c->has_burst)
    {
      carve_error_t e = NULL;
      if (carve_cgroup_writef (dir, "cpu.max.burst", &e, "%" PRIu64, c->burst) == 0)
        burst_done = true;
      else
        carve_error_release (&e);
    }
  if ((c->has_quota && c->quota != 0) || (c->has_period && c->period != 0))
    {
      cleanup_free char *quota = NULL;

      if (c->has_quota && c->quota != 0)
        quota = c->quota > 0 ? xasprintf ("%" PRId64, c->quota) : xstrdup ("max");
      else
        {
          /* Only a period: keep the quota there is (runc would reset it).  */
          cleanup_free char *cur = NULL;
          char *sp;
          if (carve_cgroup_read (dir, "cpu.max", &cur, err) < 0)
            return -1;
          sp = strchr (cur, ' ');
          if (sp)
            *sp = '\0';
          quota = xstrdup (cur[0] ? cur : "max");
        }
      if (c->has_period && c->period != 0)
        {
          if (carve_cgroup_writef (dir, "cpu.max", err, "%s %" PRIu64, quota, c->period) < 0)
            return -1;
        }
      else if (carve_cgroup_write (dir, "cpu.max", quota, err) < 0)
        return -1;
    }
  if (c->has_burst && !burst_done && carve_cgroup_writef (dir, "cpu.max.burst", err, "%" PRIu64, c->burst) < 0)
    return -1;
  return 0;
}

static int
v2_set_cpuset (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  const struct carve_spec_cpu_s *c = res->cpu;

  if (c->cpus && c->cpus[0] && carve_cgroup_write (dir, "cpuset.cpus", c->cpus, err) < 0)
    return -1;
  if (c->mems && c->mems[0] && carve_cgroup_write (dir, "cpuset.mems", c->mems, err) < 0)
    return -1;
  return 0;
}

static int
v2_set_memory (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  const struct carve_spec_memory_s *m = res->memory;
  int64_t limit = m->has_limit ? m->limit : 0;
  int64_t swap = m->has_swap ? m->swap : 0;
  int64_t v2swap;
  cleanup_free char *swap_str = NULL, *limit_str = NULL, *low_str = NULL;

  /* v1's memory+swap becomes v2's swap alone, as runc converts it.  */
  if (limit == -1 && swap == 0)
    v2swap = -1;
  else if (swap == -1 || swap == 0)
    v2swap = swap;
  else if (limit == 0 || limit == -1)
    return carve_make_error (err, EINVAL, "memory.swap: a swap limit needs a memory limit");
  else if (swap < limit)
    return carve_make_error (err, EINVAL, "memory.swap: %" PRId64 " is below memory.limit %" PRId64, swap, limit);
  else
    v2swap = swap - limit;

  if (m->has_check_before_update && m->check_before_update && (limit > 0 || swap > 0))
    {
      uint64_t usage = 0, swap_usage = 0;
      carve_error_t ignored = NULL;

      /* On v2 the kernel takes a limit below the usage and OOM-kills; the
         user asked to be refused instead.  */
      if (carve_cgroup_read_u64 (dir, "memory.current", &usage, err) < 0)
        return -1;
      if (limit > 0 && usage >= (uint64_t)limit)
        return carve_make_error (err, EBUSY, "memory.limit: rejecting limit %" PRId64 " below the usage %" PRIu64,
                                 limit, usage);
      if (carve_cgroup_read_u64 (dir, "memory.swap.current", &swap_usage, &ignored) < 0)
        carve_error_release (&ignored);
      if (swap > 0 && usage + swap_usage >= (uint64_t)swap)
        return carve_make_error (err, EBUSY,
                                 "memory.swap: rejecting memory+swap limit %" PRId64 " below the usage %" PRIu64, swap,
                                 usage + swap_usage);
    }

  swap_str = num_or_max (v2swap);
  /* memory == swap: no swap at all.  */
  if (swap_str == NULL && v2swap == 0 && swap > 0)
    swap_str = xstrdup ("0");
  if (swap_str)
    {
      if (!carve_cgroup_file_exists (dir, "memory.swap.max"))
        return carve_make_error (err, ENOTSUP,
                                 "memory.swap: the kernel has no swap accounting (no `%s/memory.swap.max`)", dir);
      if (carve_cgroup_write (dir, "memory.swap.max", swap_str, err) < 0)
        return -1;
    }
  limit_str = num_or_max (limit);
  if (limit_str && carve_cgroup_write (dir, "memory.max", limit_str, err) < 0)
    return -1;
  low_str = num_or_max (m->has_reservation ? m->reservation : 0);
  if (low_str && carve_cgroup_write (dir, "memory.low", low_str, err) < 0)
    return -1;
  /* kernel, kernelTCP, swappiness, useHierarchy and disableOOMKiller have
     no v2 file: ignored, as runc does.  */
  return 0;
}

static int
v2_set_pids (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  if (res->pids->limit > 0)
    return carve_cgroup_writef (dir, "pids.max", err, "%" PRId64, res->pids->limit);
  return carve_cgroup_write (dir, "pids.max", "max", err);
}

static int
write_io_max (const char *dir, const char *key, struct carve_spec_throttle_device_s **v, size_t n, carve_error_t *err)
{
  size_t i;
  for (i = 0; i < n; i++)
    if (v[i]->has_rate
        && carve_cgroup_writef (dir, "io.max", err, "%" PRId64 ":%" PRId64 " %s=%" PRIu64, v[i]->major, v[i]->minor,
                                key, v[i]->rate)
               < 0)
      return -1;
  return 0;
}

static int
v2_set_blkio (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  const struct carve_spec_block_io_s *b = res->block_io;
  bool bfq = carve_cgroup_file_exists (dir, "io.bfq.weight");
  size_t i;

  if (b->has_weight && b->weight != 0)
    {
      if (bfq)
        {
          if (carve_cgroup_writef (dir, "io.bfq.weight", err, "%u", (unsigned)b->weight) < 0)
            return -1;
        }
      else if (carve_cgroup_writef (dir, "io.weight", err, "default %" PRIu64, carve_cgroup_blkio_to_io_weight (b->weight)) < 0)
        return -1;
    }
  for (i = 0; i < b->weight_device_len; i++)
    {
      const struct carve_spec_weight_device_s *d = b->weight_device[i];
      if (!d->has_weight)
        continue;
      if (bfq)
        {
          if (carve_cgroup_writef (dir, "io.bfq.weight", err, "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
                                   (unsigned)d->weight)
              < 0)
            return -1;
        }
      else if (carve_cgroup_writef (dir, "io.weight", err, "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                                    carve_cgroup_blkio_to_io_weight (d->weight))
               < 0)
        return -1;
    }
  /* leafWeight has no v2 counterpart.  */
  if (write_io_max (dir, "rbps", b->throttle_read_bps_device, b->throttle_read_bps_device_len, err) < 0
      || write_io_max (dir, "wbps", b->throttle_write_bps_device, b->throttle_write_bps_device_len, err) < 0
      || write_io_max (dir, "riops", b->throttle_read_iops_device, b->throttle_read_iops_device_len, err) < 0
      || write_io_max (dir, "wiops", b->throttle_write_iops_device, b->throttle_write_iops_device_len, err) < 0)
    return -1;
  return 0;
}

static int
v2_set_hugetlb (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  return carve_cgroup_write_hugetlb (dir, res, "max", err);
}

static int
v2_set_devices (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  return carve_cgroup_bpf_devices_apply (dir, res->devices, res->devices_len, err);
}

static void
sleep_us (long us)
{
  struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000L };
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

static int
v2_freeze (const char *dir, bool frozen, carve_error_t *err)
{
  int i;

  if (!carve_cgroup_file_exists (dir, "cgroup.freeze"))
    return carve_make_error (err, ENOTSUP, "no `%s/cgroup.freeze` (Linux 5.2 is needed)", dir);
  if (carve_cgroup_write (dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
    return -1;
  /* cgroup.events says when every task has stopped.  About 2 s.  */
  for (i = 0; i < 2000; i++)
    {
      uint64_t v = 0;
      int r;

      if (!carve_cgroup_file_exists (dir, "cgroup.events"))
        return 0;
      r = carve_cgroup_read_keyed (dir, "cgroup.events", "frozen", &v, err);
      if (r < 0)
        return -1;
      if (r == 0 || (v != 0) == frozen)
        return 0;
      sleep_us (1000);
    }
  if (frozen)
    {
      carve_error_t ignored = NULL;
      (void)carve_cgroup_write (dir, "cgroup.freeze", "0", &ignored);
      carve_error_release (&ignored);
    }
  return carve_make_error (err, EBUSY, "`%s/cgroup.events` did not report frozen %d", dir, frozen ? 1 : 0);
}

static int
v2_is_frozen (const char *dir, bool *ret, carve_error_t *err)
{
  cleanup_free char *v = NULL;

  if (!carve_cgroup_file_exists (dir, "cgroup.freeze"))
    {
      *ret = false;
      return 0;
    }
  if (carve_cgroup_read (dir, "cgroup.freeze", &v, err) < 0)
    return -1;
  *ret = strcmp (v, "1") == 0;
  return 0;
}

/* --- statistics ---------------------------------------------------------- */

static int
v2_stats_cpu (const char *dir, struct carve_cgroup_stats_s *s, carve_error_t *err)
{
  uint64_t usage = 0, user = 0, sys = 0, throttled = 0;

  if (carve_cgroup_read_keyed_opt (dir, "cpu.stat", "usage_usec", &usage, err) < 0
      || carve_cgroup_read_keyed_opt (dir, "cpu.stat", "user_usec", &user, err) < 0
      || carve_cgroup_read_keyed_opt (dir, "cpu.stat", "system_usec", &sys, err) < 0
      || carve_cgroup_read_keyed_opt (dir, "cpu.stat", "nr_periods", &s->cpu.periods, err) < 0
      || carve_cgroup_read_keyed_opt (dir, "cpu.stat", "nr_throttled", &s->cpu.throttled_periods, err) < 0
      || carve_cgroup_read_keyed_opt (dir, "cpu.stat", "throttled_usec", &throttled, err) < 0)
    return -1;
  /* runc reports nanoseconds.  */
  s->cpu.total = usage * 1000;
  s->cpu.user = user * 1000;
  s->cpu.kernel = sys * 1000;
  s->cpu.throttled_time = throttled * 1000;
  return 0;
}

/* runc reads no cpuset statistics on v2; the effective sets are still what
   a user of `events` wants to see.  */
static int
v2_stats_cpuset (const char *dir, struct carve_cgroup_stats_s *s, carve_error_t *err)
{
  if (carve_cgroup_file_exists (dir, "cpuset.cpus.effective")
      && carve_cgroup_read (dir, "cpuset.cpus.effective", &s->cpuset.cpus, err) < 0)
    return -1;
  if (carve_cgroup_file_exists (dir, "cpuset.mems.effective")
      && carve_cgroup_read (dir, "cpuset.mems.effective", &s->cpuset.mems, err) < 0)
    return -1;
  return 0;
}

static int
v2_stats_memory (const char *dir, struct carve_cgroup_stats_s *s, carve_error_t *err)
{
  cleanup_free char *buf = NULL;
  char *line, *save = NULL;

  if (carve_cgroup_read_u64_opt (dir, "memory.current", &s->memory.usage.usage, err) < 0
      || carve_cgroup_read_u64_opt (dir, "memory.max", &s->memory.usage.limit, err) < 0
      || carve_cgroup_read_u64_opt (dir, "memory.peak", &s->memory.usage.max, err) < 0
      || carve_cgroup_read_keyed_opt (dir, "memory.events", "max", &s->memory.usage.failcnt, err) < 0
      || carve_cgroup_read_u64_opt (dir, "memory.swap.current", &s->memory.swap.usage, err) < 0
      || carve_cgroup_read_u64_opt (dir, "memory.swap.max", &s->memory.swap.limit, err) < 0
      || carve_cgroup_read_keyed_opt (dir, "memory.swap.events", "max", &s->memory.swap.failcnt, err) < 0)
    return -1;
  /* v1 reports swap as memory+swap; runc does the same on v2.  */
  s->memory.swap.usage += s->memory.usage.usage;
  if (s->memory.swap.limit != UINT64_MAX && s->memory.usage.limit != UINT64_MAX)
    s->memory.swap.limit += s->memory.usage.limit;
  else
    s->memory.swap.limit = UINT64_MAX;

  if (!carve_cgroup_file_exists (dir, "memory.stat"))
    return 0;
  if (carve_cgroup_read (dir, "memory.stat", &buf, err) < 0)
    return -1;
  for (line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *sp = strchr (line, ' ');
      if (sp == NULL)
        continue;
      *sp = '\0';
      s->memory.raw_keys = xrealloc (s->memory.raw_keys, sizeof (char *) * (s->memory.raw_len + 1));
      s->memory.raw_values = xrealloc (s->memory.raw_values, sizeof (uint64_t) * (s->memory.raw_len + 1));
      s->memory.raw_keys[s->memory.raw_len] = xstrdup (line);
      s->memory.raw_values[s->memory.raw_len] = strtoull (sp + 1, NULL, 10);
      s->memory.raw_len++;
      if (strcmp (line, "file") == 0)
        s->memory.cache = strtoull (sp + 1, NULL, 10);
      else if (strcmp (line, "kernel") == 0)
        s->memory.kernel.usage = strtoull (sp + 1, NULL, 10);
      else if (strcmp (line, "sock") == 0)
        s->memory.kernel_tcp.usage = strtoull (sp + 1, NULL, 10);
    }
  return 0;
}

static int
v2_stats_pids (const char *dir, struct carve_cgroup_stats_s *s, carve_error_t *err)
{
  if (carve_cgroup_read_u64_opt (dir, "pids.current", &s->pids.current, err) < 0 || carve_cgroup_read_u64_opt (dir, "pids.max", &s->pids.limit, err) < 0)
    return -1;
  if (s->pids.limit == UINT64_MAX)
    s->pids.limit = 0;
  return 0;
}

/* io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0".  */
static int
v2_stats_blkio (const char *dir, struct carve_cgroup_stats_s *s, carve_error_t *err)
{
  cleanup_free char *buf = NULL;
  char *line, *save = NULL;

  if (!carve_cgroup_file_exists (dir, "io.stat"))
    return 0;
  if (carve_cgroup_read (dir, "io.stat", &buf, err) < 0)
    return -1;
  for (line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      unsigned long long maj, min;
      char *tok, *save2 = NULL;
      int consumed = 0;

      if (sscanf (line, "%llu:%llu%n", &maj, &min, &consumed) != 2)
        continue;
      for (tok = strtok_r (line + consumed, " ", &save2); tok; tok = strtok_r (NULL, " ", &save2))
        {
          char *eq = strchr (tok, '=');
          uint64_t v;
          if (eq == NULL)
            continue;
          *eq = '\0';
          v = strtoull (eq + 1, NULL, 10);
          if (strcmp (tok, "rbytes") == 0)
            carve_cgroup_blkio_add (&s->blkio.io_service_bytes_recursive, maj, min, "Read", v);
          else if (strcmp (tok, "wbytes") == 0)
            carve_cgroup_blkio_add (&s->blkio.io_service_bytes_recursive, maj, min, "Write", v);
          else if (strcmp (tok, "dbytes") == 0)
            carve_cgroup_blkio_add (&s->blkio.io_service_bytes_recursive, maj, min, "Discard", v);
          else if (strcmp (tok, "rios") == 0)
            carve_cgroup_blkio_add (&s->blkio.io_serviced_recursive, maj, min, "Read", v);
          else if (strcmp (tok, "wios") == 0)
            carve_cgroup_blkio_add (&s->blkio.io_serviced_recursive, maj, min, "Write", v);
          else if (strcmp (tok, "dios") == 0)
            carve_cgroup_blkio_add (&s->blkio.io_serviced_recursive, maj, min, "Discard", v);
        }
    }
  return 0;
}

static int
v2_stats_hugetlb (const char *dir, struct carve_cgroup_stats_s *s, carve_error_t *err)
{
  cleanup_dir DIR *d = opendir (dir);
  struct dirent *de;

  if (d == NULL)
    return 0;
  while ((de = readdir (d)))
    {
      const char *name = de->d_name;
      size_t len = strlen (name);
      struct carve_cgroup_hugetlb_stats_s *h;
      cleanup_free char *size = NULL, *current = NULL, *events = NULL;

      if (strncmp (name, "hugetlb.", 8) != 0 || len <= 12 || strcmp (name + len - 4, ".max") != 0
          || strstr (name, ".rsvd."))
        continue;
      size = xstrndup (name + 8, len - 12);
      current = xasprintf ("hugetlb.%s.current", size);
      events = xasprintf ("hugetlb.%s.events", size);
      s->hugetlb = xrealloc (s->hugetlb, sizeof (*s->hugetlb) * (s->hugetlb_len + 1));
      h = &s->hugetlb[s->hugetlb_len++];
      memset (h, 0, sizeof (*h));
      h->page_size = steal_pointer (&size);
      /* v2 keeps no peak usage.  */
      if (carve_cgroup_read_u64_opt (dir, current, &h->usage, err) < 0 || carve_cgroup_read_keyed_opt (dir, events, "max", &h->failcnt, err) < 0)
        return -1;
    }
  return 0;
}

static int
v2_oom_count (const char *dir, uint64_t *ret, carve_error_t *err)
{
  int r = carve_cgroup_read_keyed (dir, "memory.events", "oom_kill", ret, err);
  if (r < 0)
    return -1;
  if (r == 0)
    *ret = 0;
  return 0;
}

/* A remote partition (Linux 6.7): the CPUs must be in every ancestor's
   cpuset.cpus.exclusive, which the caller (runtime/compute) saw to.  */
static int
v2_make_partition (const char *dir, const char *cpus, bool load_balance, carve_error_t *err)
{
  const char *want = load_balance ? "root" : "isolated";
  cleanup_free char *got = NULL;

  if (carve_cgroup_write (dir, "cpuset.cpus.exclusive", cpus, err) < 0
      || carve_cgroup_write (dir, "cpuset.cpus.partition", want, err) < 0)
    return -1;
  /* An invalid partition is not a write error: the kernel says why when
     the file is read ("isolated invalid (...)").  */
  if (carve_cgroup_read (dir, "cpuset.cpus.partition", &got, err) < 0)
    return -1;
  if (strcmp (got, want) != 0)
    return carve_make_error (err, 0, "`%s/cpuset.cpus.partition` reads `%s`", dir, got);
  return 0;
}

const struct carve_cgroup_ops_s carve_cgroup_ops_v2 = {
  .name = "v2",
  .prepare_dir = NULL,
  .make_partition = v2_make_partition,
  .set_cpu = v2_set_cpu,
  .set_cpuset = v2_set_cpuset,
  .set_memory = v2_set_memory,
  .set_pids = v2_set_pids,
  .set_blkio = v2_set_blkio,
  .set_hugetlb = v2_set_hugetlb,
  .set_net_cls = NULL,
  .set_net_prio = NULL,
  .set_rdma = carve_cgroup_set_rdma,
  .set_devices = v2_set_devices,
  .freeze = v2_freeze,
  .is_frozen = v2_is_frozen,
  .stats_cpu = v2_stats_cpu,
  .stats_cpuacct = NULL,
  .stats_cpuset = v2_stats_cpuset,
  .stats_memory = v2_stats_memory,
  .stats_pids = v2_stats_pids,
  .stats_blkio = v2_stats_blkio,
  .stats_hugetlb = v2_stats_hugetlb,
  .oom_count = v2_oom_count,
};
