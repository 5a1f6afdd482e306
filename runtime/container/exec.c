/* `exec` (container.h): a new process in a running or created container,
   with runc's flags, in the container's namespaces and cgroup, with what
   every process of the container gets from its compute plan.  */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "fault.h"
#include "internal.h"
#include "runtime/compute/compute.h"
#include "runtime/linux/caps.h"
#include "runtime/linux/execpath.h"
#include "runtime/linux/namespaces.h"
#include "runtime/linux/affinity.h"
#include "runtime/linux/fds.h"
#include "runtime/linux/lsm.h"
#include "runtime/linux/procattr.h"
#include "runtime/linux/scheduler.h"
#include "runtime/linux/rlimits.h"
#include "runtime/linux/seccomp.h"
#include "runtime/linux/terminal.h"
#include "runtime/linux/user.h"
#include "spec/annotations.h"
#include "spec/node-config.h"
#include "seccomp-agent.h"
#include "sync.h"
#include "xalloc.h"

/* What the exec'd process's child side needs, prepared before the clone.  */
struct exec_child_s
{
  const struct carve_spec_process_s *process;
  const struct carve_ns_path_s *ns;
  size_t ns_len;
  int sync_fd;
  const char *console_socket;
  /* The socket's directory, opened before joining the container's mount
     namespace, where its host path no longer resolves.  */
  int console_socket_dirfd;
  const char *console_socket_name;
  bool tty_to_parent;
  int preserve_fds;
  const carve_seccomp_t *seccomp;
  struct carve_caps_s caps; /* parsed by the parent, which warns */
};

static void
strv_add (char ***v, size_t *len, const char *s)
{
  carve_strv_append (v, s);
  *len = carve_strv_length (*v);
}

static int
parse_id (const char *s, const char *flag, uint32_t *ret, carve_error_t *err)
{
  unsigned long v;
  if (carve_parse_ulong (s, &v) < 0 || v > UINT32_MAX)
    return carve_make_error (err, 0, "%s: `%s` is not a numeric id", flag, s);
  *ret = (uint32_t)v;
  return 0;
}

/* The process to run: process.json (-p), or the container's own process
   with the command and the flags' overrides, as runc builds it.  */
static int
build_process (const struct carve_exec_options_s *o, carve_spec_t spec, carve_error_t *err)
{
  struct carve_spec_process_s *p;
  size_t i;

  if (o->process_path)
    {
      cleanup_free char *buf = NULL;
      size_t len = 0;
      struct carve_spec_process_s *np;
      if (carve_read_file_max (AT_FDCWD, o->process_path, CARVE_SPEC_DOCUMENT_MAX, &buf, &len, err) < 0)
        return carve_error_wrap (err, "--process");
      np = carve_spec_process_parse (buf, len, err);
      if (np == NULL)
        return carve_error_wrap (err, "--process `%s`", o->process_path);
      carve_spec_process_free (spec->process);
      spec->process = np;
    }
  else
    {
      if (o->args == NULL || o->args[0] == NULL)
        return carve_make_error (err, 0,
                                 "exec: missing the command to run, usage: carve exec [options] ID COMMAND [ARG...]");
      if (spec->process == NULL)
        spec->process = xzalloc (sizeof (*spec->process));
      p = spec->process;
      carve_strv_free (p->args);
      p->args = carve_strv_dup (o->args);
      p->args_len = carve_strv_length (p->args);
      p->terminal = false;
    }
  p = spec->process;
  if (o->tty_set)
    p->terminal = o->tty;
  for (i = 0; o->env && o->env[i]; i++)
    strv_add (&p->env, &p->env_len, o->env[i]);
  if (o->cwd)
    {
      free (p->cwd);
      p->cwd = xstrdup (o->cwd);
    }
  if (o->user)
    {
      cleanup_free char *u = xstrdup (o->user);
      char *colon = strchr (u, ':');
      if (p->user == NULL)
        p->user = xzalloc (sizeof (*p->user));
      if (colon)
        *colon = '\0';
      if (parse_id (u, "--user", &p->user->uid, err) < 0)
        return -1;
      if (colon && parse_id (colon + 1, "--user", &p->user->gid, err) < 0)
        return -1;
    }
  for (i = 0; o->additional_gids && o->additional_gids[i]; i++)
    {
      uint32_t gid = 0;
      if (parse_id (o->additional_gids[i], "--additional-gids", &gid, err) < 0)
        return -1;
      if (p->user == NULL)
        p->user = xzalloc (sizeof (*p->user));
      p->user->additional_gids
          = xrealloc (p->user->additional_gids, (p->user->additional_gids_len + 1) * sizeof (uint32_t));
      p->user->additional_gids[p->user->additional_gids_len++] = gid;
    }
  for (i = 0; o->caps && o->caps[i]; i++)
    {
      struct carve_spec_capabilities_s *c;
      if (p->capabilities == NULL)
        p->capabilities = xzalloc (sizeof (*p->capabilities));
      c = p->capabilities;
      strv_add (&c->bounding, &c->bounding_len, o->caps[i]);
      strv_add (&c->effective, &c->effective_len, o->caps[i]);
      strv_add (&c->permitted, &c->permitted_len, o->caps[i]);
      /* As runc: not inheritable; ambient only when the process has an
         inheritable set at all (an ambient capability needs it there).  */
      if (c->inheritable != NULL)
        strv_add (&c->ambient, &c->ambient_len, o->caps[i]);
    }
  if (o->no_new_privs)
    p->no_new_privileges = true;
  if (o->process_label)
    {
      free (p->selinux_label);
      p->selinux_label = xstrdup (o->process_label);
    }
  if (o->apparmor)
    {
      free (p->apparmor_profile);
      p->apparmor_profile = xstrdup (o->apparmor);
    }
  if (p->cwd == NULL)
    p->cwd = xstrdup ("/");
  if (p->args == NULL || p->args[0] == NULL)
    return carve_make_error (err, 0, "process.args: missing the command to run");
  return 0;
}

__attribute__ ((noreturn)) static void
child_fail (int fd, carve_error_t *err)
{
  (void)carve_sync_send (fd, CARVE_SYNC_ERROR, (err && *err) ? (*err)->msg : "exec failed", -1);
  _exit (127);
}

__attribute__ ((noreturn)) static void
exec_child (const struct exec_child_s *c)
{
  const struct carve_spec_process_s *p = c->process;
  cleanup_free char *exe = NULL;
  cleanup_strv char **env = NULL;
  carve_error_t err = NULL;
  enum carve_sync_type type;

  (void)prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (carve_sync_recv (c->sync_fd, &type, NULL, NULL, &err) < 0 || type != CARVE_SYNC_GO)
    _exit (127);

  /* The parent moved us into the container's cgroup (on the CPUs of
     execCPUAffinity.initial): now the CPUs of `final`, or, without it,
     every CPU the cgroup allows rather than carve's own affinity, as runc.  */
  if (p->exec_cpu_affinity && p->exec_cpu_affinity->final && p->exec_cpu_affinity->final[0])
    {
      if (carve_cpu_affinity_set_pid (0, p->exec_cpu_affinity->final, "process.execCPUAffinity.final", &err) < 0)
        child_fail (c->sync_fd, &err);
    }
  else if (carve_cpu_affinity_reset (0, &err) < 0)
    child_fail (c->sync_fd, &err);

  /* Before joining a user namespace, as the init does: its ids would not
     own /proc/self/oom_score_adj.  */
  if (p->has_oom_score_adj && carve_oom_score_adj_set (p->oom_score_adj, &err) < 0)
    child_fail (c->sync_fd, &err);
  /* The container's namespaces, mount last, so the process sees the
     container's filesystem from here on.  */
  if (carve_namespaces_join_paths (c->ns, c->ns_len, &err) < 0)
    child_fail (c->sync_fd, &err);
  for (size_t i = 0; i < c->ns_len; i++)
    if (strcmp (c->ns[i].type, "user") == 0 && carve_userns_become_root (&err) < 0)
      child_fail (c->sync_fd, &err);
  if (chdir (p->cwd) < 0)
    {
      carve_make_error (&err, errno, "process.cwd: chdir `%s`", p->cwd);
      child_fail (c->sync_fd, &err);
    }
  exe = carve_exec_lookup (p->args[0], p->env, &err);
  if (exe == NULL)
    child_fail (c->sync_fd, &err);
  /* As runc: HOME from the container's /etc/passwd when the process has
     none.  */
  env = carve_user_env_with_home (p->env, p->user ? p->user->uid : 0);
  if (p->terminal)
    {
      cleanup_close int master = -1, slave = -1;
      if (carve_terminal_open_pty (&master, &slave, &err) < 0)
        child_fail (c->sync_fd, &err);
      if (p->console_size)
        (void)carve_terminal_set_size (slave, (unsigned)p->console_size->height, (unsigned)p->console_size->width,
                                       &err);
      carve_error_release (&err);
      if (c->console_socket)
        {
          if (fchdir (c->console_socket_dirfd) < 0
              || carve_console_socket_send (c->console_socket_name, master, &err) < 0)
            {
              if (err == NULL)
                carve_make_error (&err, errno, "--console-socket `%s`", c->console_socket);
              child_fail (c->sync_fd, &err);
            }
          if (chdir (p->cwd) < 0)
            {
              carve_make_error (&err, errno, "process.cwd: chdir `%s`", p->cwd);
              child_fail (c->sync_fd, &err);
            }
        }
      if (c->tty_to_parent && carve_sync_send (c->sync_fd, CARVE_SYNC_PTY, NULL, master) < 0)
        _exit (127);
      if (carve_terminal_become_controlling (slave, &err) < 0)
        child_fail (c->sync_fd, &err);
    }
  else
    (void)setsid ();

  if (carve_rlimits_apply (p->rlimits, p->rlimits_len, &err) < 0)
    child_fail (c->sync_fd, &err);
  /* In the container's cgroup by now, where an RT policy has its runtime
     (carve.sched).  */
  if (p->scheduler && carve_scheduler_set (p->scheduler, &err) < 0)
    child_fail (c->sync_fd, &err);
  if (p->io_priority && carve_ioprio_set (p->io_priority, &err) < 0)
    child_fail (c->sync_fd, &err);
  if (p->apparmor_profile && carve_apparmor_set_exec (p->apparmor_profile, &err) < 0)
    child_fail (c->sync_fd, &err);
  if (p->selinux_label && carve_selinux_set_exec (p->selinux_label, &err) < 0)
    child_fail (c->sync_fd, &err);
  /* The sync socket stays open, close-on-exec: its closing tells the
     parent the execve succeeded.  */
  if (carve_fds_prepare_exec (c->preserve_fds, &err) < 0)
    child_fail (c->sync_fd, &err);

  if (c->seccomp && !p->no_new_privileges && carve_container_seccomp_load (c->sync_fd, c->seccomp, &err) < 0)
    child_fail (c->sync_fd, &err);
  if (carve_process_drop_privileges (p->user, &c->caps, p->no_new_privileges, &err) < 0)
    child_fail (c->sync_fd, &err);
  if (c->seccomp && p->no_new_privileges && carve_container_seccomp_load (c->sync_fd, c->seccomp, &err) < 0)
    child_fail (c->sync_fd, &err);

  (void)prctl (PR_SET_PDEATHSIG, 0);
  execve (exe, p->args, env ? env : p->env ? p->env : (char *[]){ NULL });
  carve_make_error (&err, errno, "exec `%s`", p->args[0]);
  child_fail (c->sync_fd, &err);
}

/* What exec builds on its way; exec_release frees it.  */
struct exec_s
{
  const struct carve_context_s *ctx;
  const struct carve_exec_options_s *o;
  struct carve_state_s *st;
  carve_spec_t spec;
  carve_compute_plan_t own_plan; /* a container from before the state kept its plan */
  carve_cgroup_t cg;
  carve_seccomp_t *seccomp;
  struct carve_caps_s caps;
  struct carve_ns_path_s *ns;
  size_t ns_len;
  int target_pid_ns, own_pid_ns, console_dirfd, sfd, pty;
  int sync_fds[2];
  const char *console_name;
  sigset_t old;
  bool blocked;
  pid_t pid;
};

static void
exec_release (struct exec_s *e)
{
  carve_state_free (e->st);
  carve_spec_free (e->spec);
  carve_compute_plan_free (e->own_plan);
  carve_cgroup_free (e->cg);
  carve_seccomp_free (e->seccomp);
  carve_ns_paths_free (e->ns, e->ns_len);
  if (e->target_pid_ns >= 0)
    close (e->target_pid_ns);
  if (e->own_pid_ns >= 0)
    close (e->own_pid_ns);
  if (e->console_dirfd >= 0)
    close (e->console_dirfd);
  if (e->sfd >= 0)
    close (e->sfd);
  if (e->pty >= 0)
    close (e->pty);
  if (e->sync_fds[0] >= 0)
    close (e->sync_fds[0]);
  if (e->sync_fds[1] >= 0)
    close (e->sync_fds[1]);
  if (e->blocked)
    sigprocmask (SIG_SETMASK, &e->old, NULL);
}

static void
warn_all (const struct carve_context_s *ctx, char *const *warnings)
{
  for (; warnings && *warnings && ctx->warn; warnings++)
    ctx->warn (ctx->warn_data, *warnings);
}

/* The compute plan create kept with the state; for a container created
   before carve kept it, the same plan made again from its annotations.  */
static const struct carve_compute_plan_s *
plan_of (struct exec_s *e, carve_error_t *err)
{
  struct carve_compute_request_s req;
  cleanup_node_config carve_node_config_t node = NULL;
  int r;

  if (e->st->compute)
    return e->st->compute;
  if (carve_compute_request_parse (e->spec, &req, err) < 0)
    {
      carve_compute_request_release (&req);
      return NULL;
    }
  r = carve_node_config_load (&node, err) < 0
          ? -1
          : carve_compute_plan (&req, e->spec, node, true, NULL, NULL, &e->own_plan, NULL, err);
  carve_compute_request_release (&req);
  return r < 0 ? NULL : e->own_plan;
}

/* The container, and the process to run in it with what every process of
   the container gets: the scheduling policy and system call lists of its
   compute plan, its capabilities.  */
static int
exec_prepare (struct exec_s *e, carve_error_t *err)
{
  const struct carve_exec_options_s *o = e->o;
  const struct carve_compute_plan_s *plan;
  cleanup_free char *dir = NULL;
  cleanup_strv char **warnings = NULL;
  const char *status;

  if (carve_state_load (e->ctx->root, o->id, &e->st, err) < 0)
    return -1;
  dir = carve_state_dir (e->ctx->root, o->id);
  status = carve_container_status_of (dir, e->st);
  if (strcmp (status, "running") != 0 && strcmp (status, "created") != 0)
    return carve_make_error (err, 0, "cannot exec in container `%s`: it is %s", o->id, status);
  e->spec = carve_container_saved_spec (dir, err);
  if (e->spec == NULL || build_process (o, e->spec, err) < 0)
    return -1;
  if (e->spec->process->terminal && o->detach && o->console_socket == NULL)
    return carve_make_error (err, 0, "--tty: a detached exec with a terminal needs --console-socket");
  plan = plan_of (e, err);
  if (plan == NULL)
    return -1;
  /* The container's scheduling policy (carve.sched) and denied system
     calls apply to every process of it, exec'd ones too; process.scheduler
     of the exec'd process takes precedence.  */
  if (plan->scheduler && e->spec->process->scheduler == NULL)
    {
      struct carve_spec_scheduler_s *s = xzalloc (sizeof (*s));
      s->policy = xstrdup (plan->scheduler->policy);
      s->has_priority = plan->scheduler->has_priority;
      s->priority = plan->scheduler->priority;
      e->spec->process->scheduler = s;
    }
  if (carve_container_build_seccomp (e->spec, plan, &e->seccomp, &warnings, err) < 0)
    return -1;
  warn_all (e->ctx, warnings);
  carve_strv_free (steal_pointer (&warnings));
  /* Unknown or ungrantable capabilities are warnings naming each
     (config.md), here where they can be printed.  */
  if (carve_caps_parse (e->spec->process->capabilities, &e->caps, &warnings, err) < 0)
    return -1;
  warn_all (e->ctx, warnings);
  return carve_container_open_cgroup (e->st, &e->cg, err);
}

/* The namespaces that differ from ours: in permeable mode the mount and
   user namespaces, and those the client made and config.json named by
   path.  A PID namespace applies to our children: it is joined around the
   clone.  */
static int
exec_namespaces (struct exec_s *e, carve_error_t *err)
{
  size_t i, j;

  if (carve_namespaces_of_pid (e->st->pid, &e->ns, &e->ns_len, err) < 0)
    return -1;
  for (i = 0, j = 0; i < e->ns_len; i++)
    {
      if (strcmp (e->ns[i].type, "pid") == 0)
        {
          e->target_pid_ns = open (e->ns[i].path, O_RDONLY | O_CLOEXEC);
          free (e->ns[i].path);
          continue;
        }
      e->ns[j++] = e->ns[i];
    }
  e->ns_len = j;
  return 0;
}

/* Clones the child that becomes the exec'd process.  */
static int
exec_clone (struct exec_s *e, carve_error_t *err)
{
  const struct carve_exec_options_s *o = e->o;
  struct exec_child_s child;
  struct clone_args args;

  if (!o->detach)
    {
      sigset_t set;
      carve_container_forwarded_signals (&set);
      sigprocmask (SIG_BLOCK, &set, &e->old);
      e->blocked = true;
      e->sfd = signalfd (-1, &set, SFD_CLOEXEC);
      if (e->sfd < 0)
        return carve_make_error (err, errno, "signalfd");
    }
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, e->sync_fds) < 0)
    return carve_make_error (err, errno, "socketpair");
  if (o->console_socket
      && carve_container_open_socket_dir (o->console_socket, &e->console_dirfd, &e->console_name, err) < 0)
    return -1;

  child = (struct exec_child_s){
    .caps = e->caps,
    .process = e->spec->process,
    .ns = e->ns,
    .ns_len = e->ns_len,
    .sync_fd = e->sync_fds[1],
    .console_socket = o->console_socket,
    .console_socket_dirfd = e->console_dirfd,
    .console_socket_name = e->console_name,
    .tty_to_parent = e->spec->process->terminal && o->console_socket == NULL,
    .preserve_fds = o->preserve_fds,
    .seccomp = e->seccomp,
  };
  if (e->target_pid_ns >= 0)
    {
      e->own_pid_ns = open ("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
      if (e->own_pid_ns < 0 || setns (e->target_pid_ns, CLONE_NEWPID) < 0)
        return carve_make_error (err, errno, "join the container's pid namespace");
    }
  memset (&args, 0, sizeof (args));
  args.exit_signal = SIGCHLD;
  e->pid = (pid_t)syscall (SYS_clone3, &args, sizeof (args));
  if (e->pid == 0)
    {
      sigset_t none;
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      close (e->sync_fds[0]);
      exec_child (&child);
    }
  if (e->own_pid_ns >= 0)
    (void)setns (e->own_pid_ns, CLONE_NEWPID);
  if (e->pid < 0)
    {
      e->pid = -1;
      return carve_make_error (err, errno, "clone");
    }
  close (e->sync_fds[1]);
  e->sync_fds[1] = -1;
  carve_fault_point ("exec:cloned");
  return 0;
}

/* Puts the child in the container's cgroup, lets it go and waits until
   its execve succeeded (the sync socket closes) or it reports why not.  */
static int
exec_drive (struct exec_s *e, carve_error_t *err)
{
  const struct carve_spec_process_s *p = e->spec->process;

  /* config.md: `initial` is where the process runs until it is in the
     container's cgroup (kept off the container's isolated CPUs while it
     moves).  */
  if (p->exec_cpu_affinity
      && carve_cpu_affinity_set_pid (e->pid, p->exec_cpu_affinity->initial, "process.execCPUAffinity.initial", err) < 0)
    return -1;
  if (e->cg && carve_cgroup_enter (e->cg, e->pid, e->o->cgroup, err) < 0)
    return -1;
  carve_fault_point ("exec:entered");
  if (carve_sync_send (e->sync_fds[0], CARVE_SYNC_GO, NULL, -1) < 0)
    return carve_make_error (err, errno, "start the exec'd process");
  for (;;)
    {
      cleanup_free char *payload = NULL;
      enum carve_sync_type type;
      int fd = -1;
      int rr = carve_sync_recv_or_eof (e->sync_fds[0], &type, &payload, &fd, err);

      if (rr < 0)
        return -1;
      if (rr == 1)
        return 0; /* its execve closed the socket */
      if (type == CARVE_SYNC_PTY)
        {
          if (e->pty >= 0)
            close (e->pty);
          e->pty = fd;
          continue;
        }
      if (type == CARVE_SYNC_SECCOMP)
        {
          cleanup_free char *state = carve_container_hook_state (e->st, "running");
          if (fd >= 0)
            close (fd);
          if (carve_container_seccomp_serve (e->sync_fds[0], e->pid, payload, e->seccomp, state, err) < 0)
            return -1;
          continue;
        }
      if (fd >= 0)
        close (fd);
      return carve_make_error (err, 0, "%s", payload ? payload : "exec failed");
    }
}

int
carve_container_exec (const struct carve_context_s *ctx, const struct carve_exec_options_s *o, int *ret_status,
                      carve_error_t *err)
{
  struct exec_s e = { .ctx = ctx,
                      .o = o,
                      .target_pid_ns = -1,
                      .own_pid_ns = -1,
                      .console_dirfd = -1,
                      .sfd = -1,
                      .pty = -1,
                      .sync_fds = { -1, -1 },
                      .pid = -1 };
  int r = -1;

  if (exec_prepare (&e, err) < 0 || exec_namespaces (&e, err) < 0 || exec_clone (&e, err) < 0
      || exec_drive (&e, err) < 0 || (o->pid_file && carve_container_write_pid_file (o->pid_file, e.pid, err) < 0))
    {
      if (e.pid > 0)
        {
          (void)kill (e.pid, SIGKILL);
          (void)waitpid (e.pid, NULL, 0);
        }
      goto out;
    }
  *ret_status = 0;
  if (!o->detach)
    carve_container_supervise (e.pid, steal_fd (&e.pty), e.sfd, ret_status);
  r = 0;
out:
  exec_release (&e);
  return r;
}
