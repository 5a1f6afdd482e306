/* Linux namespaces: the config.json namespace types, joining one by path,
   the user namespace's id maps, the time namespace's clock offsets, and the
   namespaces an `exec` joins.  */
#ifndef CARVE_LINUX_NAMESPACES_H
#define CARVE_LINUX_NAMESPACES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "runtime/base/error.h"
#include "spec/spec.h"

/* The CLONE_NEW* flag of a linux.namespaces[].type ("mount", "pid",
   "network", "ipc", "uts", "user", "cgroup", "time"), or -1 when unknown.  */
int carve_namespace_type_to_flag (const char *type);

/* The name of TYPE's file in /proc/PID/ns ("mount" -> "mnt", "network" ->
   "net", ...), or NULL when unknown.  */
const char *carve_namespace_proc_name (const char *type);

/* Opens PATH (O_CLOEXEC) and setns(2)s into it as a namespace of TYPE.  A pid
   or time namespace takes effect for the children forked afterwards.  */
int carve_namespace_join (const char *type, const char *path, carve_error_t *err);

/* Writes /proc/PID/uid_map, then "deny" to /proc/PID/setgroups when
   DENY_SETGROUPS (it must precede gid_map), then /proc/PID/gid_map.  Each
   mapping is one line "container host size", all lines in one write as the
   kernel requires.  PID must be in the new user namespace, still unmapped.  */
int carve_userns_write_mappings (pid_t pid, struct carve_spec_id_mapping_s *const *uid_mappings, size_t n_uid,
                                 struct carve_spec_id_mapping_s *const *gid_mappings, size_t n_gid,
                                 bool deny_setgroups, carve_error_t *err);

/* Writes linux.timeOffsets to /proc/PID/timens_offsets ("monotonic S N",
   "boottime S N"); PID 0 is the caller.  PID has unshared a time namespace that no process has
   entered yet (its future children will).  */
int carve_timens_write_offsets (pid_t pid, const struct carve_spec_time_offsets_s *time_offsets, carve_error_t *err);

/* A namespace of another process, as /proc/PID/ns/<name>.  */
struct carve_ns_path_s
{
  const char *type; /* the config.json type, static */
  char *path;
};

/* The namespaces of PID that differ from the caller's, in the order to join
   them: user first (it grants the privilege to join the others), then ipc,
   uts, network, pid, cgroup, time, and mount last (after it, the caller's
   /proc paths no longer refer to the host's).  Free with
   carve_ns_paths_free.  */
int carve_namespaces_of_pid (pid_t pid, struct carve_ns_path_s **ret, size_t *ret_len, carve_error_t *err);
void carve_ns_paths_free (struct carve_ns_path_s *v, size_t n);

/* Joins the namespaces V[0..N) in order, after opening all of them first (so
   that joining the mount namespace cannot change what a later path names).  */
int carve_namespaces_join_paths (const struct carve_ns_path_s *v, size_t n, carve_error_t *err);

#endif
