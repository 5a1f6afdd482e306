/* Control groups: one interface over pure v1, hybrid (v1 controllers plus a
   cgroup2 tree holding some of them) and pure v2.  Each controller is driven
   on the hierarchy that actually holds it; the layout is detected from
   /proc/self/mountinfo and /proc/cgroups, never from a hard-coded path.  */
#ifndef CARVE_LINUX_CGROUP_H
#define CARVE_LINUX_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cleanup.h"
#include "cpumask.h"
#include "error.h"

struct carve_spec_linux_resources_s;

enum carve_cgroup_mode_e
{
  CARVE_CGROUP_MODE_V1,     /* only v1 hierarchies hold controllers */
  CARVE_CGROUP_MODE_HYBRID, /* v1 hierarchies and a cgroup2 tree */
  CARVE_CGROUP_MODE_V2,     /* one cgroup2 tree */
};

/* One mounted hierarchy.  */
struct carve_cgroup_hierarchy_s
{
  bool v2;
  char *mount;        /* where it is mounted, root_prefix included */
  char *key;          /* its key in /proc/PID/cgroup: "cpu,cpuacct", "name=systemd", "" for v2 */
  char **controllers; /* v1: the mount's controllers (and "name=..."); v2: the root's cgroup.controllers */
  int id;             /* hierarchy id from /proc/cgroups (0 for v2 or unknown) */
};

/* The cgroup layout of a node.  Reference counted: every carve_cgroup_t
   holds a reference, so the caller may free its own one at any time.  */
struct carve_cgroup_layout_s
{
  enum carve_cgroup_mode_e mode;
  struct carve_cgroup_hierarchy_s *hierarchies;
  size_t n_hierarchies;
  int v2_index;      /* index of the cgroup2 tree, -1 when there is none */
  char *root_prefix; /* "" on the real machine */
  char *self_cgroup; /* /proc/self/cgroup, where relative cgroupsPaths start */
  unsigned refs;
};
typedef struct carve_cgroup_layout_s *carve_cgroup_layout_t;

/* Detects the layout.  MOUNTINFO_PATH and PROC_CGROUPS_PATH are the files to
   parse (/proc/self/mountinfo, /proc/cgroups; a missing /proc/cgroups is
   fine on v2-only kernels); ROOT_PREFIX (NULL or "" on the real machine) is
   put in front of every mount point, so tests can point them into a fake
   tree.  Relative cgroup paths start from ROOT_PREFIX/proc/self/cgroup when
   that file exists under a non-empty prefix, /proc/self/cgroup otherwise.  */
int carve_cgroup_layout_detect (const char *mountinfo_path, const char *proc_cgroups_path, const char *root_prefix,
                                carve_cgroup_layout_t *ret, carve_error_t *err);
/* The same for this machine.  */
int carve_cgroup_layout_detect_host (carve_cgroup_layout_t *ret, carve_error_t *err);
void carve_cgroup_layout_free (carve_cgroup_layout_t layout);
CARVE_DEFINE_CLEANUP (cgroup_layout, carve_cgroup_layout_t, carve_cgroup_layout_free)
#define cleanup_cgroup_layout CARVE_CLEANUP (cgroup_layout)

/* The hierarchy holding CONTROLLER (v1 or v2 names: "blkio" and "io" are the
   same; on v2 "devices" and "freezer" are core features), NULL when the node
   does not have it.  */
const struct carve_cgroup_hierarchy_s *carve_cgroup_layout_find (carve_cgroup_layout_t layout, const char *controller);

/* Expands the systemd `slice:prefix:name` syntax to a cgroup path as systemd
   places units ("a-b.slice:carve:x" -> "/a.slice/a-b.slice/carve-x.scope").  */
int carve_cgroup_systemd_path (const char *cgroups_path, const char *container_id, char **ret, carve_error_t *err);
/* The same, and the slice and the scope unit's name ("carve-x.scope").  A
   name systemd would refuse fails naming linux.cgroupsPath.  */
int carve_cgroup_systemd_unit (const char *cgroups_path, const char *container_id, char **ret_slice, char **ret_unit,
                               char **ret_path, carve_error_t *err);

/* One container's cgroup on every hierarchy.  */
typedef struct carve_cgroup_s *carve_cgroup_t;

/* A compute partition's own cpuset.  On cgroup v1 the kernel makes a
   cpuset cpu_exclusive only below an exclusive parent, so an exclusive
   container's cpuset is not at its cgroupsPath but below the node's
   partition (carve.compute, made by runtime/compute): CPUSET_PATH, absolute
   below the cpuset hierarchy's root, made an exclusive partition of CPUS
   before the container's process enters it.  Its other controllers stay
   at the cgroupsPath.  */
struct carve_cgroup_placement_s
{
  const char *cpuset_path;
  carve_cpumask_t cpus;
  bool load_balance;
};

/* Resolves CGROUPS_PATH (linux.cgroupsPath, may be NULL) as runc does: an
   absolute path is taken below every hierarchy's root; a relative one (or
   the container id when absent) below carve's own cgroup of each hierarchy,
   from /proc/self/cgroup (on cgroup v2 below its parent, as runc's fs2).
   SYSTEMD (--systemd-cgroup) wants the `slice:prefix:name` syntax and a
   running systemd, which is asked for a transient scope unit holding PID
   (cgroup-systemd.h; carve_cgroup_unit names it) instead of carve making
   the directories.  Otherwise creates the cgroup on
   every hierarchy (v1 cpuset: cpus and mems copied from the parent; v2:
   controllers enabled in the ancestors' cgroup.subtree_control) and moves
   PID into it when PID > 0.  On failure removes what it created.
   PLACEMENT (NULL: none) puts the v1 cpuset of a compute partition below
   the node's partition.  */
int carve_cgroup_create (carve_cgroup_layout_t layout, const char *cgroups_path, const char *container_id, bool systemd,
                         const struct carve_cgroup_placement_s *placement, pid_t pid, carve_cgroup_t *ret,
                         carve_error_t *err);

/* The path carve_cgroup_create would give (what carve_cgroup_path returns),
   resolved the same way, without creating anything: create saves it before
   the cgroup exists.  */
int carve_cgroup_resolve (carve_cgroup_layout_t layout, const char *cgroups_path, const char *container_id,
                          bool systemd, const struct carve_cgroup_placement_s *placement, char **ret_path,
                          carve_error_t *err);

/* The systemd unit the cgroup is, NULL for the cgroupfs driver.  With one,
   carve_cgroup_apply_resources also sets the unit's properties and
   carve_cgroup_destroy stops the unit.  A cgroup re-opened from the state
   store gets its unit back with carve_cgroup_set_unit.  */
const char *carve_cgroup_unit (carve_cgroup_t cg);
void carve_cgroup_set_unit (carve_cgroup_t cg, const char *unit);

/* Re-opens a cgroup from carve_cgroup_path() of an earlier carve_cgroup_create
   (what the state store keeps).  Nothing is created.  */
int carve_cgroup_open (carve_cgroup_layout_t layout, const char *resolved_path, carve_cgroup_t *ret,
                       carve_error_t *err);

/* The resolved path, to keep in the state store: "/a/b" when it is the same
   on every hierarchy, otherwise one "KEY:PATH" line per hierarchy (KEY as in
   /proc/PID/cgroup).  Treat it as opaque.  */
const char *carve_cgroup_path (carve_cgroup_t cg);

/* The cgroup's directory on the hierarchy holding CONTROLLER, NULL when the
   node has no such controller.  */
const char *carve_cgroup_dir (carve_cgroup_t cg, const char *controller);

/* Moves PID into the cgroup on every hierarchy.  SUB_CGROUP (NULL for none)
   is a relative path below the container's cgroup, created when missing,
   as runc's `exec --cgroup` (on v1 "ctrl[,ctrl]:path" limits it to those
   controllers' hierarchies).  */
int carve_cgroup_enter (carve_cgroup_t cg, pid_t pid, const char *sub_cgroup, carve_error_t *err);

/* What of RES this layout has no file for and apply leaves aside (on cgroup
   v2, linux.resources.network, as runc's fs2 driver), as one line for the
   caller's warnings; NULL when nothing is left aside.  */
const char *carve_cgroup_ignored_resources (carve_cgroup_layout_t layout,
                                            const struct carve_spec_linux_resources_s *res);

/* Writes every resource present in RES (absent ones are left alone, so this
   serves `update` too).  An error names the JSON field or the file and the
   value the kernel refused.  */
int carve_cgroup_apply_resources (carve_cgroup_t cg, const struct carve_spec_linux_resources_s *res,
                                  carve_error_t *err);

/* Every process in the cgroup and its sub-cgroups, sorted, without
   duplicates.  */
int carve_cgroup_pids (carve_cgroup_t cg, pid_t **ret, size_t *ret_n, carve_error_t *err);

/* Signals every process: freezes first so that nothing forks away, signals,
   thaws (runc's signalAllProcesses).  Without a freezer it signals twice.  */
int carve_cgroup_kill_all (carve_cgroup_t cg, int signo, carve_error_t *err);

/* v1 freezer.state FROZEN/THAWED, v2 cgroup.freeze; waits until the state
   has settled.  */
int carve_cgroup_freeze (carve_cgroup_t cg, bool frozen, carve_error_t *err);
int carve_cgroup_is_frozen (carve_cgroup_t cg, bool *ret, carve_error_t *err);

/* Removes the cgroup (and any sub-cgroup) on every hierarchy, deepest first,
   retrying EBUSY briefly.  A cgroup already gone is not an error.  */
int carve_cgroup_destroy (carve_cgroup_t cg, carve_error_t *err);

void carve_cgroup_free (carve_cgroup_t cg);
CARVE_DEFINE_CLEANUP (cgroup, carve_cgroup_t, carve_cgroup_free)
#define cleanup_cgroup CARVE_CLEANUP (cgroup)

/* What runc's `events --stats` prints.  */
struct carve_cgroup_memory_entry_s
{
  uint64_t usage, max, failcnt, limit;
};

struct carve_cgroup_blkio_entry_s
{
  uint64_t major, minor;
  char *op; /* "Read", "Write", "Sync", "Async", "Discard", "Total", "" */
  uint64_t value;
};

struct carve_cgroup_blkio_list_s
{
  struct carve_cgroup_blkio_entry_s *entries;
  size_t len;
};

struct carve_cgroup_hugetlb_stats_s
{
  char *page_size; /* "2MB", "1GB" as runc names them */
  uint64_t usage, max, failcnt;
};

struct carve_cgroup_stats_s
{
  struct
  {
    uint64_t total, kernel, user;
    uint64_t *percpu;
    size_t percpu_len;
    /* Per CPU in kernel and user mode (v1 cpuacct.usage_all), nanoseconds.  */
    uint64_t *percpu_kernel, *percpu_user;
    size_t percpu_kernel_len, percpu_user_len;
    uint64_t periods, throttled_periods, throttled_time;
  } cpu;
  struct
  {
    /* Lists as the kernel prints them ("0-3,8"), NULL when unknown.  v1
       reads cpuset.cpus and cpuset.mems, v2 the effective sets.  */
    char *cpus, *mems;
    /* v1 only, as runc reads them; zero on v2.  */
    uint64_t cpu_exclusive, mem_hardwall, mem_exclusive, memory_migrate, memory_spread_page, memory_spread_slab,
        memory_pressure, sched_load_balance;
    int64_t sched_relax_domain_level;
  } cpuset;
  struct
  {
    uint64_t cache;
    struct carve_cgroup_memory_entry_s usage, swap, kernel, kernel_tcp;
    /* memory.stat as it is: keys and values.  */
    char **raw_keys;
    uint64_t *raw_values;
    size_t raw_len;
  } memory;
  struct
  {
    uint64_t current, limit; /* limit 0 = no limit, as runc */
  } pids;
  struct
  {
    struct carve_cgroup_blkio_list_s io_service_bytes_recursive, io_serviced_recursive, io_queue_recursive,
        io_service_time_recursive, io_wait_time_recursive, io_merged_recursive, io_time_recursive, sectors_recursive;
  } blkio;
  struct carve_cgroup_hugetlb_stats_s *hugetlb;
  size_t hugetlb_len;
};

/* Fills RET (zeroed first) from every controller the node has; missing
   files leave zeros.  Release with carve_cgroup_stats_release.  */
int carve_cgroup_stats (carve_cgroup_t cg, struct carve_cgroup_stats_s *ret, carve_error_t *err);
void carve_cgroup_stats_release (struct carve_cgroup_stats_s *stats);

/* How many times the OOM killer killed a process in the cgroup (v1
   memory.oom_control oom_kill, v2 memory.events oom_kill), for `events`.  */
int carve_cgroup_oom_count (carve_cgroup_t cg, uint64_t *ret, carve_error_t *err);

/* Makes DIR, a cpuset cgroup on the cgroup2 tree (V2) or a v1 cpuset
   hierarchy, an exclusive partition of CPUS through the backend's
   make_partition (v1 cpuset.cpu_exclusive and sched_load_balance; v2
   cpuset.cpus.exclusive and cpuset.cpus.partition, root when LOAD_BALANCE,
   else isolated).  An invalid v2 partition fails with what the kernel
   reads back.  */
int carve_cgroup_make_partition (const char *dir, bool v2, const carve_cpumask_t *cpus, bool load_balance,
                                 carve_error_t *err);

/* cgroup2 memory.min of CG's memory cgroup: memory nobody's pressure
   reclaims.  Nothing to do on v1 (no such file) or for BYTES 0.  */
int carve_cgroup_set_memory_min (carve_cgroup_t cg, uint64_t bytes, carve_error_t *err);

/* A cgroup file: DIR/FILE written with runtime/base's kernel-file writer,
   read without its trailing newline.  runtime/compute writes the node's own
   cpusets (carve.compute, carve.serviceos) through these.  */
int carve_cgroup_write (const char *dir, const char *file, const char *value, carve_error_t *err);
int carve_cgroup_read (const char *dir, const char *file, char **ret, carve_error_t *err);

#endif
