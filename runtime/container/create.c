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
#include "fsutil.h"
#include "hooks/hooks.h"
#include "init.h"
#include "internal.h"
#include "runtime/compute/compute.h"
#include "runtime/linux/namespaces.h"
#include "runtime/linux/notify.h"
#include "runtime/linux/seccomp.h"
#include "runtime/linux/sysctl.h"
#include "spec/node-config.h"
#include "sync.h"
#include "xalloc.h"

#define ISOLATION_ANNOTATION "carve.isolation"

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

static void
warnf (const struct carve_context_s *ctx, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

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

/* --isolation, else the carve.isolation annotation, else the node
   config's isolation (itself permeable by default).  */
static int
resolve_isolation (const struct carve_context_s *ctx, const carve_spec_t spec, carve_node_config_t node,
                   bool *ret_permeable, carve_error_t *err)
{
  const char *mode = ctx->isolation;

  if (mode == NULL)
    {
      mode = carve_spec_map_get (spec->annotations, ISOLATION_ANNOTATION);
      if (mode && strcmp (mode, "permeable") != 0 && strcmp (mode, "oci") != 0)
        return carve_make_error (err, 0, "annotations.%s: `%s` is not `permeable` or `oci`", ISOLATION_ANNOTATION,
                                 mode);
    }
  if (mode == NULL)
    mode = node->isolation;
  *ret_permeable = strcmp (mode, "permeable") == 0;
  return 0;
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

static int
plan_namespaces (const carve_spec_t spec, bool permeable, bool root_is_host, struct ns_plan_s *plan,
                 carve_error_t *err)
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

      /* Permeable: the job's processes share the host's PID, network, IPC,
         UTS, cgroup and time namespaces; only the mount namespace (to show
         the image) and a requested user namespace are kept.  */
      if (permeable && !is_mount && !is_user)
        continue;
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
          plan->clone_flags |= (uint64_t) carve_namespace_type_to_flag (t);
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
      plan->clone_flags &= ~(uint64_t) CLONE_NEWNS;
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
    owned |= (uint64_t) carve_namespace_type_to_flag (plan->join[i]->type);
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
add_default_device_rules (carve_spec_t spec)
{
  struct carve_spec_linux_s *lx = spec->linux_;
  static const struct
  {
    const char *type;
    int major, minor;
    const char *access;
  } defaults[] = {
    { "c", -1, -1, "m" }, { "b", -1, -1, "m" },     { "c", 1, 3, "rwm" }, { "c", 1, 8, "rwm" },
    { "c", 1, 7, "rwm" }, { "c", 5, 0, "rwm" },     { "c", 1, 5, "rwm" }, { "c", 1, 9, "rwm" },
    { "c", 5, 2, "rwm" }, { "c", 136, -1, "rwm" },
  };
  size_t i;

  if (lx == NULL || lx->resources == NULL || lx->resources->devices_len == 0)
    return;
  for (i = 0; i < sizeof (defaults) / sizeof (defaults[0]); i++)
    add_device_rule (lx->resources, defaults[i].type, defaults[i].major, defaults[i].minor, defaults[i].access);
  for (i = 0; i < lx->devices_len; i++)
    {
      const struct carve_spec_linux_device_s *d = lx->devices[i];
      if (strcmp (d->type, "p") == 0)
        continue;
      add_device_rule (lx->resources, strcmp (d->type, "b") == 0 ? "b" : "c", d->major, d->minor, "rwm");
    }
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

static pid_t
clone_init (uint64_t flags)
{
  struct clone_args args;

  memset (&args, 0, sizeof (args));
  args.flags = flags;
  args.exit_signal = SIGCHLD;
  /* No stack: fork semantics, the child runs on a copy of ours.  */
  return (pid_t) syscall (SYS_clone3, &args, sizeof (args));
}

/* Runs in the parent while the init waits for CARVE_SYNC_GO: id mappings,
   cgroup, then the hooks of the runtime namespace when the init asks.  */
static int
drive_init (const struct carve_context_s *ctx, const struct carve_create_options_s *opts, const carve_spec_t spec,
            const struct ns_plan_s *plan, carve_compute_t compute, const char *dir, int sync_fd, pid_t pid,
            struct carve_state_s *st, carve_cgroup_t *ret_cg, int *ret_pty, carve_error_t *err)
{
  const struct carve_spec_linux_s *lx = spec->linux_;
  cleanup_free char *pid_str = xasprintf ("%d", (int) pid);
  CARVE_CLEANUP (cgroup) carve_cgroup_t cg = NULL;
  carve_cgroup_layout_t layout = NULL;

  if (plan->user_ns_new
      && carve_userns_write_mappings (pid, lx ? lx->uid_mappings : NULL, lx ? lx->uid_mappings_len : 0,
                                      lx ? lx->gid_mappings : NULL, lx ? lx->gid_mappings_len : 0, false, err)
             < 0)
    return -1;

  if (carve_cgroup_layout_detect_host (&layout, err) < 0)
    return -1;
  /* Saved before the cgroup exists too: a carve killed (-9) while it makes
     the directories leaves a state from which `delete` removes them.  */
  st->pid_start = carve_state_pid_start_time (pid);
  if (carve_cgroup_resolve (layout, lx ? lx->cgroups_path : NULL, opts->id, ctx->systemd_cgroup, &st->cgroup_path,
                            err)
          < 0
      || carve_state_save (dir, st, err) < 0
      || carve_cgroup_create (layout, lx ? lx->cgroups_path : NULL, opts->id, ctx->systemd_cgroup, pid, &cg, err) < 0)
    {
      carve_cgroup_layout_free (layout);
      return -1;
    }
  carve_cgroup_layout_free (layout);
  /* The ownership of the cgroup passes to the caller now, so that it is
     removed on any later failure.  */
  *ret_cg = steal_pointer (&cg);
  free (st->cgroup_path);
  st->cgroup_path = xstrdup (carve_cgroup_path (*ret_cg));
  /* Saved now, not only at the end: if carve is killed (-9) from here on,
     the init dies with it (PDEATHSIG) and `delete` finds the cgroup to
     remove in this state, as it would for any stopped container.  */
  if (carve_state_save (dir, st, err) < 0)
    return -1;
  {
    /* A real-time compute container's RT runtime is granted along the
       cgroup's path by carve_compute_apply, which writes the container's
       own realtimeRuntime once the ancestors have room for it: written
       now, the kernel would refuse it (EINVAL) under a parent with none.  */
    struct carve_spec_cpu_s *cpu = lx && lx->resources ? lx->resources->cpu : NULL;
    const struct carve_spec_scheduler_s *sch = spec->process ? spec->process->scheduler : NULL;
    bool hold_rt = carve_compute_active (compute) && cpu && cpu->has_realtime_runtime && sch
                   && (strcmp (sch->policy, "SCHED_FIFO") == 0 || strcmp (sch->policy, "SCHED_RR") == 0);
    int r;
    if (hold_rt)
      cpu->has_realtime_runtime = false;
    r = lx && lx->resources ? carve_cgroup_apply_resources (*ret_cg, lx->resources, err) : 0;
    if (hold_rt)
      cpu->has_realtime_runtime = true;
    if (r < 0)
      return -1;
  }
  if (carve_compute_active (compute))
    {
      cleanup_strv char **warnings = NULL;
      size_t i;
      if (carve_compute_apply (compute, *ret_cg, &warnings, err) < 0)
        return -1;
      for (i = 0; warnings && warnings[i]; i++)
        warnf (ctx, "%s", warnings[i]);
      /* The cpuset cgroup may have moved into the compute partition.  */
      free (st->cgroup_path);
      st->cgroup_path = xstrdup (carve_cgroup_path (*ret_cg));
      if (carve_state_save (dir, st, err) < 0)
        return -1;
    }

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
          if (*ret_pty >= 0)
            close (*ret_pty);
          *ret_pty = fd;
          break;
        case CARVE_SYNC_CREATE_HOOKS:
          if (spec->hooks && (spec->hooks->prestart_len > 0 || spec->hooks->create_runtime_len > 0))
            {
              cleanup_free char *state = carve_container_hook_state (st, "creating");
              if (carve_hooks_run (spec->hooks->prestart, spec->hooks->prestart_len, "prestart", state, err) < 0)
                return -1;
              if (carve_hooks_run (spec->hooks->create_runtime, spec->hooks->create_runtime_len, "createRuntime",
                                   state, err)
                  < 0)
                return -1;
            }
          if (carve_sync_send (sync_fd, CARVE_SYNC_GO, NULL, -1) < 0)
            return carve_make_error (err, errno, "resume the container's init");
          break;
        case CARVE_SYNC_READY:
          if (payload)
            {
              char *save = NULL, *line;
              for (line = strtok_r (payload, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
                warnf (ctx, "%s", line);
            }
          return 0;
        default:
          if (fd >= 0)
            close (fd);
          return carve_make_error (err, 0, "unexpected message %u from the container's init", (unsigned) type);
        }
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
  (void) carve_hooks_run_all_warn (spec->hooks->poststop, spec->hooks->poststop_len, "poststop", state, &warnings);
  for (i = 0; warnings && warnings[i]; i++)
    warnf (ctx, "%s", warnings[i]);
}

#define DENY_ANNOTATION "carve.syscalls.deny"
#define FORWARD_ANNOTATION "carve.syscalls.forward"

int
carve_container_build_seccomp (const carve_spec_t spec, carve_seccomp_t **ret, char ***ret_warnings,
                               carve_error_t *err)
{
  const char *deny_value = carve_spec_map_get (spec->annotations, DENY_ANNOTATION);
  cleanup_strv char **deny = NULL;
  /* carve.syscalls.deny without linux.seccomp: a filter that allows
     everything else.  */
  struct carve_spec_seccomp_s allow_all = { .default_action = (char *) "SCMP_ACT_ALLOW" };
  const struct carve_spec_seccomp_s *sc = spec->linux_ && spec->linux_->seccomp ? spec->linux_->seccomp : NULL;

  *ret = NULL;
  if (deny_value && carve_seccomp_parse_syscall_list (deny_value, &deny, err) < 0)
    return carve_error_wrap (err, "annotations.%s", DENY_ANNOTATION);
  /* Forwarding needs carve-serviceos to answer the trapped calls; until
     carve ships it, a forwarded call would hang or fail, so it is refused
     rather than accepted and ignored.  */
  if (carve_spec_map_get (spec->annotations, FORWARD_ANNOTATION))
    return carve_make_error (err, 0, "annotations.%s: carve-serviceos is not part of this carve yet: use %s (ENOSYS)",
                             FORWARD_ANNOTATION, DENY_ANNOTATION);
  if (sc == NULL && deny == NULL)
    return 0;
  return carve_seccomp_build (sc ? sc : &allow_all, NULL, deny, ret, ret_warnings, err);
}

int
carve_container_spawn (const struct carve_context_s *ctx, const struct carve_create_options_s *opts,
                       bool foreground, struct carve_spawned_s *ret, carve_error_t *err)
{
  cleanup_free char *bundle = NULL, *config_path = NULL, *config_buf = NULL, *rootfs = NULL, *dir = NULL;
  cleanup_free char *fifo = NULL, *notify_dir = NULL, *notify_in_container = NULL;
  cleanup_free struct carve_spec_map_s *sysctl = NULL;
  cleanup_strv char **env = NULL;
  CARVE_CLEANUP (spec) carve_spec_t spec = NULL;
  cleanup_node_config carve_node_config_t node = NULL;
  cleanup_compute carve_compute_t compute = NULL;
  CARVE_CLEANUP (state) struct carve_state_s *st = NULL;
  CARVE_CLEANUP (cgroup) carve_cgroup_t cg = NULL;
  cleanup_seccomp carve_seccomp_t *seccomp = NULL;
  cleanup_close int fifo_fd = -1, pid_ns_fd = -1, own_pid_ns_fd = -1, pty = -1, console_dirfd = -1;
  int sync_fds[2] = { -1, -1 };
  const char *host_notify = getenv ("NOTIFY_SOCKET");
  const char *listen_env = getenv ("LISTEN_FDS");
  struct ns_plan_s plan = { 0 };
  struct carve_init_config_s cfg;
  bool permeable = true, root_is_host, claimed = false;
  size_t config_len = 0;
  int listen_fds = 0, r = -1;
  pid_t pid = -1;
  struct stat sb;

  if (carve_state_validate_id (opts->id, err) < 0)
    return -1;

  bundle = realpath (opts->bundle ? opts->bundle : ".", NULL);
  if (bundle == NULL)
    return carve_make_error (err, errno, "bundle `%s`", opts->bundle ? opts->bundle : ".");
  config_path = opts->config_path ? xstrdup (opts->config_path) : carve_path_join (bundle, "config.json");
  if (carve_read_file (config_path, &config_buf, &config_len, err) < 0)
    return -1;
  spec = carve_spec_parse (config_buf, config_len, err);
  if (spec == NULL)
    return carve_error_wrap (err, "`%s`", config_path);
  if (spec->process == NULL)
    return carve_make_error (err, 0, "process: required to create a container");
  add_default_device_rules (spec);

  {
    cleanup_free char *p = spec->root->path[0] == '/' ? xstrdup (spec->root->path)
                                                      : carve_path_join (bundle, spec->root->path);
    rootfs = realpath (p, NULL);
    if (rootfs == NULL)
      return carve_make_error (err, errno, "root.path: rootfs `%s`", p);
    if (stat (rootfs, &sb) < 0 || !S_ISDIR (sb.st_mode))
      return carve_make_error (err, ENOTDIR, "root.path: rootfs `%s`", rootfs);
  }
  root_is_host = strcmp (rootfs, "/") == 0;

  if (carve_node_config_load (&node, err) < 0)
    return -1;
  if (resolve_isolation (ctx, spec, node, &permeable, err) < 0)
    return -1;
  if (plan_namespaces (spec, permeable, root_is_host, &plan, err) < 0)
    goto out;
  if ((spec->hostname || spec->domainname) && !plan.uts_ns)
    {
      const char *field = spec->hostname ? "hostname" : "domainname";
      /* runc refuses a name without a UTS namespace to hold it.  */
      if (!permeable)
        {
          carve_make_error (err, 0, "%s: needs a uts namespace in linux.namespaces", field);
          goto out;
        }
      if (spec->hostname)
        warnf (ctx, "hostname ignored: the container shares the host's UTS namespace (permeable mode)");
      if (spec->domainname)
        warnf (ctx, "domainname ignored: the container shares the host's UTS namespace (permeable mode)");
    }
  if (plan_sysctl (ctx, spec, permeable, &plan, &sysctl, err) < 0)
    goto out;
  if (carve_compute_plan (spec, node, plan.mount_ns, &compute, err) < 0)
    goto out;

  {
    cleanup_strv char **warnings = NULL;
    size_t i;
    if (carve_container_build_seccomp (spec, &seccomp, &warnings, err) < 0)
      goto out;
    for (i = 0; warnings && warnings[i]; i++)
      warnf (ctx, "%s", warnings[i]);
  }

  if (listen_env && *listen_env)
    {
      const char *listen_pid = getenv ("LISTEN_PID");
      long n, lp;
      /* Socket activation: the fds systemd passed us go on to the
         container, before the --preserve-fds ones.  As sd_listen_fds(3)
         and runc, only when they were meant for us (LISTEN_PID is our
         PID), not inherited from some ancestor.  */
      if (carve_parse_long (listen_env, &n) == 0 && n > 0 && n < 65536 && listen_pid != NULL
          && carve_parse_long (listen_pid, &lp) == 0 && lp == (long) getpid ())
        listen_fds = (int) n;
    }

  /* From here on the id is claimed: every failure removes the directory.  */
  if (carve_state_dir_create (ctx->root, opts->id, &dir, err) < 0)
    goto out;

  if (host_notify && *host_notify)
    {
      cleanup_free char *base = NULL;
      const char *slash = strrchr (host_notify, '/');
      notify_dir = carve_path_join (dir, "notify");
      if (mkdir (notify_dir, 0755) < 0)
        {
          carve_make_error (err, errno, "mkdir `%s`", notify_dir);
          goto fail;
        }
      base = xstrdup (slash ? slash + 1 : "notify.sock");
      /* As runc: the container sees the socket in /run/notify, a bind
         mount of our state directory's notify/ (the socket itself does not
         exist before `start` creates it, so its directory is bound).  */
      if (plan.mount_ns)
        notify_in_container = carve_path_join ("/run/notify", base);
      else
        notify_in_container = carve_path_join (notify_dir, base);
    }
  env = build_env (spec, listen_fds, notify_in_container);

  /* The partition is claimed before the init exists, and the spec rewritten
     with it (cpus, mems, limits, the huge page mount, the scheduler).  */
  if (carve_compute_active (compute))
    {
      if (carve_compute_claim (compute, ctx->root, opts->id, spec, err) < 0)
        goto fail;
      claimed = true;
    }

  fifo = carve_path_join (dir, "exec.fifo");
  /* The init opens the fifo for writing after it dropped to process.user:
     0622 whatever our umask, as runc does.  */
  if (mkfifo (fifo, 0622) < 0 || chmod (fifo, 0622) < 0)
    {
      carve_make_error (err, errno, "mkfifo `%s`", fifo);
      goto fail;
    }
  fifo_fd = open (fifo, O_PATH | O_CLOEXEC);
  if (fifo_fd < 0)
    {
      carve_make_error (err, errno, "open `%s`", fifo);
      goto fail;
    }
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync_fds) < 0)
    {
      carve_make_error (err, errno, "socketpair");
      goto fail;
    }

  st = xzalloc (sizeof (*st));
  st->id = xstrdup (opts->id);
  st->bundle = xstrdup (bundle);
  st->rootfs = xstrdup (rootfs);
  st->created = carve_state_now_rfc3339 ();
  st->isolation = xstrdup (permeable ? "permeable" : "oci");
  st->oci_version = xstrdup (spec->oci_version);
  st->notify_socket_host = host_notify && *host_notify ? xstrdup (host_notify) : NULL;
  if (spec->annotations)
    {
      size_t i;
      st->annotations = xzalloc (sizeof (*st->annotations));
      st->annotations->keys = xcalloc (spec->annotations->len + 1, sizeof (char *));
      st->annotations->values = xcalloc (spec->annotations->len + 1, sizeof (char *));
      for (i = 0; i < spec->annotations->len; i++)
        {
          st->annotations->keys[i] = xstrdup (spec->annotations->keys[i]);
          st->annotations->values[i] = xstrdup (spec->annotations->values[i]);
        }
      st->annotations->len = spec->annotations->len;
    }

  memset (&cfg, 0, sizeof (cfg));
  cfg.id = opts->id;
  cfg.spec = spec;
  cfg.bundle = bundle;
  cfg.rootfs = rootfs;
  cfg.sysctl = sysctl;
  cfg.sync_fd = sync_fds[1];
  cfg.fifo_fd = fifo_fd;
  cfg.new_mount_ns = plan.mount_ns;
  cfg.new_uts_ns = plan.uts_ns;
  cfg.permeable = permeable;
  cfg.userns = plan.user_ns_new;
  for (size_t i = 0; i < plan.join_len; i++)
    if (strcmp (plan.join[i]->type, "user") == 0)
      cfg.userns = true;
  cfg.join = plan.join;
  cfg.join_len = plan.join_len;
  cfg.unshare_cgroup_ns = plan.unshare_cgroup;
  cfg.unshare_time_ns = plan.unshare_time;
  cfg.console_socket = opts->console_socket;
  cfg.console_socket_dirfd = -1;
  cfg.tty_to_parent = foreground && opts->console_socket == NULL;
  cfg.preserve_fds = listen_fds + opts->preserve_fds;
  cfg.no_pivot = opts->no_pivot;
  cfg.no_new_keyring = opts->no_new_keyring;
  cfg.env = env;
  cfg.notify_socket_host = notify_in_container && plan.mount_ns ? notify_in_container : NULL;
  cfg.notify_socket_state = notify_in_container && plan.mount_ns ? notify_dir : NULL;
  cfg.seccomp = seccomp;
  cfg.listen_fds = listen_fds;

  if (spec->process->terminal && opts->console_socket == NULL && !foreground)
    {
      carve_make_error (err, 0, "process.terminal: a detached container with a terminal needs --console-socket");
      goto fail;
    }
  if (!spec->process->terminal && opts->console_socket != NULL)
    {
      carve_make_error (err, 0, "--console-socket: process.terminal is false");
      goto fail;
    }
  if (spec->process->terminal && opts->console_socket != NULL)
    {
      /* The init connects after pivot_root, where the host's path is gone:
         it reaches the socket relative to this directory.  */
      if (carve_container_open_socket_dir (opts->console_socket, &console_dirfd, &cfg.console_socket_name, err) < 0)
        goto fail;
      cfg.console_socket_dirfd = console_dirfd;
    }

  /* Joining a PID namespace by path takes effect for our children only:
     join it around the clone, then return to ours.  */
  if (plan.pid_join_path)
    {
      own_pid_ns_fd = open ("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
      pid_ns_fd = open (plan.pid_join_path, O_RDONLY | O_CLOEXEC);
      if (own_pid_ns_fd < 0 || pid_ns_fd < 0 || setns (pid_ns_fd, CLONE_NEWPID) < 0)
        {
          carve_make_error (err, errno, "linux.namespaces: join pid namespace `%s`", plan.pid_join_path);
          goto fail;
        }
    }

  /* `run` forwards signals through a signalfd: they are blocked from
     before the clone, and the init unblocks them.  */
  pid = clone_init (plan.clone_flags);
  if (pid == 0)
    {
      sigset_t none;
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      close (sync_fds[0]);
      carve_init_run (&cfg);
    }
  if (pid < 0)
    {
      carve_make_error (err, errno, "clone the container's init");
      goto fail;
    }
  if (own_pid_ns_fd >= 0 && setns (own_pid_ns_fd, CLONE_NEWPID) < 0)
    {
      carve_make_error (err, errno, "return to carve's pid namespace");
      goto fail;
    }
  close (sync_fds[1]);
  sync_fds[1] = -1;

  st->pid = pid;
  if (drive_init (ctx, opts, spec, &plan, compute, dir, sync_fds[0], pid, st, &cg, &pty, err) < 0)
    goto fail;
  st->pid_start = carve_state_pid_start_time (pid);

  {
    cleanup_free char *saved = carve_path_join (dir, "config.json");
    if (carve_write_file_atomic (saved, config_buf, config_len, 0600, err) < 0)
      goto fail;
  }
  if (carve_state_save (dir, st, err) < 0)
    goto fail;
  if (opts->pid_file && carve_container_write_pid_file (opts->pid_file, pid, err) < 0)
    goto fail;

  ret->dir = steal_pointer (&dir);
  ret->state = steal_pointer (&st);
  ret->spec = steal_pointer (&spec);
  ret->pty_master = steal_fd (&pty);
  r = 0;
  goto out;

fail:
  /* Leave nothing behind: the init, its cgroup, the state directory.  */
  if (pid > 0)
    {
      (void) kill (pid, SIGKILL);
      (void) waitpid (pid, NULL, 0);
    }
  if (cg)
    {
      carve_error_t ignored = NULL;
      (void) carve_cgroup_kill_all (cg, SIGKILL, &ignored);
      carve_error_release (&ignored);
      (void) carve_cgroup_destroy (cg, &ignored);
      carve_error_release (&ignored);
    }
  if (claimed)
    {
      cleanup_strv char **warnings = NULL;
      carve_error_t ignored = NULL;
      size_t i;
      (void) carve_compute_release (node, ctx->root, opts->id, &warnings, &ignored);
      if (ignored)
        warnf (ctx, "%s", ignored->msg);
      carve_error_release (&ignored);
      for (i = 0; warnings && warnings[i]; i++)
        warnf (ctx, "%s", warnings[i]);
    }
  /* runtime.md: a create that fails once the container exists goes on to
     destroy it and to the poststop hooks (their failures are warnings), as
     runc's destroy does.  */
  if (pid > 0)
    run_poststop_hooks (ctx, spec, st);
  if (dir)
    {
      carve_error_t ignored = NULL;
      (void) carve_rm_rf (dir, &ignored);
      carve_error_release (&ignored);
    }
out:
  if (sync_fds[0] >= 0)
    close (sync_fds[0]);
  if (sync_fds[1] >= 0)
    close (sync_fds[1]);
  free (plan.join);
  if (sysctl)
    {
      free (sysctl->keys);
      free (sysctl->values);
    }
  return r;
}
