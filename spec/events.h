/* The JSON of `carve events` and `carve ps -f json`, in the shape runc 1.1
   prints (its types.Event, types.Stats and the PID list).  Pure: the caller fills
   the structs below from the cgroup; nothing here reads a file.  */
#ifndef CARVE_SPEC_EVENTS_H
#define CARVE_SPEC_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "spec/spec.h"

struct carve_spec_stats_memory_entry_s
{
  uint64_t limit, usage, max, failcnt;
};

struct carve_spec_stats_blkio_entry_s
{
  uint64_t major, minor;
  const char *op; /* "Read", "Write", ...; "" or NULL omitted */
  uint64_t value;
};

struct carve_spec_stats_blkio_list_s
{
  const struct carve_spec_stats_blkio_entry_s *entries;
  size_t len;
};

/* The blkio lists in runc's order.  */
enum carve_spec_stats_blkio_e
{
  CARVE_SPEC_BLKIO_SERVICE_BYTES,
  CARVE_SPEC_BLKIO_SERVICED,
  CARVE_SPEC_BLKIO_QUEUED,
  CARVE_SPEC_BLKIO_SERVICE_TIME,
  CARVE_SPEC_BLKIO_WAIT_TIME,
  CARVE_SPEC_BLKIO_MERGED,
  CARVE_SPEC_BLKIO_TIME,
  CARVE_SPEC_BLKIO_SECTORS,
  CARVE_SPEC_BLKIO_N,
};

struct carve_spec_stats_hugetlb_s
{
  const char *page_size; /* "2MB", the map key */
  uint64_t usage, max, failcnt;
};

/* Borrowed pointers only: the struct owns nothing.  */
struct carve_spec_stats_s
{
  struct
  {
    uint64_t total, kernel, user; /* nanoseconds */
    const uint64_t *percpu, *percpu_kernel, *percpu_user;
    size_t percpu_len, percpu_kernel_len, percpu_user_len;
    uint64_t periods, throttled_periods, throttled_time;
  } cpu;
  struct
  {
    const char *cpus, *mems; /* lists ("0-3"), printed as arrays; NULL omitted */
    uint64_t cpu_exclusive, mem_hardwall, mem_exclusive, memory_migrate, memory_spread_page, memory_spread_slab,
        memory_pressure, sched_load_balance;
    int64_t sched_relax_domain_level;
  } cpuset;
  struct
  {
    uint64_t cache;
    struct carve_spec_stats_memory_entry_s usage, swap, kernel, kernel_tcp;
    const char *const *raw_keys; /* memory.stat, printed sorted by key */
    const uint64_t *raw_values;
    size_t raw_len;
  } memory;
  struct
  {
    uint64_t current, limit; /* limit 0: none */
  } pids;
  struct carve_spec_stats_blkio_list_s blkio[CARVE_SPEC_BLKIO_N];
  const struct carve_spec_stats_hugetlb_s *hugetlb;
  size_t hugetlb_len;
};

/* These return a malloc'd, compact, NUL-terminated string without a
   trailing newline (runc's encoder adds one: the caller prints it).  */

/* {"type":"stats","id":ID,"data":{"cpu":..,"cpuset":..,"memory":..,"pids":..,
   "blkio":..,"hugetlb":..,"intel_rdt":{},"network_interfaces":null}} with
   runc's omitempty rules: zero counters inside throttling, pids, blkio
   entries, hugetlb usage/max, memory cache and entry usage/max vanish;
   limits, failcnt, cpu kernel/user and the cpuset flags stay.  */
char *carve_spec_emit_stats_event (const char *id, const struct carve_spec_stats_s *stats);

/* {"type":TYPE,"id":ID}: "oom" events carry no data.  */
char *carve_spec_emit_event (const char *type, const char *id);

/* `ps -f json`: [1,2,3], or `null` for none (runc encodes a nil slice).  */
char *carve_spec_emit_pids (const pid_t *pids, size_t n);

#endif
