/* What sched.c does beneath its public API, with the cgroup roots as
   parameters so that the unit tests run it on fake trees
   (tests/unit/test-compute-memory.c).  Not for other modules.  */
#ifndef CARVE_COMPUTE_SCHED_INTERNAL_H
#define CARVE_COMPUTE_SCHED_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/base/error.h"
#include "runtime/compute/ledger.h"
#include "runtime/compute/sched.h"

/* One cgroup on the way from the cpu hierarchy's root to the container's.  */
struct carve_sched_rt_level_s
{
  char *dir;
  uint64_t period;     /* cpu.rt_period_us */
  int64_t runtime;     /* cpu.rt_runtime_us now, -1: unlimited */
  uint64_t others;     /* the bandwidth of its children off the path (the kernel's to_ratio units) */
  int64_t others_us;   /* ... their runtimes added up */
  bool uniform;        /* ... all with this level's period: runtimes add up exactly */
  int64_t new_runtime; /* what it gets */
};

/* The kernel's to_ratio(): RUNTIME/PERIOD in 1/2^20 units (-1: 1).  */
uint64_t carve_sched_rt_ratio (uint64_t period, int64_t runtime);

/* Reads the levels from ROOT (the hierarchy's mount) down to DIR (the
   container's cgroup, below ROOT) and computes new_runtime for each: the
   container's is RUNTIME when >= 0 (linux.resources.cpu.realtimeRuntime),
   else all the bandwidth its ancestors can pass down; every ancestor below
   the root is raised just enough to hold its other children and the path.
   The root is never written (its runtime is kernel.sched_rt_runtime_us).
   *RET_LEVELS[0] is the root, the last is the container.  Errors name what
   does not fit.  */
int carve_sched_rt_plan (const char *root, const char *dir, int64_t runtime, struct carve_sched_rt_level_s **ret_levels,
                         size_t *ret_n, carve_error_t *err);
void carve_sched_rt_levels_free (struct carve_sched_rt_level_s *levels, size_t n);

/* carve_sched_grant_rt on the container's cgroup directory DIR of the cpu
   hierarchy mounted at ROOT.  */
int carve_sched_grant_rt_at (carve_ledger_t l, const char *owner, const char *root, const char *dir, int64_t runtime,
                             carve_error_t *err);

#endif
