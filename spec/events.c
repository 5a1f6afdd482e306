/* The JSON of `events`, `ps -f json` and the resources `update` keeps.  The
   event shapes follow runc 1.1's types package field by field: the order of
   the keys is the order of its Go struct fields, and a field tagged
   omitempty is left out when it is zero, as encoding/json does.  */
#include <config.h>
#include "spec/events.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/xalloc.h"
#include "spec/emit.h"

/* --- events ------------------------------------------------------------------ */

static void
key (yajl_gen g, const char *k)
{
  carve_spec_gen_str (g, k);
}

/* A uint64 field tagged omitempty.  */
static void
uint_omitempty (yajl_gen g, const char *k, uint64_t v)
{
  if (v != 0)
    carve_spec_gen_key_uint (g, k, v);
}

static void
uint_array_omitempty (yajl_gen g, const char *k, const uint64_t *v, size_t n)
{
  size_t i;

  if (n == 0)
    return;
  key (g, k);
  (void)yajl_gen_array_open (g);
  for (i = 0; i < n; i++)
    {
      char num[32];
      int len = snprintf (num, sizeof (num), "%" PRIu64, v[i]);
      (void)yajl_gen_number (g, num, (size_t)len);
    }
  (void)yajl_gen_array_close (g);
}

/* A CPU or node list ("0-2,4") as runc's []uint16, omitted when empty.  */
static void
list_omitempty (yajl_gen g, const char *k, const char *list)
{
  cleanup_free uint8_t *mask = NULL;
  carve_error_t err = NULL;
  size_t len = 0, bit;
  bool any = false;

  if (list == NULL || list[0] == '\0')
    return;
  if (carve_spec_parse_cpu_list (list, &mask, &len, &err) < 0)
    {
      /* The kernel wrote it: never seen, but not worth failing `events`.  */
      carve_error_release (&err);
      return;
    }
  for (bit = 0; bit < len * 8; bit++)
    {
      if (!(mask[bit / 8] & (1u << (bit % 8))))
        continue;
      if (!any)
        {
          key (g, k);
          (void)yajl_gen_array_open (g);
          any = true;
        }
      (void)yajl_gen_integer (g, (long long)bit);
    }
  if (any)
    (void)yajl_gen_array_close (g);
}

static void
gen_cpu (yajl_gen g, const struct carve_spec_stats_s *s)
{
  key (g, "cpu");
  (void)yajl_gen_map_open (g);
  key (g, "usage");
  (void)yajl_gen_map_open (g);
  uint_omitempty (g, "total", s->cpu.total);
  uint_array_omitempty (g, "percpu", s->cpu.percpu, s->cpu.percpu_len);
  uint_array_omitempty (g, "percpu_kernel", s->cpu.percpu_kernel, s->cpu.percpu_kernel_len);
  uint_array_omitempty (g, "percpu_user", s->cpu.percpu_user, s->cpu.percpu_user_len);
  carve_spec_gen_key_uint (g, "kernel", s->cpu.kernel);
  carve_spec_gen_key_uint (g, "user", s->cpu.user);
  (void)yajl_gen_map_close (g);
  key (g, "throttling");
  (void)yajl_gen_map_open (g);
  uint_omitempty (g, "periods", s->cpu.periods);
  uint_omitempty (g, "throttledPeriods", s->cpu.throttled_periods);
  uint_omitempty (g, "throttledTime", s->cpu.throttled_time);
  (void)yajl_gen_map_close (g);
  (void)yajl_gen_map_close (g);
}

static void
gen_cpuset (yajl_gen g, const struct carve_spec_stats_s *s)
{
  key (g, "cpuset");
  (void)yajl_gen_map_open (g);
  list_omitempty (g, "cpus", s->cpuset.cpus);
  carve_spec_gen_key_uint (g, "cpu_exclusive", s->cpuset.cpu_exclusive);
  list_omitempty (g, "mems", s->cpuset.mems);
  carve_spec_gen_key_uint (g, "mem_hardwall", s->cpuset.mem_hardwall);
  carve_spec_gen_key_uint (g, "mem_exclusive", s->cpuset.mem_exclusive);
  carve_spec_gen_key_uint (g, "memory_migrate", s->cpuset.memory_migrate);
  carve_spec_gen_key_uint (g, "memory_spread_page", s->cpuset.memory_spread_page);
  carve_spec_gen_key_uint (g, "memory_spread_slab", s->cpuset.memory_spread_slab);
  carve_spec_gen_key_uint (g, "memory_pressure", s->cpuset.memory_pressure);
  carve_spec_gen_key_uint (g, "sched_load_balance", s->cpuset.sched_load_balance);
  carve_spec_gen_key_int (g, "sched_relax_domain_level", (long long)s->cpuset.sched_relax_domain_level);
  (void)yajl_gen_map_close (g);
}

static void
gen_memory_entry (yajl_gen g, const char *k, const struct carve_spec_stats_memory_entry_s *e)
{
  key (g, k);
  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_uint (g, "limit", e->limit);
  uint_omitempty (g, "usage", e->usage);
  uint_omitempty (g, "max", e->max);
  carve_spec_gen_key_uint (g, "failcnt", e->failcnt);
  (void)yajl_gen_map_close (g);
}

static int
compare_raw (const void *a, const void *b, void *arg)
{
  const char *const *keys = arg;
  return strcmp (keys[*(const size_t *)a], keys[*(const size_t *)b]);
}

static void
gen_memory (yajl_gen g, const struct carve_spec_stats_s *s)
{
  size_t i, n = s->memory.raw_len;

  key (g, "memory");
  (void)yajl_gen_map_open (g);
  uint_omitempty (g, "cache", s->memory.cache);
  gen_memory_entry (g, "usage", &s->memory.usage);
  gen_memory_entry (g, "swap", &s->memory.swap);
  gen_memory_entry (g, "kernel", &s->memory.kernel);
  gen_memory_entry (g, "kernelTCP", &s->memory.kernel_tcp);
  if (n > 0)
    {
      /* A Go map marshals with its keys sorted.  */
      cleanup_free size_t *order = xcalloc (n, sizeof (size_t));
      for (i = 0; i < n; i++)
        order[i] = i;
      qsort_r (order, n, sizeof (size_t), compare_raw, (void *)s->memory.raw_keys);
      key (g, "raw");
      (void)yajl_gen_map_open (g);
      for (i = 0; i < n; i++)
        carve_spec_gen_key_uint (g, s->memory.raw_keys[order[i]], s->memory.raw_values[order[i]]);
      (void)yajl_gen_map_close (g);
    }
  (void)yajl_gen_map_close (g);
}

static void
gen_blkio (yajl_gen g, const struct carve_spec_stats_s *s)
{
  static const char *const names[CARVE_SPEC_BLKIO_N] = {
    "ioServiceBytesRecursive", "ioServicedRecursive", "ioQueueRecursive", "ioServiceTimeRecursive",
    "ioWaitTimeRecursive",     "ioMergedRecursive",   "ioTimeRecursive",  "sectorsRecursive",
  };
  size_t l, i;

  key (g, "blkio");
  (void)yajl_gen_map_open (g);
  for (l = 0; l < CARVE_SPEC_BLKIO_N; l++)
    {
      const struct carve_spec_stats_blkio_list_s *list = &s->blkio[l];
      if (list->len == 0)
        continue;
      key (g, names[l]);
      (void)yajl_gen_array_open (g);
      for (i = 0; i < list->len; i++)
        {
          const struct carve_spec_stats_blkio_entry_s *e = &list->entries[i];
          (void)yajl_gen_map_open (g);
          uint_omitempty (g, "major", e->major);
          uint_omitempty (g, "minor", e->minor);
          if (e->op && e->op[0])
            carve_spec_gen_key_str (g, "op", e->op);
          uint_omitempty (g, "value", e->value);
          (void)yajl_gen_map_close (g);
        }
      (void)yajl_gen_array_close (g);
    }
  (void)yajl_gen_map_close (g);
}

static int
compare_hugetlb (const void *a, const void *b)
{
  const struct carve_spec_stats_hugetlb_s *const *x = a, *const *y = b;
  return strcmp ((*x)->page_size ? (*x)->page_size : "", (*y)->page_size ? (*y)->page_size : "");
}

static void
gen_hugetlb (yajl_gen g, const struct carve_spec_stats_s *s)
{
  cleanup_free const struct carve_spec_stats_hugetlb_s **order = NULL;
  size_t i, n = s->hugetlb_len;

  key (g, "hugetlb");
  (void)yajl_gen_map_open (g);
  if (n > 0)
    {
      order = xcalloc (n, sizeof (*order));
      for (i = 0; i < n; i++)
        order[i] = &s->hugetlb[i];
      qsort (order, n, sizeof (*order), compare_hugetlb);
      for (i = 0; i < n; i++)
        {
          key (g, order[i]->page_size);
          (void)yajl_gen_map_open (g);
          uint_omitempty (g, "usage", order[i]->usage);
          uint_omitempty (g, "max", order[i]->max);
          carve_spec_gen_key_uint (g, "failcnt", order[i]->failcnt);
          (void)yajl_gen_map_close (g);
        }
    }
  (void)yajl_gen_map_close (g);
}

char *
carve_spec_emit_stats_event (const char *id, const struct carve_spec_stats_s *s)
{
  yajl_gen g = carve_spec_gen_new ();

  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_str (g, "type", "stats");
  carve_spec_gen_key_str (g, "id", id);
  key (g, "data");
  (void)yajl_gen_map_open (g);
  gen_cpu (g, s);
  gen_cpuset (g, s);
  gen_memory (g, s);
  key (g, "pids");
  (void)yajl_gen_map_open (g);
  uint_omitempty (g, "current", s->pids.current);
  uint_omitempty (g, "limit", s->pids.limit);
  (void)yajl_gen_map_close (g);
  gen_blkio (g, s);
  gen_hugetlb (g, s);
  /* No Intel RDT and no network statistics: runc's zero values.  */
  key (g, "intel_rdt");
  (void)yajl_gen_map_open (g);
  (void)yajl_gen_map_close (g);
  key (g, "network_interfaces");
  (void)yajl_gen_null (g);
  (void)yajl_gen_map_close (g);
  (void)yajl_gen_map_close (g);
  return carve_spec_gen_finish (g, NULL);
}

char *
carve_spec_emit_event (const char *type, const char *id)
{
  yajl_gen g = carve_spec_gen_new ();

  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_str (g, "type", type);
  carve_spec_gen_key_str (g, "id", id);
  (void)yajl_gen_map_close (g);
  return carve_spec_gen_finish (g, NULL);
}

char *
carve_spec_emit_pids (const pid_t *pids, size_t n)
{
  yajl_gen g;
  size_t i;

  if (n == 0)
    return xstrdup ("null");
  g = carve_spec_gen_new ();
  (void)yajl_gen_array_open (g);
  for (i = 0; i < n; i++)
    (void)yajl_gen_integer (g, (long long)pids[i]);
  (void)yajl_gen_array_close (g);
  return carve_spec_gen_finish (g, NULL);
}

/* --- resources ------------------------------------------------------------- */

static void
key_i64 (yajl_gen g, const char *k, bool has, int64_t v)
{
  if (has)
    carve_spec_gen_key_int (g, k, (long long)v);
}

static void
key_u64 (yajl_gen g, const char *k, bool has, uint64_t v)
{
  if (has)
    carve_spec_gen_key_uint (g, k, v);
}

static void
gen_throttle (yajl_gen g, const char *k, struct carve_spec_throttle_device_s *const *v, size_t n)
{
  size_t i;

  if (n == 0)
    return;
  key (g, k);
  (void)yajl_gen_array_open (g);
  for (i = 0; i < n; i++)
    {
      (void)yajl_gen_map_open (g);
      carve_spec_gen_key_int (g, "major", (long long)v[i]->major);
      carve_spec_gen_key_int (g, "minor", (long long)v[i]->minor);
      key_u64 (g, "rate", v[i]->has_rate, v[i]->rate);
      (void)yajl_gen_map_close (g);
    }
  (void)yajl_gen_array_close (g);
}

static void
gen_res_devices (yajl_gen g, const struct carve_spec_linux_resources_s *r)
{
  size_t i;

  key (g, "devices");
  (void)yajl_gen_array_open (g);
  for (i = 0; i < r->devices_len; i++)
    {
      const struct carve_spec_device_cgroup_s *d = r->devices[i];
      (void)yajl_gen_map_open (g);
      carve_spec_gen_key_bool (g, "allow", d->allow);
      if (d->type)
        carve_spec_gen_key_str (g, "type", d->type);
      key_i64 (g, "major", d->has_major, d->major);
      key_i64 (g, "minor", d->has_minor, d->minor);
      if (d->access)
        carve_spec_gen_key_str (g, "access", d->access);
      (void)yajl_gen_map_close (g);
    }
  (void)yajl_gen_array_close (g);
}

static void
gen_res_memory (yajl_gen g, const struct carve_spec_memory_s *m)
{
  key (g, "memory");
  (void)yajl_gen_map_open (g);
  key_i64 (g, "limit", m->has_limit, m->limit);
  key_i64 (g, "reservation", m->has_reservation, m->reservation);
  key_i64 (g, "swap", m->has_swap, m->swap);
  key_i64 (g, "kernel", m->has_kernel, m->kernel);
  key_i64 (g, "kernelTCP", m->has_kernel_tcp, m->kernel_tcp);
  key_u64 (g, "swappiness", m->has_swappiness, m->swappiness);
  if (m->has_disable_oom_killer)
    carve_spec_gen_key_bool (g, "disableOOMKiller", m->disable_oom_killer);
  if (m->has_use_hierarchy)
    carve_spec_gen_key_bool (g, "useHierarchy", m->use_hierarchy);
  if (m->has_check_before_update)
    carve_spec_gen_key_bool (g, "checkBeforeUpdate", m->check_before_update);
  (void)yajl_gen_map_close (g);
}

static void
gen_res_cpu (yajl_gen g, const struct carve_spec_cpu_s *c)
{
  key (g, "cpu");
  (void)yajl_gen_map_open (g);
  key_u64 (g, "shares", c->has_shares, c->shares);
  key_i64 (g, "quota", c->has_quota, c->quota);
  key_u64 (g, "burst", c->has_burst, c->burst);
  key_u64 (g, "period", c->has_period, c->period);
  key_i64 (g, "realtimeRuntime", c->has_realtime_runtime, c->realtime_runtime);
  key_u64 (g, "realtimePeriod", c->has_realtime_period, c->realtime_period);
  if (c->cpus)
    carve_spec_gen_key_str (g, "cpus", c->cpus);
  if (c->mems)
    carve_spec_gen_key_str (g, "mems", c->mems);
  key_i64 (g, "idle", c->has_idle, c->idle);
  (void)yajl_gen_map_close (g);
}

static void
gen_res_block_io (yajl_gen g, const struct carve_spec_block_io_s *b)
{
  size_t i;

  key (g, "blockIO");
  (void)yajl_gen_map_open (g);
  key_u64 (g, "weight", b->has_weight, b->weight);
  key_u64 (g, "leafWeight", b->has_leaf_weight, b->leaf_weight);
  if (b->weight_device_len > 0)
    {
      key (g, "weightDevice");
      (void)yajl_gen_array_open (g);
      for (i = 0; i < b->weight_device_len; i++)
        {
          const struct carve_spec_weight_device_s *d = b->weight_device[i];
          (void)yajl_gen_map_open (g);
          carve_spec_gen_key_int (g, "major", (long long)d->major);
          carve_spec_gen_key_int (g, "minor", (long long)d->minor);
          key_u64 (g, "weight", d->has_weight, d->weight);
          key_u64 (g, "leafWeight", d->has_leaf_weight, d->leaf_weight);
          (void)yajl_gen_map_close (g);
        }
      (void)yajl_gen_array_close (g);
    }
  gen_throttle (g, "throttleReadBpsDevice", b->throttle_read_bps_device, b->throttle_read_bps_device_len);
  gen_throttle (g, "throttleWriteBpsDevice", b->throttle_write_bps_device, b->throttle_write_bps_device_len);
  gen_throttle (g, "throttleReadIOPSDevice", b->throttle_read_iops_device, b->throttle_read_iops_device_len);
  gen_throttle (g, "throttleWriteIOPSDevice", b->throttle_write_iops_device, b->throttle_write_iops_device_len);
  (void)yajl_gen_map_close (g);
}

char *
carve_spec_emit_resources (const struct carve_spec_linux_resources_s *r)
{
  yajl_gen g = carve_spec_gen_new ();
  size_t i;

  (void)yajl_gen_map_open (g);
  if (r->devices_len > 0)
    gen_res_devices (g, r);
  if (r->memory)
    gen_res_memory (g, r->memory);
  if (r->cpu)
    gen_res_cpu (g, r->cpu);
  if (r->pids)
    {
      key (g, "pids");
      (void)yajl_gen_map_open (g);
      carve_spec_gen_key_int (g, "limit", (long long)r->pids->limit);
      (void)yajl_gen_map_close (g);
    }
  if (r->block_io)
    gen_res_block_io (g, r->block_io);
  if (r->hugepage_limits_len > 0)
    {
      key (g, "hugepageLimits");
      (void)yajl_gen_array_open (g);
      for (i = 0; i < r->hugepage_limits_len; i++)
        {
          (void)yajl_gen_map_open (g);
          carve_spec_gen_key_str (g, "pageSize", r->hugepage_limits[i]->page_size);
          carve_spec_gen_key_uint (g, "limit", r->hugepage_limits[i]->limit);
          (void)yajl_gen_map_close (g);
        }
      (void)yajl_gen_array_close (g);
    }
  if (r->network)
    {
      key (g, "network");
      (void)yajl_gen_map_open (g);
      key_u64 (g, "classID", r->network->has_class_id, r->network->class_id);
      if (r->network->priorities_len > 0)
        {
          key (g, "priorities");
          (void)yajl_gen_array_open (g);
          for (i = 0; i < r->network->priorities_len; i++)
            {
              (void)yajl_gen_map_open (g);
              carve_spec_gen_key_str (g, "name", r->network->priorities[i]->name);
              carve_spec_gen_key_uint (g, "priority", r->network->priorities[i]->priority);
              (void)yajl_gen_map_close (g);
            }
          (void)yajl_gen_array_close (g);
        }
      (void)yajl_gen_map_close (g);
    }
  if (r->rdma_len > 0)
    {
      key (g, "rdma");
      (void)yajl_gen_map_open (g);
      for (i = 0; i < r->rdma_len; i++)
        {
          key (g, r->rdma[i]->device);
          (void)yajl_gen_map_open (g);
          key_u64 (g, "hcaHandles", r->rdma[i]->has_hca_handles, r->rdma[i]->hca_handles);
          key_u64 (g, "hcaObjects", r->rdma[i]->has_hca_objects, r->rdma[i]->hca_objects);
          (void)yajl_gen_map_close (g);
        }
      (void)yajl_gen_map_close (g);
    }
  if (r->unified && r->unified->len > 0)
    {
      key (g, "unified");
      carve_spec_gen_map (g, r->unified);
    }
  (void)yajl_gen_map_close (g);
  return carve_spec_gen_finish (g, NULL);
}

/* --- merging ----------------------------------------------------------------- */

#define SWAP(a, b)                                                                                                     \
  do                                                                                                                   \
    {                                                                                                                  \
      __typeof__ (a) _t = (a);                                                                                         \
      (a) = (b);                                                                                                       \
      (b) = _t;                                                                                                        \
    }                                                                                                                  \
  while (0)

/* Takes FROM's field when it is present.  */
#define TAKE(into, from, field)                                                                                        \
  do                                                                                                                   \
    {                                                                                                                  \
      if ((from)->has_##field)                                                                                         \
        {                                                                                                              \
          (into)->field = (from)->field;                                                                               \
          (into)->has_##field = true;                                                                                  \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

/* Merges the NULL-terminated lists INTO/FROM (of LEN entries) by the key
   SAME (a, b): an entry of FROM swaps with INTO's entry of the same key or
   is moved to INTO's end (its slot in FROM left NULL, which the free
   skips).  */
#define MERGE_LIST(into, into_len, from, from_len, same)                                                               \
  do                                                                                                                   \
    {                                                                                                                  \
      size_t _j, _i;                                                                                                   \
      for (_j = 0; _j < (from_len); _j++)                                                                              \
        {                                                                                                              \
          bool _found = false;                                                                                         \
          if ((from)[_j] == NULL)                                                                                      \
            continue;                                                                                                  \
          for (_i = 0; _i < (into_len) && !_found; _i++)                                                               \
            if (same ((into)[_i], (from)[_j]))                                                                         \
              {                                                                                                        \
                SWAP ((into)[_i], (from)[_j]);                                                                         \
                _found = true;                                                                                         \
              }                                                                                                        \
          if (!_found)                                                                                                 \
            {                                                                                                          \
              (into) = xrealloc ((into), sizeof (*(into)) * ((into_len) + 2));                                         \
              (into)[(into_len)++] = (from)[_j];                                                                       \
              (into)[(into_len)] = NULL;                                                                               \
              (from)[_j] = NULL;                                                                                       \
            }                                                                                                          \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

static bool
same_weight_device (const struct carve_spec_weight_device_s *a, const struct carve_spec_weight_device_s *b)
{
  return a->major == b->major && a->minor == b->minor;
}

static bool
same_throttle (const struct carve_spec_throttle_device_s *a, const struct carve_spec_throttle_device_s *b)
{
  return a->major == b->major && a->minor == b->minor;
}

static bool
same_hugepage (const struct carve_spec_hugepage_limit_s *a, const struct carve_spec_hugepage_limit_s *b)
{
  return strcmp (a->page_size, b->page_size) == 0;
}

static bool
same_priority (const struct carve_spec_interface_priority_s *a, const struct carve_spec_interface_priority_s *b)
{
  return strcmp (a->name, b->name) == 0;
}

static bool
same_rdma (const struct carve_spec_rdma_s *a, const struct carve_spec_rdma_s *b)
{
  return strcmp (a->device, b->device) == 0;
}

static void
merge_memory (struct carve_spec_memory_s *into, struct carve_spec_memory_s *from)
{
  TAKE (into, from, limit);
  TAKE (into, from, reservation);
  TAKE (into, from, swap);
  TAKE (into, from, kernel);
  TAKE (into, from, kernel_tcp);
  TAKE (into, from, swappiness);
  TAKE (into, from, disable_oom_killer);
  TAKE (into, from, use_hierarchy);
  TAKE (into, from, check_before_update);
}

static void
merge_cpu (struct carve_spec_cpu_s *into, struct carve_spec_cpu_s *from)
{
  TAKE (into, from, shares);
  TAKE (into, from, quota);
  TAKE (into, from, burst);
  TAKE (into, from, period);
  TAKE (into, from, realtime_runtime);
  TAKE (into, from, realtime_period);
  TAKE (into, from, idle);
  /* "" means unchanged, as runc reads it.  */
  if (from->cpus && from->cpus[0])
    SWAP (into->cpus, from->cpus);
  if (from->mems && from->mems[0])
    SWAP (into->mems, from->mems);
}

static void
merge_block_io (struct carve_spec_block_io_s *into, struct carve_spec_block_io_s *from)
{
  TAKE (into, from, weight);
  TAKE (into, from, leaf_weight);
  MERGE_LIST (into->weight_device, into->weight_device_len, from->weight_device, from->weight_device_len,
              same_weight_device);
  MERGE_LIST (into->throttle_read_bps_device, into->throttle_read_bps_device_len, from->throttle_read_bps_device,
              from->throttle_read_bps_device_len, same_throttle);
  MERGE_LIST (into->throttle_write_bps_device, into->throttle_write_bps_device_len, from->throttle_write_bps_device,
              from->throttle_write_bps_device_len, same_throttle);
  MERGE_LIST (into->throttle_read_iops_device, into->throttle_read_iops_device_len, from->throttle_read_iops_device,
              from->throttle_read_iops_device_len, same_throttle);
  MERGE_LIST (into->throttle_write_iops_device, into->throttle_write_iops_device_len, from->throttle_write_iops_device,
              from->throttle_write_iops_device_len, same_throttle);
}

static void
merge_unified (struct carve_spec_map_s *into, struct carve_spec_map_s *from)
{
  size_t i, j;

  for (j = 0; j < from->len; j++)
    {
      bool found = false;
      for (i = 0; i < into->len && !found; i++)
        if (strcmp (into->keys[i], from->keys[j]) == 0)
          {
            SWAP (into->values[i], from->values[j]);
            found = true;
          }
      if (!found)
        {
          /* Both arrays are NULL-terminated, as the parser builds them.  */
          into->keys = xrealloc (into->keys, sizeof (char *) * (into->len + 2));
          into->values = xrealloc (into->values, sizeof (char *) * (into->len + 2));
          into->keys[into->len] = xstrdup (from->keys[j]);
          into->values[into->len] = xstrdup (from->values[j]);
          into->len++;
          into->keys[into->len] = NULL;
          into->values[into->len] = NULL;
        }
    }
}

void
carve_spec_resources_merge (struct carve_spec_linux_resources_s *into, struct carve_spec_linux_resources_s *from)
{
  if (from->devices_len > 0)
    {
      SWAP (into->devices, from->devices);
      SWAP (into->devices_len, from->devices_len);
    }
  if (from->memory)
    {
      if (into->memory == NULL)
        SWAP (into->memory, from->memory);
      else
        merge_memory (into->memory, from->memory);
    }
  if (from->cpu)
    {
      if (into->cpu == NULL)
        SWAP (into->cpu, from->cpu);
      else
        merge_cpu (into->cpu, from->cpu);
    }
  if (from->pids)
    SWAP (into->pids, from->pids);
  if (from->block_io)
    {
      if (into->block_io == NULL)
        SWAP (into->block_io, from->block_io);
      else
        merge_block_io (into->block_io, from->block_io);
    }
  MERGE_LIST (into->hugepage_limits, into->hugepage_limits_len, from->hugepage_limits, from->hugepage_limits_len,
              same_hugepage);
  if (from->network)
    {
      if (into->network == NULL)
        SWAP (into->network, from->network);
      else
        {
          TAKE (into->network, from->network, class_id);
          MERGE_LIST (into->network->priorities, into->network->priorities_len, from->network->priorities,
                      from->network->priorities_len, same_priority);
        }
    }
  MERGE_LIST (into->rdma, into->rdma_len, from->rdma, from->rdma_len, same_rdma);
  if (from->unified)
    {
      if (into->unified == NULL)
        SWAP (into->unified, from->unified);
      else
        merge_unified (into->unified, from->unified);
    }
}
