/* Shared by the lifecycle files of runtime/container; not for the CLI.  */
#ifndef CARVE_CONTAINER_INTERNAL_H
#define CARVE_CONTAINER_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "container.h"
#include "runtime/compute/compute.h"
#include "runtime/linux/cgroup.h"
#include "runtime/linux/seccomp.h"
#include "spec/spec.h"
#include "state.h"

/* A container the parent has just set up, waiting on its exec fifo.  */
struct carve_spawned_s
{
  char *dir;
  struct carve_state_s *state;
  carve_spec_t spec;
  int pty_master; /* foreground run with a terminal, else -1 */
};

void carve_spawned_release (struct carve_spawned_s *s);

/* create's work; FOREGROUND keeps the pty master for `run`.  */
int carve_container_spawn (const struct carve_context_s *ctx, const struct carve_create_options_s *opts,
                           bool foreground, struct carve_spawned_s *ret, carve_error_t *err);

/* start's work on a loaded container in the `created` state.  */
int carve_container_start_loaded (const struct carve_context_s *ctx, const char *dir, struct carve_state_s *st,
                                  carve_error_t *err);

/* created, running, paused or stopped (runtime.md).  */
const char *carve_container_status_of (const char *dir, const struct carve_state_s *st);

/* Kills what is left (every process of the cgroup), runs the poststop
   hooks, removes the cgroup and the state directory.  */
int carve_container_destroy (const struct carve_context_s *ctx, const char *dir, const struct carve_state_s *st,
                             carve_error_t *err);

/* Opens the container's cgroup; *RET is NULL when it has none.  */
int carve_container_open_cgroup (const struct carve_state_s *st, carve_cgroup_t *ret, carve_error_t *err);

/* The config.json that create saved in the state directory.  */
carve_spec_t carve_container_saved_spec (const char *dir, carve_error_t *err);

/* The signals a foreground run or exec forwards (blocked, read from a
   signalfd), and the loop that forwards them, relays the pty and waits for
   PID (our child); *RET_STATUS is its exit status, 128 + signal if killed.  */
void carve_container_forwarded_signals (sigset_t *set);
int carve_container_supervise (pid_t pid, int pty, int sfd, int *ret_status);

/* Writes PID to --pid-file PATH atomically (relative to the current
   directory), as runc does.  */
int carve_container_write_pid_file (const char *path, pid_t pid, carve_error_t *err);

/* A process that connects to the Unix socket PATH after it left carve's
   mount namespace reaches it through its directory, opened here: sets
   *RET_DIRFD (O_PATH) and *RET_NAME (the last component, inside PATH).  */
int carve_container_open_socket_dir (const char *path, int *ret_dirfd, const char **ret_name, carve_error_t *err);

/* The seccomp filter of SPEC's processes: linux.seccomp plus the compute
   plan's system call lists (PLAN may be NULL): carve.syscalls.deny fails
   with ENOSYS, carve.syscalls.forward traps to the seccomp agent.  *RET is
   NULL when there is none.  */
int carve_container_build_seccomp (const carve_spec_t spec, const struct carve_compute_plan_s *plan,
                                   carve_seccomp_t **ret, char ***ret_warnings, carve_error_t *err);

/* The OCI state (hooks' stdin) of ST with STATUS.  */
char *carve_container_hook_state (const struct carve_state_s *st, const char *status);

#endif
