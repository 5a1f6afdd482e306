/* The field tables of config.json (runtime-spec v1.3.0, config.md and
   config-linux.md): one row per JSON field, bottom-up from the leaves to
   the document, and the public parse/load/free entry points.  */
#include <config.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"
#include "spec/parse.h"
#include "spec/spec.h"
#include "spec/validate.h"

#define NO CARVE_SPEC_NO_OFFSET

/* The row makers.  The trailing arguments add `.required = true`,
   `.check = fn` or `.min = a, .max = b`.  */
#define ROW(js, T, m, K, has, len, ...)                                                                                \
  {                                                                                                                    \
    .name = js, .kind = K, .offset = offsetof (T, m), .has_offset = has, .len_offset = len, __VA_ARGS__                \
  }
#define STR(js, T, m, ...) ROW (js, T, m, CARVE_SPEC_STRING, NO, NO, __VA_ARGS__)
#define BOOL(js, T, m, ...) ROW (js, T, m, CARVE_SPEC_BOOL, NO, NO, __VA_ARGS__)
#define BOOL_HAS(js, T, m) ROW (js, T, m, CARVE_SPEC_BOOL, offsetof (T, has_##m), NO, )
/* An optional number, with its has_ flag.  */
#define NUM(js, T, m, K, ...) ROW (js, T, m, K, offsetof (T, has_##m), NO, __VA_ARGS__)
/* A number without has_ flag (REQUIRED ones pass `.required = true`).  */
#define NUM_PLAIN(js, T, m, K, ...) ROW (js, T, m, K, NO, NO, __VA_ARGS__)
#define STRV(js, T, m, ...) ROW (js, T, m, CARVE_SPEC_STRV, NO, offsetof (T, m##_len), __VA_ARGS__)
#define U32V(js, T, m) ROW (js, T, m, CARVE_SPEC_UINT32V, NO, offsetof (T, m##_len), )
#define MAP(js, T, m) ROW (js, T, m, CARVE_SPEC_MAP, NO, NO, )
#define OBJ(js, T, m, ty, ...) ROW (js, T, m, CARVE_SPEC_OBJECT, NO, NO, .type = &ty, __VA_ARGS__)
#define OBJV(js, T, m, ty, ...)                                                                                        \
  ROW (js, T, m, CARVE_SPEC_OBJECTV, NO, offsetof (T, m##_len), .type = &ty, __VA_ARGS__)
#define OBJMAP(js, T, m, ty) ROW (js, T, m, CARVE_SPEC_OBJECTMAP, NO, offsetof (T, m##_len), .type = &ty)

#define REQ .required = true

#define TYPE(name, T, ...)                                                                                             \
  static const struct carve_spec_type_s name = { .size = sizeof (T),                                                   \
                                                 .fields = name##_fields,                                              \
                                                 .n_fields = sizeof (name##_fields) / sizeof (name##_fields[0]),       \
                                                 __VA_ARGS__ }

/* --- root, mounts ---------------------------------------------------------- */

#define T struct carve_spec_root_s
static const struct carve_spec_field_s root_type_fields[] = {
  STR ("path", T, path, REQ),
  BOOL ("readonly", T, readonly, ),
};
#undef T
TYPE (root_type, struct carve_spec_root_s, );

#define T struct carve_spec_id_mapping_s
static const struct carve_spec_field_s id_mapping_type_fields[] = {
  NUM_PLAIN ("containerID", T, container_id, CARVE_SPEC_UINT32, REQ),
  NUM_PLAIN ("hostID", T, host_id, CARVE_SPEC_UINT32, REQ),
  NUM_PLAIN ("size", T, size, CARVE_SPEC_UINT32, REQ),
};
#undef T
TYPE (id_mapping_type, struct carve_spec_id_mapping_s, );

static int
check_mount (const char *jpath, void *obj, carve_error_t *err)
{
  struct carve_spec_mount_s *m = obj;

  /* config.md: uidMappings and gidMappings go together.  */
  if ((m->uid_mappings == NULL) != (m->gid_mappings == NULL))
    return carve_make_error (err, 0, "%s: uidMappings and gidMappings must be given together", jpath);
  return 0;
}

#define T struct carve_spec_mount_s
static const struct carve_spec_field_s mount_type_fields[] = {
  STR ("destination", T, destination, REQ, .check = carve_spec_check_abs_path),
  STR ("source", T, source, ),
  STRV ("options", T, options, ),
  STR ("type", T, type, ),
  OBJV ("uidMappings", T, uid_mappings, id_mapping_type),
  OBJV ("gidMappings", T, gid_mappings, id_mapping_type),
};
#undef T
TYPE (mount_type, struct carve_spec_mount_s, .check = check_mount);

/* --- process --------------------------------------------------------------- */

#define T struct carve_spec_console_size_s
static const struct carve_spec_field_s console_size_type_fields[] = {
  NUM_PLAIN ("height", T, height, CARVE_SPEC_UINT64, REQ),
  NUM_PLAIN ("width", T, width, CARVE_SPEC_UINT64, REQ),
};
#undef T
TYPE (console_size_type, struct carve_spec_console_size_s, );

static int
check_rlimit (const char *jpath, void *obj, carve_error_t *err)
{
  struct carve_spec_rlimit_s *r = obj;

  if (r->soft > r->hard)
    return carve_make_error (err, 0, "%s: soft limit %llu is above hard limit %llu", jpath, (unsigned long long)r->soft,
                             (unsigned long long)r->hard);
  return 0;
}

#define T struct carve_spec_rlimit_s
static const struct carve_spec_field_s rlimit_type_fields[] = {
  STR ("type", T, type, REQ, .check = carve_spec_check_rlimit_type),
  NUM_PLAIN ("soft", T, soft, CARVE_SPEC_UINT64, REQ),
  NUM_PLAIN ("hard", T, hard, CARVE_SPEC_UINT64, REQ),
};
#undef T
TYPE (rlimit_type, struct carve_spec_rlimit_s, .check = check_rlimit);

#define T struct carve_spec_capabilities_s
static const struct carve_spec_field_s capabilities_type_fields[] = {
  STRV ("bounding", T, bounding, ),   STRV ("effective", T, effective, ), STRV ("inheritable", T, inheritable, ),
  STRV ("permitted", T, permitted, ), STRV ("ambient", T, ambient, ),
};
#undef T
TYPE (capabilities_type, struct carve_spec_capabilities_s, );

#define T struct carve_spec_scheduler_s
static const struct carve_spec_field_s scheduler_type_fields[] = {
  STR ("policy", T, policy, REQ, .check = carve_spec_check_sched_policy),
  NUM ("nice", T, nice, CARVE_SPEC_INT32, .min = -20, .max = 19),
  NUM ("priority", T, priority, CARVE_SPEC_INT32, ),
  STRV ("flags", T, flags, .check = carve_spec_check_sched_flag),
  NUM ("runtime", T, runtime, CARVE_SPEC_UINT64, ),
  NUM ("deadline", T, deadline, CARVE_SPEC_UINT64, ),
  NUM ("period", T, period, CARVE_SPEC_UINT64, ),
};
#undef T
TYPE (scheduler_type, struct carve_spec_scheduler_s, );

#define T struct carve_spec_io_priority_s
static const struct carve_spec_field_s io_priority_type_fields[] = {
  STR ("class", T, class, REQ, .check = carve_spec_check_ioprio_class),
  NUM ("priority", T, priority, CARVE_SPEC_INT32, .min = 0, .max = 7),
};
#undef T
TYPE (io_priority_type, struct carve_spec_io_priority_s, );

#define T struct carve_spec_exec_cpu_affinity_s
static const struct carve_spec_field_s exec_cpu_affinity_type_fields[] = {
  STR ("initial", T, initial, .check = carve_spec_check_cpu_list),
  STR ("final", T, final, .check = carve_spec_check_cpu_list),
};
#undef T
TYPE (exec_cpu_affinity_type, struct carve_spec_exec_cpu_affinity_s, );

#define T struct carve_spec_user_s
static const struct carve_spec_field_s user_type_fields[] = {
  NUM_PLAIN ("uid", T, uid, CARVE_SPEC_UINT32, ),
  NUM_PLAIN ("gid", T, gid, CARVE_SPEC_UINT32, ),
  NUM ("umask", T, umask, CARVE_SPEC_UINT32, .min = 0, .max = 0777),
  U32V ("additionalGids", T, additional_gids),
  STR ("username", T, username, ),
};
#undef T
TYPE (user_type, struct carve_spec_user_s, );

static int
check_process (const char *jpath, void *obj, carve_error_t *err)
{
  struct carve_spec_process_s *p = obj;
  size_t i, j;

  if (p->args_len == 0)
    {
      cleanup_free char *path = carve_spec_path_field (jpath, "args");
      return carve_make_error (err, 0, "%s: must have at least one entry", path);
    }
  /* config.md: duplicated rlimit types MUST be an error.  */
  for (i = 0; i < p->rlimits_len; i++)
    for (j = 0; j < i; j++)
      if (strcmp (p->rlimits[i]->type, p->rlimits[j]->type) == 0)
        {
          cleanup_free char *path = carve_spec_path_field (jpath, "rlimits");
          return carve_make_error (err, 0, "%s: duplicate rlimit \"%s\"", path, p->rlimits[i]->type);
        }
  return 0;
}

#define T struct carve_spec_process_s
static const struct carve_spec_field_s process_type_fields[] = {
  BOOL ("terminal", T, terminal, ),
  OBJ ("consoleSize", T, console_size, console_size_type, ),
  STR ("cwd", T, cwd, REQ, .check = carve_spec_check_abs_path),
  STRV ("env", T, env, ),
  STRV ("args", T, args, REQ),
  STR ("commandLine", T, command_line, ),
  OBJV ("rlimits", T, rlimits, rlimit_type),
  STR ("apparmorProfile", T, apparmor_profile, ),
  OBJ ("capabilities", T, capabilities, capabilities_type, ),
  BOOL ("noNewPrivileges", T, no_new_privileges, ),
  NUM ("oomScoreAdj", T, oom_score_adj, CARVE_SPEC_INT, .min = -1000, .max = 1000),
  OBJ ("scheduler", T, scheduler, scheduler_type, ),
  STR ("selinuxLabel", T, selinux_label, ),
  OBJ ("ioPriority", T, io_priority, io_priority_type, ),
  OBJ ("execCPUAffinity", T, exec_cpu_affinity, exec_cpu_affinity_type, ),
  OBJ ("user", T, user, user_type, ),
};
#undef T
TYPE (process_type, struct carve_spec_process_s, .check = check_process);

/* --- hooks ----------------------------------------------------------------- */

#define T struct carve_spec_hook_s
static const struct carve_spec_field_s hook_type_fields[] = {
  STR ("path", T, path, REQ, .check = carve_spec_check_abs_path),
  STRV ("args", T, args, ),
  STRV ("env", T, env, ),
  NUM ("timeout", T, timeout, CARVE_SPEC_INT, .min = 1, .max = INT32_MAX),
};
#undef T
TYPE (hook_type, struct carve_spec_hook_s, );

#define T struct carve_spec_hooks_s
static const struct carve_spec_field_s hooks_type_fields[] = {
  OBJV ("prestart", T, prestart, hook_type),
  OBJV ("createRuntime", T, create_runtime, hook_type),
  OBJV ("createContainer", T, create_container, hook_type),
  OBJV ("startContainer", T, start_container, hook_type),
  OBJV ("poststart", T, poststart, hook_type),
  OBJV ("poststop", T, poststop, hook_type),
};
#undef T
TYPE (hooks_type, struct carve_spec_hooks_s, );

/* --- linux.resources ------------------------------------------------------- */

#define T struct carve_spec_device_cgroup_s
static const struct carve_spec_field_s device_cgroup_type_fields[] = {
  BOOL ("allow", T, allow, REQ),
  STR ("type", T, type, .check = carve_spec_check_device_cgroup_type),
  NUM ("major", T, major, CARVE_SPEC_INT64, ),
  NUM ("minor", T, minor, CARVE_SPEC_INT64, ),
  STR ("access", T, access, .check = carve_spec_check_device_access),
};
#undef T
TYPE (device_cgroup_type, struct carve_spec_device_cgroup_s, );

#define T struct carve_spec_memory_s
static const struct carve_spec_field_s memory_type_fields[] = {
  NUM ("limit", T, limit, CARVE_SPEC_INT64, ),
  NUM ("reservation", T, reservation, CARVE_SPEC_INT64, ),
  NUM ("swap", T, swap, CARVE_SPEC_INT64, ),
  NUM ("kernel", T, kernel, CARVE_SPEC_INT64, ),
  NUM ("kernelTCP", T, kernel_tcp, CARVE_SPEC_INT64, ),
  NUM ("swappiness", T, swappiness, CARVE_SPEC_UINT64, .min = 0, .max = 100),
  BOOL_HAS ("disableOOMKiller", T, disable_oom_killer),
  BOOL_HAS ("useHierarchy", T, use_hierarchy),
  BOOL_HAS ("checkBeforeUpdate", T, check_before_update),
};
#undef T
TYPE (memory_type, struct carve_spec_memory_s, );

#define T struct carve_spec_cpu_s
static const struct carve_spec_field_s cpu_type_fields[] = {
  NUM ("shares", T, shares, CARVE_SPEC_UINT64, ),
  NUM ("quota", T, quota, CARVE_SPEC_INT64, ),
  NUM ("burst", T, burst, CARVE_SPEC_UINT64, ),
  NUM ("period", T, period, CARVE_SPEC_UINT64, ),
  NUM ("realtimeRuntime", T, realtime_runtime, CARVE_SPEC_INT64, ),
  NUM ("realtimePeriod", T, realtime_period, CARVE_SPEC_UINT64, ),
  STR ("cpus", T, cpus, .check = carve_spec_check_cpu_list),
  STR ("mems", T, mems, .check = carve_spec_check_node_list),
  NUM ("idle", T, idle, CARVE_SPEC_INT64, ),
};
#undef T
TYPE (cpu_type, struct carve_spec_cpu_s, );

#define T struct carve_spec_pids_s
static const struct carve_spec_field_s pids_type_fields[] = {
  NUM_PLAIN ("limit", T, limit, CARVE_SPEC_INT64, REQ),
};
#undef T
TYPE (pids_type, struct carve_spec_pids_s, );

#define T struct carve_spec_weight_device_s
static const struct carve_spec_field_s weight_device_type_fields[] = {
  NUM_PLAIN ("major", T, major, CARVE_SPEC_INT64, REQ),
  NUM_PLAIN ("minor", T, minor, CARVE_SPEC_INT64, REQ),
  NUM ("weight", T, weight, CARVE_SPEC_UINT16, ),
  NUM ("leafWeight", T, leaf_weight, CARVE_SPEC_UINT16, ),
};
#undef T
TYPE (weight_device_type, struct carve_spec_weight_device_s, );

#define T struct carve_spec_throttle_device_s
static const struct carve_spec_field_s throttle_device_type_fields[] = {
  NUM_PLAIN ("major", T, major, CARVE_SPEC_INT64, REQ),
  NUM_PLAIN ("minor", T, minor, CARVE_SPEC_INT64, REQ),
  NUM ("rate", T, rate, CARVE_SPEC_UINT64, ),
};
#undef T
TYPE (throttle_device_type, struct carve_spec_throttle_device_s, );

#define T struct carve_spec_block_io_s
static const struct carve_spec_field_s block_io_type_fields[] = {
  NUM ("weight", T, weight, CARVE_SPEC_UINT16, ),
  NUM ("leafWeight", T, leaf_weight, CARVE_SPEC_UINT16, ),
  OBJV ("weightDevice", T, weight_device, weight_device_type),
  OBJV ("throttleReadBpsDevice", T, throttle_read_bps_device, throttle_device_type),
  OBJV ("throttleWriteBpsDevice", T, throttle_write_bps_device, throttle_device_type),
  OBJV ("throttleReadIOPSDevice", T, throttle_read_iops_device, throttle_device_type),
  OBJV ("throttleWriteIOPSDevice", T, throttle_write_iops_device, throttle_device_type),
};
#undef T
TYPE (block_io_type, struct carve_spec_block_io_s, );

#define T struct carve_spec_hugepage_limit_s
static const struct carve_spec_field_s hugepage_limit_type_fields[] = {
  STR ("pageSize", T, page_size, REQ),
  NUM_PLAIN ("limit", T, limit, CARVE_SPEC_UINT64, REQ),
};
#undef T
TYPE (hugepage_limit_type, struct carve_spec_hugepage_limit_s, );

#define T struct carve_spec_interface_priority_s
static const struct carve_spec_field_s interface_priority_type_fields[] = {
  STR ("name", T, name, REQ),
  NUM_PLAIN ("priority", T, priority, CARVE_SPEC_UINT32, REQ),
};
#undef T
TYPE (interface_priority_type, struct carve_spec_interface_priority_s, );

#define T struct carve_spec_network_s
static const struct carve_spec_field_s network_type_fields[] = {
  NUM ("classID", T, class_id, CARVE_SPEC_UINT32, ),
  OBJV ("priorities", T, priorities, interface_priority_type),
};
#undef T
TYPE (network_type, struct carve_spec_network_s, );

#define T struct carve_spec_rdma_s
static const struct carve_spec_field_s rdma_type_fields[] = {
  NUM ("hcaHandles", T, hca_handles, CARVE_SPEC_UINT32, ),
  NUM ("hcaObjects", T, hca_objects, CARVE_SPEC_UINT32, ),
};
#undef T
TYPE (rdma_type, struct carve_spec_rdma_s, .keyed = true, .key_offset = offsetof (struct carve_spec_rdma_s, device));

#define T struct carve_spec_linux_resources_s
static const struct carve_spec_field_s resources_type_fields[] = {
  OBJV ("devices", T, devices, device_cgroup_type),
  OBJ ("memory", T, memory, memory_type, ),
  OBJ ("cpu", T, cpu, cpu_type, ),
  OBJ ("pids", T, pids, pids_type, ),
  OBJ ("blockIO", T, block_io, block_io_type, ),
  OBJV ("hugepageLimits", T, hugepage_limits, hugepage_limit_type),
  OBJ ("network", T, network, network_type, ),
  OBJMAP ("rdma", T, rdma, rdma_type),
  MAP ("unified", T, unified),
};
#undef T
TYPE (resources_type, struct carve_spec_linux_resources_s, );

/* --- linux ----------------------------------------------------------------- */

#define T struct carve_spec_namespace_s
static const struct carve_spec_field_s namespace_type_fields[] = {
  STR ("type", T, type, REQ, .check = carve_spec_check_namespace_type),
  STR ("path", T, path, .check = carve_spec_check_abs_path),
};
#undef T
TYPE (namespace_type, struct carve_spec_namespace_s, );

#define T struct carve_spec_time_offset_s
static const struct carve_spec_field_s time_offset_type_fields[] = {
  NUM ("secs", T, secs, CARVE_SPEC_INT64, ),
  NUM ("nanosecs", T, nanosecs, CARVE_SPEC_UINT32, .min = 0, .max = 999999999),
};
#undef T
TYPE (time_offset_type, struct carve_spec_time_offset_s, );

/* Only these two clocks can be offset in a time namespace
   (time_namespaces(7)); any other key is an error.  */
#define T struct carve_spec_time_offsets_s
static const struct carve_spec_field_s time_offsets_type_fields[] = {
  OBJ ("boottime", T, boottime, time_offset_type, ),
  OBJ ("monotonic", T, monotonic, time_offset_type, ),
};
#undef T
TYPE (time_offsets_type, struct carve_spec_time_offsets_s, .unknown_key = "clock");

static int
check_linux_device (const char *jpath, void *obj, carve_error_t *err)
{
  struct carve_spec_linux_device_s *d = obj;

  if (strcmp (d->type, "p") != 0 && !(d->has_major && d->has_minor))
    return carve_make_error (err, 0, "%s: major and minor are required for a device of type \"%s\"", jpath, d->type);
  return 0;
}

#define T struct carve_spec_linux_device_s
static const struct carve_spec_field_s linux_device_type_fields[] = {
  STR ("type", T, type, REQ, .check = carve_spec_check_device_type),
  STR ("path", T, path, REQ, .check = carve_spec_check_abs_path),
  NUM ("major", T, major, CARVE_SPEC_INT64, ),
  NUM ("minor", T, minor, CARVE_SPEC_INT64, ),
  NUM ("fileMode", T, file_mode, CARVE_SPEC_UINT32, .min = 0, .max = 0777),
  NUM ("uid", T, uid, CARVE_SPEC_UINT32, ),
  NUM ("gid", T, gid, CARVE_SPEC_UINT32, ),
};
#undef T
TYPE (linux_device_type, struct carve_spec_linux_device_s, .check = check_linux_device);

#define T struct carve_spec_net_device_s
static const struct carve_spec_field_s net_device_type_fields[] = {
  STR ("name", T, name, ),
};
#undef T
TYPE (net_device_type, struct carve_spec_net_device_s, .keyed = true,
      .key_offset = offsetof (struct carve_spec_net_device_s, host_name));

#define T struct carve_spec_intel_rdt_s
static const struct carve_spec_field_s intel_rdt_type_fields[] = {
  STR ("closID", T, clos_id, ),
  STRV ("schemata", T, schemata, .check = carve_spec_check_single_line),
  STR ("l3CacheSchema", T, l3_cache_schema, ),
  STR ("memBwSchema", T, mem_bw_schema, .check = carve_spec_check_mem_bw_schema),
  BOOL ("enableMonitoring", T, enable_monitoring, ),
};
#undef T
TYPE (intel_rdt_type, struct carve_spec_intel_rdt_s, );

#define T struct carve_spec_syscall_arg_s
static const struct carve_spec_field_s syscall_arg_type_fields[] = {
  NUM_PLAIN ("index", T, index, CARVE_SPEC_UINT32, REQ, .min = 0, .max = 5),
  NUM_PLAIN ("value", T, value, CARVE_SPEC_UINT64, REQ),
  NUM ("valueTwo", T, value_two, CARVE_SPEC_UINT64, ),
  STR ("op", T, op, REQ, .check = carve_spec_check_seccomp_operator),
};
#undef T
TYPE (syscall_arg_type, struct carve_spec_syscall_arg_s, );

static int
check_syscall (const char *jpath, void *obj, carve_error_t *err)
{
  struct carve_spec_syscall_s *s = obj;

  if (s->names_len == 0)
    return carve_make_error (err, 0, "%s.names: must have at least one entry", jpath);
  return 0;
}

#define T struct carve_spec_syscall_s
static const struct carve_spec_field_s syscall_type_fields[] = {
  STRV ("names", T, names, REQ),
  STR ("action", T, action, REQ, .check = carve_spec_check_seccomp_action),
  NUM ("errnoRet", T, errno_ret, CARVE_SPEC_UINT32, ),
  OBJV ("args", T, args, syscall_arg_type),
};
#undef T
TYPE (syscall_type, struct carve_spec_syscall_s, .check = check_syscall);

#define T struct carve_spec_seccomp_s
static const struct carve_spec_field_s seccomp_type_fields[] = {
  STR ("defaultAction", T, default_action, REQ, .check = carve_spec_check_seccomp_action),
  NUM ("defaultErrnoRet", T, default_errno_ret, CARVE_SPEC_UINT32, ),
  STRV ("architectures", T, architectures, .check = carve_spec_check_seccomp_arch),
  STRV ("flags", T, flags, .check = carve_spec_check_seccomp_flag),
  STR ("listenerPath", T, listener_path, .check = carve_spec_check_abs_path),
  STR ("listenerMetadata", T, listener_metadata, ),
  OBJV ("syscalls", T, syscalls, syscall_type),
};
#undef T
TYPE (seccomp_type, struct carve_spec_seccomp_s, );

#define T struct carve_spec_personality_s
static const struct carve_spec_field_s personality_type_fields[] = {
  STR ("domain", T, domain, REQ, .check = carve_spec_check_personality_domain),
  STRV ("flags", T, flags, ),
};
#undef T
TYPE (personality_type, struct carve_spec_personality_s, );

#define T struct carve_spec_memory_policy_s
static const struct carve_spec_field_s memory_policy_type_fields[] = {
  STR ("mode", T, mode, REQ, .check = carve_spec_check_mpol_mode),
  STR ("nodes", T, nodes, .check = carve_spec_check_node_list),
  STRV ("flags", T, flags, .check = carve_spec_check_mpol_flag),
};
#undef T
TYPE (memory_policy_type, struct carve_spec_memory_policy_s, );

static int
check_linux (const char *jpath, void *obj, carve_error_t *err)
{
  struct carve_spec_linux_s *l = obj;
  size_t i, j;

  /* config-linux.md: a namespace type may appear once.  */
  for (i = 0; i < l->namespaces_len; i++)
    for (j = 0; j < i; j++)
      if (strcmp (l->namespaces[i]->type, l->namespaces[j]->type) == 0)
        {
          cleanup_free char *path = carve_spec_path_field (jpath, "namespaces");
          return carve_make_error (err, 0, "%s: duplicate namespace \"%s\"", path, l->namespaces[i]->type);
        }
  return 0;
}

#define T struct carve_spec_linux_s
static const struct carve_spec_field_s linux_type_fields[] = {
  OBJV ("namespaces", T, namespaces, namespace_type),
  OBJV ("uidMappings", T, uid_mappings, id_mapping_type),
  OBJV ("gidMappings", T, gid_mappings, id_mapping_type),
  OBJ ("timeOffsets", T, time_offsets, time_offsets_type, ),
  OBJV ("devices", T, devices, linux_device_type),
  OBJMAP ("netDevices", T, net_devices, net_device_type),
  STR ("cgroupsPath", T, cgroups_path, ),
  OBJ ("resources", T, resources, resources_type, ),
  OBJ ("intelRdt", T, intel_rdt, intel_rdt_type, ),
  MAP ("sysctl", T, sysctl),
  OBJ ("seccomp", T, seccomp, seccomp_type, ),
  STR ("rootfsPropagation", T, rootfs_propagation, .check = carve_spec_check_rootfs_propagation),
  STRV ("maskedPaths", T, masked_paths, .check = carve_spec_check_abs_path),
  STRV ("readonlyPaths", T, readonly_paths, .check = carve_spec_check_abs_path),
  STR ("mountLabel", T, mount_label, ),
  OBJ ("personality", T, personality, personality_type, ),
  OBJ ("memoryPolicy", T, memory_policy, memory_policy_type, ),
};
#undef T
TYPE (linux_type, struct carve_spec_linux_s, .check = check_linux);

/* --- the document ---------------------------------------------------------- */

#define T struct carve_spec_s
static const struct carve_spec_field_s spec_type_fields[] = {
  STR ("ociVersion", T, oci_version, REQ, .check = carve_spec_check_oci_version),
  OBJ ("root", T, root, root_type, REQ),
  OBJV ("mounts", T, mounts, mount_type, .max = CARVE_SPEC_MOUNTS_MAX),
  OBJ ("process", T, process, process_type, ),
  STR ("hostname", T, hostname, ),
  STR ("domainname", T, domainname, ),
  OBJ ("hooks", T, hooks, hooks_type, ),
  MAP ("annotations", T, annotations),
  OBJ ("linux", T, linux_, linux_type, ),
};
#undef T
TYPE (spec_type, struct carve_spec_s, );

carve_spec_t
carve_spec_parse (const char *json, size_t len, carve_error_t *err)
{
  return carve_spec_parse_document (&spec_type, "config.json", json, len, err);
}

carve_spec_t
carve_spec_load (const char *path, carve_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  carve_spec_t spec;

  if (carve_read_file (path, &buf, &len, err) < 0)
    return NULL;
  spec = carve_spec_parse_document (&spec_type, path, buf, len, err);
  if (spec == NULL)
    {
      /* Whole-document errors already start with PATH.  */
      if (strncmp ((*err)->msg, path, strlen (path)) != 0 || (*err)->msg[strlen (path)] != ':')
        carve_error_wrap (err, "%s", path);
      return NULL;
    }
  return spec;
}

const char *
carve_spec_map_get (const struct carve_spec_map_s *m, const char *key)
{
  size_t i;
  for (i = 0; m && i < m->len; i++)
    if (strcmp (m->keys[i], key) == 0)
      return m->values[i];
  return NULL;
}

void
carve_spec_free (carve_spec_t spec)
{
  carve_spec_object_free (&spec_type, spec);
}

struct carve_spec_process_s *
carve_spec_process_parse (const char *json, size_t len, carve_error_t *err)
{
  return carve_spec_parse_document (&process_type, "process.json", json, len, err);
}

void
carve_spec_process_free (struct carve_spec_process_s *process)
{
  carve_spec_object_free (&process_type, process);
}

struct carve_spec_linux_resources_s *
carve_spec_resources_parse (const char *json, size_t len, carve_error_t *err)
{
  return carve_spec_parse_document (&resources_type, "resources", json, len, err);
}

void
carve_spec_resources_free (struct carve_spec_linux_resources_s *resources)
{
  carve_spec_object_free (&resources_type, resources);
}

void
carve_spec_mount_free (struct carve_spec_mount_s *mount)
{
  carve_spec_object_free (&mount_type, mount);
}

void
carve_spec_scheduler_free (struct carve_spec_scheduler_s *scheduler)
{
  carve_spec_object_free (&scheduler_type, scheduler);
}
