/* linux.resources as a document of its own: the resources `update` keeps
   in the state directory (written compact, read back with
   carve_spec_resources_parse), merged field by field as `update` changes
   them and as create lays a compute plan's over the spec's.  */
#include <config.h>
#include "spec/resources.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/xalloc.h"
#include "spec/emit.h"

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
  carve_spec_gen_str (g, k);
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

  carve_spec_gen_str (g, "devices");
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
  carve_spec_gen_str (g, "memory");
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
  carve_spec_gen_str (g, "cpu");
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

  carve_spec_gen_str (g, "blockIO");
  (void)yajl_gen_map_open (g);
  key_u64 (g, "weight", b->has_weight, b->weight);
  key_u64 (g, "leafWeight", b->has_leaf_weight, b->leaf_weight);
  if (b->weight_device_len > 0)
    {
      carve_spec_gen_str (g, "weightDevice");
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
      carve_spec_gen_str (g, "pids");
      (void)yajl_gen_map_open (g);
      carve_spec_gen_key_int (g, "limit", (long long)r->pids->limit);
      (void)yajl_gen_map_close (g);
    }
  if (r->block_io)
    gen_res_block_io (g, r->block_io);
  if (r->hugepage_limits_len > 0)
    {
      carve_spec_gen_str (g, "hugepageLimits");
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
      carve_spec_gen_str (g, "network");
      (void)yajl_gen_map_open (g);
      key_u64 (g, "classID", r->network->has_class_id, r->network->class_id);
      if (r->network->priorities_len > 0)
        {
          carve_spec_gen_str (g, "priorities");
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
      carve_spec_gen_str (g, "rdma");
      (void)yajl_gen_map_open (g);
      for (i = 0; i < r->rdma_len; i++)
        {
          carve_spec_gen_str (g, r->rdma[i]->device);
          (void)yajl_gen_map_open (g);
          key_u64 (g, "hcaHandles", r->rdma[i]->has_hca_handles, r->rdma[i]->hca_handles);
          key_u64 (g, "hcaObjects", r->rdma[i]->has_hca_objects, r->rdma[i]->hca_objects);
          (void)yajl_gen_map_close (g);
        }
      (void)yajl_gen_map_close (g);
    }
  if (r->unified && r->unified->len > 0)
    {
      carve_spec_gen_str (g, "unified");
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

struct carve_spec_linux_resources_s *
carve_spec_resources_dup (const struct carve_spec_linux_resources_s *res)
{
  cleanup_free char *json = NULL;
  struct carve_spec_linux_resources_s *copy;
  carve_error_t err = NULL;

  if (res == NULL)
    return NULL;
  /* Through the document: one place knows every field.  What carve wrote
     it reads back, or the emitter and the parser disagree: a bug.  */
  json = carve_spec_emit_resources (res);
  copy = carve_spec_resources_parse (json, strlen (json), &err);
  if (copy == NULL)
    {
      fprintf (stderr, "carve: internal error: resources do not read back: %s\n", err->msg);
      abort ();
    }
  return copy;
}
