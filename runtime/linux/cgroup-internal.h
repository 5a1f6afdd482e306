/* Shared between cgroup.c and its backends (cgroup-v1.c, cgroup-v2.c): the
   cgroup object and the ops table.  Not for use outside runtime/linux.  */
#ifndef CARVE_LINUX_CGROUP_INTERNAL_H
#define CARVE_LINUX_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "runtime/linux/cgroup.h"

struct carve_cgroup_s
{
  carve_cgroup_layout_t layout; /* a reference */
  char *path;                   /* what carve_cgroup_path returns */
  char **rels;                  /* per hierarchy: the path below its root */
  char **dirs;                  /* per hierarchy: the directory */
  char *name;                   /* scratch of carve_cgroup_name () */
  char *unit;                   /* the systemd scope unit, NULL for the cgroupfs driver */
};

/* CG's path on one line for messages: the path when it is the same on
   every hierarchy, else the distinct paths joined by ", ".  Valid until the
   next call.  */
const char *carve_cgroup_name (carve_cgroup_t cg);

/* One backend.  Every operation gets the cgroup's directory on the
   hierarchy holding the controller; the generic code in cgroup.c chooses the
   hierarchy, so in hybrid mode v1 and v2 operations mix.  A NULL entry means
   the backend has no such controller.  The set_* functions are only called
   when the resource group is present in the spec.  */
struct carve_cgroup_ops_s
{
  const char *name;

  /* Called for every directory on the way to the cgroup, parent first, on
     hierarchy H (v1 cpuset: fill the empty cpus and mems).  */
  int (*prepare_dir) (const struct carve_cgroup_hierarchy_s *h, const char *parent, const char *dir,
                      carve_error_t *err);

  /* Makes DIR an exclusive cpuset partition of CPUS (a list), balanced
     within itself when LOAD_BALANCE (v1 cpu_exclusive and
     sched_load_balance; v2 cpuset.cpus.exclusive and cpuset.cpus.partition
     root or isolated, read back).  */
  int (*make_partition) (const char *dir, const char *cpus, bool load_balance, carve_error_t *err);

  int (*set_cpu) (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err);
  int (*set_cpuset) (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err);
  int (*set_memory) (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err);
  int (*set_pids) (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err);
  int (*set_blkio) (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err);
  int (*set_hugetlb) (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err);
  int (*set_net_cls) (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err);
  int (*set_net_prio) (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err);
  int (*set_rdma) (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err);
  int (*set_devices) (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err);

  int (*freeze) (const char *dir, bool frozen, carve_error_t *err);
  int (*is_frozen) (const char *dir, bool *ret, carve_error_t *err);

  int (*stats_cpu) (const char *dir, struct carve_cgroup_stats_s *stats, carve_error_t *err);
  int (*stats_cpuacct) (const char *dir, struct carve_cgroup_stats_s *stats, carve_error_t *err);
  int (*stats_cpuset) (const char *dir, struct carve_cgroup_stats_s *stats, carve_error_t *err);
  int (*stats_memory) (const char *dir, struct carve_cgroup_stats_s *stats, carve_error_t *err);
  int (*stats_pids) (const char *dir, struct carve_cgroup_stats_s *stats, carve_error_t *err);
  int (*stats_blkio) (const char *dir, struct carve_cgroup_stats_s *stats, carve_error_t *err);
  int (*stats_hugetlb) (const char *dir, struct carve_cgroup_stats_s *stats, carve_error_t *err);
  int (*oom_count) (const char *dir, uint64_t *ret, carve_error_t *err);
};

extern const struct carve_cgroup_ops_s carve_cgroup_ops_v1;
extern const struct carve_cgroup_ops_s carve_cgroup_ops_v2;

/* Shared by cgroup-layout.c and cgroup.c.  */

/* Normalises PATH to an absolute path without "." and "..", as runc's
   CleanPath: ".." never climbs above the root, so a relative cgroupsPath
   cannot escape the cgroup it is relative to.  */
char *carve_cgroup_clean_path (const char *path);
/* A "/" B, cleaned.  */
char *carve_cgroup_join_path (const char *a, const char *b);
/* The index in LAYOUT->hierarchies of the one holding CONTROLLER, -1.  */
int carve_cgroup_layout_index (carve_cgroup_layout_t l, const char *controller);
/* A cgroup object with no path yet (rels[] to fill, then
   carve_cgroup_finish sets dirs[] and path).  */
carve_cgroup_t carve_cgroup_new (carve_cgroup_layout_t l);
void carve_cgroup_finish (carve_cgroup_t cg);
/* The cgroup object of carve_cgroup_resolve (nothing created).  */
int carve_cgroup_resolve_object (carve_cgroup_layout_t l, const char *cgroups_path, const char *container_id,
                                 bool systemd, const struct carve_cgroup_placement_s *placement, carve_cgroup_t *ret,
                                 carve_error_t *err);
/* The backend of hierarchy H.  */
const struct carve_cgroup_ops_s *carve_cgroup_ops_of (const struct carve_cgroup_hierarchy_s *h);

/* Helpers shared by the backends (cgroup.c).  */

int carve_cgroup_writef (const char *dir, const char *file, carve_error_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));
/* Reads DIR/FILE as one unsigned number ("max" is UINT64_MAX).  */
int carve_cgroup_read_u64 (const char *dir, const char *file, uint64_t *ret, carve_error_t *err);
/* Looks KEY up in a "key value" file (memory.stat, cpu.stat, cgroup.events);
   1 found, 0 not found, -1 error.  */
int carve_cgroup_read_keyed (const char *dir, const char *file, const char *key, uint64_t *ret, carve_error_t *err);
bool carve_cgroup_file_exists (const char *dir, const char *file);
/* The same readers for files a kernel may not have: a missing file leaves
   *RET alone and is not an error.  */
int carve_cgroup_read_u64_opt (const char *dir, const char *file, uint64_t *ret, carve_error_t *err);
int carve_cgroup_read_keyed_opt (const char *dir, const char *file, const char *key, uint64_t *ret,
                                 carve_error_t *err);

/* hugepageLimits: writes each limit to hugetlb.<size>.<SUFFIX> and, where
   the kernel has reservations (Linux 5.7), hugetlb.<size>.rsvd.<SUFFIX>, as
   runc does.  SUFFIX is "limit_in_bytes" (v1) or "max" (v2).  */
int carve_cgroup_write_hugetlb (const char *dir, const struct carve_spec_linux_resources_s *res, const char *suffix,
                                carve_error_t *err);

/* Converts v1 cpu.shares to v2 cpu.weight, and blkio.weight to io.weight,
   with runc's formulas.  */
uint64_t carve_cgroup_shares_to_weight (uint64_t shares);
uint64_t carve_cgroup_blkio_to_io_weight (uint64_t weight);

/* rdma.max, the same on v1 and v2 (cgroup-v1.c).  */
int carve_cgroup_set_rdma (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err);

/* Blkio entries: appends one.  */
void carve_cgroup_blkio_add (struct carve_cgroup_blkio_list_s *l, uint64_t major, uint64_t minor, const char *op,
                             uint64_t value);

#endif
