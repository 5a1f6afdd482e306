/* Value checks of the spec model.  Each takes the value alone and, on
   failure, makes an error that does not name the JSON path: the table
   machinery in parse.c prefixes it (`mounts[2].destination: ...`).  */
#ifndef CARVE_SPEC_VALIDATE_H
#define CARVE_SPEC_VALIDATE_H

#include "runtime/base/error.h"

int carve_spec_check_abs_path (const char *value, carve_error_t *err);
int carve_spec_check_cpu_list (const char *value, carve_error_t *err);
int carve_spec_check_node_list (const char *value, carve_error_t *err);
int carve_spec_check_oci_version (const char *value, carve_error_t *err);
int carve_spec_check_namespace_type (const char *value, carve_error_t *err);
int carve_spec_check_rlimit_type (const char *value, carve_error_t *err);
int carve_spec_check_device_type (const char *value, carve_error_t *err);
int carve_spec_check_device_cgroup_type (const char *value, carve_error_t *err);
int carve_spec_check_device_access (const char *value, carve_error_t *err);
int carve_spec_check_rootfs_propagation (const char *value, carve_error_t *err);
int carve_spec_check_seccomp_action (const char *value, carve_error_t *err);
int carve_spec_check_seccomp_operator (const char *value, carve_error_t *err);
int carve_spec_check_seccomp_arch (const char *value, carve_error_t *err);
int carve_spec_check_seccomp_flag (const char *value, carve_error_t *err);
int carve_spec_check_sched_policy (const char *value, carve_error_t *err);
int carve_spec_check_sched_flag (const char *value, carve_error_t *err);
int carve_spec_check_ioprio_class (const char *value, carve_error_t *err);
int carve_spec_check_mpol_mode (const char *value, carve_error_t *err);
int carve_spec_check_mpol_flag (const char *value, carve_error_t *err);
int carve_spec_check_personality_domain (const char *value, carve_error_t *err);
int carve_spec_check_mem_bw_schema (const char *value, carve_error_t *err);
int carve_spec_check_single_line (const char *value, carve_error_t *err);

/* The known names, NULL-terminated, for `features`.  */
extern const char *const carve_spec_namespace_types[];
extern const char *const carve_spec_seccomp_actions[];
extern const char *const carve_spec_seccomp_operators[];
extern const char *const carve_spec_seccomp_archs[];
extern const char *const carve_spec_seccomp_flags[];
extern const char *const carve_spec_mpol_modes[];
extern const char *const carve_spec_mpol_flags[];

#endif
