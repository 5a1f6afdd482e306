/* CPU affinity of a task: reading and setting it as a mask or a CPU
   list (process.execCPUAffinity), and letting it run on its cpuset.  */
#ifndef CARVE_LINUX_AFFINITY_H
#define CARVE_LINUX_AFFINITY_H

#include <sys/types.h>

#include "runtime/base/cpumask.h"
#include "runtime/base/error.h"

/* The CPU affinity of task PID (0: the caller) as a mask, and setting it.
   Failures keep sched_*affinity's errno in the error's status (EINVAL:
   a per-CPU kernel thread; ESRCH: the task is gone).  */
int carve_cpu_affinity_get (pid_t pid, carve_cpumask_t *ret, carve_error_t *err);
int carve_cpu_affinity_set_mask (pid_t pid, const carve_cpumask_t *m, carve_error_t *err);

/* sched_setaffinity of process PID (0: the caller) to CPU_LIST
   (process.execCPUAffinity.initial or .final, FIELD in errors).  NULL or ""
   leaves the affinity alone.  */
int carve_cpu_affinity_set_pid (pid_t pid, const char *cpu_list, const char *field, carve_error_t *err);

/* carve_cpu_affinity_set_pid of the caller, "process.execCPUAffinity" in
   errors.  */
int carve_cpu_affinity_set (const char *cpu_list, carve_error_t *err);

/* Lets process PID (0: the caller) run on every CPU its cgroup's cpuset
   allows.  runc (1.2) does so once a container's process is in its cgroup:
   an affinity the runtime was started with (taskset, a batch system's
   binding) survives a cpuset move (kernel 6.2 keeps a requested affinity)
   and must not leak into the container.  */
int carve_cpu_affinity_reset (pid_t pid, carve_error_t *err);

#endif
