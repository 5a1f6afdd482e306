/* The container's init (init.h): the process create clones, which joins
   and unshares its namespaces, sets up the rootfs, runs the createContainer
   hooks, applies the process's attributes and drops privileges, waits on
   the exec fifo until `start`, and execs the user's program.  */
#include <config.h>
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "hooks/hooks.h"
#include "runtime/linux/caps.h"
#include "runtime/linux/devices.h"
#include "runtime/linux/execpath.h"
#include "runtime/linux/mempolicy.h"
#include "runtime/linux/mount.h"
#include "runtime/linux/namespaces.h"
#include "runtime/linux/affinity.h"
#include "runtime/linux/fds.h"
#include "runtime/linux/keyring.h"
#include "runtime/linux/lsm.h"
#include "runtime/linux/procattr.h"
#include "runtime/linux/scheduler.h"
#include "runtime/linux/rlimits.h"
#include "runtime/linux/rootfs.h"
#include "runtime/linux/safepath.h"
#include "runtime/linux/sysctl.h"
#include "runtime/linux/terminal.h"
#include "runtime/linux/user.h"
#include "seccomp-agent.h"
#include "sync.h"
#include "xalloc.h"

/* Where failures go: before READY the parent reads the sync socket; after
   it, `start` reads the exec fifo.  */
static int fail_fd = -1;
static bool fail_to_fifo;

__attribute__ ((noreturn)) static void
init_fail (carve_error_t *err)
{
  const char *msg = (err && *err) ? (*err)->msg : "the container's init failed";

  if (fail_to_fifo)
    (void)carve_write_all (fail_fd, msg, strlen (msg));
  else
    (void)carve_sync_send (fail_fd, CARVE_SYNC_ERROR, msg, -1);
  _exit (1);
}

static char *
hook_state (const struct carve_init_config_s *cfg, const char *status, pid_t pid)
{
  struct carve_spec_container_state_s st = {
    .oci_version = cfg->spec->oci_version,
    .id = (char *)cfg->id,
    .status = (char *)status,
    .pid = (int)pid,
    .bundle = (char *)cfg->bundle,
    .annotations = cfg->spec->annotations,
  };
  return carve_spec_emit_hook_state (&st);
}

/* Steps run in the container's new mount namespace before pivot_root.  */
static int
setup_rootfs (const struct carve_init_config_s *cfg, carve_error_t *err)
{
  const struct carve_spec_linux_s *lx = cfg->spec->linux_;
  const char *propagation = lx ? lx->rootfs_propagation : NULL;
  cleanup_close int rootfd = -1;

  if (carve_rootfs_prepare (cfg->rootfs, propagation, err) < 0)
    return -1;
  rootfd = open (cfg->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return carve_make_error (err, errno, "open rootfs `%s`", cfg->rootfs);
  if (carve_mounts_apply (rootfd, cfg->rootfs, cfg->mounts, cfg->mounts_len, lx ? lx->mount_label : NULL, err) < 0)
    return -1;
  if (carve_devices_setup (rootfd, lx ? lx->devices : NULL, lx ? lx->devices_len : 0, cfg->userns, err) < 0)
    return -1;
  /* runc creates a missing process.cwd, inside the rootfs; now, while "/"
     may still be written (root.readonly is applied after pivot_root).  */
  if (cfg->spec->process->cwd && carve_safepath_mkdir_p (rootfd, cfg->spec->process->cwd, 0755, NULL, err) < 0)
    return carve_error_wrap (err, "process.cwd `%s`", cfg->spec->process->cwd);
  /* Permeable containers of one job share memory through the host's
     /dev/shm, or their carve.job's own, whatever the image mounted there.  */
  if (cfg->permeable && carve_mount_bind_shm (rootfd, cfg->rootfs, cfg->job_shm, err) < 0)
    return -1;
  if (cfg->notify_socket_host != NULL && cfg->notify_socket_state != NULL)
    {
      /* notify_socket_state is a directory (the socket appears in it at
         `start`): bind it onto the directory of the socket's path.  */
      cleanup_free char *sockdir = xstrdup (cfg->notify_socket_host);
      cleanup_close int target = -1;
      char buf[CARVE_SAFEPATH_FD_PATH_MAX];
      char *slash = strrchr (sockdir, '/');

      if (slash == NULL || slash == sockdir)
        return carve_make_error (err, 0, "NOTIFY_SOCKET: `%s` is not in a directory", cfg->notify_socket_host);
      *slash = '\0';
      if (carve_safepath_mkdir_p (rootfd, sockdir, 0755, &target, err) < 0)
        return carve_error_wrap (err, "NOTIFY_SOCKET");
      if (mount (cfg->notify_socket_state, carve_safepath_fd_path (target, buf), NULL, MS_BIND, NULL) < 0)
        return carve_make_error (err, errno, "NOTIFY_SOCKET: bind `%s` on `%s`", cfg->notify_socket_state, sockdir);
    }
  return 0;
}

/* The names and the sysctl of the namespaces the container owns.  Before
   readonlyPaths, which usually lists /proc/sys (runc's order).  */
static int
setup_namespace_settings (const struct carve_init_config_s *cfg, carve_error_t *err)
{
  if ((cfg->spec->hostname || cfg->spec->domainname) && cfg->new_uts_ns
      && carve_hostname_set (cfg->spec->hostname, cfg->spec->domainname, err) < 0)
    return -1;
  if (cfg->sysctl && carve_sysctl_apply (cfg->sysctl, err) < 0)
    return carve_error_wrap (err, "linux.sysctl");
  return 0;
}

static int
setup_after_pivot (const struct carve_init_config_s *cfg, carve_error_t *err)
{
  const struct carve_spec_linux_s *lx = cfg->spec->linux_;

  if (lx && carve_paths_mask (lx->masked_paths, lx->masked_paths_len, err) < 0)
    return -1;
  if (lx && carve_paths_readonly (lx->readonly_paths, lx->readonly_paths_len, err) < 0)
    return -1;
  return carve_rootfs_finalize (cfg->spec->root && cfg->spec->root->readonly, lx ? lx->rootfs_propagation : NULL, err);
}

static int
setup_terminal (const struct carve_init_config_s *cfg, carve_error_t *err)
{
  const struct carve_spec_process_s *p = cfg->spec->process;
  cleanup_close int master = -1, slave = -1;

  if (carve_terminal_open_pty (&master, &slave, err) < 0)
    return -1;
  if (p->console_size
      && carve_terminal_set_size (slave, (unsigned)p->console_size->height, (unsigned)p->console_size->width, err) < 0)
    return -1;
  if (cfg->console_socket)
    {
      /* The socket's path is the host's, unreachable from inside the
         rootfs: connect relative to its directory, opened by the parent,
         then come back to the process's cwd.  */
      cleanup_close int cwd = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
      int r;

      if (cwd < 0)
        return carve_make_error (err, errno, "open the working directory");
      if (fchdir (cfg->console_socket_dirfd) < 0)
        return carve_make_error (err, errno, "--console-socket `%s`: chdir", cfg->console_socket);
      r = carve_console_socket_send (cfg->console_socket_name, master, err);
      if (fchdir (cwd) < 0 && r == 0)
        return carve_make_error (err, errno, "return to the working directory");
      close (cfg->console_socket_dirfd);
      if (r < 0)
        return carve_error_wrap (err, "--console-socket `%s`", cfg->console_socket);
    }
  else if (cfg->tty_to_parent)
    {
      if (carve_sync_send (cfg->sync_fd, CARVE_SYNC_PTY, NULL, master) < 0)
        return carve_make_error (err, errno, "send the pty to carve");
    }
  if (carve_terminal_become_controlling (slave, err) < 0)
    return -1;
  return 0;
}

static int
setup_process (const struct carve_init_config_s *cfg, char **ret_exe, char ***ret_warnings, carve_error_t *err)
{
  const struct carve_spec_process_s *p = cfg->spec->process;
  const struct carve_spec_linux_s *lx = cfg->spec->linux_;
  cleanup_free char *exe = NULL;

  if (lx && lx->personality && carve_personality_set (lx->personality, err) < 0)
    return -1;

  if (p->cwd && chdir (p->cwd) < 0)
    {
      /* runc creates a missing cwd inside the container.  */
      carve_error_t ignored = NULL;
      if (errno != ENOENT || carve_mkdir_p (p->cwd, 0755, &ignored) < 0 || chdir (p->cwd) < 0)
        {
          carve_error_release (&ignored);
          return carve_make_error (err, errno, "process.cwd: chdir `%s`", p->cwd);
        }
    }

  exe = carve_exec_lookup (p->args[0], cfg->env, err);
  if (exe == NULL)
    return -1;

  if (p->terminal && setup_terminal (cfg, err) < 0)
    return -1;
  if (!p->terminal)
    (void)setsid ();

  if (!cfg->no_new_keyring && carve_session_keyring_join (cfg->id, cfg->userns, err) < 0)
    return -1;
  if (carve_rlimits_apply (p->rlimits, p->rlimits_len, err) < 0)
    return -1;
  if (cfg->scheduler && carve_scheduler_set (cfg->scheduler, err) < 0)
    return -1;
  if (p->io_priority && carve_ioprio_set (p->io_priority, err) < 0)
    return -1;
  if (p->apparmor_profile && carve_apparmor_set_exec (p->apparmor_profile, err) < 0)
    return -1;
  if (p->selinux_label && carve_selinux_set_exec (p->selinux_label, err) < 0)
    return -1;

  {
    struct carve_caps_s caps;
    if (carve_caps_parse (p->capabilities, &caps, ret_warnings, err) < 0)
      return -1;
    if (carve_process_drop_privileges (p->user, &caps, p->no_new_privileges, err) < 0)
      return -1;
  }
  *ret_exe = steal_pointer (&exe);
  return 0;
}

/* Loads the filter; with SCMP_ACT_NOTIFY rules the parent takes the
   listener to the seccomp agent at linux.seccomp.listenerPath with the
   process state (status `creating`), before we report READY.  */
static int
load_seccomp (const struct carve_init_config_s *cfg, carve_error_t *err)
{
  return carve_container_seccomp_load (cfg->sync_fd, cfg->seccomp, err);
}

static void
wait_for_start (const struct carve_init_config_s *cfg, carve_error_t *err)
{
  char path[64];
  cleanup_close int fd = -1;

  /* Re-open the fifo through our O_PATH descriptor: its directory is not
     reachable after pivot_root.  The open blocks until `start` opens the
     read side.  */
  snprintf (path, sizeof (path), "/proc/self/fd/%d", cfg->fifo_fd);
  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    {
      carve_make_error (err, errno, "open the exec fifo");
      init_fail (err);
    }
  if (carve_write_all (fd, "0", 1) < 0)
    {
      carve_make_error (err, errno, "write the exec fifo");
      init_fail (err);
    }
  /* From here on failures are reported to `start` through the fifo, which
     exec closes (O_CLOEXEC) on success.  */
  fail_fd = steal_fd (&fd);
  fail_to_fifo = true;
}

/* The namespaces config.json asks to join by path, then the new cgroup and
   time namespaces, which are unshared once the parent placed us in our
   cgroup.  */
static int
enter_namespaces (const struct carve_init_config_s *cfg, carve_error_t *err)
{
  size_t i;

  for (i = 0; i < cfg->join_len; i++)
    if (carve_namespace_join (cfg->join[i]->type, cfg->join[i]->path, err) < 0)
      return -1;
  if (cfg->userns && carve_userns_become_root (err) < 0)
    return -1;
  if (cfg->unshare_cgroup_ns && unshare (CLONE_NEWCGROUP) < 0)
    return carve_make_error (err, errno, "unshare the cgroup namespace");
  if (cfg->unshare_time_ns)
    {
      /* The offsets can only be written before a process enters the new
         time namespace; we enter it at exec.  */
      if (unshare (CLONE_NEWTIME) < 0)
        return carve_make_error (err, errno, "unshare the time namespace");
      if (cfg->spec->linux_->time_offsets && carve_timens_write_offsets (0, cfg->spec->linux_->time_offsets, err) < 0)
        return -1;
    }
  return 0;
}

/* READY to the parent, with the warnings (unknown capabilities, ...) it
   logs, one line each.  From here on the init outlives a killed carve: it
   waits on the exec fifo for `start`.  */
static void
report_ready (const struct carve_init_config_s *cfg, char *const *warnings)
{
  cleanup_free char *joined = carve_strv_join (warnings, "\n");

  (void)prctl (PR_SET_PDEATHSIG, 0);
  if (carve_sync_send (cfg->sync_fd, CARVE_SYNC_READY, joined[0] ? joined : NULL, -1) < 0)
    _exit (1);
}

void
carve_init_run (const struct carve_init_config_s *cfg)
{
  const struct carve_spec_process_s *p = cfg->spec->process;
  const struct carve_spec_hooks_s *hooks = cfg->spec->hooks;
  carve_error_t err = NULL;
  cleanup_free char *exe = NULL, *go_payload = NULL;
  cleanup_strv char **warnings = NULL;
  enum carve_sync_type type;
  bool swept = false, early_filter;
  char **env;

  fail_fd = cfg->sync_fd;
  /* Until it waits on the exec fifo, the init dies with the carve that is
     setting it up: a killed `create` leaves no orphan behind.  */
  (void)prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () == 1)
    _exit (1);

  /* The parent writes id mappings and places us in our cgroup, then sends
     our PID as it sees it (the state's pid, which the parent itself puts
     in the seccomp agent's process state).  */
  if (carve_sync_recv (cfg->sync_fd, &type, &go_payload, NULL, &err) < 0 || type != CARVE_SYNC_GO)
    _exit (1);
  /* We are in our cgroup now.  process.execCPUAffinity is not for the init
     (config.md); its affinity is what the cgroup allows, not carve's.  */
  if (carve_cpu_affinity_reset (0, &err) < 0)
    init_fail (&err);
  /* Before the ids change: /proc/self/oom_score_adj belongs to the ids we
     have now, and a user namespace's root would not be allowed to write it
     (runc writes it this early too).  */
  if (p->has_oom_score_adj && carve_oom_score_adj_set (p->oom_score_adj, &err) < 0)
    init_fail (&err);

  if (enter_namespaces (cfg, &err) < 0)
    init_fail (&err);

  if (cfg->new_mount_ns && setup_rootfs (cfg, &err) < 0)
    init_fail (&err);

  /* prestart and createRuntime run in the runtime namespace, i.e. in the
     parent; createContainer runs here, before pivot_root.  */
  if (carve_sync_send (cfg->sync_fd, CARVE_SYNC_CREATE_HOOKS, NULL, -1) < 0)
    _exit (1);
  if (carve_sync_expect (cfg->sync_fd, CARVE_SYNC_GO, &err) < 0)
    _exit (1);
  if (hooks && hooks->create_container_len > 0)
    {
      /* runtime.md: hooks in the container namespace get the pid as the
         container sees it (1 in a new PID namespace).  */
      cleanup_free char *state = hook_state (cfg, "creating", getpid ());
      if (carve_hooks_run (hooks->create_container, hooks->create_container_len, "createContainer", state, &err) < 0)
        init_fail (&err);
    }

  if (cfg->new_mount_ns && carve_rootfs_pivot (cfg->rootfs, cfg->no_pivot, &err) < 0)
    init_fail (&err);
  if (setup_namespace_settings (cfg, &err) < 0)
    init_fail (&err);
  if (cfg->new_mount_ns && setup_after_pivot (cfg, &err) < 0)
    init_fail (&err);

  /* The NUMA policy is the runtime's setting, not a call of the user's
     program: set it before any seccomp filter can refuse set_mempolicy,
     once the cgroup's cpuset.mems (which the kernel intersects the nodes
     with) applies; fork and exec keep it.  */
  if (cfg->spec->linux_ && cfg->spec->linux_->memory_policy
      && carve_mempolicy_set (cfg->spec->linux_->memory_policy, &err) < 0)
    init_fail (&err);

  /* As runc: a process without HOME gets its user's, from the
     container's /etc/passwd (read before the ids change and any seccomp
     filter).  */
  env = carve_user_env_with_home (cfg->env, p->user ? p->user->uid : 0);
  if (env == NULL)
    env = cfg->env;

  /* Without no_new_privs, seccomp needs CAP_SYS_ADMIN: load it before the
     capabilities are dropped.  With it, load it last, so that as few
     system calls as possible run under the filter (runc's order).
     The descriptor sweep is carve's own work, not the user's program's: it
     runs before any filter, so a profile that does not list close_range
     (older Docker and Kubernetes defaults) cannot make it fail.  Every
     descriptor opened after it (pty, console socket, exec fifo, hook pipes)
     is O_CLOEXEC, so sweeping early leaks nothing into the program.  */
  if (cfg->seccomp && !p->no_new_privileges)
    {
      if (carve_fds_prepare_exec (cfg->preserve_fds, &err) < 0)
        init_fail (&err);
      swept = true;
      if (load_seccomp (cfg, &err) < 0)
        init_fail (&err);
    }

  if (setup_process (cfg, &exe, &warnings, &err) < 0)
    init_fail (&err);

  /* A listener goes to the agent through `create`, which is gone after
     READY: with no_new_privs a filter with one is loaded now, after the
     privileges are dropped (runc's order), the others right before execve.  */
  early_filter = cfg->seccomp && p->no_new_privileges && carve_seccomp_has_notify (cfg->seccomp);
  if (early_filter)
    {
      if (!swept && carve_fds_prepare_exec (cfg->preserve_fds, &err) < 0)
        init_fail (&err);
      swept = true;
      if (load_seccomp (cfg, &err) < 0)
        init_fail (&err);
    }

  report_ready (cfg, warnings);
  close (cfg->sync_fd);

  wait_for_start (cfg, &err);

  if (hooks && hooks->start_container_len > 0)
    {
      /* runtime.md: until the user's program is executed the container is
         `created` (runc sends the same).  */
      cleanup_free char *state = hook_state (cfg, "created", getpid ());
      if (carve_hooks_run (hooks->start_container, hooks->start_container_len, "startContainer", state, &err) < 0)
        init_fail (&err);
    }

  /* The fifo stays open, close-on-exec, to report a failed execve.  */
  if (!swept && carve_fds_prepare_exec (cfg->preserve_fds, &err) < 0)
    init_fail (&err);

  if (cfg->seccomp && p->no_new_privileges && !early_filter && carve_seccomp_load (cfg->seccomp, NULL, &err) < 0)
    init_fail (&err);

  if (cfg->listen_fds > 0)
    {
      /* sd_listen_fds(3) checks LISTEN_PID against getpid(): the init's own
         pid, which is 1 only in a new PID namespace.  */
      char pidbuf[32];
      snprintf (pidbuf, sizeof (pidbuf), "LISTEN_PID=%d", (int)getpid ());
      env = carve_strv_dup (env);
      carve_strv_append (&env, pidbuf);
    }
  execve (exe, p->args, env);
  carve_make_error (&err, errno, "exec `%s`", p->args[0]);
  init_fail (&err);
}
