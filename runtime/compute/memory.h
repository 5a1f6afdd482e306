/* Memory partitions (carve.memory, carve.memory.hugepages,
   carve.memory.nodes): memory is cut into units of the node config's
   memory_unit and a container owns whole units.  The ledger never hands
   the same memory twice, nor more than the node has beyond the ServiceOS
   reserve (serviceos_memory).  With huge pages the partition is reserved
   from the chosen nodes' pools at create and returned at delete.  */
#ifndef CARVE_COMPUTE_MEMORY_H
#define CARVE_COMPUTE_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/base/cpumask.h"
#include "runtime/base/error.h"
#include "runtime/compute/ledger.h"
#include "spec/annotations.h"
#include "spec/node-config.h"
#include "spec/spec.h"

struct carve_memory_request_s
{
  uint64_t bytes;         /* the partition rounded up to whole units; 0: none asked */
  uint64_t hugepage_size; /* 0: none */
  bool has_nodes;
  carve_cpumask_t nodes; /* carve.memory.nodes (a node list) */
};

/* Checks carve.memory, carve.memory.hugepages and carve.memory.nodes of
   REQ against NODE and this machine's NUMA nodes and huge page sizes, and
   rounds the partition up to whole units (and whole huge pages).  Errors
   name the key: "annotations.carve.memory.nodes: node 3 does not exist
   (nodes: 0)".  */
int carve_memory_check (const struct carve_compute_request_s *req, carve_node_config_t node,
                        struct carve_memory_request_s *ret, carve_error_t *err);

/* Under the ledger lock: takes REQ->bytes of whole units from the allowed
   nodes beyond the ServiceOS reserve and every other partition, and
   reserves the huge pages (each pool recorded in the ledger under P->key
   and committed before it grows; the kernel may allocate fewer pages than
   asked, which fails naming the node and the counts and gives them back).
   Fills P's memory fields.  Nothing to do when REQ->bytes is 0.  */
int carve_memory_claim (carve_ledger_t l, carve_node_config_t node, const struct carve_memory_request_s *req,
                        struct carve_ledger_partition_s *p, carve_error_t *err);

/* What P's partition makes of the container's linux.resources, as the
   fields to merge over SPEC's (SPEC is only read): memory.limit (the
   smaller of the spec's and the partition's) and swap, cpu.mems (the
   partition's nodes), hugepageLimits; and, when huge pages back it, the
   /dev/hugepages hugetlbfs mount reserving the pages (min_size).  Fails
   when SPEC asks for what contradicts the partition, naming both.  Both
   NULL when P has no memory partition.  */
int carve_memory_plan (const struct carve_ledger_partition_s *p, const carve_spec_t spec,
                       struct carve_spec_linux_resources_s **ret_resources, struct carve_spec_mount_s **ret_mount,
                       carve_error_t *err);

/* The cgroup2 memory.min P's partition asks for: all of it, so nobody's
   pressure reclaims it; 0 for huge pages, which are never reclaimed (and
   v1 has no memory.min: the limit still holds).  */
uint64_t carve_memory_min_of (const struct carve_ledger_partition_s *p);

/* After a partition left the ledger: sets each huge page pool still in use
   to what the partitions left need (original + their pages).  Pools no
   one needs are restored by carve_ledger_restore_unused.  Also runs
   carve_sched_refresh, so that the RT runtime granted for carve.sched can
   be restored too.  */
void carve_memory_refresh (carve_ledger_t l, char ***warnings);

/* For `carve node`: the node's memory (bytes), what the ServiceOS keeps and
   what is free for partitions (in units).  */
int carve_memory_totals (carve_ledger_t l, carve_node_config_t node, uint64_t *ret_total, uint64_t *ret_free_units,
                         carve_error_t *err);

#endif
