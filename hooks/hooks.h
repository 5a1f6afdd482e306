/* The OCI hook engine (runtime.md "Lifecycle", config.md "POSIX-platform
   Hooks").  Runs hooks in the calling process's namespaces: the caller picks
   the process (carve itself for prestart, createRuntime, poststart and
   poststop; the container's init for createContainer and startContainer).  */
#ifndef CARVE_HOOKS_HOOKS_H
#define CARVE_HOOKS_HOOKS_H

#include <stddef.h>

#include "error.h"
#include "spec/spec.h"

/* How much of a hook's stdout and of its stderr is kept (the tail).  */
#define CARVE_HOOKS_OUTPUT_MAX 4096

/* Runs the N hooks in order.  Each is executed as path with args (args[0]
   is argv[0]; no args means argv = { path }) and exactly env (empty when
   absent), with STATE_JSON written on its stdin, which is then closed (a
   hook that does not read it is fine).  Its stdout and stderr are captured.
   A hook with a timeout is killed with SIGKILL, with every process of its
   process group, when the timeout expires.

   The first hook that fails stops the run; the error reads
     prestart hook `/path` (#1): exited with status 3: <last stderr line>
   or "killed by signal 9", "timed out after 2s", "exec: <strerror>".
   KIND ("prestart", "createRuntime", ...) is only used in messages.

   No signal handler is installed: the child is waited for with a pidfd
   (or by polling on kernels without them).  SIGPIPE is blocked in the
   calling thread while the state is written.  */
int carve_hooks_run (struct carve_spec_hook_s *const *hooks, size_t n, const char *kind, const char *state_json,
                     carve_error_t *err);

/* carve_hooks_run, with each hook's process group recorded in the file
   RECORD (NULL: none) while it runs (runtime/base/pgroup.h): hooks that
   carve runs while it sets a container up, which a later command must be
   able to end if carve is killed meanwhile.  */
int carve_hooks_run_recorded (struct carve_spec_hook_s *const *hooks, size_t n, const char *kind, const char *state_json,
                              const char *record, carve_error_t *err);

/* Runs every one of the N hooks, for the kinds whose failures are only
   warnings (poststart, poststop): never stops early.  Returns the number
   of hooks that failed and sets *RET_WARNINGS to a NULL-terminated vector
   with one message (as above) per failure, or NULL when none failed.  */
int carve_hooks_run_all_warn (struct carve_spec_hook_s *const *hooks, size_t n, const char *kind,
                              const char *state_json, char ***ret_warnings);

#endif
