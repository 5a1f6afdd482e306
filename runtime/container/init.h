/* The container's init: the process carve forks, which sets up the
   container's environment, waits on the exec fifo until `start`, and
   execs the user's program.  */
#ifndef CARVE_CONTAINER_INIT_H
#define CARVE_CONTAINER_INIT_H

#include <stdbool.h>

#include "runtime/linux/seccomp.h"
#include "spec/spec.h"

/* Everything the init needs, prepared by the parent before the fork so the
   child computes and allocates little.  */
struct carve_init_config_s
{
  const char *id;
  carve_spec_t spec;
  const char *bundle; /* absolute */
  const char *rootfs; /* absolute */
  /* linux.sysctl less the keys of namespaces the container does not own
     (permeable mode), which the parent has warned about.  */
  const struct carve_spec_map_s *sysctl;
  int sync_fd;
  int fifo_fd; /* O_PATH to <state>/exec.fifo */
  bool new_mount_ns; /* set up the rootfs, pivot_root */
  bool new_uts_ns;
  bool permeable;
  /* carve.job: a detached copy of the job's /dev/shm (open_tree), bound at
     /dev/shm instead of the host's; -1: the host's (permeable).  */
  int job_shm;
  bool userns; /* the init is in a user namespace: bind devices */
  /* Namespaces config.json asks to join by path (oci mode), except pid and
     time, which the parent joins for its child; and new cgroup / time
     namespaces, which must be unshared after the parent placed the init in
     its cgroup.  */
  struct carve_spec_namespace_s *const *join;
  size_t join_len;
  bool unshare_cgroup_ns;
  bool unshare_time_ns;
  const char *console_socket;
  /* The console socket's directory (O_PATH, opened by the parent: the
     host's path is out of reach after pivot_root) and its name in it.  */
  int console_socket_dirfd;
  const char *console_socket_name;
  bool tty_to_parent; /* foreground run: send the pty master to carve run */
  int preserve_fds;   /* fds 3 .. 3+N-1 stay open, LISTEN_FDS included */
  int listen_fds;     /* socket activation: LISTEN_PID is set to the init */
  bool no_pivot;
  bool no_new_keyring;
  char **env; /* process.env plus LISTEN_FDS, NOTIFY_SOCKET, ... */
  const char *notify_socket_host;  /* NOTIFY_SOCKET in the container, or NULL */
  const char *notify_socket_state; /* the state dir's notify/, bound on its directory */
  const carve_seccomp_t *seccomp; /* NULL without linux.seccomp */
  /* The spec's mounts and the compute plan's (the huge page partition),
     and the scheduler: the spec's, or the plan's for carve.sched.  */
  struct carve_spec_mount_s *const *mounts;
  size_t mounts_len;
  const struct carve_spec_scheduler_s *scheduler;
};

/* Runs the init; never returns.  Failures before the exec fifo go to the
   parent over the sync socket; after it, into the fifo for `start`.  */
__attribute__ ((noreturn)) void carve_init_run (const struct carve_init_config_s *cfg);

#endif
