/* The JSON of `events` and `ps -f json`.  The
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

