/* What memory.c does beneath its public API, with the sysfs
   and cgroup roots as parameters so that the unit tests run them on fake
   trees (tests/unit/test-compute-memory.c).  Not for other modules.  */
#ifndef CARVE_COMPUTE_MEMORY_INTERNAL_H
#define CARVE_COMPUTE_MEMORY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/base/cpumask.h"
#include "runtime/base/error.h"
#include "runtime/compute/ledger.h"
#include "runtime/compute/memory.h"
#include "spec/node-config.h"

/* --- memory ---------------------------------------------------------------- */

/* One NUMA node that has memory.  */
struct carve_memory_numa_s
{
  unsigned id;
  uint64_t total;    /* MemTotal, bytes */
  uint64_t reserved; /* what the ServiceOS keeps of it, bytes */
  uint64_t units;    /* whole units left for partitions */
};

/* The node's memory under SYSROOT ("" on the real machine): NUMA nodes
   from SYSROOT/sys/devices/system/node (has_memory, each nodeN/meminfo),
   or, on a kernel without NUMA, one node 0 from SYSROOT/proc/meminfo.  The
   ServiceOS reserve is taken from the lowest nodes first (where the
   ServiceOS's CPUs usually are).  */
struct carve_memory_topology_s
{
  char *sysroot;
  bool numa; /* per-node sysfs files exist */
  uint64_t unit;
  struct carve_memory_numa_s *nodes; /* ascending ids */
  size_t n_nodes;
  carve_cpumask_t mask; /* their ids */
};

int carve_memory_topology_read (const char *sysroot, carve_node_config_t node, struct carve_memory_topology_s *ret,
                                carve_error_t *err);
void carve_memory_topology_release (struct carve_memory_topology_s *t);

/* Units a new partition restricted to NODES could take, given every
   partition of L but SELF (may be NULL): the most the node's units can
   hold beside them (a flow from partitions to the nodes each may use; huge
   page partitions are pinned to the nodes their pages came from).  0 when
   the partitions already there do not fit (the node config changed).  */
uint64_t carve_memory_free_units (const struct carve_memory_topology_s *t, carve_ledger_t l,
                                  const struct carve_ledger_partition_s *self, const carve_cpumask_t *nodes);

int carve_memory_check_at (const char *sysroot, const struct carve_compute_request_s *req, carve_node_config_t node,
                           struct carve_memory_request_s *ret, carve_error_t *err);

/* The choice of carve_memory_claim, with nothing recorded or written:
   fills P's memory fields (huge pages: the pages per node).  */
int carve_memory_place_at (const char *sysroot, carve_ledger_t l, carve_node_config_t node,
                           const struct carve_memory_request_s *req, struct carve_ledger_partition_s *p,
                           carve_error_t *err);

int carve_memory_claim_at (const char *sysroot, carve_ledger_t l, carve_node_config_t node,
                           const struct carve_memory_request_s *req, struct carve_ledger_partition_s *p,
                           carve_error_t *err);

int carve_memory_totals_at (const char *sysroot, carve_ledger_t l, carve_node_config_t node, uint64_t *ret_total,
                            uint64_t *ret_free_units, carve_error_t *err);

/* The huge page pool file of NODE for pages of HUGEPAGE_SIZE bytes.  */
char *carve_memory_pool_path (const struct carve_memory_topology_s *t, unsigned node, uint64_t hugepage_size);

/* Parses a pool file's path back: its node (0 for the global pool of a
   kernel without NUMA) and page size.  false when PATH is no pool file.  */
bool carve_memory_pool_from_path (const char *path, unsigned *ret_node, uint64_t *ret_hugepage_size);

/* "2M", "1G", "512K" when exact, else the bytes in M, rounded down.  */
char *carve_memory_format_size (uint64_t bytes);

#endif
