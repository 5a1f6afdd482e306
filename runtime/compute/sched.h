/* carve.sched: the scheduling policy of the container's processes.
   `cooperative` is the paper's cooperative scheduling: every process of the
   job runs SCHED_FIFO at one priority, so the job's threads never preempt
   each other; RT throttling is lifted for the container's cgroup so the
   policy can be set (with RT group scheduling, cpu.rt_runtime_us granted to
   the cgroup and its ancestors).  process.scheduler takes precedence.  */
#ifndef CARVE_COMPUTE_SCHED_H
#define CARVE_COMPUTE_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/base/error.h"
#include "runtime/compute/ledger.h"
#include "runtime/linux/cgroup.h"
#include "spec/annotations.h"
#include "spec/spec.h"

/* process.scheduler for REQ's carve.sched, NULL when the request leaves
   it alone or SPEC has one of its own (the spec takes precedence).  */
struct carve_spec_scheduler_s *carve_sched_plan (const struct carve_compute_request_s *req, const carve_spec_t spec);

/* Whether a process of POLICY ("SCHED_FIFO", ...; NULL: none) needs RT
   runtime granted to its cgroup on this node: a real-time policy under RT
   group scheduling (the v1 cpu controller's cpu.rt_runtime_us).  */
bool carve_sched_needs_rt_grant (const char *policy);

/* Grants RT runtime to CG and each ancestor below the root, recording
   every ancestor's value in the ledger under OWNER and committing before
   it is raised: RUNTIME (-1: all the ancestors can pass down).  SOURCE
   names the request in errors ("annotations.carve.sched: `cooperative`
   (process.scheduler SCHED_FIFO)").  */
int carve_sched_grant_rt (carve_ledger_t l, const char *owner, int64_t runtime, const char *source, carve_cgroup_t cg,
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
