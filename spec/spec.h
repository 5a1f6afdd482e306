/* The OCI data model (runtime-spec v1.3.0): config.json, process.json and
   the `update -r` resources document parsed into plain C structs, and the
   JSON that carve prints (state, list, features, spec).

   Pure: nothing here makes a system call besides reading a file.  Every
   rejection names the JSON path first:
     linux.resources.cpu.cpus: "0-x" is not a CPU list

   Conventions of the structs below:
   - a JSON object is a pointer to its struct, NULL when absent (or null);
   - an array of strings is `char **x; size_t x_len;`, also NULL-terminated;
     an array of objects is `struct ... **x; size_t x_len;` (also
     NULL-terminated); NULL/0 when absent;
   - strings are `char *`, NULL when absent;
   - every OPTIONAL number has a `bool has_x` beside it; an optional boolean
     has one only where absence means something different from false;
     REQUIRED numbers have none (the parser rejects their absence);
   - a string->string map is `struct carve_spec_map_s *`, in JSON order;
   - a map of objects (linux.netDevices, linux.resources.rdma) is an array of
     entry structs whose first member holds the key;
   - the top-level `linux` object is the member `linux_` (`linux` is a
     predefined macro in GNU C).
   Unknown fields are ignored.  JSON null is treated as absent.  Enumerated
   values (namespace types, seccomp actions, ...) are kept as strings but
   have been checked against the known set.  */
#ifndef CARVE_SPEC_SPEC_H
#define CARVE_SPEC_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/error.h"

/* The runtime-spec versions carve accepts and implements.  */
#define CARVE_SPEC_OCI_VERSION_MIN "1.0.0"
#define CARVE_SPEC_OCI_VERSION_MAX "1.3.0"

/* CPU and NUMA node lists may name indexes below this (NR_CPUS's maximum).  */
#define CARVE_SPEC_CPU_LIST_MAX 8192

/* The largest config.json, process.json or resources document carve
   parses (a real one is kilobytes), and the most entries of `mounts`: far
   below the kernel's fs.mount-max (100000 mounts per namespace), so a
   config that could never be set up is refused before anything is made.  */
#define CARVE_SPEC_DOCUMENT_MAX (16 << 20)
#define CARVE_SPEC_MOUNTS_MAX 4096

struct carve_spec_map_s
{
  char **keys;
  char **values;
  size_t len;
};

/* --- root, mounts ---------------------------------------------------------- */

struct carve_spec_root_s
{
  char *path; /* REQUIRED */
  bool readonly;
};

struct carve_spec_id_mapping_s
{
  uint32_t container_id; /* REQUIRED */
  uint32_t host_id;      /* REQUIRED */
  uint32_t size;         /* REQUIRED */
};

struct carve_spec_mount_s
{
  char *destination; /* REQUIRED, absolute */
  char *source;
  char **options;
  size_t options_len;
  char *type;
  struct carve_spec_id_mapping_s **uid_mappings;
  size_t uid_mappings_len;
  struct carve_spec_id_mapping_s **gid_mappings;
  size_t gid_mappings_len;
};

/* --- process --------------------------------------------------------------- */

struct carve_spec_console_size_s
{
  uint64_t height; /* REQUIRED */
  uint64_t width;  /* REQUIRED */
};

struct carve_spec_rlimit_s
{
  char *type;    /* REQUIRED, a RLIMIT_* name known on Linux */
  uint64_t soft; /* REQUIRED */
  uint64_t hard; /* REQUIRED */
};

/* Capability names are not checked here: an unknown one is a warning when
   capabilities are applied.  */
struct carve_spec_capabilities_s
{
  char **bounding;
  size_t bounding_len;
  char **effective;
  size_t effective_len;
  char **inheritable;
  size_t inheritable_len;
  char **permitted;
  size_t permitted_len;
  char **ambient;
  size_t ambient_len;
};

struct carve_spec_scheduler_s
{
  char *policy; /* REQUIRED, SCHED_* */
  bool has_nice;
  int32_t nice;
  bool has_priority;
  int32_t priority;
  char **flags; /* SCHED_FLAG_* */
  size_t flags_len;
  bool has_runtime;
  uint64_t runtime;
  bool has_deadline;
  uint64_t deadline;
  bool has_period;
  uint64_t period;
};

struct carve_spec_io_priority_s
{
  char *class; /* REQUIRED, IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE */
  bool has_priority;
  int32_t priority; /* 0..7 */
};

/* CPU lists, checked with carve_spec_parse_cpu_list.  */
struct carve_spec_exec_cpu_affinity_s
{
  char *initial;
  char *final;
};

struct carve_spec_user_s
{
  uint32_t uid;
  uint32_t gid;
  bool has_umask;
  uint32_t umask; /* 0..0777 */
  uint32_t *additional_gids;
  size_t additional_gids_len;
  char *username;
};

struct carve_spec_process_s
{
  bool terminal;
  struct carve_spec_console_size_s *console_size;
  char *cwd; /* REQUIRED, absolute */
  char **env;
  size_t env_len;
  char **args; /* REQUIRED (at least one entry) */
  size_t args_len;
  char *command_line;
  struct carve_spec_rlimit_s **rlimits;
  size_t rlimits_len;
  char *apparmor_profile;
  struct carve_spec_capabilities_s *capabilities;
  bool no_new_privileges;
  bool has_oom_score_adj;
  int oom_score_adj;
  struct carve_spec_scheduler_s *scheduler;
  char *selinux_label;
  struct carve_spec_io_priority_s *io_priority;
  struct carve_spec_exec_cpu_affinity_s *exec_cpu_affinity;
  struct carve_spec_user_s *user;
};

/* --- hooks ----------------------------------------------------------------- */

struct carve_spec_hook_s
{
  char *path; /* REQUIRED, absolute */
  char **args;
  size_t args_len;
  char **env;
  size_t env_len;
  bool has_timeout;
  int timeout; /* seconds, >= 1 */
};

struct carve_spec_hooks_s
{
  struct carve_spec_hook_s **prestart;
  size_t prestart_len;
  struct carve_spec_hook_s **create_runtime;
  size_t create_runtime_len;
  struct carve_spec_hook_s **create_container;
  size_t create_container_len;
  struct carve_spec_hook_s **start_container;
  size_t start_container_len;
  struct carve_spec_hook_s **poststart;
  size_t poststart_len;
  struct carve_spec_hook_s **poststop;
  size_t poststop_len;
};

/* --- linux ----------------------------------------------------------------- */

struct carve_spec_namespace_s
{
  char *type; /* REQUIRED: mount pid network uts ipc user cgroup time; no duplicates */
  char *path; /* absolute */
};

struct carve_spec_time_offset_s
{
  bool has_secs;
  int64_t secs;
  bool has_nanosecs;
  uint32_t nanosecs;
};

struct carve_spec_time_offsets_s
{
  struct carve_spec_time_offset_s *boottime;
  struct carve_spec_time_offset_s *monotonic;
};

/* An entry of linux.devices (a device node to create).  */
struct carve_spec_linux_device_s
{
  char *type;     /* REQUIRED: c, b, u or p */
  char *path;     /* REQUIRED, absolute */
  bool has_major; /* REQUIRED unless type is p */
  int64_t major;
  bool has_minor; /* REQUIRED unless type is p */
  int64_t minor;
  bool has_file_mode;
  uint32_t file_mode; /* 0..0777 */
  bool has_uid;
  uint32_t uid;
  bool has_gid;
  uint32_t gid;
};

/* An entry of linux.resources.devices (the device cgroup allow list).  */
struct carve_spec_device_cgroup_s
{
  bool allow;     /* REQUIRED */
  char *type;     /* a, c or b; NULL means all */
  bool has_major; /* absent means all */
  int64_t major;
  bool has_minor;
  int64_t minor;
  char *access; /* letters of rwm */
};

struct carve_spec_memory_s
{
  bool has_limit;
  int64_t limit;
  bool has_reservation;
  int64_t reservation;
  bool has_swap;
  int64_t swap;
  bool has_kernel;
  int64_t kernel;
  bool has_kernel_tcp;
  int64_t kernel_tcp;
  bool has_swappiness;
  uint64_t swappiness;
  bool has_disable_oom_killer;
  bool disable_oom_killer;
  bool has_use_hierarchy;
  bool use_hierarchy;
  bool has_check_before_update;
  bool check_before_update;
};

struct carve_spec_cpu_s
{
  bool has_shares;
  uint64_t shares;
  bool has_quota;
  int64_t quota;
  bool has_burst;
  uint64_t burst;
  bool has_period;
  uint64_t period;
  bool has_realtime_runtime;
  int64_t realtime_runtime;
  bool has_realtime_period;
  uint64_t realtime_period;
  char *cpus; /* CPU list, "" allowed (means unset) */
  char *mems; /* NUMA node list, "" allowed */
  bool has_idle;
  int64_t idle;
};

struct carve_spec_pids_s
{
  int64_t limit; /* REQUIRED; <= 0 means unlimited */
};

struct carve_spec_weight_device_s
{
  int64_t major; /* REQUIRED */
  int64_t minor; /* REQUIRED */
  bool has_weight;
  uint16_t weight;
  bool has_leaf_weight;
  uint16_t leaf_weight;
};

struct carve_spec_throttle_device_s
{
  int64_t major; /* REQUIRED */
  int64_t minor; /* REQUIRED */
  bool has_rate;
  uint64_t rate;
};

struct carve_spec_block_io_s
{
  bool has_weight;
  uint16_t weight;
  bool has_leaf_weight;
  uint16_t leaf_weight;
  struct carve_spec_weight_device_s **weight_device;
  size_t weight_device_len;
  struct carve_spec_throttle_device_s **throttle_read_bps_device;
  size_t throttle_read_bps_device_len;
  struct carve_spec_throttle_device_s **throttle_write_bps_device;
  size_t throttle_write_bps_device_len;
  struct carve_spec_throttle_device_s **throttle_read_iops_device;
  size_t throttle_read_iops_device_len;
  struct carve_spec_throttle_device_s **throttle_write_iops_device;
  size_t throttle_write_iops_device_len;
};

struct carve_spec_hugepage_limit_s
{
  char *page_size; /* REQUIRED, e.g. "2MB" */
  uint64_t limit;  /* REQUIRED */
};

struct carve_spec_interface_priority_s
{
  char *name;        /* REQUIRED */
  uint32_t priority; /* REQUIRED */
};

struct carve_spec_network_s
{
  bool has_class_id;
  uint32_t class_id;
  struct carve_spec_interface_priority_s **priorities;
  size_t priorities_len;
};

/* One entry of the linux.resources.rdma map.  */
struct carve_spec_rdma_s
{
  char *device; /* the map key */
  bool has_hca_handles;
  uint32_t hca_handles;
  bool has_hca_objects;
  uint32_t hca_objects;
};

struct carve_spec_linux_resources_s
{
  struct carve_spec_device_cgroup_s **devices;
  size_t devices_len;
  struct carve_spec_memory_s *memory;
  struct carve_spec_cpu_s *cpu;
  struct carve_spec_pids_s *pids;
  struct carve_spec_block_io_s *block_io;
  struct carve_spec_hugepage_limit_s **hugepage_limits;
  size_t hugepage_limits_len;
  struct carve_spec_network_s *network;
  struct carve_spec_rdma_s **rdma;
  size_t rdma_len;
  struct carve_spec_map_s *unified;
};

struct carve_spec_intel_rdt_s
{
  char *clos_id;
  char **schemata;
  size_t schemata_len;
  char *l3_cache_schema;
  char *mem_bw_schema;
  bool enable_monitoring;
};

struct carve_spec_syscall_arg_s
{
  uint32_t index; /* REQUIRED */
  uint64_t value; /* REQUIRED */
  bool has_value_two;
  uint64_t value_two;
  char *op; /* REQUIRED, SCMP_CMP_* */
};

struct carve_spec_syscall_s
{
  char **names; /* REQUIRED, at least one */
  size_t names_len;
  char *action; /* REQUIRED, SCMP_ACT_* */
  bool has_errno_ret;
  uint32_t errno_ret;
  struct carve_spec_syscall_arg_s **args;
  size_t args_len;
};

struct carve_spec_seccomp_s
{
  char *default_action; /* REQUIRED, SCMP_ACT_* */
  bool has_default_errno_ret;
  uint32_t default_errno_ret;
  char **architectures; /* SCMP_ARCH_* */
  size_t architectures_len;
  char **flags; /* SECCOMP_FILTER_FLAG_* */
  size_t flags_len;
  char *listener_path;
  char *listener_metadata;
  struct carve_spec_syscall_s **syscalls;
  size_t syscalls_len;
};

struct carve_spec_personality_s
{
  char *domain; /* LINUX or LINUX32 */
  char **flags;
  size_t flags_len;
};

struct carve_spec_memory_policy_s
{
  char *mode;   /* MPOL_* */
  char *nodes;  /* NUMA node list */
  char **flags; /* MPOL_F_* */
  size_t flags_len;
};

/* One entry of the linux.netDevices map.  */
struct carve_spec_net_device_s
{
  char *host_name; /* the map key: the interface's name on the host */
  char *name;      /* its name in the container; NULL keeps host_name */
};

struct carve_spec_linux_s
{
  struct carve_spec_namespace_s **namespaces;
  size_t namespaces_len;
  struct carve_spec_id_mapping_s **uid_mappings;
  size_t uid_mappings_len;
  struct carve_spec_id_mapping_s **gid_mappings;
  size_t gid_mappings_len;
  struct carve_spec_time_offsets_s *time_offsets;
  struct carve_spec_linux_device_s **devices;
  size_t devices_len;
  struct carve_spec_net_device_s **net_devices;
  size_t net_devices_len;
  char *cgroups_path;
  struct carve_spec_linux_resources_s *resources;
  struct carve_spec_intel_rdt_s *intel_rdt;
  struct carve_spec_map_s *sysctl;
  struct carve_spec_seccomp_s *seccomp;
  char *rootfs_propagation; /* private, shared, slave, unbindable (also r-prefixed) */
  char **masked_paths;      /* absolute */
  size_t masked_paths_len;
  char **readonly_paths; /* absolute */
  size_t readonly_paths_len;
  char *mount_label;
  struct carve_spec_personality_s *personality;
  struct carve_spec_memory_policy_s *memory_policy;
};

/* --- the document ---------------------------------------------------------- */

struct carve_spec_s
{
  char *oci_version;              /* REQUIRED, 1.x semver */
  struct carve_spec_root_s *root; /* REQUIRED */
  struct carve_spec_mount_s **mounts;
  size_t mounts_len;
  struct carve_spec_process_s *process;
  char *hostname;
  char *domainname;
  struct carve_spec_hooks_s *hooks;
  struct carve_spec_map_s *annotations;
  struct carve_spec_linux_s *linux_;
};
typedef struct carve_spec_s *carve_spec_t;

/* Parses config.json held in JSON[0..LEN) (need not be NUL-terminated).  */
carve_spec_t carve_spec_parse (const char *json, size_t len, carve_error_t *err);

/* Reads and parses PATH; every error names PATH (`/b/config.json:
   mounts[2].destination: ...`).  */
carve_spec_t carve_spec_load (const char *path, carve_error_t *err);

void carve_spec_free (carve_spec_t spec);

/* The value of KEY in map M (annotations, sysctl), NULL when absent or M
   is NULL.  */
const char *carve_spec_map_get (const struct carve_spec_map_s *m, const char *key);
CARVE_DEFINE_CLEANUP (spec, carve_spec_t, carve_spec_free)
#define cleanup_spec CARVE_CLEANUP (spec)

/* The `exec -p process.json` document: a process object alone.  Paths in
   errors start at the object's fields (`cwd: missing required field`).  */
struct carve_spec_process_s *carve_spec_process_parse (const char *json, size_t len, carve_error_t *err);
void carve_spec_process_free (struct carve_spec_process_s *process);
CARVE_DEFINE_CLEANUP (spec_process, struct carve_spec_process_s *, carve_spec_process_free)
#define cleanup_spec_process CARVE_CLEANUP (spec_process)

/* The `update -r` document: a linux.resources object alone.  */
struct carve_spec_linux_resources_s *carve_spec_resources_parse (const char *json, size_t len, carve_error_t *err);
void carve_spec_resources_free (struct carve_spec_linux_resources_s *resources);
CARVE_DEFINE_CLEANUP (spec_resources, struct carve_spec_linux_resources_s *, carve_spec_resources_free)
#define cleanup_spec_resources CARVE_CLEANUP (spec_resources)

/* Objects that other modules build (a compute plan's mount, scheduler).  */
void carve_spec_mount_free (struct carve_spec_mount_s *mount);
void carve_spec_scheduler_free (struct carve_spec_scheduler_s *scheduler);

/* --- value helpers (also used by the parser) ------------------------------ */

/* Parses a CPU or NUMA node list ("0-3,5", spaces around items allowed)
   into a bitmap: bit N is byte N / 8, bit N % 8 (the kernel's cpumask
   layout).  *RET_LEN is the number of bytes, just enough for the highest
   index.  "" gives an empty set (*RET_MASK NULL, *RET_LEN 0).  Rejects
   reversed ranges, empty items and indexes >= CARVE_SPEC_CPU_LIST_MAX with
   `"S" is not a CPU list`.  */
int carve_spec_parse_cpu_list (const char *s, uint8_t **ret_mask, size_t *ret_len, carve_error_t *err);

/* "KILL", "SIGKILL", "kill", "9", "SIGRTMIN+3", "RTMAX-1" -> the number.
   Rejects 0, unknown names and numbers above SIGRTMAX with
   `unknown signal "FOO"`.  */
int carve_spec_signal_parse (const char *name, int *ret_signo, carve_error_t *err);

/* RLIMIT_* name -> resource number, or -1 when unknown on Linux.  */
int carve_spec_rlimit_from_name (const char *name);

/* Namespace type ("pid", "network", ...) -> CLONE_NEW* flag, or 0 when
   unknown.  */
int carve_spec_namespace_flag (const char *type);

/* true when S is "1.x.y" semver (with optional -pre/+build).  */
bool carve_spec_oci_version_ok (const char *s);

/* --- JSON carve prints ----------------------------------------------------- */

/* A container's state, as `state`, `list` and hooks print it.  */
struct carve_spec_container_state_s
{
  char *oci_version;
  char *id;
  char *status; /* creating, created, running, paused, stopped */
  char *bundle;
  char *rootfs;
  char *created; /* RFC 3339 with nanoseconds, as runc prints it */
  char *owner;
  int pid;
  struct carve_spec_map_s *annotations;
  /* carve's own: what create ignored (NULL or empty: the key is left out,
     and the document is runc's).  */
  char **warnings;
};

/* These return a malloc'd NUL-terminated string (OOM aborts).  They escape
   <, > and & as \u003c, \u003e, \u0026 like Go's encoder.  */

/* `state ID`: Go's json.MarshalIndent with two-space indent, fields
   ociVersion, id, pid, status, bundle, rootfs, created, annotations
   (omitted when empty), owner.  No trailing newline.  */
char *carve_spec_emit_state (const struct carve_spec_container_state_s *st);

/* `list -f json`: compact, one line, `null` when N == 0.  No trailing
   newline.  */
char *carve_spec_emit_state_list (const struct carve_spec_container_state_s *const *v, size_t n);

/* The state on a hook's stdin (state-schema.json): ociVersion, id, status,
   pid (omitted when 0), bundle, annotations (omitted when empty).  Compact.  */
char *carve_spec_emit_hook_state (const struct carve_spec_container_state_s *st);

/* What `features` needs from the layers above spec/ (which is pure): the
   lists that live with the primitive that acts on them.  */
struct carve_spec_features_s
{
  char *const *mount_options;           /* every name the mounter takes as an option, not fs data */
  char *const *seccomp_supported_flags; /* the known flags this kernel takes */
};

/* `features`: pretty-printed like runc's.  */
char *carve_spec_emit_features (const struct carve_spec_features_s *f);

/* `spec [--rootless]`: runc's default config.json with ociVersion 1.3.0,
   pretty-printed like runc's; with hostname "carve" when WITH_HOSTNAME
   (a permeable container, sharing the host's UTS namespace, would ignore
   it).  */
char *carve_spec_default_json (bool rootless, bool with_hostname);

#endif
