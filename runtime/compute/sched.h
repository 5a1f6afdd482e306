/* carve.sched: the scheduling policy of the container's processes.
   `cooperative` is the paper's cooperative scheduling: every process of the
   job runs SCHED_FIFO at one priority, so the job's threads never preempt
   each other; RT throttling is lifted for the container's cgroup so the
   policy can be set (with RT group scheduling, cpu.rt_runtime_us granted to
   the cgroup and its ancestors).  process.scheduler takes precedence.  */
#ifndef CARVE_COMPUTE_SCHED_H
#define CARVE_COMPUTE_SCHED_H

#include "runtime/base/error.h"
#include "runtime/compute/ledger.h"
#include "runtime/linux/cgroup.h"
#include "spec/spec.h"

enum carve_sched_kind
{
  CARVE_SCHED_DEFAULT,
  CARVE_SCHED_COOPERATIVE,
  CARVE_SCHED_BATCH,
  CARVE_SCHED_IDLE,
  CARVE_SCHED_FIFO,
  CARVE_SCHED_RR,
};

struct carve_sched_request_s
{
  enum carve_sched_kind kind;
  int priority; /* FIFO, RR: 1..99 */
};

/* VALUE is the annotation's (NULL: default).  Errors name the key:
   "annotations.carve.sched: `fifo:0` ...".  */
int carve_sched_parse (const char *value, struct carve_sched_request_s *ret, carve_error_t *err);

/* Sets process.scheduler from REQ unless SPEC has one (the spec takes
   precedence).  */
void carve_sched_adjust_spec (const struct carve_sched_request_s *req, carve_spec_t spec);

/* When SPEC's process.scheduler is SCHED_FIFO or SCHED_RR and the node has
   RT group scheduling (cpu.rt_runtime_us): grants RT runtime to CG and each
   ancestor below the root, recording every ancestor's value in the ledger
   under OWNER and committing before it is raised.  */
int carve_sched_grant_rt (carve_ledger_t l, const char *owner, const carve_spec_t spec, carve_cgroup_t cg,
                          carve_error_t *err);

/* After a partition left the ledger: every cpu.rt_runtime_us that
   carve_sched_grant_rt raised and no partition needs any more is written
   back to its original as soon as the kernel takes it.  A child cgroup
   keeps its runtime for a few milliseconds after its rmdir (the kernel
   frees its task group asynchronously), and until then its parent cannot
   go lower, so this waits for that (at most a second in all).  The ledger's
   carve_ledger_restore_unused then finds the values already in place.  What
   is refused for good is left to it (and its warning).  */
void carve_sched_refresh (carve_ledger_t l);

#endif
