/* What a compute plan carries from carve_compute_plan to
   carve_compute_claim: the request's CPUs and memory as asked, and the
   node's topology they were checked against.  Not for other modules.  */
#ifndef CARVE_COMPUTE_PLAN_INTERNAL_H
#define CARVE_COMPUTE_PLAN_INTERNAL_H

#include <stddef.h>

#include "runtime/base/cpumask.h"
#include "runtime/compute/memory.h"
#include "runtime/compute/topology.h"
#include "spec/annotations.h"
#include "spec/node-config.h"

struct carve_compute_plan_ask_s
{
  carve_node_config_t node; /* the caller's, alive until claim */
  carve_topology_t topo;    /* NULL when no CPUs are asked for */
  carve_cpumask_t serviceos;
  enum carve_cpus_kind cpus_kind;
  carve_cpumask_t list; /* CARVE_CPUS_LIST */
  size_t count;         /* CARVE_CPUS_COUNT */
  struct carve_memory_request_s memory;
};

#endif
