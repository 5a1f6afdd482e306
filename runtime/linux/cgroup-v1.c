/* The cgroup v1 backend: one directory per controller hierarchy.  */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "cpumask.h"
#include "fsutil.h"
#include "runtime/linux/cgroup-internal.h"
#include "spec/spec.h"
#include "xalloc.h"

static bool
has_controller (const struct carve_cgroup_hierarchy_s *h, const char *c)
{
  char **v;
  for (v = h->controllers; v && *v; v++)
    if (strcmp (*v, c) == 0)
      return true;
  return false;
}

/* A cpuset may not take the CPUs of a cpu_exclusive sibling (EINVAL): a
   compute partition (carve.compute) next to it owns them.  Drops them
   from *CPUS, the parent's set being copied.  */
static void
without_exclusive_siblings (const char *parent, char **cpus)
{
  cleanup_dir DIR *d = opendir (parent);
  carve_cpumask_t m, excl;
  struct dirent *de;
  carve_error_t e = NULL;

  if (d == NULL || carve_cpumask_parse_list (*cpus, &m, &e) < 0)
    {
      carve_error_release (&e);
      return;
    }
  while ((de = readdir (d)))
    {
      cleanup_free char *sib = NULL, *flag = NULL, *list = NULL;
      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      sib = carve_path_join (parent, de->d_name);
      if (carve_cgroup_read (sib, "cpuset.cpu_exclusive", &flag, &e) < 0 || strcmp (flag, "1") != 0
          || carve_cgroup_read (sib, "cpuset.cpus", &list, &e) < 0 || carve_cpumask_parse_list (list, &excl, &e) < 0)
        {
          carve_error_release (&e);
          continue;
        }
      carve_cpumask_andnot (&m, &m, &excl);
    }
  free (*cpus);
  *cpus = carve_cpumask_format_list (&m);
}

/* The kernel creates a v1 cpuset with empty cpus and mems, and refuses
   tasks there: give every level its parent's sets.  */
static int
v1_prepare_dir (const struct carve_cgroup_hierarchy_s *h, const char *parent, const char *dir, carve_error_t *err)
{
  static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
  size_t i;

  if (!has_controller (h, "cpuset"))
    return 0;
  for (i = 0; i < 2; i++)
    {
      cleanup_free char *cur = NULL, *from = NULL;

      if (carve_cgroup_read (dir, files[i], &cur, err) < 0)
        return -1;
      if (cur[0] != '\0')
        continue;
      if (carve_cgroup_read (parent, files[i], &from, err) < 0)
        return -1;
      if (i == 0)
        without_exclusive_siblings (parent, &from);
      if (from[0] != '\0' && carve_cgroup_write (dir, files[i], from, err) < 0)
        return -1;
    }
  return 0;
}

static int
v1_set_cpu (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  const struct carve_spec_cpu_s *c = res->cpu;

  /* runc skips zero values: 0 means "not set" in its model.  */
  if (c->has_shares && c->shares != 0)
    {
      uint64_t got = 0;
      if (carve_cgroup_writef (dir, "cpu.shares", err, "%" PRIu64, c->shares) < 0)
        return -1;
      /* The kernel clamps silently; say so as runc does.  */
      if (carve_cgroup_read_u64 (dir, "cpu.shares", &got, err) < 0)
        return -1;
      if (got != c->shares)
        return carve_make_error (err, ERANGE, "cpu.shares: %" PRIu64 " is out of range, the kernel made it %" PRIu64,
                                 c->shares, got);
    }
  if (c->has_period && c->period != 0)
    {
      carve_error_t e = NULL;
      if (carve_cgroup_writef (dir, "cpu.cfs_period_us", &e, "%" PRIu64, c->period) < 0)
        {
          /* A shorter period than the current quota is refused until the
             quota is lowered: write the quota first and retry.  */
          if (e->status != EINVAL || !c->has_quota || c->quota == 0)
            {
              *err = e;
              return -1;
            }
          carve_error_release (&e);
          if (carve_cgroup_writef (dir, "cpu.cfs_quota_us", err, "%" PRId64, c->quota) < 0
              || carve_cgroup_writef (dir, "cpu.cfs_period_us", err, "%" PRIu64, c->period) < 0)
            return -1;
        }
    }
  if (c->has_quota && c->quota != 0 && carve_cgroup_writef (dir, "cpu.cfs_quota_us", err, "%" PRId64, c->quota) < 0)
    return -1;
  if (c->has_burst && carve_cgroup_writef (dir, "cpu.cfs_burst_us", err, "%" PRIu64, c->burst) < 0)
    return -1;
  if (c->has_realtime_period && c->realtime_period != 0
      && carve_cgroup_writef (dir, "cpu.rt_period_us", err, "%" PRIu64, c->realtime_period) < 0)
    return -1;
  if (c->has_realtime_runtime && c->realtime_runtime != 0
      && carve_cgroup_writef (dir, "cpu.rt_runtime_us", err, "%" PRId64, c->realtime_runtime) < 0)
    return -1;
  if (c->has_idle && carve_cgroup_writef (dir, "cpu.idle", err, "%" PRId64, c->idle) < 0)
    return -1;
  return 0;
}

static int
v1_set_cpuset (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  const struct carve_spec_cpu_s *c = res->cpu;

  if (c->cpus && c->cpus[0] && carve_cgroup_write (dir, "cpuset.cpus", c->cpus, err) < 0)
    return -1;
  if (c->mems && c->mems[0] && carve_cgroup_write (dir, "cpuset.mems", c->mems, err) < 0)
    return -1;
  return 0;
}

/* Writes a kernel-memory limit the kernel may no longer have (kmem limits
   are gone since Linux 6.1 on cgroup v1; the files may linger).  */
static int
write_optional (const char *dir, const char *file, int64_t v, carve_error_t *err)
{
  carve_error_t e = NULL;

  if (!carve_cgroup_file_exists (dir, file))
    return 0;
  if (carve_cgroup_writef (dir, file, &e, "%" PRId64, v) < 0)
    {
      if (e->status == EOPNOTSUPP || e->status == ENOTSUP)
        {
          carve_error_release (&e);
          return 0;
        }
      *err = e;
      return -1;
    }
  return 0;
}

static int
v1_set_limit (const char *dir, int64_t limit, carve_error_t *err)
{
  carve_error_t e = NULL;

  if (carve_cgroup_writef (dir, "memory.limit_in_bytes", &e, "%" PRId64, limit) < 0)
    {
      uint64_t usage = 0, peak = 0;
      carve_error_t ignored = NULL;

      if (e->status != EBUSY)
        {
          *err = e;
          return -1;
        }
      carve_error_release (&e);
      (void)carve_cgroup_read_u64 (dir, "memory.usage_in_bytes", &usage, &ignored);
      carve_error_release (&ignored);
      (void)carve_cgroup_read_u64 (dir, "memory.max_usage_in_bytes", &peak, &ignored);
      carve_error_release (&ignored);
      return carve_make_error (err, EBUSY,
                               "write `%" PRId64 "` to `%s/memory.limit_in_bytes`: the current usage %" PRIu64
                               " (peak %" PRIu64 ") is higher",
                               limit, dir, usage, peak);
    }
  return 0;
}

static int
v1_set_memory (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  const struct carve_spec_memory_s *m = res->memory;
  int64_t limit = m->has_limit ? m->limit : 0;
  int64_t swap = m->has_swap ? m->swap : 0;

  if (m->has_check_before_update && m->check_before_update && limit > 0)
    {
      uint64_t usage = 0;
      if (carve_cgroup_read_u64 (dir, "memory.usage_in_bytes", &usage, err) < 0)
        return -1;
      if (usage >= (uint64_t)limit)
        return carve_make_error (err, EBUSY, "memory.limit: rejecting limit %" PRId64 " below the usage %" PRIu64,
                                 limit, usage);
    }

  /* An unlimited memory without a swap value means unlimited swap too.  */
  if (limit == -1 && swap == 0 && carve_cgroup_file_exists (dir, "memory.memsw.limit_in_bytes"))
    swap = -1;

  /* memory.memsw.limit_in_bytes must stay >= memory.limit_in_bytes at every
     step: when the new swap limit is above the current memory limit (or
     unlimited), swap goes first; otherwise memory goes first.  */
  if (limit != 0 && swap != 0)
    {
      uint64_t cur = 0;
      if (carve_cgroup_read_u64 (dir, "memory.limit_in_bytes", &cur, err) < 0)
        return -1;
      if (swap == -1 || cur < (uint64_t)swap)
        {
          if (carve_cgroup_writef (dir, "memory.memsw.limit_in_bytes", err, "%" PRId64, swap) < 0
              || v1_set_limit (dir, limit, err) < 0)
            return -1;
          goto rest;
        }
    }
  if (limit != 0 && v1_set_limit (dir, limit, err) < 0)
    return -1;
  if (swap != 0 && carve_cgroup_writef (dir, "memory.memsw.limit_in_bytes", err, "%" PRId64, swap) < 0)
    return -1;

rest:
  if (m->has_reservation && m->reservation != 0
      && carve_cgroup_writef (dir, "memory.soft_limit_in_bytes", err, "%" PRId64, m->reservation) < 0)
    return -1;
  if (m->has_kernel && m->kernel != 0 && write_optional (dir, "memory.kmem.limit_in_bytes", m->kernel, err) < 0)
    return -1;
  if (m->has_kernel_tcp && m->kernel_tcp != 0
      && write_optional (dir, "memory.kmem.tcp.limit_in_bytes", m->kernel_tcp, err) < 0)
    return -1;
  if (m->has_swappiness)
    {
      if (m->swappiness > 100)
        return carve_make_error (err, EINVAL, "memory.swappiness: %" PRIu64 " is not in 0-100", m->swappiness);
      if (carve_cgroup_writef (dir, "memory.swappiness", err, "%" PRIu64, m->swappiness) < 0)
        return -1;
    }
  if (m->has_use_hierarchy && carve_cgroup_write (dir, "memory.use_hierarchy", m->use_hierarchy ? "1" : "0", err) < 0)
    return -1;
  if (m->has_disable_oom_killer && m->disable_oom_killer
      && carve_cgroup_write (dir, "memory.oom_control", "1", err) < 0)
    return -1;
  return 0;
}

static int
v1_set_pids (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  if (res->pids->limit > 0)
    return carve_cgroup_writef (dir, "pids.max", err, "%" PRId64, res->pids->limit);
  return carve_cgroup_write (dir, "pids.max", "max", err);
}

static int
write_throttle (const char *dir, const char *file, struct carve_spec_throttle_device_s **v, size_t n,
                carve_error_t *err)
{
  size_t i;
  for (i = 0; i < n; i++)
    if (v[i]->has_rate
        && carve_cgroup_writef (dir, file, err, "%" PRId64 ":%" PRId64 " %" PRIu64, v[i]->major, v[i]->minor,
                                v[i]->rate)
               < 0)
      return -1;
  return 0;
}

static int
v1_set_blkio (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  const struct carve_spec_block_io_s *b = res->block_io;
  /* Without CFQ (blk-mq kernels) the weights live under blkio.bfq.*.  */
  bool bfq = !carve_cgroup_file_exists (dir, "blkio.weight") && carve_cgroup_file_exists (dir, "blkio.bfq.weight");
  const char *weight = bfq ? "blkio.bfq.weight" : "blkio.weight";
  const char *weight_device = bfq ? "blkio.bfq.weight_device" : "blkio.weight_device";
  size_t i;

  if (b->has_weight && b->weight != 0 && carve_cgroup_writef (dir, weight, err, "%u", (unsigned)b->weight) < 0)
    return -1;
  if (b->has_leaf_weight && b->leaf_weight != 0
      && carve_cgroup_writef (dir, "blkio.leaf_weight", err, "%u", (unsigned)b->leaf_weight) < 0)
    return -1;
  for (i = 0; i < b->weight_device_len; i++)
    {
      const struct carve_spec_weight_device_s *d = b->weight_device[i];
      if (d->has_weight
          && carve_cgroup_writef (dir, weight_device, err, "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
                                  (unsigned)d->weight)
                 < 0)
        return -1;
      if (d->has_leaf_weight
          && carve_cgroup_writef (dir, "blkio.leaf_weight_device", err, "%" PRId64 ":%" PRId64 " %u", d->major,
                                  d->minor, (unsigned)d->leaf_weight)
                 < 0)
        return -1;
    }
  if (write_throttle (dir, "blkio.throttle.read_bps_device", b->throttle_read_bps_device,
                      b->throttle_read_bps_device_len, err)
          < 0
      || write_throttle (dir, "blkio.throttle.write_bps_device", b->throttle_write_bps_device,
                         b->throttle_write_bps_device_len, err)
             < 0
      || write_throttle (dir, "blkio.throttle.read_iops_device", b->throttle_read_iops_device,
                         b->throttle_read_iops_device_len, err)
             < 0
      || write_throttle (dir, "blkio.throttle.write_iops_device", b->throttle_write_iops_device,
                         b->throttle_write_iops_device_len, err)
             < 0)
    return -1;
  return 0;
}

static int
v1_set_hugetlb (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  return carve_cgroup_write_hugetlb (dir, res, "limit_in_bytes", err);
}

static int
v1_set_net_cls (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  return carve_cgroup_writef (dir, "net_cls.classid", err, "%" PRIu32, res->network->class_id);
}

static int
v1_set_net_prio (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  size_t i;

  for (i = 0; i < res->network->priorities_len; i++)
    {
      const struct carve_spec_interface_priority_s *p = res->network->priorities[i];
      if (carve_cgroup_writef (dir, "net_prio.ifpriomap", err, "%s %" PRIu32, p->name, p->priority) < 0)
        return -1;
    }
  return 0;
}

/* rdma.max has the same format on v1 and v2.  */
int
carve_cgroup_set_rdma (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  size_t i;

  for (i = 0; i < res->rdma_len; i++)
    {
      const struct carve_spec_rdma_s *r = res->rdma[i];
      cleanup_free char *handles
          = r->has_hca_handles ? xasprintf (" hca_handle=%" PRIu32, r->hca_handles) : xstrdup ("");
      cleanup_free char *objects
          = r->has_hca_objects ? xasprintf (" hca_object=%" PRIu32, r->hca_objects) : xstrdup ("");

      if (!r->has_hca_handles && !r->has_hca_objects)
        continue;
      if (carve_cgroup_writef (dir, "rdma.max", err, "%s%s%s", r->device, handles, objects) < 0)
        return -1;
    }
  return 0;
}

static char *
device_rule (const struct carve_spec_device_cgroup_s *d)
{
  const char *type = d->type && d->type[0] ? d->type : "a";
  cleanup_free char *major = d->has_major ? xasprintf ("%" PRId64, d->major) : xstrdup ("*");
  cleanup_free char *minor = d->has_minor ? xasprintf ("%" PRId64, d->minor) : xstrdup ("*");
  const char *access = d->access && d->access[0] ? d->access : "rwm";

  /* "a" alone is every device with every access, as the kernel reads it.  */
  if (strcmp (type, "a") == 0 && !d->has_major && !d->has_minor && strcmp (access, "rwm") == 0)
    return xstrdup ("a");
  return xasprintf ("%s %s:%s %s", type, major, minor, access);
}

static int
v1_set_devices (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  size_t i;

  /* Start from nothing allowed, then the rules in order, as runc: the
     last matching rule wins in the OCI model.  */
  if (carve_cgroup_write (dir, "devices.deny", "a", err) < 0)
    return -1;
  for (i = 0; i < res->devices_len; i++)
    {
      const struct carve_spec_device_cgroup_s *d = res->devices[i];
      cleanup_free char *rule = device_rule (d);

      if (carve_cgroup_write (dir, d->allow ? "devices.allow" : "devices.deny", rule, err) < 0)
        return carve_error_wrap (err, "devices[%zu]", i);
    }
  return 0;
}

static void
sleep_us (long us)
{
  struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000L };
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

static int
v1_freeze (const char *dir, bool frozen, carve_error_t *err)
{
  const char *want = frozen ? "FROZEN" : "THAWED";
  int i;

  /* The kernel may stay FREEZING while tasks are busy in the kernel;
     writing again retries them.  About 2 s in all.  */
  for (i = 0; i < 2000; i++)
    {
      cleanup_free char *state = NULL;

      if (i % 50 == 0 && carve_cgroup_write (dir, "freezer.state", want, err) < 0)
        return -1;
      if (carve_cgroup_read (dir, "freezer.state", &state, err) < 0)
        return -1;
      if (strcmp (state, want) == 0)
        return 0;
      sleep_us (1000);
    }
  if (frozen)
    {
      carve_error_t ignored = NULL;
      (void)carve_cgroup_write (dir, "freezer.state", "THAWED", &ignored);
      carve_error_release (&ignored);
    }
  return carve_make_error (err, EBUSY, "`%s/freezer.state` did not become %s", dir, want);
}

static int
v1_is_frozen (const char *dir, bool *ret, carve_error_t *err)
{
  cleanup_free char *state = NULL;

  if (carve_cgroup_read (dir, "freezer.state", &state, err) < 0)
    return -1;
  *ret = strcmp (state, "FROZEN") == 0;
  return 0;
}

/* --- statistics ---------------------------------------------------------- */

static int
v1_stats_cpu (const char *dir, struct carve_cgroup_stats_s *s, carve_error_t *err)
{
  if (carve_cgroup_read_keyed_opt (dir, "cpu.stat", "nr_periods", &s->cpu.periods, err) < 0
      || carve_cgroup_read_keyed_opt (dir, "cpu.stat", "nr_throttled", &s->cpu.throttled_periods, err) < 0
      || carve_cgroup_read_keyed_opt (dir, "cpu.stat", "throttled_time", &s->cpu.throttled_time, err) < 0)
    return -1;
  return 0;
}

static int
v1_stats_cpuacct (const char *dir, struct carve_cgroup_stats_s *s, carve_error_t *err)
{
  uint64_t user = 0, sys = 0;
  long hz = sysconf (_SC_CLK_TCK);

  if (carve_cgroup_read_u64_opt (dir, "cpuacct.usage", &s->cpu.total, err) < 0)
    return -1;
  if (carve_cgroup_file_exists (dir, "cpuacct.usage_percpu"))
    {
      cleanup_free char *buf = NULL;
      char *tok, *save = NULL;

      if (carve_cgroup_read (dir, "cpuacct.usage_percpu", &buf, err) < 0)
        return -1;
      for (tok = strtok_r (buf, " \n", &save); tok; tok = strtok_r (NULL, " \n", &save))
        {
          s->cpu.percpu = xrealloc (s->cpu.percpu, sizeof (uint64_t) * (s->cpu.percpu_len + 1));
          s->cpu.percpu[s->cpu.percpu_len++] = strtoull (tok, NULL, 10);
        }
    }
  /* "cpu user system" then one line per CPU, in nanoseconds (Linux 4.16).  */
  if (carve_cgroup_file_exists (dir, "cpuacct.usage_all"))
    {
      cleanup_free char *buf = NULL;
      char *line, *save2 = NULL;

      if (carve_cgroup_read (dir, "cpuacct.usage_all", &buf, err) < 0)
        return -1;
      for (line = strtok_r (buf, "\n", &save2); line; line = strtok_r (NULL, "\n", &save2))
        {
          unsigned long long cpu, u, k;

          if (sscanf (line, "%llu %llu %llu", &cpu, &u, &k) != 3)
            continue;
          s->cpu.percpu_user = xrealloc (s->cpu.percpu_user, sizeof (uint64_t) * (s->cpu.percpu_user_len + 1));
          s->cpu.percpu_user[s->cpu.percpu_user_len++] = u;
          s->cpu.percpu_kernel = xrealloc (s->cpu.percpu_kernel, sizeof (uint64_t) * (s->cpu.percpu_kernel_len + 1));
          s->cpu.percpu_kernel[s->cpu.percpu_kernel_len++] = k;
        }
    }
  /* cpuacct.stat counts USER_HZ ticks; runc reports nanoseconds.  */
  if (carve_cgroup_read_keyed_opt (dir, "cpuacct.stat", "user", &user, err) < 0
      || carve_cgroup_read_keyed_opt (dir, "cpuacct.stat", "system", &sys, err) < 0)
    return -1;
  if (hz <= 0)
    hz = 100;
  s->cpu.user = user * (1000000000ULL / (uint64_t)hz);
  s->cpu.kernel = sys * (1000000000ULL / (uint64_t)hz);
  return 0;
}

static int
read_str_opt (const char *dir, const char *file, char **ret, carve_error_t *err)
{
  if (!carve_cgroup_file_exists (dir, file))
    return 0;
  return carve_cgroup_read (dir, file, ret, err);
}

static int
v1_stats_cpuset (const char *dir, struct carve_cgroup_stats_s *s, carve_error_t *err)
{
  cleanup_free char *relax = NULL;

  if (read_str_opt (dir, "cpuset.cpus", &s->cpuset.cpus, err) < 0
      || read_str_opt (dir, "cpuset.mems", &s->cpuset.mems, err) < 0
      || carve_cgroup_read_u64_opt (dir, "cpuset.cpu_exclusive", &s->cpuset.cpu_exclusive, err) < 0
      || carve_cgroup_read_u64_opt (dir, "cpuset.mem_hardwall", &s->cpuset.mem_hardwall, err) < 0
      || carve_cgroup_read_u64_opt (dir, "cpuset.mem_exclusive", &s->cpuset.mem_exclusive, err) < 0
      || carve_cgroup_read_u64_opt (dir, "cpuset.memory_migrate", &s->cpuset.memory_migrate, err) < 0
      || carve_cgroup_read_u64_opt (dir, "cpuset.memory_spread_page", &s->cpuset.memory_spread_page, err) < 0
      || carve_cgroup_read_u64_opt (dir, "cpuset.memory_spread_slab", &s->cpuset.memory_spread_slab, err) < 0
      || carve_cgroup_read_u64_opt (dir, "cpuset.memory_pressure", &s->cpuset.memory_pressure, err) < 0
      || carve_cgroup_read_u64_opt (dir, "cpuset.sched_load_balance", &s->cpuset.sched_load_balance, err) < 0
      || read_str_opt (dir, "cpuset.sched_relax_domain_level", &relax, err) < 0)
    return -1;
  /* -1 (the system default) is the usual value: signed.  */
  if (relax)
    {
      long v;
      if (carve_parse_long (relax, &v) < 0)
        return carve_make_error (err, EINVAL, "`%s/cpuset.sched_relax_domain_level`: `%s` is not a number", dir, relax);
      s->cpuset.sched_relax_domain_level = v;
    }
  return 0;
}

static int
memory_entry (const char *dir, const char *prefix, struct carve_cgroup_memory_entry_s *e, carve_error_t *err)
{
  cleanup_free char *usage = xasprintf ("%s.usage_in_bytes", prefix);
  cleanup_free char *max = xasprintf ("%s.max_usage_in_bytes", prefix);
  cleanup_free char *failcnt = xasprintf ("%s.failcnt", prefix);
  cleanup_free char *limit = xasprintf ("%s.limit_in_bytes", prefix);

  if (carve_cgroup_read_u64_opt (dir, usage, &e->usage, err) < 0 || carve_cgroup_read_u64_opt (dir, max, &e->max, err) < 0
      || carve_cgroup_read_u64_opt (dir, failcnt, &e->failcnt, err) < 0 || carve_cgroup_read_u64_opt (dir, limit, &e->limit, err) < 0)
    return -1;
  return 0;
}

/* Shared by both backends through the ops: memory.stat as keys/values.  */
static int
read_raw_stat (const char *dir, const char *file, struct carve_cgroup_stats_s *s, carve_error_t *err)
{
  cleanup_free char *buf = NULL;
  char *line, *save = NULL;

  if (!carve_cgroup_file_exists (dir, file))
    return 0;
  if (carve_cgroup_read (dir, file, &buf, err) < 0)
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
      if (strcmp (line, "cache") == 0)
        s->memory.cache = strtoull (sp + 1, NULL, 10);
    }
  return 0;
}

static int
v1_stats_memory (const char *dir, struct carve_cgroup_stats_s *s, carve_error_t *err)
{
  if (memory_entry (dir, "memory", &s->memory.usage, err) < 0
      || memory_entry (dir, "memory.memsw", &s->memory.swap, err) < 0
      || memory_entry (dir, "memory.kmem", &s->memory.kernel, err) < 0
      || memory_entry (dir, "memory.kmem.tcp", &s->memory.kernel_tcp, err) < 0
      || read_raw_stat (dir, "memory.stat", s, err) < 0)
    return -1;
  return 0;
}

static int
v1_stats_pids (const char *dir, struct carve_cgroup_stats_s *s, carve_error_t *err)
{
  if (carve_cgroup_read_u64_opt (dir, "pids.current", &s->pids.current, err) < 0 || carve_cgroup_read_u64_opt (dir, "pids.max", &s->pids.limit, err) < 0)
    return -1;
  if (s->pids.limit == UINT64_MAX)
    s->pids.limit = 0;
  return 0;
}

/* "8:0 Read 4096" lines ("8:0 4096" for sectors); "Total N" is skipped.  */
static int
read_blkio (const char *dir, const char *file, struct carve_cgroup_blkio_list_s *l, carve_error_t *err)
{
  cleanup_free char *buf = NULL;
  char *line, *save = NULL;

  if (!carve_cgroup_file_exists (dir, file))
    return 0;
  if (carve_cgroup_read (dir, file, &buf, err) < 0)
    return -1;
  for (line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      unsigned long long maj, min, v;
      char op[32];

      if (sscanf (line, "%llu:%llu %31s %llu", &maj, &min, op, &v) == 4)
        carve_cgroup_blkio_add (l, maj, min, op, v);
      else if (sscanf (line, "%llu:%llu %llu", &maj, &min, &v) == 3)
        carve_cgroup_blkio_add (l, maj, min, "", v);
    }
  return 0;
}

static int
v1_stats_blkio (const char *dir, struct carve_cgroup_stats_s *s, carve_error_t *err)
{
  if (read_blkio (dir, "blkio.io_service_bytes_recursive", &s->blkio.io_service_bytes_recursive, err) < 0
      || read_blkio (dir, "blkio.io_serviced_recursive", &s->blkio.io_serviced_recursive, err) < 0
      || read_blkio (dir, "blkio.io_queued_recursive", &s->blkio.io_queue_recursive, err) < 0
      || read_blkio (dir, "blkio.io_service_time_recursive", &s->blkio.io_service_time_recursive, err) < 0
      || read_blkio (dir, "blkio.io_wait_time_recursive", &s->blkio.io_wait_time_recursive, err) < 0
      || read_blkio (dir, "blkio.io_merged_recursive", &s->blkio.io_merged_recursive, err) < 0
      || read_blkio (dir, "blkio.time_recursive", &s->blkio.io_time_recursive, err) < 0
      || read_blkio (dir, "blkio.sectors_recursive", &s->blkio.sectors_recursive, err) < 0)
    return -1;
  /* Without CFQ only the throttle counters exist, as runc falls back.  */
  if (s->blkio.io_service_bytes_recursive.len == 0 && s->blkio.io_serviced_recursive.len == 0)
    if (read_blkio (dir, "blkio.throttle.io_service_bytes_recursive", &s->blkio.io_service_bytes_recursive, err) < 0
        || read_blkio (dir, "blkio.throttle.io_serviced_recursive", &s->blkio.io_serviced_recursive, err) < 0)
      return -1;
  return 0;
}

static int
v1_stats_hugetlb (const char *dir, struct carve_cgroup_stats_s *s, carve_error_t *err)
{
  cleanup_dir DIR *d = opendir (dir);
  struct dirent *de;

  if (d == NULL)
    return 0;
  while ((de = readdir (d)))
    {
      const char *name = de->d_name, *suffix = ".limit_in_bytes";
      size_t len = strlen (name), sl = strlen (suffix);
      struct carve_cgroup_hugetlb_stats_s *h;
      cleanup_free char *size = NULL, *usage = NULL, *max = NULL, *failcnt = NULL;

      if (strncmp (name, "hugetlb.", 8) != 0 || len <= 8 + sl || strcmp (name + len - sl, suffix) != 0
          || strstr (name, ".rsvd."))
        continue;
      size = xstrndup (name + 8, len - 8 - sl);
      usage = xasprintf ("hugetlb.%s.usage_in_bytes", size);
      max = xasprintf ("hugetlb.%s.max_usage_in_bytes", size);
      failcnt = xasprintf ("hugetlb.%s.failcnt", size);
      s->hugetlb = xrealloc (s->hugetlb, sizeof (*s->hugetlb) * (s->hugetlb_len + 1));
      h = &s->hugetlb[s->hugetlb_len++];
      memset (h, 0, sizeof (*h));
      h->page_size = steal_pointer (&size);
      if (carve_cgroup_read_u64_opt (dir, usage, &h->usage, err) < 0 || carve_cgroup_read_u64_opt (dir, max, &h->max, err) < 0
          || carve_cgroup_read_u64_opt (dir, failcnt, &h->failcnt, err) < 0)
        return -1;
    }
  return 0;
}

static int
v1_oom_count (const char *dir, uint64_t *ret, carve_error_t *err)
{
  int r = carve_cgroup_read_keyed (dir, "memory.oom_control", "oom_kill", ret, err);
  if (r < 0)
    return -1;
  if (r == 0)
    *ret = 0;
  return 0;
}

/* A cpuset is cpu_exclusive only below an exclusive parent and beside
   siblings that do not overlap it: the caller (runtime/compute) made the
   parent; its CPUs go in first, then the flags.  */
static int
v1_make_partition (const char *dir, const char *cpus, bool load_balance, carve_error_t *err)
{
  if (carve_cgroup_write (dir, "cpuset.cpus", cpus, err) < 0
      || carve_cgroup_write (dir, "cpuset.cpu_exclusive", "1", err) < 0
      || carve_cgroup_write (dir, "cpuset.sched_load_balance", load_balance ? "1" : "0", err) < 0)
    return -1;
  return 0;
}

const struct carve_cgroup_ops_s carve_cgroup_ops_v1 = {
  .name = "v1",
  .prepare_dir = v1_prepare_dir,
  .make_partition = v1_make_partition,
  .set_cpu = v1_set_cpu,
  .set_cpuset = v1_set_cpuset,
  .set_memory = v1_set_memory,
  .set_pids = v1_set_pids,
  .set_blkio = v1_set_blkio,
  .set_hugetlb = v1_set_hugetlb,
  .set_net_cls = v1_set_net_cls,
  .set_net_prio = v1_set_net_prio,
  .set_rdma = carve_cgroup_set_rdma,
  .set_devices = v1_set_devices,
  .freeze = v1_freeze,
  .is_frozen = v1_is_frozen,
  .stats_cpu = v1_stats_cpu,
  .stats_cpuacct = v1_stats_cpuacct,
  .stats_cpuset = v1_stats_cpuset,
  .stats_memory = v1_stats_memory,
  .stats_pids = v1_stats_pids,
  .stats_blkio = v1_stats_blkio,
  .stats_hugetlb = v1_stats_hugetlb,
  .oom_count = v1_oom_count,
};
