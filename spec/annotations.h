/* The carve.* annotations of config.json (DESIGN.md, "Specialization
   annotations"): the one table that knows every key (its name, the values
   it takes, its default, the isolation modes it applies in, its parser),
   and the typed request they are parsed into, once, at create.  `carve
   features`, docs/carve-annotations.7 (checked by a test), runtime/compute
   and runtime/container all take the keys from here; no other file spells
   one.

   Pure, as all of spec/: what a value means on this node (which CPUs are
   online, which huge page sizes the kernel has, how large a memory unit
   is) is runtime/compute's to check; here only the syntax and the rules
   between keys.  */
#ifndef CARVE_SPEC_ANNOTATIONS_H
#define CARVE_SPEC_ANNOTATIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/base/cpumask.h"
#include "runtime/base/error.h"
#include "spec/spec.h"

enum carve_annotation
{
  CARVE_ANNOTATION_ISOLATION,
  CARVE_ANNOTATION_CPUS,
  CARVE_ANNOTATION_CPUS_COUNT,
  CARVE_ANNOTATION_CPUS_EXCLUSIVE,
  CARVE_ANNOTATION_CPUS_LOAD_BALANCE,
  CARVE_ANNOTATION_MEMORY,
  CARVE_ANNOTATION_MEMORY_HUGEPAGES,
  CARVE_ANNOTATION_MEMORY_NODES,
  CARVE_ANNOTATION_SCHED,
  CARVE_ANNOTATION_KTHREADS,
  CARVE_ANNOTATION_SYSCALLS_FORWARD,
  CARVE_ANNOTATION_SYSCALLS_DENY,
  CARVE_ANNOTATION_JOB,
  CARVE_ANNOTATION_COUNT_
};

/* The longest carve.* value taken: a real one is a few dozen bytes, and
   every message quotes the value, which must stay one readable line.  */
#define CARVE_ANNOTATION_VALUE_MAX 4096

/* One row of the table.  */
struct carve_annotation_info_s
{
  const char *name;     /* "carve.cpus" */
  const char *jpath;    /* "annotations.carve.cpus", as every message names it */
  const char *values;   /* what it takes, in the words of DESIGN.md's table */
  const char *fallback; /* its default */
  const char *modes;    /* the isolation modes it applies in */
};

/* The row of KEY; carve_annotation_jpath (KEY) is its ->jpath.  */
const struct carve_annotation_info_s *carve_annotation_info (enum carve_annotation key);
const char *carve_annotation_jpath (enum carve_annotation key);

enum carve_isolation
{
  CARVE_ISOLATION_UNSET, /* not given: the node config decides */
  CARVE_ISOLATION_PERMEABLE,
  CARVE_ISOLATION_OCI,
};

enum carve_sched_kind
{
  CARVE_SCHED_DEFAULT,
  CARVE_SCHED_COOPERATIVE,
  CARVE_SCHED_BATCH,
  CARVE_SCHED_IDLE,
  CARVE_SCHED_FIFO,
  CARVE_SCHED_RR,
};

enum carve_cpus_kind
{
  CARVE_CPUS_NONE,  /* no CPUs of its own */
  CARVE_CPUS_LIST,  /* carve.cpus, or linux.resources.cpu.cpus with carve.cpus.exclusive=true */
  CARVE_CPUS_COUNT, /* carve.cpus.count */
};

/* What a container's carve.* annotations ask for.  */
struct carve_compute_request_s
{
  enum carve_isolation isolation;

  enum carve_cpus_kind cpus_kind;
  carve_cpumask_t cpus; /* CARVE_CPUS_LIST */
  size_t cpus_count;    /* CARVE_CPUS_COUNT */
  /* Where the CPUs were asked for, for messages: the JSON path
     ("annotations.carve.cpus", "linux.resources.cpu.cpus") and the value
     as given.  */
  const char *cpus_jpath;
  char *cpus_value;
  bool exclusive;    /* defaults resolved: true when CPUs are asked for */
  bool load_balance; /* false when exclusive */
  bool evict;        /* carve.kthreads=evict, the default when exclusive */

  /* carve.memory: either a size in bytes or a number of memory units, not
     yet rounded to whole units (the unit is the node's).  */
  bool has_memory;
  uint64_t memory_bytes;
  uint64_t memory_units;
  uint64_t hugepage_size; /* 0: none */
  bool has_memory_nodes;
  carve_cpumask_t memory_nodes;

  enum carve_sched_kind sched;
  int sched_priority; /* FIFO, RR, COOPERATIVE: 1..99 */

  /* The values as given (NULL when absent), for messages; carve.syscalls.*
     and carve.job (a checked job name) are only here.  */
  char *values[CARVE_ANNOTATION_COUNT_];

  /* A Kubernetes pod's sandbox (io.kubernetes.cri.container-type or
     io.kubernetes.cri-o.ContainerType is "sandbox"): the pod's carve.*
     annotations reach it too, and only carve.isolation applies to it.  */
  bool sandbox;
};

/* Reads every carve.* key of SPEC's annotations into *RET (zeroed first;
   release it with carve_compute_request_release, also on failure).  An
   unknown carve.* key, a bad value or keys that contradict each other fail
   with one line naming the key and value:
   "annotations.carve.cpus: `0-x` is not a CPU list".  Keys outside carve.*
   are the client's and left alone.  SPEC's linux.resources.cpu.cpus is read
   for carve.cpus.exclusive=true without carve.cpus.  */
int carve_compute_request_parse (const carve_spec_t spec, struct carve_compute_request_s *ret, carve_error_t *err);
void carve_compute_request_release (struct carve_compute_request_s *req);

/* The longest carve.job name: a directory name under the node's jobs
   directory, short enough for any message.  */
#define CARVE_JOB_NAME_MAX 64

/* Whether REQ asks runtime/compute for anything (CPUs, memory, a
   scheduling policy); syscalls and isolation are not compute's.  */
bool carve_compute_request_active (const struct carve_compute_request_s *req);

/* Every key, NULL-terminated, in the table's order (for `carve features`).  */
const char *const *carve_annotation_names (void);

#endif
