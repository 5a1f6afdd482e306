/* Exclusive CPUs (carve.cpus.exclusive): the cpuset side of a compute
   partition.

   v1 (this is what the kernel allows): a cpuset can only be cpu_exclusive
   when its parent is, so a container's cpuset at its cgroupsPath
   (/docker/ID) cannot be.  carve keeps a node-level partition instead:
     carve.compute          cpu_exclusive, no load balancing, the union of
                            the owned CPUs
     carve.compute/NAME     one per exclusive container, cpu_exclusive,
                            sched_load_balance from carve.cpus.load_balance
     carve.serviceos        every CPU not owned, load balanced: the root
                            cpuset's user tasks move there (cset shield's
                            idea), so no host process runs on owned CPUs
   Every other cpuset holding owned CPUs (other runtimes' containers) is
   shrunk, deepest first, and the root cpuset stops load balancing (else
   its domain spans the owned CPUs).  Everything is recorded in the ledger
   before it changes and follows the partitions left when one goes.

   v2 (Linux 6.7 remote partitions): cpuset.cpus.exclusive on every
   ancestor below the root (recorded) and on the container's cgroup, then
   cpuset.cpus.partition=isolated (root when load balanced); the kernel
   takes the CPUs away from every other cgroup itself.  */
#ifndef CARVE_COMPUTE_CPUS_H
#define CARVE_COMPUTE_CPUS_H

#include <stdbool.h>

#include "runtime/base/cpumask.h"
#include "runtime/base/error.h"
#include "runtime/compute/ledger.h"

#define CARVE_CPUSET_COMPUTE "carve.compute"
#define CARVE_CPUSET_SERVICEOS "carve.serviceos"

/* Where the cpuset code looks: the real node, or a fake tree in tests.  */
struct carve_cpuset_env_s
{
  const char *mount; /* the mount of the hierarchy holding cpuset */
  bool v2;
  const char *proc; /* "/proc": the flags of the root cpuset's tasks */
  carve_cpumask_t online;
  unsigned nr_cpus;
};

/* The name of P's cpuset below carve.compute: the id and a hash of the
   root, so two clients' containers with one id never collide.  */
char *carve_cpuset_v1_name (const struct carve_ledger_partition_s *p);

/* Builds or grows the node partition for P (in L, exclusive, its CPUs
   claimed): carve.compute, carve.serviceos, the other cpusets shrunk, the
   root's user tasks moved to carve.serviceos, the root's load balancing
   off.  Every setting is recorded under P->key and committed before it
   changes.  *RET_PATH is where P's own cpuset goes below the hierarchy's
   root ("/carve.compute/NAME"): runtime/linux's cgroup creation makes it
   the exclusive partition (carve_cgroup_placement_s).  A cpuset that would
   keep no CPU while it holds tasks fails, naming it.  */
int carve_cpuset_v1_prepare (const struct carve_cpuset_env_s *env, carve_ledger_t l, struct carve_ledger_partition_s *p,
                             char **ret_path, char ***warnings, carve_error_t *err);

/* After a partition left L (its cpuset removed): carve.compute and
   carve.serviceos follow the exclusive partitions left, shrunk cpusets grow
   back (shallowest first).  Refusals are warnings.  */
void carve_cpuset_v1_refresh (const struct carve_cpuset_env_s *env, carve_ledger_t l, char ***warnings);

/* Makes the cgroup2 directory DIR (P's cgroup, holding P's CPUs in
   cpuset.cpus) a partition of P's CPUs: cpuset.cpus.exclusive on each
   ancestor below ENV->mount (recorded under P->key) and on DIR, then
   cpuset.cpus.partition; fails with what the kernel reads back when the
   partition is invalid.  */
int carve_cpuset_v2_apply (const struct carve_cpuset_env_s *env, carve_ledger_t l, struct carve_ledger_partition_s *p,
                           const char *dir, carve_error_t *err);

/* Removes DIR (P's cpuset) once its tasks are gone: killed, when KILL.  */
int carve_cpuset_remove_dir (const char *dir, bool kill, carve_error_t *err);

#endif
