/* linux.memoryPolicy (runtime-spec 1.3): the NUMA memory policy of the
   container's process, set with set_mempolicy(2) and inherited by
   everything it forks and execs.  */
#ifndef CARVE_LINUX_MEMPOLICY_H
#define CARVE_LINUX_MEMPOLICY_H

#include <stdint.h>

#include "runtime/base/error.h"
#include "spec/spec.h"

/* Node masks up to this many nodes (the kernel's MAX_NUMNODES is at most
   1 << 10).  */
#define CARVE_MEMPOLICY_MAX_NODES 1024

/* What set_mempolicy(2) is called with.  */
struct carve_mempolicy_s
{
  int mode; /* MPOL_* | MPOL_F_* flags */
  unsigned long nodemask[CARVE_MEMPOLICY_MAX_NODES / (8 * sizeof (unsigned long))];
  unsigned long maxnode; /* 0 without nodes */
};

/* Translates POLICY, checking what the modes require of the node list
   (none for MPOL_DEFAULT and MPOL_LOCAL, at least one for MPOL_BIND,
   MPOL_INTERLEAVE, MPOL_WEIGHTED_INTERLEAVE and MPOL_PREFERRED_MANY) and
   that MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES are not both given.
   Errors name linux.memoryPolicy.  No system call.  */
int carve_mempolicy_compile (const struct carve_spec_memory_policy_s *policy, struct carve_mempolicy_s *ret,
                             carve_error_t *err);

/* Sets the calling thread's policy from POLICY (raw syscall, no libnuma).
   What the kernel refuses (a node outside the cpuset's mems, a mode or flag
   this kernel lacks) fails with its errno, naming linux.memoryPolicy.  */
int carve_mempolicy_set (const struct carve_spec_memory_policy_s *policy, carve_error_t *err);

#endif
