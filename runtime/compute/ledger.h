/* The node ledger: who owns which CPUs and memory, and every node setting
   carve changed with its original value.  One file for the whole node
   (node config `ledger`, default /run/carve/ledger), whatever --root the
   client passes, guarded by an exclusive flock on LEDGER.lock.  Written
   atomically (temporary file, fsync, rename) so a kill -9 at any point
   leaves the old or the new ledger, never half of one; every setting is
   recorded and committed before it is changed, so whoever comes next can
   restore it.

   The file is JSON:
     { "version": 2, "boot_id": "...",
       "partitions": [ { "root", "id", "creator", "creator_start",
                         "cgroup", "cpus", "exclusive", "load_balance",
                         "kthreads", "cpuset", "memory", "memory_units",
                         "memory_nodes", "hugepage_size",
                         "hugepages": [ { "node", "pages" } ] } ],
       "settings": [ { "kind": "file"|"affinity"|"cgroup_dir"|"mount", "path",
                       "pid", "start_time", "original", "derive", "hex",
                       "users": [ KEY... ] } ] }  */
#ifndef CARVE_COMPUTE_LEDGER_H
#define CARVE_COMPUTE_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <yajl/yajl_gen.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/cpumask.h"
#include "runtime/base/error.h"
#include "runtime/base/procstat.h"

/* Huge pages a partition took from one NUMA node's pool.  */
struct carve_ledger_hugepages_s
{
  int node;
  uint64_t pages;
};

/* One container's partition.  Its key is "ROOT/ID".  */
struct carve_ledger_partition_s
{
  char *root; /* the container's --root, absolute */
  char *id;
  char *key; /* ROOT "/" ID: the owner name in settings' users */
  /* The carve process that created the entry, and its start time: until
     the create is complete (see carve_ledger_partition_live), the entry
     lives as long as it does.  */
  pid_t creator;
  unsigned long long creator_start;
  char *cgroup_path; /* carve_cgroup_path() of the container, NULL before it exists */

  /* CPUs.  */
  carve_cpumask_t cpus; /* empty: none owned */
  bool exclusive;
  bool load_balance;
  bool evict;       /* carve.kthreads=evict in force */
  /* The IRQs whose smp_affinity the kernel refused to move off these CPUs
     ("36"; a managed IRQ, a virtio disk's), for `carve node`: nothing of
     theirs was changed, so nothing is restored.  NULL-terminated, or NULL.  */
  char **irqs_unmoved;
  char *cpuset_dir; /* the cpuset directory carve made for it (v1 partition), NULL */

  /* Memory.  */
  uint64_t memory;              /* bytes, whole units; 0: no partition */
  uint64_t memory_units;        /* memory / memory_unit */
  carve_cpumask_t memory_nodes; /* NUMA nodes the units come from */
  uint64_t hugepage_size;       /* bytes, 0: no huge pages */
  struct carve_ledger_hugepages_s *hugepages;
  size_t n_hugepages;
};

/* A node setting carve changed.  */
enum carve_ledger_setting_kind
{
  CARVE_LEDGER_FILE,      /* PATH's content (a sysfs, procfs or cgroup file) */
  CARVE_LEDGER_AFFINITY,  /* the CPU affinity of task PID (a kernel thread) */
  CARVE_LEDGER_CGROUP_DIR, /* a cgroup directory carve created for the node; restore = move its tasks to the parent,
                              rmdir (it stays while it holds sub-cgroups someone else made) */
  CARVE_LEDGER_MOUNT       /* a directory carve made and mounted on in the host's mount namespace (a job's /dev/shm);
                              restore = unmount whatever is mounted there, rmdir */
};

/* How the value of a FILE or AFFINITY setting follows the partitions while
   it still has users: when a partition leaves, runtime/compute recomputes
   every derived setting from its original for the partitions left.
   Settings of other modules (memory, sched) are FIXED and refreshed by
   their owner.  */
enum carve_ledger_derive
{
  CARVE_LEDGER_FIXED = 0,     /* carve's value stays until the last user leaves */
  CARVE_LEDGER_MINUS_OWNED,   /* a CPU list: the original minus every exclusive partition's CPUs */
  CARVE_LEDGER_MINUS_EVICTED, /* CPUs: the original minus every evicting partition's CPUs */
  CARVE_LEDGER_PLUS_USERS,    /* a CPU list: the original plus its users' CPUs */
};

struct carve_ledger_setting_s
{
  enum carve_ledger_setting_kind kind;
  char *path;                    /* FILE, CGROUP_DIR, MOUNT: the path; AFFINITY: "/proc/PID" */
  pid_t pid;                     /* AFFINITY */
  unsigned long long start_time; /* AFFINITY: a reused PID is never touched */
  char *original; /* FILE: the content before carve's first change (trailing newline dropped); AFFINITY: a CPU list */
  enum carve_ledger_derive derive;
  bool hex;     /* FILE: the value is a hex CPU mask (smp_affinity), not a list */
  char **users; /* keys of the partitions that need it */
  size_t n_users;
};

struct carve_ledger_s
{
  char *path;
  /* Set when PATH was corrupt and its previous copy (PATH.prev) was
     loaded instead: the warning to give, until the next commit.  */
  char *recovered;
  int lock_fd;
  char *boot_id; /* /proc/sys/kernel/random/boot_id when written */
  struct carve_ledger_partition_s **partitions;
  size_t n_partitions;
  /* In the order they were recorded; restored in the reverse order, so a
     setting recorded after another (a child cpuset shrunk before its
     parent, a cgroup made after the shrinking) is undone first.  */
  struct carve_ledger_setting_s **settings;
  size_t n_settings;
};
typedef struct carve_ledger_s *carve_ledger_t;

/* Takes the lock (creating PATH's directory and PATH.lock, mode 0600) and
   loads PATH; a missing file is an empty ledger; one written before the
   last reboot (another boot_id) is dropped, settings included, since the
   kernel reset them.  A corrupt one falls back to PATH.prev, the copy
   before the last commit (every commit keeps it), and says so in
   ->recovered; when that is corrupt too, an error naming both.  */
int carve_ledger_open (const char *path, carve_ledger_t *ret, carve_error_t *err);
/* Reads BUF (NUL-terminated, the content of PATH) as the ledger of the boot
   BOOT_ID, without the lock or the fallback to PATH.prev: a corrupt ledger
   fails naming PATH and what is wrong.  For the fuzz target and tests;
   carve_ledger_close frees it (it never commits).  */
int carve_ledger_parse (const char *path, const char *boot_id, const char *buf, carve_ledger_t *ret,
                        carve_error_t *err);
/* Writes the ledger atomically; it stays open and locked.  */
int carve_ledger_commit (carve_ledger_t l, carve_error_t *err);
/* Unlocks and frees, without writing.  */
void carve_ledger_close (carve_ledger_t l);
CARVE_DEFINE_CLEANUP (ledger, carve_ledger_t, carve_ledger_close)
#define cleanup_ledger CARVE_CLEANUP (ledger)

struct carve_ledger_partition_s *carve_ledger_find (carve_ledger_t l, const char *root, const char *id);
/* A new, empty partition for ROOT/ID owned by the calling process.  */
struct carve_ledger_partition_s *carve_ledger_add (carve_ledger_t l, const char *root, const char *id);
/* Removes P from the ledger and its key from every setting's users
   (settings left without users stay until carve_ledger_restore_unused).  */
void carve_ledger_remove (carve_ledger_t l, struct carve_ledger_partition_s *p);

/* Whether P's container may still exist, so its partition must never be
   taken back: its creating carve is still running (same PID and start
   time, not a zombie), or its create completed (ROOT/ID/state.json and the
   config.json create saves last are there; a `create` killed half-way
   leaves no config.json, and its init died with it).  PROC_ROOT is "/proc"
   (a fake tree in tests).  */
bool carve_ledger_partition_live (const struct carve_ledger_partition_s *p, const char *proc_root);

/* Records that OWNER (a partition key) needs the setting; the first record
   reads and keeps the original, later ones only add OWNER.  Returns the
   setting (NULL on error: unreadable file, gone task).  Commit before
   changing it.  */
struct carve_ledger_setting_s *carve_ledger_record_file (carve_ledger_t l, const char *owner, const char *path,
                                                         carve_error_t *err);
struct carve_ledger_setting_s *carve_ledger_record_affinity (carve_ledger_t l, const char *owner, pid_t pid,
                                                             carve_error_t *err);
struct carve_ledger_setting_s *carve_ledger_record_cgroup_dir (carve_ledger_t l, const char *owner, const char *path,
                                                               carve_error_t *err);
/* MOUNT: recorded before the directory is made, so a carve killed between
   the mkdir, the mount and its next commit leaves a record of both.  */
struct carve_ledger_setting_s *carve_ledger_record_mount (carve_ledger_t l, const char *owner, const char *path);
struct carve_ledger_setting_s *carve_ledger_find_setting (carve_ledger_t l, enum carve_ledger_setting_kind kind,
                                                          const char *path);
/* True when the partition with key OWNER is among S's users.  */
bool carve_ledger_setting_used_by (const struct carve_ledger_setting_s *s, const char *owner);
/* Drops S without restoring it: the change it was recorded for was
   refused, so the node still has the original.  */
void carve_ledger_forget (carve_ledger_t l, struct carve_ledger_setting_s *s);

/* Restores, in reverse order, every setting without users and drops it.
   What cannot be restored (a task gone, a write refused) is a warning
   appended to *WARNINGS (a NULL-terminated strv, may start NULL).  A
   setting whose target is gone (a cgroup file of a removed cgroup, a
   task that exited) is dropped silently.  Writes that the kernel refuses
   only because of the order (a cpuset that must grow after its parent)
   are retried once the others are done.  */
void carve_ledger_restore_unused (carve_ledger_t l, char ***warnings);
/* True when some setting has no users left (a release was interrupted).  */
bool carve_ledger_has_unused (carve_ledger_t l);

/* The value a derived setting S should have for the partitions in L now
   (NULL for a FIXED one, a CGROUP_DIR or a MOUNT), a CPU list or, for a hex
   setting, a mask NR_CPUS wide.  MINUS_EVICTED never gives an empty set:
   what would have no CPU left (an IRQ, a workqueue, a thread of an IRQ)
   gets ONLINE minus the evicted CPUs.  */
char *carve_ledger_derived_value (carve_ledger_t l, const struct carve_ledger_setting_s *s,
                                  const carve_cpumask_t *online, unsigned nr_cpus);

enum carve_ledger_pass
{
  CARVE_LEDGER_SHRINK = 1, /* only what loses CPUs, deepest path first (children before their parent) */
  CARVE_LEDGER_GROW = 2,   /* only what gains CPUs, shallowest first */
  CARVE_LEDGER_ALL = 3,
};
/* Gives every derived setting that has users the value
   carve_ledger_derived_value says, where it differs from what the node has
   now.  STRICT: stop at the first refusal and fail (create); otherwise
   refusals are warnings (release).  A target that is gone (a cgroup
   removed, a task exited) is skipped.  */
int carve_ledger_enforce (carve_ledger_t l, const carve_cpumask_t *online, unsigned nr_cpus, int passes, bool strict,
                          char ***warnings, carve_error_t *err);

/* Writes P's fields (not the braces around them) into G, with the names
   both the ledger file and `carve node --format json` use; WITH_CREATOR
   adds the creating process, which only the ledger needs, and the unmoved
   IRQs, which `carve node` shows inside its "evicted" object.  */
void carve_ledger_gen_partition (yajl_gen g, const struct carve_ledger_partition_s *p, bool with_creator);



#endif
