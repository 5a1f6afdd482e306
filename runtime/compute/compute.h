/* Compute Container specializations (DESIGN.md, "Specialization
   annotations"): what runtime/container calls.  The pieces live beside it:
   ledger (who owns what, and every node setting carve changed), cpus
   (exclusive CPUs), memory (memory partitions, huge pages), sched
   (carve.sched), noise (kernel-noise eviction), topology (the node's CPUs),
   plan (the plan's own storage), nodemap (`carve node`).

   compute turns a container's request (spec/annotations.h) into an
   explicit plan, and never edits the spec: runtime/container hands the
   plan's parts to runtime/linux itself (the cpuset and memory limits, the
   huge page mount, the scheduler, the seccomp lists, where the cpuset
   cgroup goes).  create calls it twice:
     carve_compute_plan    once the id is claimed: check the request
                           against the node (nothing changes if it does not
                           fit), then under the node ledger's lock pick the
                           CPUs and memory, record the partition, reserve
                           the huge pages and prepare the node (the v1
                           cpuset partition around the container's cpuset,
                           kernel-noise eviction), every setting recorded
                           before it changes
     carve_compute_apply   once the cgroup exists with the init in it, what
                           lives along its path and cannot exist before it:
                           the v2 partition's exclusive CPUs, RT runtime
   and on failure, or at delete, carve_compute_release.  */
#ifndef CARVE_COMPUTE_COMPUTE_H
#define CARVE_COMPUTE_COMPUTE_H

#include <stdbool.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/cpumask.h"
#include "runtime/base/error.h"
#include "runtime/linux/cgroup.h"
#include "spec/annotations.h"
#include "spec/node-config.h"
#include "spec/spec.h"

/* What create does for a container's carve.* request.  */
struct carve_compute_plan_s
{
  /* A partition is recorded in the node ledger for ROOT/ID (CPUs, memory,
     a scheduling policy or a job's /dev/shm asked for); false: nothing to
     claim.  */
  bool partition;
  char *ledger; /* the node config's ledger */
  char *root;   /* the state root, canonical, once claimed */
  char *id;

  /* CPUs (has_cpus): after claim, the ones the container owns or uses.  */
  bool has_cpus;
  carve_cpumask_t cpus;
  bool exclusive, load_balance, evict;
  /* v1 exclusive: the container's cpuset cgroup is its partition below
     carve.compute, this path below the hierarchy's root; NULL otherwise.  */
  char *cpuset_path;

  /* Memory partition: bytes in whole units (0: none), its NUMA nodes, the
     huge page size backing it (0: ordinary memory).  */
  uint64_t memory;
  carve_cpumask_t memory_nodes;
  uint64_t hugepage_size;
  /* cgroup2 memory.min for it, 0: none.  */
  uint64_t memory_min;

  /* The fields of linux.resources the partition decides (cpu.cpus,
     cpu.mems, memory.limit and swap, hugepageLimits), to merge over the
     spec's; NULL until claim, and when there are none.  */
  struct carve_spec_linux_resources_s *resources;
  /* The hugetlbfs mount at /dev/hugepages that reserves the huge pages,
     after the spec's mounts; NULL: none.  */
  struct carve_spec_mount_s *mount;
  /* process.scheduler when the spec has none (carve.sched); NULL: the
     spec's own, or none.  Applies to exec'd processes too.  */
  struct carve_spec_scheduler_s *scheduler;
  /* A real-time policy under RT group scheduling: the cgroup's
     cpu.rt_runtime_us is granted by carve_compute_apply (RT_RUNTIME, -1:
     all its ancestors can pass down), not written with the other
     resources, whose realtimeRuntime the caller holds back.  */
  bool rt_grant;
  int64_t rt_runtime;

  /* carve.job: the job's name (NULL: none) and, once claimed, the
     directory of its /dev/shm in the host's mount namespace, which the
     container's /dev/shm is instead of the host's.  */
  char *job;
  char *job_dir;

  /* carve.syscalls.forward and carve.syscalls.deny, as system call names
     (NULL: none); exec'd processes get the same.  */
  char **syscalls_forward;
  char **syscalls_deny;
  /* Where carve-serviceos listens for the listener of a process with
     forwarded calls (the node config's serviceos_socket at create); NULL
     without carve.syscalls.forward.  */
  char *serviceos_socket;

  /* For messages: where the CPUs and the policy were asked for
     ("annotations.carve.cpus: `2`", "process.scheduler SCHED_FIFO").  */
  char *cpus_source;
  char *sched_source;

  /* Internal to compute: the request's CPUs and memory as asked, and the
     topology they were checked against.  */
  struct carve_compute_plan_ask_s *ask;
};
typedef struct carve_compute_plan_s *carve_compute_plan_t;

/* The one entry of create into compute.  Checks REQ (from SPEC's
   annotations) against NODE and this machine: CPUs online and not the
   ServiceOS's, a count the node can give, memory in whole units that the
   NUMA nodes can hold, huge page sizes the kernel has (mounted in the
   container's own mount namespace: MOUNT_NS), the system calls of
   carve.syscalls.*, the policy of carve.sched.  A bad value fails naming
   its key ("annotations.carve.cpus: `7`: CPU 7 is not online (online:
   0-1)") before anything changes.

   Then, when the request asks for a partition and ROOT is not NULL (exec
   passes NULL for a plan without a claim), under the node ledger's lock:
   reclaims stale entries, picks the CPUs and memory units, checks them
   against every owner ("annotations.carve.cpus: `1`: CPU 1 is owned by
   container `x` (root `/run/y`)"), records the partition for ROOT (the
   state root) and ID with the calling process as its owner until
   ROOT/ID/state.json exists, reserves the huge pages and prepares the
   node: the v1 exclusive cpuset partition (carve.compute, carve.serviceos,
   other cpusets shrunk; the plan's cpuset_path is where the container's
   cpuset goes), kernel-noise eviction and the job's /dev/shm (job.h),
   every setting recorded before it changes.  carve.job needs MOUNT_NS
   (the caller drops it in oci mode, where it does not apply).  The plan's resources and mount say what the partition makes of
   SPEC (only read).  What is best effort and failed (an IRQ that refused a
   new affinity) comes back in *RET_WARNINGS.  On failure nothing is left
   in the ledger or on the node.  */
int carve_compute_plan (const struct carve_compute_request_s *req, const carve_spec_t spec, carve_node_config_t node,
                        bool mount_ns, const char *root, const char *id, carve_compute_plan_t *ret,
                        char ***ret_warnings, carve_error_t *err);

/* Once CG exists with the init in it: the v2 partition (cpuset.cpus.exclusive
   along the path, recorded, then the cgroup's own), RT runtime along the
   cgroup's path, each ancestor's recorded before it is raised.  */
int carve_compute_apply (carve_compute_plan_t plan, carve_cgroup_t cg, char ***ret_warnings, carve_error_t *err);

void carve_compute_plan_free (carve_compute_plan_t plan);
CARVE_DEFINE_CLEANUP (compute_plan, carve_compute_plan_t, carve_compute_plan_free)
#define cleanup_compute_plan CARVE_CLEANUP (compute_plan)

/* What of PLAN the container's state keeps (plan.c), as the members of an
   open JSON object: the CPUs, the memory partition, the scheduler and the
   system call lists, which exec and update read back.  */
void carve_compute_plan_gen (yajl_gen g, const struct carve_compute_plan_s *plan);
/* Reads back what carve_compute_plan_gen wrote into the object V.  */
int carve_compute_plan_load (yajl_val v, carve_compute_plan_t *ret, carve_error_t *err);

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

/* `carve node` (nodemap.c): the partition map (ServiceOS CPUs and memory,
   each container's CPUs, memory units and evicted noise), as text or
   JSON.  */
int carve_compute_node_map (carve_node_config_t node, bool json, char **ret, carve_error_t *err);

#endif
