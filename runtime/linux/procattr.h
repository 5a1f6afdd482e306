/* Attributes of the container's process that are set between the fork and
   the exec of the user's program: OOM score, no_new_privs, I/O priority,
   scheduler, CPU affinity, personality, LSM exec labels, hostname, session
   keyring, and the close-on-exec sweep of inherited descriptors.  Each call
   acts on the calling process (thread, for the LSM labels).  */
#ifndef CARVE_LINUX_PROCATTR_H
#define CARVE_LINUX_PROCATTR_H

#include <sched.h>
#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "runtime/base/cpumask.h"
#include "runtime/base/error.h"
#include "spec/spec.h"

/* Writes V (-1000..1000) to /proc/self/oom_score_adj.  */
int carve_oom_score_adj_set (int v, carve_error_t *err);

/* prctl (PR_SET_NO_NEW_PRIVS): execve can no longer grant privileges.  */
int carve_no_new_privs_set (carve_error_t *err);

/* ioprio_set for the calling process from process.ioPriority.  */
int carve_ioprio_set (const struct carve_spec_io_priority_s *io_priority, carve_error_t *err);

/* sched_setattr (raw syscall) from process.scheduler: every policy (SCHED_OTHER,
   FIFO, RR, BATCH, ISO, IDLE, DEADLINE), nice, priority, runtime, deadline,
   period, and every SCHED_FLAG_* of config.md.  */
int carve_scheduler_set (const struct carve_spec_scheduler_s *scheduler, carve_error_t *err);

/* Parses a CPU list ("0-3,5") into a cpu_set_t allocated with CPU_ALLOC,
   sized for the highest CPU named; *RET_SETSIZE is its CPU_ALLOC_SIZE.  */
/* The CPU affinity of task PID (0: the caller) as a mask, and setting it.
   Failures keep sched_*affinity's errno in the error's status (EINVAL:
   a per-CPU kernel thread; ESRCH: the task is gone).  */
int carve_cpu_affinity_get (pid_t pid, carve_cpumask_t *ret, carve_error_t *err);
int carve_cpu_affinity_set_mask (pid_t pid, const carve_cpumask_t *m, carve_error_t *err);

/* sched_setaffinity of process PID (0: the caller) to CPU_LIST
   (process.execCPUAffinity.initial or .final, FIELD in errors).  NULL or ""
   leaves the affinity alone.  */
int carve_cpu_affinity_set_pid (pid_t pid, const char *cpu_list, const char *field, carve_error_t *err);

/* carve_cpu_affinity_set_pid of the caller, "process.execCPUAffinity" in
   errors.  */
int carve_cpu_affinity_set (const char *cpu_list, carve_error_t *err);

/* Lets process PID (0: the caller) run on every CPU its cgroup's cpuset
   allows.  runc (1.2) does so once a container's process is in its cgroup:
   an affinity the runtime was started with (taskset, a batch system's
   binding) survives a cpuset move (kernel 6.2 keeps a requested affinity)
   and must not leak into the container.  */
int carve_cpu_affinity_reset (pid_t pid, carve_error_t *err);

/* personality(2) from linux.personality: domain LINUX or LINUX32, no flags.  */
int carve_personality_set (const struct carve_spec_personality_s *personality, carve_error_t *err);

/* AppArmor is enabled when /sys/module/apparmor/parameters/enabled says Y.  */
bool carve_apparmor_enabled (void);

/* Makes the next execve switch to PROFILE ("exec PROFILE" to the thread's
   attr/apparmor/exec, or attr/exec before kernel 5.8).  Fails with a clear
   error when AppArmor is not enabled.  */
int carve_apparmor_set_exec (const char *profile, carve_error_t *err);

/* SELinux is enabled when selinuxfs is mounted at /sys/fs/selinux.  */
bool carve_selinux_enabled (void);

/* Makes the next execve switch to LABEL (the thread's attr/exec).  Fails with
   a clear error when SELinux is not enabled.  */
int carve_selinux_set_exec (const char *label, carve_error_t *err);

/* sethostname / setdomainname; a NULL argument is left alone.  Needs a UTS
   namespace of the container's own to not change the host's.  */
int carve_hostname_set (const char *hostname, const char *domainname, carve_error_t *err);

/* Joins a new session keyring NAME (runc uses "_ses.<id>") so the container
   does not share the caller's, and makes it searchable by its possessor's
   uid (or by "other" when IN_USER_NAMESPACE, as runc does).  Kernels without
   keyrings (ENOSYS) and hosts that deny keyctl (EACCES, EPERM from a seccomp
   profile) are tolerated: the keyring is best-effort hardening.  */
int carve_session_keyring_join (const char *name, bool in_user_namespace, carve_error_t *err);

/* Marks every descriptor >= FIRST_FD close-on-exec, so only stdio and the
   preserved descriptors (LISTEN_FDS, --preserve-fds) reach the user's program.
   Descriptors stay open until the exec, so a sync socket still works.  */
int carve_fds_close_from (int first_fd, carve_error_t *err);

/* Right before the user's program is exec'd: descriptors 3 .. 3+PRESERVED-1
   (LISTEN_FDS, --preserve-fds) are inherited on purpose and lose
   close-on-exec; every later one gets it.  */
int carve_fds_prepare_exec (int preserved, carve_error_t *err);

#endif
