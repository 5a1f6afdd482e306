/* The node's CPU topology as sysfs shows it: online CPUs, cores (SMT
   siblings) and NUMA nodes, and the choice of N free CPUs for a count
   request (carve.cpus=N): whole cores first, one NUMA node when it fits.  */
#ifndef CARVE_COMPUTE_TOPOLOGY_H
#define CARVE_COMPUTE_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/cpumask.h"
#include "runtime/base/error.h"
#include "spec/node-config.h"

struct carve_topology_s
{
  carve_cpumask_t online;
  unsigned nr_cpus;       /* possible CPUs (last + 1): the width of the kernel's hex masks */
  carve_cpumask_t *cores; /* each core's online CPUs, by first CPU */
  size_t n_cores;
  carve_cpumask_t *nodes; /* each NUMA node's online CPUs */
  int *node_ids;
  size_t n_nodes;
};
typedef struct carve_topology_s *carve_topology_t;

/* Reads SYS_ROOT/devices/system/cpu and .../node (SYS_ROOT is "/sys", or
   a fake tree in tests).  Without topology files each CPU is its own core;
   without NUMA nodes the node is one.  */
int carve_topology_read (const char *sys_root, carve_topology_t *ret, carve_error_t *err);
void carve_topology_free (carve_topology_t t);
CARVE_DEFINE_CLEANUP (topology, carve_topology_t, carve_topology_free)
#define cleanup_topology CARVE_CLEANUP (topology)

/* The ServiceOS's CPUs: the node config's serviceos_cpus, by default the
   first online CPU.  */
int carve_topology_serviceos (carve_topology_t t, carve_node_config_t node, carve_cpumask_t *ret, carve_error_t *err);

/* Picks N CPUs out of AVAIL: within the first NUMA node that has N of them
   if any does, else across nodes in order; in each, the cores whose every
   CPU is available first, then single CPUs of cores already partly taken,
   then split cores.  False when AVAIL holds fewer than N.  */
bool carve_topology_pick (carve_topology_t t, const carve_cpumask_t *avail, size_t n, carve_cpumask_t *ret);

#endif
