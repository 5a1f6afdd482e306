/* How the container's process is scheduled: process.scheduler and
   process.ioPriority, for the calling process.  */
#ifndef CARVE_LINUX_SCHEDULER_H
#define CARVE_LINUX_SCHEDULER_H

#include "runtime/base/error.h"
#include "spec/spec.h"

/* ioprio_set for the calling process from process.ioPriority.  */
int carve_ioprio_set (const struct carve_spec_io_priority_s *io_priority, carve_error_t *err);

/* sched_setattr (raw syscall) from process.scheduler: every policy (SCHED_OTHER,
   FIFO, RR, BATCH, ISO, IDLE, DEADLINE), nice, priority, runtime, deadline,
   period, and every SCHED_FLAG_* of config.md.  */
int carve_scheduler_set (const struct carve_spec_scheduler_s *scheduler, carve_error_t *err);

#endif
