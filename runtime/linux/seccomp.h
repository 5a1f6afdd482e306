/* linux.seccomp: the container process's system call filter.

   The filter is compiled to BPF in the runtime, before the container's init
   is forked (carve_seccomp_build), so that the init only has to hand the
   program to seccomp(2) right before it execs (carve_seccomp_load): no
   libseccomp, no allocation, no file in the container's root is needed
   there.  When a rule uses SCMP_ACT_NOTIFY the load returns the user
   notification listener, which the runtime passes on to the seccomp agent
   at linux.seccomp.listenerPath (carve_seccomp_send_listener).  */
#ifndef CARVE_LINUX_SECCOMP_H
#define CARVE_LINUX_SECCOMP_H

#include <seccomp.h>
#include <stdbool.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/error.h"
#include "spec/spec.h"

CARVE_DEFINE_CLEANUP (scmp, scmp_filter_ctx, seccomp_release)
#define cleanup_scmp CARVE_CLEANUP (scmp)

/* A compiled filter, ready to load.  */
struct carve_seccomp_s;
typedef struct carve_seccomp_s carve_seccomp_t;

/* Compiles SC into a BPF filter for this machine.  EXTRA_NOTIFY_SYSCALLS
   (carve.syscalls.forward) add SCMP_ACT_NOTIFY rules and
   EXTRA_ENOSYS_SYSCALLS (carve.syscalls.deny) add SCMP_ACT_ERRNO(ENOSYS)
   rules; both may be NULL.  A denied syscall is denied whatever SC says
   (deny over forward).  A forwarded one is trapped only where SC lets it
   through (ALLOW, LOG, TRACE or NOTIFY, without argument conditions, or
   by the default action): where SC refuses it or decides by its
   arguments, SC's rules stay and a warning says so, because the stricter
   action wins.  A syscall name libseccomp
   does not know on this architecture is skipped with a warning, as runc
   does; the warnings (NULL-terminated, or NULL when there are none) go to
   *RET_WARNINGS when RET_WARNINGS is not NULL.  An unknown action,
   architecture, operator or flag, an errnoRet on an action that takes none,
   or an argument index above 5 is an error naming the JSON path
   (`linux.seccomp.syscalls[2].action: unknown action `SCMP_ACT_FOO``).
   Several conditions on the same argument of one entry match when any of
   them does (runc's rule).  */
int carve_seccomp_build (const struct carve_spec_seccomp_s *sc, char *const *extra_notify_syscalls,
                         char *const *extra_enosys_syscalls, carve_seccomp_t **ret, char ***ret_warnings,
                         carve_error_t *err);

/* Splits a comma-separated list of system call names (carve.syscalls.*)
   into *RET, checking each against libseccomp's table for this
   architecture; an empty item or an unknown name fails naming it
   ("unknown system call `foo`"), for the caller to prefix with the key.  */
int carve_seccomp_parse_syscall_list (const char *list, char ***ret, carve_error_t *err);

/* true when loading S gives a user notification listener.  */
bool carve_seccomp_has_notify (const carve_seccomp_t *s);

/* The seccomp agent that gets S's listener: linux.seccomp.listenerPath and
   listenerMetadata as built, or what carve_seccomp_set_listener set (for
   carve.syscalls.forward, carve-serviceos's socket).  NULL when none.  */
const char *carve_seccomp_listener_path (const carve_seccomp_t *s);
const char *carve_seccomp_listener_metadata (const carve_seccomp_t *s);
/* Who named the agent, to prefix a failure to reach it: SOURCE as given to
   carve_seccomp_set_listener, else "linux.seccomp.listenerPath".  */
const char *carve_seccomp_listener_source (const carve_seccomp_t *s);
void carve_seccomp_set_listener (carve_seccomp_t *s, const char *path, const char *metadata, const char *source);

/* Installs S in the calling thread (all threads with
   SECCOMP_FILTER_FLAG_TSYNC).  The caller must have set no_new_privs or
   hold CAP_SYS_ADMIN.  Makes exactly one system call, seccomp(2), and none
   after it, so it is safe as the last step before execve even under a
   filter that kills.  *RET_NOTIFY_FD is the listener (O_CLOEXEC) when a
   rule uses SCMP_ACT_NOTIFY, else -1 (RET_NOTIFY_FD may be NULL when S
   has no such rule): pass it on with system calls that the
   filter does not send to the listener itself.  */
int carve_seccomp_load (const carve_seccomp_t *s, int *ret_notify_fd, carve_error_t *err);

/* Handing the listener over without a system call after the load (crun
   issue 1002: with `sendmsg`, or any call, in the notify list, a process
   that sends its own listener waits for an agent that never got it).

   The process that loads S first takes a slot (carve_seccomp_slot_reserve):
   a placeholder descriptor at the lowest free number, which is where the
   kernel puts the listener once the placeholder is closed.  It tells the
   runtime the number; carve_seccomp_load_at closes the placeholder and
   loads, and nothing else runs until the runtime has taken the listener
   out of the process with pidfd_getfd(2) (carve_seccomp_take_listener).
   Single-threaded callers only: another thread could take the number.  */
int carve_seccomp_slot_reserve (int *ret_slot, carve_error_t *err);
/* carve_seccomp_load, closing SLOT (>= 0) right before seccomp(2); fails
   when the listener did not land at SLOT.  */
int carve_seccomp_load_at (const carve_seccomp_t *s, int slot, int *ret_notify_fd, carve_error_t *err);

/* Runtime side.  Whether pidfd_getfd works on PIDFD's descriptor SLOT right
   now (Linux 5.6, and ptrace rights over the process): checked on the
   placeholder, before the load, so that a runtime without it can fall
   back to the process sending its listener itself.  */
bool carve_seccomp_can_take (int pidfd, int slot);
/* Waits until PIDFD's descriptor SLOT is a seccomp listener and sets
   *RET_FD to a copy of it (returns 1).  Returns 0, *RET_FD untouched, when
   WATCH_FD (the process's sync socket) becomes readable while SLOT holds
   no listener: the process reports why its load failed.  Fails when the
   process dies or after TIMEOUT_MS.  */
int carve_seccomp_take_listener (int pidfd, int slot, int watch_fd, int timeout_ms, int *ret_fd, carve_error_t *err);
/* Whether FD is a seccomp user notification listener.  */
bool carve_seccomp_is_listener (int fd);

void carve_seccomp_free (carve_seccomp_t *s);
CARVE_DEFINE_CLEANUP (seccomp, carve_seccomp_t *, carve_seccomp_free)
#define cleanup_seccomp CARVE_CLEANUP (seccomp)

/* The container process state of config-linux.md ("The Container Process
   State"): {"ociVersion", "fds": ["seccompFd"], "pid", "metadata" (omitted
   when NULL), "state"}.  STATE_JSON is the container's state object
   (runtime.md "State", e.g. as emitted for hooks), embedded as is.  Returns
   a malloc'd compact JSON string, NULL with *ERR when STATE_JSON is not a
   JSON object.  */
char *carve_seccomp_emit_process_state (int pid, const char *metadata, const char *state_json, carve_error_t *err);

/* The seccomp agent protocol: connects to the AF_UNIX SOCK_STREAM socket at
   LISTENER_PATH, sends PROCESS_STATE_JSON (carve_seccomp_emit_process_state)
   with NOTIFY_FD attached by SCM_RIGHTS to the first sendmsg, and closes the
   connection.  Paths longer than sun_path are reached through their
   directory.  */
int carve_seccomp_send_listener (const char *listener_path, int notify_fd, const char *process_state_json,
                                 carve_error_t *err);

/* Name tables for `features` (NULL-terminated): the actions, operators and
   flags carve accepts, and the architectures this libseccomp knows.  */
const char *const *carve_seccomp_known_actions (void);
const char *const *carve_seccomp_known_operators (void);
const char *const *carve_seccomp_known_archs (void);
const char *const *carve_seccomp_known_flags (void);

/* The known flags this kernel takes (features' supportedFlags), asked of
   the kernel itself: carve passes them straight to seccomp(2), so the
   linked libseccomp does not matter.  A strv.  */
char **carve_seccomp_supported_flags (void);

#endif
