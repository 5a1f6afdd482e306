/* The parent side of `create` (and of `run`): reads and checks the bundle,
   claims the container's id and its compute partition, clones the init,
   places it in its cgroup, drives it through its setup and saves the
   state.  It reads top to bottom in the order it runs:
     prepare   everything that is checked before anything changes: the
               config, the carve.* request, the namespaces, sysctl, the
               terminal options
     claim     the state directory (the id), the compute plan (checked
               against the node, then claimed in the node ledger), seccomp,
               the exec fifo and the sync socket
     spawn     the init, its id mappings, its cgroup and resources, what
               the compute plan applies along the cgroup's path, the
               hooks it asks for, until it reports READY
     commit    config.json, state.json and the pid file
   Each step that changes something records it in struct create_s; any
   failure runs the one rollback, which undoes exactly what was recorded:
   the init and its cgroup, the partition, the state directory.  */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fault.h"
#include "fsutil.h"
#include "hooks/hooks.h"
#include "init.h"
#include "internal.h"
#include "runtime/compute/compute.h"
#include "runtime/linux/devices.h"
#include "runtime/linux/hostmount.h"
#include "runtime/linux/namespaces.h"
#include "runtime/linux/notify.h"
#include "runtime/linux/safepath.h"
#include "runtime/linux/seccomp.h"
#include "runtime/linux/sysctl.h"
#include "spec/annotations.h"
#include "spec/node-config.h"
#include "spec/resources.h"
#include "seccomp-agent.h"
#include "sync.h"
#include "xalloc.h"

void
carve_spawned_release (struct carve_spawned_s *s)
{
  free (s->dir);
  s->dir = NULL;
  carve_state_free (s->state);
  s->state = NULL;
  carve_spec_free (s->spec);
  s->spec = NULL;
  if (s->pty_master >= 0)
    close (s->pty_master);
  s->pty_master = -1;
}

static void warnf (const struct carve_context_s *ctx, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
warnf (const struct carve_context_s *ctx, const char *fmt, ...)
{
  cleanup_free char *msg = NULL;
  va_list ap;

  if (ctx->warn == NULL)
    return;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    carve_oom ();
  va_end (ap);
  ctx->warn (ctx->warn_data, msg);
}

/* Which namespaces the init is cloned into, joins, or unshares.  */
struct ns_plan_s
{
  uint64_t clone_flags;
  struct carve_spec_namespace_s **join; /* borrowed from the spec */
  size_t join_len;
  const char *pid_join_path;
  bool mount_ns;
  bool uts_ns;
  bool user_ns_new;
  bool unshare_cgroup;
  bool unshare_time;
};

/* The hook, if any, that configures a network namespace the runtime is
   expected to create: Docker's bridge and user-defined networks hand the
   container's pid to dockerd from a prestart hook (`libnetwork-setkey`),
   which then moves a veth pair into /proc/PID/ns/net and sets addresses and
   routes there.  Run for a permeable container, that is the host's
   network.  Docker adds the hook for `--network none` too, and nothing in
   the config tells the two apart, so both are refused.  */
static const char *
network_hook_needs_own_ns (const struct carve_spec_hooks_s *hooks)
{
  const struct
  {
    struct carve_spec_hook_s *const *v;
    size_t n;
  } kinds[] = { { hooks ? hooks->prestart : NULL, hooks ? hooks->prestart_len : 0 },
                { hooks ? hooks->create_runtime : NULL, hooks ? hooks->create_runtime_len : 0 } };
  size_t k, i, a;

  for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
    for (i = 0; i < kinds[k].n; i++)
      for (a = 0; a < kinds[k].v[i]->args_len; a++)
        if (strcmp (kinds[k].v[i]->args[a], "libnetwork-setkey") == 0)
          return "libnetwork-setkey";
  return NULL;
}

static int
plan_namespaces (const carve_spec_t spec, bool permeable, bool root_is_host, struct ns_plan_s *plan, carve_error_t *err)
{
  const struct carve_spec_linux_s *lx = spec->linux_;
  size_t i, n = lx ? lx->namespaces_len : 0;

  memset (plan, 0, sizeof (*plan));
  plan->join = xcalloc (n + 1, sizeof (*plan->join));
  for (i = 0; i < n; i++)
    {
      struct carve_spec_namespace_s *ns = lx->namespaces[i];
      const char *t = ns->type;
      bool is_mount = strcmp (t, "mount") == 0, is_user = strcmp (t, "user") == 0;

      /* Permeable: carve creates no PID, network, IPC, UTS, cgroup or time
         namespace, so the job's processes share the host's; only the mount
         namespace (to show the image) and a requested user namespace are
         made.  A namespace given by path was made by the client (a pod's,
         `--network container:`) and is joined: the containers of one pod
         share it as one job.  */
      if (permeable && !is_mount && !is_user && ns->path == NULL)
        {
          if (strcmp (t, "network") == 0 && network_hook_needs_own_ns (spec->hooks))
            return carve_make_error (err, 0,
                                     "linux.namespaces: the network namespace has no path and hook `%s` sets up "
                                     "its network through the container's pid: in permeable mode that is the "
                                     "host's; run with `--network host` or carve.isolation=oci (Docker's `--network none` runs "
                                     "the same hook)",
                                     network_hook_needs_own_ns (spec->hooks));
          continue;
        }
      if (is_mount)
        {
          plan->mount_ns = true;
          if (ns->path == NULL)
            plan->clone_flags |= CLONE_NEWNS;
        }
      if (strcmp (t, "uts") == 0)
        plan->uts_ns = true;

      if (ns->path != NULL)
        {
          if (strcmp (t, "pid") == 0)
            plan->pid_join_path = ns->path;
          else
            {
              /* The user namespace is joined first: the others' owners
                 are checked against it.  */
              if (is_user)
                {
                  memmove (plan->join + 1, plan->join, plan->join_len * sizeof (*plan->join));
                  plan->join[0] = ns;
                }
              else
                plan->join[plan->join_len] = ns;
              plan->join_len++;
            }
          continue;
        }
      if (strcmp (t, "cgroup") == 0)
        plan->unshare_cgroup = true;
      else if (strcmp (t, "time") == 0)
        plan->unshare_time = true;
      else if (!is_mount)
        {
          plan->clone_flags |= (uint64_t)carve_namespace_type_to_flag (t);
          if (is_user)
            plan->user_ns_new = true;
        }
    }

  /* A rootfs other than the host's / needs a mount namespace, or its mounts
     would land in the host's.  */
  if (!root_is_host && !plan->mount_ns)
    {
      if (!permeable)
        return carve_make_error (err, 0, "linux.namespaces: a mount namespace is needed for root.path");
      plan->mount_ns = true;
      plan->clone_flags |= CLONE_NEWNS;
    }
  if (root_is_host && permeable)
    {
      /* The host's own root: nothing to show, no namespace needed.  */
      plan->mount_ns = false;
      plan->clone_flags &= ~(uint64_t)CLONE_NEWNS;
    }
  return 0;
}

/* Settings that only make sense inside a namespace the permeable container
   does not own are warned about, by name, never silently dropped; in oci
   mode they fail, as with runc (carve_sysctl_plan).  */
static int
plan_sysctl (const struct carve_context_s *ctx, const carve_spec_t spec, bool permeable, const struct ns_plan_s *plan,
             struct carve_spec_map_s **ret, carve_error_t *err)
{
  cleanup_strv char **warnings = NULL;
  uint64_t owned = plan->clone_flags;
  size_t i;

  for (i = 0; i < plan->join_len; i++)
    owned |= (uint64_t)carve_namespace_type_to_flag (plan->join[i]->type);
  if (carve_sysctl_plan (spec->linux_ ? spec->linux_->sysctl : NULL, owned, permeable, ret, &warnings, err) < 0)
    return -1;
  for (i = 0; warnings && warnings[i]; i++)
    warnf (ctx, "%s", warnings[i]);
  return 0;
}

static void
add_device_rule (struct carve_spec_linux_resources_s *res, const char *type, int64_t major, int64_t minor,
                 const char *access)
{
  struct carve_spec_device_cgroup_s *r = xzalloc (sizeof (*r));

  r->allow = true;
  r->type = xstrdup (type);
  r->has_major = major >= 0;
  r->major = major;
  r->has_minor = minor >= 0;
  r->minor = minor;
  r->access = xstrdup (access);
  res->devices = xrealloc (res->devices, (res->devices_len + 2) * sizeof (*res->devices));
  res->devices[res->devices_len++] = r;
  res->devices[res->devices_len] = NULL;
}

/* After the config's own device rules, allow what every container needs
   (the default /dev nodes, the pty devices, mknod) and the devices it
   lists in linux.devices, as runc does.  */
static void
add_default_device_rules (const carve_spec_t spec, struct carve_spec_linux_resources_s *res)
{
  const struct carve_spec_linux_s *lx = spec->linux_;
  static const struct
  {
    const char *type;
    int major, minor;
    const char *access;
  } defaults[] = {
    { "c", -1, -1, "m" }, { "b", -1, -1, "m" }, { "c", 1, 3, "rwm" }, { "c", 1, 8, "rwm" }, { "c", 1, 7, "rwm" },
    { "c", 5, 0, "rwm" }, { "c", 1, 5, "rwm" }, { "c", 1, 9, "rwm" }, { "c", 5, 2, "rwm" }, { "c", 136, -1, "rwm" },
  };
  size_t i;

  if (lx == NULL || res == NULL || res->devices_len == 0)
    return;
  for (i = 0; i < sizeof (defaults) / sizeof (defaults[0]); i++)
    add_device_rule (res, defaults[i].type, defaults[i].major, defaults[i].minor, defaults[i].access);
  for (i = 0; i < lx->devices_len; i++)
    {
      const struct carve_spec_linux_device_s *d = lx->devices[i];
      if (strcmp (d->type, "p") == 0)
        continue;
      add_device_rule (res, strcmp (d->type, "b") == 0 ? "b" : "c", d->major, d->minor, "rwm");
    }
}

static void
run_poststop_hooks (const struct carve_context_s *ctx, const carve_spec_t spec, const struct carve_state_s *st)
{
  cleanup_free char *state = NULL;
  cleanup_strv char **warnings = NULL;
  size_t i;

  if (spec == NULL || st == NULL || spec->hooks == NULL || spec->hooks->poststop_len == 0)
    return;
  state = carve_container_hook_state (st, "stopped");
  (void)carve_hooks_run_all_warn (spec->hooks->poststop, spec->hooks->poststop_len, "poststop", state, &warnings);
  for (i = 0; warnings && warnings[i]; i++)
    warnf (ctx, "%s", warnings[i]);
}

/* --isolation, else the carve.isolation annotation, else the node
   config's isolation (itself permeable by default).  */
static bool
resolve_permeable (const struct carve_context_s *ctx, const struct carve_compute_request_s *req,
                   carve_node_config_t node)
{
  if (ctx->isolation)
    return strcmp (ctx->isolation, "permeable") == 0;
  if (req->isolation != CARVE_ISOLATION_UNSET)
    return req->isolation == CARVE_ISOLATION_PERMEABLE;
  return strcmp (node->isolation, "permeable") == 0;
}

int
carve_container_build_seccomp (const carve_spec_t spec, const struct carve_compute_plan_s *plan, carve_seccomp_t **ret,
                               char ***ret_warnings, carve_error_t *err)
{
  /* carve.syscalls.deny without linux.seccomp: a filter that allows
     everything else.  */
  struct carve_spec_seccomp_s allow_all = { .default_action = (char *)"SCMP_ACT_ALLOW" };
  const struct carve_spec_seccomp_s *sc = spec->linux_ && spec->linux_->seccomp ? spec->linux_->seccomp : NULL;
  char **deny = plan ? plan->syscalls_deny : NULL;
  char **forward = plan ? plan->syscalls_forward : NULL;

  cleanup_seccomp carve_seccomp_t *s = NULL;
  const char *key = carve_annotation_jpath (CARVE_ANNOTATION_SYSCALLS_FORWARD);
  cleanup_free char *source = NULL;
  struct stat st;

  *ret = NULL;
  if (sc == NULL && deny == NULL && forward == NULL)
    return 0;
  /* A process has one listener, and so one agent.  */
  if (forward && forward[0] && sc && sc->listener_path)
    return carve_make_error (err, 0, "%s: linux.seccomp.listenerPath `%s` takes the listener already: forwarding needs "
                             "carve-serviceos as the process's seccomp agent",
                             key, sc->listener_path);
  if (carve_seccomp_build (sc ? sc : &allow_all, forward, deny, &s, ret_warnings, err) < 0)
    return -1;
  if (forward && forward[0] && carve_seccomp_has_notify (s))
    {
      /* Checked before the process exists, so that a missing daemon fails
         with nothing to undo; one that is there but does not accept fails
         when the listener is sent, with the same prefix.  */
      if (stat (plan->serviceos_socket, &st) < 0)
        return carve_make_error (err, errno, "%s: carve-serviceos is not listening at `%s`", key,
                                 plan->serviceos_socket);
      if (!S_ISSOCK (st.st_mode))
        return carve_make_error (err, 0, "%s: carve-serviceos is not listening at `%s`: not a socket", key,
                                 plan->serviceos_socket);
      source = xasprintf ("%s: carve-serviceos", key);
      carve_seccomp_set_listener (s, plan->serviceos_socket, NULL, source);
    }
  *ret = steal_pointer (&s);
  return 0;
}

/* Everything create builds on its way, and what it changed: the rollback
   undoes what is recorded here, and create_release frees it.  */
struct create_s
{
  const struct carve_context_s *ctx;
  const struct carve_create_options_s *opts;
  bool foreground;
  /* c.ctx is this copy of the caller's context, whose warn callback keeps
     every warning for the state before handing it on.  */
  struct carve_context_s capture_ctx;
  const struct carve_context_s *caller_ctx;
  char **warnings;

  /* prepare */
  char *bundle, *config_path, *config_buf, *rootfs;
  size_t config_len;
  carve_spec_t spec;
  carve_node_config_t node;
  struct carve_compute_request_s request;
  bool permeable;
  struct ns_plan_s ns;
  struct carve_spec_map_s *sysctl;
  carve_seccomp_t *seccomp;
  int listen_fds;
  /* What the init applies: the spec's resources with the plan's laid over
     them, the spec's mounts and the plan's.  */
  struct carve_spec_linux_resources_s *resources;
  struct carve_spec_mount_s **mounts;
  size_t mounts_len;

  /* claim */
  char *dir;    /* the state directory: the id is ours */
  int dir_lock; /* its lock, held until state.json is saved */
  bool claimed; /* a partition in the node ledger */
  int job_shm;  /* a detached copy of the job's /dev/shm, for the init */
  char *notify_dir, *notify_in_container;
  int fifo_fd;
  int sync_fds[2];
  int console_dirfd;
  char **env;
  struct carve_state_s *st;

  /* spawn */
  struct carve_init_config_s cfg;
  /* Where in the rootfs the init's setup may make what was not there (the
     first missing component of each path), removed again by the rollback.  */
  char **made;
  pid_t pid;         /* the init, until it is reaped */
  carve_cgroup_t cg; /* its cgroup, once made */
  int pty;
};

static void
create_release (struct create_s *c)
{
  free (c->bundle);
  free (c->config_path);
  free (c->config_buf);
  free (c->rootfs);
  carve_spec_free (c->spec);
  carve_node_config_free (c->node);
  carve_compute_request_release (&c->request);
  free (c->ns.join);
  if (c->sysctl)
    {
      free (c->sysctl->keys);
      free (c->sysctl->values);
      free (c->sysctl);
    }
  carve_seccomp_free (c->seccomp);
  carve_spec_resources_free (c->resources);
  free (c->mounts);
  free (c->dir);
  if (c->dir_lock >= 0)
    close (c->dir_lock);
  free (c->notify_dir);
  free (c->notify_in_container);
  if (c->fifo_fd >= 0)
    close (c->fifo_fd);
  if (c->sync_fds[0] >= 0)
    close (c->sync_fds[0]);
  if (c->sync_fds[1] >= 0)
    close (c->sync_fds[1]);
  if (c->console_dirfd >= 0)
    close (c->console_dirfd);
  if (c->job_shm >= 0)
    close (c->job_shm);
  carve_strv_free (c->env);
  carve_strv_free (c->made);
  carve_state_free (c->st);
  carve_cgroup_free (c->cg);
  if (c->pty >= 0)
    close (c->pty);
}

/* The compute plan, which the state keeps.  */
static carve_compute_plan_t
plan_of (const struct create_s *c)
{
  return c->st->compute;
}

/* The mountpoints, device nodes and directories the init made in the
   rootfs for a create that failed.  The init and everything in its cgroup
   are dead by now, so its mount namespace is gone with the mounts made on
   them, and on the host they are plain entries of the bundle's rootfs:
   left there, a failed create of 4000 mounts would leave 4000 directories
   in the image.  */
static void
remove_made (struct create_s *c)
{
  cleanup_close int rootfd = open (c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  size_t i;

  if (rootfd < 0)
    return;
  for (i = c->made ? carve_strv_length (c->made) : 0; i > 0; i--)
    carve_safepath_remove_made (rootfd, c->made[i - 1]);
}

/* Undoes what C records, in the reverse of the order it was done: the init
   and its cgroup, the compute partition, the state directory.  runtime.md:
   a create that fails once the container exists goes on to destroy it and
   to the poststop hooks (their failures are warnings), as runc's destroy
   does.  */
static void
rollback (struct create_s *c)
{
  carve_error_t ignored = NULL;

  if (c->pid > 0)
    {
      (void)kill (c->pid, SIGKILL);
      (void)waitpid (c->pid, NULL, 0);
    }
  if (c->cg)
    {
      (void)carve_cgroup_kill_all (c->cg, SIGKILL, &ignored);
      carve_error_release (&ignored);
      (void)carve_cgroup_destroy (c->cg, &ignored);
      carve_error_release (&ignored);
    }
  if (c->claimed)
    {
      cleanup_strv char **warnings = NULL;
      size_t i;
      (void)carve_compute_release (c->node, c->ctx->root, c->opts->id, &warnings, &ignored);
      if (ignored)
        warnf (c->ctx, "%s", ignored->msg);
      carve_error_release (&ignored);
      for (i = 0; warnings && warnings[i]; i++)
        warnf (c->ctx, "%s", warnings[i]);
    }
  if (c->made)
    remove_made (c);
  if (c->pid > 0)
    run_poststop_hooks (c->ctx, c->spec, c->st);
  if (c->dir)
    {
      (void)carve_rm_rf (c->dir, &ignored);
      carve_error_release (&ignored);
    }
}

/* --- prepare ------------------------------------------------------------- */

static int
read_bundle (struct create_s *c, carve_error_t *err)
{
  const struct carve_create_options_s *opts = c->opts;
  cleanup_free char *p = NULL;
  struct stat sb;

  if (carve_state_validate_id (opts->id, err) < 0)
    return -1;
  c->bundle = realpath (opts->bundle ? opts->bundle : ".", NULL);
  if (c->bundle == NULL)
    return carve_make_error (err, errno, "bundle `%s`", opts->bundle ? opts->bundle : ".");
  c->config_path = opts->config_path ? xstrdup (opts->config_path) : carve_path_join (c->bundle, "config.json");
  if (carve_read_file_max (AT_FDCWD, c->config_path, CARVE_SPEC_DOCUMENT_MAX, &c->config_buf, &c->config_len, err) < 0)
    return -1;
  c->spec = carve_spec_parse (c->config_buf, c->config_len, err);
  if (c->spec == NULL)
    return carve_error_wrap (err, "`%s`", c->config_path);
  if (c->spec->process == NULL)
    return carve_make_error (err, 0, "process: required to create a container");

  p = c->spec->root->path[0] == '/' ? xstrdup (c->spec->root->path) : carve_path_join (c->bundle, c->spec->root->path);
  c->rootfs = realpath (p, NULL);
  if (c->rootfs == NULL)
    return carve_make_error (err, errno, "root.path: rootfs `%s`", p);
  if (stat (c->rootfs, &sb) < 0 || !S_ISDIR (sb.st_mode))
    return carve_make_error (err, ENOTDIR, "root.path: rootfs `%s`", c->rootfs);
  return 0;
}

/* The namespaces, and the settings that only make sense inside one the
   container may not own.  */
static int
prepare_namespaces (struct create_s *c, carve_error_t *err)
{
  const carve_spec_t spec = c->spec;

  if (plan_namespaces (spec, c->permeable, strcmp (c->rootfs, "/") == 0, &c->ns, err) < 0)
    return -1;
  if ((spec->hostname || spec->domainname) && !c->ns.uts_ns)
    {
      /* runc refuses a name without a UTS namespace to hold it.  */
      if (!c->permeable)
        return carve_make_error (err, 0, "%s: needs a uts namespace in linux.namespaces",
                                 spec->hostname ? "hostname" : "domainname");
      if (spec->hostname)
        warnf (c->ctx, "hostname ignored: the container shares the host's UTS namespace (permeable mode)");
      if (spec->domainname)
        warnf (c->ctx, "domainname ignored: the container shares the host's UTS namespace (permeable mode)");
    }
  return plan_sysctl (c->ctx, spec, c->permeable, &c->ns, &c->sysctl, err);
}

static int
prepare_seccomp (struct create_s *c, carve_error_t *err)
{
  cleanup_strv char **warnings = NULL;
  size_t i;

  if (carve_container_build_seccomp (c->spec, plan_of (c), &c->seccomp, &warnings, err) < 0)
    return -1;
  for (i = 0; warnings && warnings[i]; i++)
    warnf (c->ctx, "%s", warnings[i]);
  return 0;
}

/* Socket activation: the fds systemd passed us go on to the container,
   before the --preserve-fds ones.  As sd_listen_fds(3) and runc, only when
   they were meant for us (LISTEN_PID is our PID), not inherited from some
   ancestor.  */
static int
listen_fds_for_us (void)
{
  const char *listen_env = getenv ("LISTEN_FDS"), *listen_pid = getenv ("LISTEN_PID");
  long n, lp;

  if (listen_env && *listen_env && carve_parse_long (listen_env, &n) == 0 && n > 0 && n < 65536 && listen_pid != NULL
      && carve_parse_long (listen_pid, &lp) == 0 && lp == (long)getpid ())
    return (int)n;
  return 0;
}

static int
check_terminal (const struct create_s *c, carve_error_t *err)
{
  bool terminal = c->spec->process->terminal, socket = c->opts->console_socket != NULL;

  if (terminal && !socket && !c->foreground)
    return carve_make_error (err, 0, "process.terminal: a detached container with a terminal needs --console-socket");
  if (!terminal && socket)
    return carve_make_error (err, 0, "--console-socket: process.terminal is false");
  return 0;
}

/* What the spec describes and carve does not do (`features` says false):
   refused, since running without it would not be what was asked.  */
static int
check_unimplemented (const carve_spec_t spec, carve_error_t *err)
{
  const struct carve_spec_linux_s *l = spec->linux_;

  if (l && l->intel_rdt)
    return carve_make_error (err, 0, "linux.intelRdt: carve does not manage Intel RDT");
  if (l && l->net_devices_len > 0)
    return carve_make_error (err, 0, "linux.netDevices: carve does not move network devices into a container");
  return 0;
}

static int
prepare (struct create_s *c, carve_error_t *err)
{
  if (read_bundle (c, err) < 0 || check_unimplemented (c->spec, err) < 0
      || carve_compute_request_parse (c->spec, &c->request, err) < 0
      || carve_node_config_load (&c->node, err) < 0)
    return -1;
  c->permeable = resolve_permeable (c->ctx, &c->request, c->node);
  if (!c->permeable && c->request.values[CARVE_ANNOTATION_JOB])
    {
      /* oci mode gives the container its own IPC namespace and the spec's
         own /dev/shm: the host's is not shared, which is what carve.job
         is for, and a job's containers do not share memory either.  As
         for every setting a mode ignores: a warning, not a refusal, so a
         job's annotations work in both modes.  */
      warnf (c->ctx, "%s ignored: in oci mode the container has its own IPC namespace and /dev/shm",
             carve_annotation_jpath (CARVE_ANNOTATION_JOB));
      free (c->request.values[CARVE_ANNOTATION_JOB]);
      c->request.values[CARVE_ANNOTATION_JOB] = NULL;
    }
  if (prepare_namespaces (c, err) < 0 || check_terminal (c, err) < 0)
    return -1;
  c->listen_fds = listen_fds_for_us ();
  return 0;
}

/* --- claim --------------------------------------------------------------- */

/* As runc: the container sees NOTIFY_SOCKET in /run/notify, a bind mount of
   our state directory's notify/ (the socket itself does not exist before
   `start` creates it, so its directory is bound).  */
static int
claim_notify (struct create_s *c, const char *host_notify, carve_error_t *err)
{
  const char *slash = strrchr (host_notify, '/');
  cleanup_free char *base = xstrdup (slash ? slash + 1 : "notify.sock");

  c->notify_dir = carve_path_join (c->dir, "notify");
  if (mkdir (c->notify_dir, 0755) < 0)
    return carve_make_error (err, errno, "mkdir `%s`", c->notify_dir);
  c->notify_in_container
      = c->ns.mount_ns ? carve_path_join ("/run/notify", base) : carve_path_join (c->notify_dir, base);
  return 0;
}

static char **
build_env (const carve_spec_t spec, int listen_fds, const char *notify_path)
{
  char **env = carve_strv_dup (spec->process->env ? spec->process->env : (char *[]){ NULL });
  if (listen_fds > 0)
    {
      cleanup_free char *v = xasprintf ("LISTEN_FDS=%d", listen_fds);
      carve_strv_append (&env, v);
    }
  if (notify_path)
    {
      cleanup_free char *v = xasprintf ("NOTIFY_SOCKET=%s", notify_path);
      carve_strv_append (&env, v);
    }
  return env;
}

/* The exec fifo `start` opens, and the socket the init and we talk over.  */
static int
claim_channels (struct create_s *c, carve_error_t *err)
{
  cleanup_free char *fifo = carve_path_join (c->dir, "exec.fifo");

  /* The init opens the fifo for writing after it dropped to process.user:
     0622 whatever our umask, as runc does.  */
  if (mkfifo (fifo, 0622) < 0 || chmod (fifo, 0622) < 0)
    return carve_make_error (err, errno, "mkfifo `%s`", fifo);
  c->fifo_fd = open (fifo, O_PATH | O_CLOEXEC);
  if (c->fifo_fd < 0)
    return carve_make_error (err, errno, "open `%s`", fifo);
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c->sync_fds) < 0)
    return carve_make_error (err, errno, "socketpair");
  return 0;
}

static struct carve_state_s *
new_state (const struct create_s *c, const char *host_notify)
{
  struct carve_state_s *st = xzalloc (sizeof (*st));
  const struct carve_spec_map_s *a = c->spec->annotations;

  st->id = xstrdup (c->opts->id);
  st->bundle = xstrdup (c->bundle);
  st->rootfs = xstrdup (c->rootfs);
  st->created = carve_state_now_rfc3339 ();
  st->isolation = xstrdup (c->permeable ? "permeable" : "oci");
  st->oci_version = xstrdup (c->spec->oci_version);
  st->notify_socket_host = host_notify ? xstrdup (host_notify) : NULL;
  if (a)
    {
      size_t i;
      st->annotations = xzalloc (sizeof (*st->annotations));
      st->annotations->keys = xcalloc (a->len + 1, sizeof (char *));
      st->annotations->values = xcalloc (a->len + 1, sizeof (char *));
      for (i = 0; i < a->len; i++)
        {
          st->annotations->keys[i] = xstrdup (a->keys[i]);
          st->annotations->values[i] = xstrdup (a->values[i]);
        }
      st->annotations->len = a->len;
    }
  return st;
}

/* What the init applies: the spec's resources and mounts with the compute
   plan's (its CPUs, memory limits, huge pages) laid over them.  The spec
   itself is never changed.  */
static void
compose (struct create_s *c)
{
  const carve_compute_plan_t plan = plan_of (c);
  const struct carve_spec_linux_s *lx = c->spec->linux_;
  size_t n = c->spec->mounts_len;

  c->resources = carve_spec_resources_dup (lx ? lx->resources : NULL);
  if (plan->resources)
    {
      struct carve_spec_linux_resources_s *over = carve_spec_resources_dup (plan->resources);
      if (c->resources == NULL)
        c->resources = xzalloc (sizeof (*c->resources));
      carve_spec_resources_merge (c->resources, over);
      carve_spec_resources_free (over);
    }
  /* A real-time compute container's own cpu.rt_runtime_us is granted by
     carve_compute_apply once its ancestors have room for it: written with
     the other resources, the kernel would refuse it (EINVAL) under a
     parent with none.  */
  if (plan->rt_grant && c->resources && c->resources->cpu)
    c->resources->cpu->has_realtime_runtime = false;
  add_default_device_rules (c->spec, c->resources);

  c->mounts = xcalloc (n + 2, sizeof (*c->mounts));
  if (n)
    memcpy (c->mounts, c->spec->mounts, n * sizeof (*c->mounts));
  if (plan->mount)
    c->mounts[n++] = plan->mount;
  c->mounts_len = n;
}

static int
claim (struct create_s *c, carve_error_t *err)
{
  const char *host_notify = getenv ("NOTIFY_SOCKET");
  cleanup_strv char **warnings = NULL;
  size_t i;

  if (host_notify && *host_notify == '\0')
    host_notify = NULL;
  /* From here on the id is ours: the rollback removes the directory.  */
  if (carve_state_dir_create (c->ctx->root, c->opts->id, &c->dir, &c->dir_lock, err) < 0)
    return -1;
  carve_fault_point ("create:claimed-id");
  if (host_notify && claim_notify (c, host_notify, err) < 0)
    return -1;
  c->env = build_env (c->spec, c->listen_fds, c->notify_in_container);
  c->st = new_state (c, host_notify);

  /* The partition is claimed before the init exists, so its CPUs, memory
     and huge pages are the container's from its first instruction.  A
     request that does not fit the node fails before anything changes.  */
  if (carve_compute_plan (&c->request, c->spec, c->node, c->ns.mount_ns, c->ctx->root, c->opts->id, &c->st->compute,
                          &warnings, err)
      < 0)
    return -1;
  c->claimed = c->st->compute->partition;
  /* The init, in a mount namespace of its own (and maybe a user namespace
     that cannot reach the node's jobs directory), attaches this copy.  */
  if (c->st->compute->job_dir)
    {
      c->job_shm = carve_hostmount_clone (c->st->compute->job_dir, err);
      if (c->job_shm < 0)
        return carve_error_wrap (err, "%s", carve_annotation_jpath (CARVE_ANNOTATION_JOB));
    }
  carve_fault_point ("create:planned");
  for (i = 0; warnings && warnings[i]; i++)
    warnf (c->ctx, "%s", warnings[i]);
  if (prepare_seccomp (c, err) < 0)
    return -1;
  compose (c);
  return claim_channels (c, err);
}

/* --- spawn --------------------------------------------------------------- */

static void
init_config (struct create_s *c)
{
  struct carve_init_config_s *cfg = &c->cfg;
  const carve_compute_plan_t plan = plan_of (c);
  size_t i;

  memset (cfg, 0, sizeof (*cfg));
  cfg->id = c->opts->id;
  cfg->spec = c->spec;
  cfg->bundle = c->bundle;
  cfg->rootfs = c->rootfs;
  cfg->sysctl = c->sysctl;
  cfg->sync_fd = c->sync_fds[1];
  cfg->fifo_fd = c->fifo_fd;
  cfg->new_mount_ns = c->ns.mount_ns;
  cfg->new_uts_ns = c->ns.uts_ns;
  cfg->permeable = c->permeable;
  cfg->job_shm = c->job_shm;
  cfg->userns = c->ns.user_ns_new;
  for (i = 0; i < c->ns.join_len; i++)
    if (strcmp (c->ns.join[i]->type, "user") == 0)
      cfg->userns = true;
  cfg->join = c->ns.join;
  cfg->join_len = c->ns.join_len;
  cfg->unshare_cgroup_ns = c->ns.unshare_cgroup;
  cfg->unshare_time_ns = c->ns.unshare_time;
  cfg->console_socket = c->opts->console_socket;
  cfg->console_socket_dirfd = -1;
  cfg->tty_to_parent = c->foreground && c->opts->console_socket == NULL;
  cfg->preserve_fds = c->listen_fds + c->opts->preserve_fds;
  cfg->no_pivot = c->opts->no_pivot;
  cfg->no_new_keyring = c->opts->no_new_keyring;
  cfg->env = c->env;
  cfg->notify_socket_host = c->notify_in_container && c->ns.mount_ns ? c->notify_in_container : NULL;
  cfg->notify_socket_state = c->notify_in_container && c->ns.mount_ns ? c->notify_dir : NULL;
  cfg->seccomp = c->seccomp;
  cfg->listen_fds = c->listen_fds;
  cfg->mounts = c->mounts;
  cfg->mounts_len = c->mounts_len;
  cfg->scheduler = plan->scheduler ? plan->scheduler : c->spec->process->scheduler;
}

static pid_t
clone_init (uint64_t flags)
{
  struct clone_args args;

  memset (&args, 0, sizeof (args));
  args.flags = flags;
  args.exit_signal = SIGCHLD;
  /* No stack: fork semantics, the child runs on a copy of ours.  */
  return (pid_t)syscall (SYS_clone3, &args, sizeof (args));
}

/* Clones the init into the namespaces the plan allows.  `run` forwards
   signals through a signalfd: they are blocked from before the clone, and
   the init unblocks them.  */
static int
spawn_init (struct create_s *c, carve_error_t *err)
{
  cleanup_close int pid_ns_fd = -1, own_pid_ns_fd = -1;

  if (c->spec->process->terminal && c->opts->console_socket != NULL)
    {
      /* The init connects after pivot_root, where the host's path is gone:
         it reaches the socket relative to this directory.  */
      if (carve_container_open_socket_dir (c->opts->console_socket, &c->console_dirfd, &c->cfg.console_socket_name, err)
          < 0)
        return -1;
      c->cfg.console_socket_dirfd = c->console_dirfd;
    }
  /* Joining a PID namespace by path takes effect for our children only:
     join it around the clone, then return to ours.  */
  if (c->ns.pid_join_path)
    {
      own_pid_ns_fd = open ("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
      pid_ns_fd = open (c->ns.pid_join_path, O_RDONLY | O_CLOEXEC);
      if (own_pid_ns_fd < 0 || pid_ns_fd < 0 || setns (pid_ns_fd, CLONE_NEWPID) < 0)
        return carve_make_error (err, errno, "linux.namespaces: join pid namespace `%s`", c->ns.pid_join_path);
    }

  c->pid = clone_init (c->ns.clone_flags);
  if (c->pid == 0)
    {
      sigset_t none;
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      close (c->sync_fds[0]);
      carve_init_run (&c->cfg);
    }
  if (c->pid < 0)
    {
      c->pid = -1;
      return carve_make_error (err, errno, "clone the container's init");
    }
  if (own_pid_ns_fd >= 0 && setns (own_pid_ns_fd, CLONE_NEWPID) < 0)
    return carve_make_error (err, errno, "return to carve's pid namespace");
  close (c->sync_fds[1]);
  c->sync_fds[1] = -1;
  c->st->pid = c->pid;
  carve_fault_point ("create:cloned");
  return 0;
}

/* The init's cgroup on every hierarchy, its resources, and what the
   compute plan applies along the cgroup's path, while the init waits for
   CARVE_SYNC_GO.  */
static int
place_init (struct create_s *c, carve_error_t *err)
{
  const struct carve_spec_linux_s *lx = c->spec->linux_;
  const carve_compute_plan_t plan = plan_of (c);
  const struct carve_cgroup_placement_s placement
      = { .cpuset_path = plan->cpuset_path, .cpus = plan->cpus, .load_balance = plan->load_balance };
  const struct carve_cgroup_placement_s *where = plan->cpuset_path ? &placement : NULL;
  const char *cgroups_path = lx ? lx->cgroups_path : NULL;
  cleanup_cgroup_layout carve_cgroup_layout_t layout = NULL;
  cleanup_strv char **warnings = NULL;
  size_t i;

  if (c->ns.user_ns_new
      && carve_userns_write_mappings (c->pid, lx ? lx->uid_mappings : NULL, lx ? lx->uid_mappings_len : 0,
                                      lx ? lx->gid_mappings : NULL, lx ? lx->gid_mappings_len : 0, false, err)
             < 0)
    return -1;
  if (carve_cgroup_layout_detect_host (&layout, err) < 0)
    return -1;
  /* Saved before the cgroup exists too: a carve killed (-9) while it makes
     the directories leaves a state from which `delete` removes them.  */
  c->st->pid_start = carve_state_pid_start_time (c->pid);
  if (carve_cgroup_resolve (layout, cgroups_path, c->opts->id, c->ctx->systemd_cgroup, where, &c->st->cgroup_path, err)
          < 0
      || carve_state_save (c->dir, c->st, err) < 0
      || carve_cgroup_create (layout, cgroups_path, c->opts->id, c->ctx->systemd_cgroup, where, c->pid, &c->cg, err)
             < 0)
    return -1;
  free (c->st->cgroup_path);
  c->st->cgroup_path = xstrdup (carve_cgroup_path (c->cg));
  if (carve_cgroup_unit (c->cg))
    c->st->systemd_unit = xstrdup (carve_cgroup_unit (c->cg));
  /* Saved now, not only at the end: if carve is killed (-9) from here on,
     the init dies with it (PDEATHSIG) and `delete` finds the cgroup to
     remove in this state, as it would for any stopped container.  */
  if (carve_state_save (c->dir, c->st, err) < 0)
    return -1;
  carve_fault_point ("create:cgroup");
  if (carve_cgroup_ignored_resources (layout, c->resources))
    warnf (c->ctx, "%s", carve_cgroup_ignored_resources (layout, c->resources));
  if ((c->resources && carve_cgroup_apply_resources (c->cg, c->resources, err) < 0)
      || carve_cgroup_set_memory_min (c->cg, plan->memory_min, err) < 0
      || carve_compute_apply (plan, c->cg, &warnings, err) < 0)
    return -1;
  for (i = 0; warnings && warnings[i]; i++)
    warnf (c->ctx, "%s", warnings[i]);
  carve_fault_point ("create:applied");
  return 0;
}

/* Lets the init go and serves what it asks (its pty, the hooks of the
   runtime namespace, its seccomp listener) until it reports READY.  */
static int
serve_init (struct create_s *c, carve_error_t *err)
{
  const carve_spec_t spec = c->spec;
  cleanup_free char *pid_str = xasprintf ("%d", (int)c->pid);
  int sync_fd = c->sync_fds[0];

  if (carve_sync_send (sync_fd, CARVE_SYNC_GO, pid_str, -1) < 0)
    return carve_make_error (err, errno, "start the container's init");
  for (;;)
    {
      cleanup_free char *payload = NULL;
      enum carve_sync_type type;
      int fd = -1;

      if (carve_sync_recv (sync_fd, &type, &payload, &fd, err) < 0)
        return -1;
      switch (type)
        {
        case CARVE_SYNC_ERROR:
          return carve_make_error (err, 0, "%s", payload ? payload : "the container's init failed");
        case CARVE_SYNC_PTY:
          if (c->pty >= 0)
            close (c->pty);
          c->pty = fd;
          break;
        case CARVE_SYNC_CREATE_HOOKS:
          if (spec->hooks && (spec->hooks->prestart_len > 0 || spec->hooks->create_runtime_len > 0))
            {
              cleanup_free char *state = carve_container_hook_state (c->st, "creating");
              cleanup_free char *record = carve_path_join (c->dir, CARVE_STATE_HOOK_RECORD);
              if (carve_hooks_run_recorded (spec->hooks->prestart, spec->hooks->prestart_len, "prestart", state,
                                            record, err)
                      < 0
                  || carve_hooks_run_recorded (spec->hooks->create_runtime, spec->hooks->create_runtime_len,
                                               "createRuntime", state, record, err)
                         < 0)
                return -1;
            }
          carve_fault_point ("create:hooks");
          if (carve_sync_send (sync_fd, CARVE_SYNC_GO, NULL, -1) < 0)
            return carve_make_error (err, errno, "resume the container's init");
          break;
        case CARVE_SYNC_SECCOMP:
          {
            cleanup_free char *state = carve_container_hook_state (c->st, "creating");
            if (carve_container_seccomp_serve (sync_fd, c->pid, payload, c->seccomp, state, err) < 0)
              return -1;
          }
          break;
        case CARVE_SYNC_READY:
          if (payload)
            {
              char *save = NULL, *line;
              for (line = strtok_r (payload, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
                warnf (c->ctx, "%s", line);
            }
          return 0;
        default:
          if (fd >= 0)
            close (fd);
          return carve_make_error (err, 0, "unexpected message %u from the container's init", (unsigned)type);
        }
    }
}

/* Notes, before the init starts, what of the paths its setup may make
   (mount destinations, devices, process.cwd, /dev/shm, the notify socket's
   directory) is missing from the rootfs.  Only with a mount namespace:
   without one the rootfs is the host's "/" and the init makes nothing in
   it.  */
static void
note_missing (struct create_s *c)
{
  const struct carve_init_config_s *cfg = &c->cfg;
  const struct carve_spec_linux_s *lx = c->spec->linux_;
  cleanup_strv char **paths = NULL;
  cleanup_close int rootfd = -1;
  size_t n_paths, i, n = 0;

  if (!cfg->new_mount_ns || (rootfd = open (c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
    return;
  paths = carve_devices_paths (lx ? lx->devices : NULL, lx ? lx->devices_len : 0);
  n_paths = carve_strv_length (paths);
  c->made = xcalloc (c->mounts_len + n_paths + 4, sizeof (char *));
  for (i = 0; i < c->mounts_len + n_paths + 3; i++)
    {
      cleanup_free char *sockdir = NULL;
      const char *p = NULL;
      char *missing, *slash;

      if (i < c->mounts_len)
        p = c->mounts[i]->destination;
      else if (i < c->mounts_len + n_paths)
        p = paths[i - c->mounts_len];
      else if (i == c->mounts_len + n_paths)
        p = c->spec->process->cwd;
      else if (i == c->mounts_len + n_paths + 1)
        p = cfg->permeable ? "/dev/shm" : NULL;
      else if (cfg->notify_socket_host && (slash = strrchr (cfg->notify_socket_host, '/')) != NULL)
        p = sockdir = xstrndup (cfg->notify_socket_host, (size_t)(slash - cfg->notify_socket_host));
      if (p == NULL || *p == '\0' || (missing = carve_safepath_first_missing (rootfd, p)) == NULL)
        continue;
      c->made[n++] = missing;
    }
}

static int
spawn (struct create_s *c, carve_error_t *err)
{
  init_config (c);
  note_missing (c);
  if (spawn_init (c, err) < 0 || place_init (c, err) < 0 || serve_init (c, err) < 0)
    return -1;
  c->st->pid_start = carve_state_pid_start_time (c->pid);
  return 0;
}

/* --- commit -------------------------------------------------------------- */

static int
commit (struct create_s *c, struct carve_spawned_s *ret, carve_error_t *err)
{
  cleanup_free char *saved = carve_path_join (c->dir, "config.json");

  carve_fault_point ("create:ready");
  carve_strv_free (c->st->warnings);
  c->st->warnings = c->warnings ? carve_strv_dup (c->warnings) : NULL;
  if (carve_write_file_atomic (saved, c->config_buf, c->config_len, 0600, err) < 0
      || carve_state_save (c->dir, c->st, err) < 0
      || (c->opts->pid_file && carve_container_write_pid_file (c->opts->pid_file, c->pid, err) < 0))
    return -1;
  carve_fault_point ("create:committed");
  ret->dir = steal_pointer (&c->dir);
  ret->state = steal_pointer (&c->st);
  ret->spec = steal_pointer (&c->spec);
  ret->pty_master = steal_fd (&c->pty);
  /* The init is the container's now: no rollback reaps it.  */
  c->pid = -1;
  c->claimed = false;
  carve_cgroup_free (steal_pointer (&c->cg));
  return 0;
}

/* A container that starts as asked prints nothing from carve (DESIGN.md,
   "What carve says"): its warnings go to the caller's callback (--log,
   --debug) and into the state, where `carve state` shows them.  */
static void
capture_warning (void *data, const char *msg)
{
  struct create_s *c = data;

  carve_strv_append (&c->warnings, msg);
  if (c->caller_ctx->warn)
    c->caller_ctx->warn (c->caller_ctx->warn_data, msg);
}

int
carve_container_spawn (const struct carve_context_s *ctx, const struct carve_create_options_s *opts, bool foreground,
                       struct carve_spawned_s *ret, carve_error_t *err)
{
  struct create_s c = { .ctx = ctx,
                        .opts = opts,
                        .foreground = foreground,
                        .dir_lock = -1,
                        .fifo_fd = -1,
                        .sync_fds = { -1, -1 },
                        .console_dirfd = -1,
                        .job_shm = -1,
                        .pid = -1,
                        .pty = -1 };
  int r = 0;

  c.caller_ctx = ctx;
  c.capture_ctx = *ctx;
  c.capture_ctx.warn = capture_warning;
  c.capture_ctx.warn_data = &c;
  c.ctx = &c.capture_ctx;
  if (prepare (&c, err) < 0 || claim (&c, err) < 0 || spawn (&c, err) < 0 || commit (&c, ret, err) < 0)
    {
      rollback (&c);
      r = -1;
    }
  create_release (&c);
  carve_strv_free (c.warnings);
  return r;
}

int
carve_container_create (const struct carve_context_s *ctx, const struct carve_create_options_s *opts,
                        carve_error_t *err)
{
  struct carve_spawned_s s = { .pty_master = -1 };

  if (carve_container_spawn (ctx, opts, false, &s, err) < 0)
    return -1;
  carve_spawned_release (&s);
  return 0;
}
