/* Process groups that must not outlive the command that started them: a
   hook carve runs during `create` is in a process group of its own, which
   is recorded in a file of the container's state directory while the hook
   runs.  If carve is killed meanwhile, the hook's processes are reparented
   to PID 1 and nothing would end them (carve's PDEATHSIG reaches only its
   own children): `delete` and the reclaim of a killed create kill the
   recorded group.  */
#ifndef CARVE_BASE_PGROUP_H
#define CARVE_BASE_PGROUP_H

#include <sys/types.h>

#include "error.h"

/* The record of a create's running hook, in the container's state
   directory.  */
#define CARVE_PGROUP_HOOK_FILE "hook.pgroup"

/* Writes PGID (a process group leader) and its start time to PATH,
   atomically.  */
int carve_pgroup_record (const char *path, pid_t pgid, carve_error_t *err);

/* Kills with SIGKILL the process group recorded in PATH, unless its
   leader's PID now belongs to another process (a later start time), and
   removes PATH.  Nothing to do when PATH does not exist.  */
void carve_pgroup_kill_recorded (const char *path);

#endif
