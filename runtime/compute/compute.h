/* Compute Container specializations (DESIGN.md, "Specialization
   annotations"): what runtime/container calls.  The pieces live beside it:
   ledger (who owns what, and every node setting carve changed), cpus
   (exclusive CPUs), memory (memory partitions, huge pages), sched
   (carve.sched), noise (kernel-noise eviction).

   The order create follows:
     carve_compute_plan     parse and check every carve.* value (no changes)
     carve_compute_claim    under the ledger lock: pick CPUs and memory,
                            check them against every owner and the ServiceOS,
                            record the partition, reserve huge pages; then
                            rewrite the spec (cpus, mems, limits, mounts,
                            scheduler) so the rest of create applies them
     carve_compute_apply    once the cgroup exists with the init in it:
                            exclusive cpuset, memory.min, RT runtime along
                            the path, kernel-noise eviction
   and on failure, or at delete, carve_compute_release.  */
#ifndef CARVE_COMPUTE_COMPUTE_H
#define CARVE_COMPUTE_COMPUTE_H

#include <stdbool.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/error.h"
#include "runtime/linux/cgroup.h"
#include "spec/node-config.h"
#include "spec/spec.h"

typedef struct carve_compute_s *carve_compute_t;

/* Reads and checks carve.cpus, carve.cpus.exclusive, carve.cpus.load_balance,
   carve.memory, carve.memory.hugepages, carve.memory.nodes, carve.sched and
   carve.kthreads from SPEC's annotations against NODE (reads sysfs for the
   topology, changes nothing).  A bad value fails as
   "annotations.KEY: `VALUE` ..." naming what is wrong.  *RET is set even
   when nothing is asked for (then carve_compute_active is false).
   MOUNT_NS says whether create gives the container its own mount
   namespace (where a huge page partition is mounted).  */
int carve_compute_plan (const carve_spec_t spec, carve_node_config_t node, bool mount_ns, carve_compute_t *ret,
                        carve_error_t *err);

/* True when the container asks for any specialization.  */
bool carve_compute_active (carve_compute_t c);

/* Under the node ledger's lock (NODE->ledger): reclaims stale entries,
   picks the CPUs and memory units, checks them against every owner and the
   ServiceOS ("carve.cpus: CPU 1 is owned by container `x` (root `/run/y`)"),
   records the partition for ROOT (the state root, absolute) and ID with
   the calling process as its owner until ROOT/ID/state.json exists,
   reserves huge pages.  Then rewrites SPEC so that the rest of create
   applies the partition: linux.resources.cpu.cpus and mems, memory limits,
   hugepageLimits, the /dev/hugepages mount, process.scheduler.  Nothing is
   recorded when carve_compute_active is false.  On failure nothing is left
   in the ledger or on the node.  */
int carve_compute_claim (carve_compute_t c, const char *root, const char *id, carve_spec_t spec, carve_error_t *err);

/* Once CG exists with the init in it (and before the init goes on): makes
   the CPUs exclusive (v1: cpu_exclusive, sched_load_balance, the other
   cpusets shrunk, the ServiceOS cpuset; v2: cpuset.cpus.exclusive and the
   partition), memory.min, RT runtime along the cgroup's path, kernel-noise
   eviction.  Every node setting is recorded in the ledger before it is
   changed.  May move the container's cpuset cgroup (carve_cgroup_path (CG)
   changes: the caller saves it again).  What is best effort and failed
   (an IRQ that refused a new affinity) comes back in *RET_WARNINGS, one
   line each (NULL when none).  */
int carve_compute_apply (carve_compute_t c, carve_cgroup_t cg, char ***ret_warnings, carve_error_t *err);

void carve_compute_free (carve_compute_t c);
CARVE_DEFINE_CLEANUP (compute, carve_compute_t, carve_compute_free)
#define cleanup_compute CARVE_CLEANUP (compute)

/* Gives back what ROOT/ID owns: removes its cpuset cgroup if it is still
   there, its ledger entry, and restores every node setting no remaining
   partition needs (the others are recomputed for the partitions left).  A
   container without an entry is fine (nothing to do).  Restores that fail
   are warnings.  */
int carve_compute_release (carve_node_config_t node, const char *root, const char *id, char ***ret_warnings,
                           carve_error_t *err);

/* Reclaims stale entries (their container gone: no ROOT/ID/state.json and
   their creating process dead, or the node rebooted), as release does for
   each.  Every carve command that touches containers calls it first; it
   is cheap when there is no ledger file.  */
int carve_compute_reclaim (carve_node_config_t node, char ***ret_warnings, carve_error_t *err);

/* `carve node`: the partition map (ServiceOS CPUs and memory, each
   container's CPUs, memory units and evicted noise), as text or JSON.  */
int carve_compute_node_map (carve_node_config_t node, bool json, char **ret, carve_error_t *err);

#endif
