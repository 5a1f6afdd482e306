/* start, state, kill, delete and list (container.h), and what they share
   with the other lifecycle files: loading a container, its status, its
   cgroup, its saved config.  */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fault.h"
#include "fsutil.h"
#include "pgroup.h"
#include "hooks/hooks.h"
#include "internal.h"
#include "runtime/compute/compute.h"
#include "spec/node-config.h"
#include "runtime/linux/notify.h"
#include "xalloc.h"

char *
carve_container_hook_state (const struct carve_state_s *st, const char *status)
{
  struct carve_spec_container_state_s s = {
    .oci_version = st->oci_version ? st->oci_version : (char *) OCI_SPEC_VERSION,
    .id = st->id,
    .status = (char *) status,
    .pid = strcmp (status, "stopped") == 0 ? 0 : (int) st->pid,
    .bundle = st->bundle,
    .annotations = st->annotations,
  };
  return carve_spec_emit_hook_state (&s);
}

int
carve_container_write_pid_file (const char *path, pid_t pid, carve_error_t *err)
{
  cleanup_free char *data = xasprintf ("%d", (int) pid);
  cleanup_free char *abs = NULL;

  if (path[0] != '/')
    {
      cleanup_free char *cwd = getcwd (NULL, 0);
      abs = carve_path_join (cwd ? cwd : "/", path);
      path = abs;
    }
  if (carve_write_file_atomic (path, data, strlen (data), 0644, err) < 0)
    return carve_error_wrap (err, "--pid-file");
  return 0;
}

int
carve_container_open_socket_dir (const char *path, int *ret_dirfd, const char **ret_name, carve_error_t *err)
{
  const char *slash = strrchr (path, '/');
  cleanup_free char *dir = slash == NULL ? xstrdup (".")
                           : slash == path ? xstrdup ("/")
                                           : xstrndup (path, (size_t) (slash - path));
  int fd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return carve_make_error (err, errno, "--console-socket: open `%s`", dir);
  *ret_dirfd = fd;
  *ret_name = slash ? slash + 1 : path;
  return 0;
}

int
carve_container_open_cgroup (const struct carve_state_s *st, carve_cgroup_t *ret, carve_error_t *err)
{
  carve_cgroup_layout_t layout = NULL;
  int r;

  *ret = NULL;
  if (st->cgroup_path == NULL)
    return 0;
  if (carve_cgroup_layout_detect_host (&layout, err) < 0)
    return -1;
  r = carve_cgroup_open (layout, st->cgroup_path, ret, err);
  carve_cgroup_layout_free (layout);
  if (r == 0 && st->systemd_unit)
    carve_cgroup_set_unit (*ret, st->systemd_unit);
  return r;
}

const char *
carve_container_status_of (const char *dir, const struct carve_state_s *st)
{
  cleanup_free char *fifo = NULL;
  CARVE_CLEANUP (cgroup) carve_cgroup_t cg = NULL;
  carve_error_t err = NULL;
  bool frozen = false;

  if (!carve_state_init_alive (st))
    return "stopped";
  /* Frozen first, as runc: a created container can be paused too.  */
  if (carve_container_open_cgroup (st, &cg, &err) == 0 && cg != NULL
      && carve_cgroup_is_frozen (cg, &frozen, &err) == 0 && frozen)
    return "paused";
  carve_error_release (&err);
  fifo = carve_path_join (dir, "exec.fifo");
  if (carve_path_exists (fifo))
    return "created";
  return "running";
}

carve_spec_t
carve_container_saved_spec (const char *dir, carve_error_t *err)
{
  cleanup_free char *path = carve_path_join (dir, "config.json");
  return carve_spec_load (path, err);
}

static int
load (const struct carve_context_s *ctx, const char *id, char **ret_dir, struct carve_state_s **ret,
      carve_error_t *err)
{
  if (carve_state_load (ctx->root, id, ret, err) < 0)
    return -1;
  *ret_dir = carve_state_dir (ctx->root, id);
  return 0;
}

/* Waits until the exec fifo has a reader's byte, watching that the init is
   still there: a dead init would leave `start` blocked forever.  */
static int
open_exec_fifo (const char *dir, const struct carve_state_s *st, int *ret_fd, carve_error_t *err)
{
  cleanup_free char *fifo = carve_path_join (dir, "exec.fifo");
  cleanup_close int fd = -1;
  char c;

  fd = open (fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return carve_make_error (err, errno, "open `%s`", fifo);
  for (;;)
    {
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      ssize_t r;
      int p = poll (&pfd, 1, 100);

      if (p < 0 && errno != EINTR)
        return carve_make_error (err, errno, "poll the exec fifo");
      if (p > 0 && (pfd.revents & POLLIN))
        {
          r = read (fd, &c, 1);
          if (r == 1)
            break;
          if (r < 0 && errno != EAGAIN && errno != EINTR)
            return carve_make_error (err, errno, "read the exec fifo");
        }
      if (!carve_state_init_alive (st))
        return carve_make_error (err, 0, "container `%s`: its init exited before start", st->id);
      if (p > 0 && (pfd.revents & POLLHUP))
        /* A writer came and went: give the init time to reopen.  */
        (void) nanosleep (&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
    }
  /* The fifo is gone once started: that is what makes the status `running`.  */
  (void) unlink (fifo);
  *ret_fd = steal_fd (&fd);
  return 0;
}

/* After the start byte, the init writes an error into the fifo when a
   startContainer hook or the exec fails; a successful exec closes it.  */
static int
read_start_result (int fd, const char *id, carve_error_t *err)
{
  char buf[4096];
  size_t len = 0;
  int fl = fcntl (fd, F_GETFL);

  (void) fcntl (fd, F_SETFL, fl & ~O_NONBLOCK);
  for (;;)
    {
      ssize_t r = read (fd, buf + len, sizeof (buf) - 1 - len);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      len += (size_t) r;
      if (len == sizeof (buf) - 1)
        break;
    }
  if (len == 0)
    return 0;
  buf[len] = '\0';
  return carve_make_error (err, 0, "container `%s`: %s", id, buf);
}

static void
kill_cgroup_or_init (const struct carve_state_s *st, int signo)
{
  CARVE_CLEANUP (cgroup) carve_cgroup_t cg = NULL;
  carve_error_t err = NULL;

  if (carve_container_open_cgroup (st, &cg, &err) == 0 && cg != NULL)
    (void) carve_cgroup_kill_all (cg, signo, &err);
  carve_error_release (&err);
  if (carve_state_init_alive (st))
    (void) kill (st->pid, signo);
}

int
carve_container_start_loaded (const struct carve_context_s *ctx, const char *dir, struct carve_state_s *st,
                              carve_error_t *err)
{
  CARVE_CLEANUP (spec) carve_spec_t spec = NULL;
  cleanup_close int fifo_fd = -1, notify_fd = -1;
  const char *status = carve_container_status_of (dir, st);

  if (strcmp (status, "created") != 0)
    return carve_make_error (err, 0, "cannot start container `%s`: it is %s, not created", st->id, status);

  spec = carve_container_saved_spec (dir, err);
  if (spec == NULL)
    return -1;

  if (st->notify_socket_host)
    {
      const char *slash = strrchr (st->notify_socket_host, '/');
      cleanup_free char *ndir = carve_path_join (dir, "notify");
      cleanup_free char *path = carve_path_join (ndir, slash ? slash + 1 : "notify.sock");
      (void) unlink (path);
      if (carve_notify_socket_create (path, &notify_fd, err) < 0)
        return -1;
    }

  if (open_exec_fifo (dir, st, &fifo_fd, err) < 0)
    return -1;
  carve_fault_point ("start:opened-fifo");
  if (read_start_result (fifo_fd, st->id, err) < 0)
    return -1;

  if (spec->hooks && spec->hooks->poststart_len > 0)
    {
      cleanup_free char *state = carve_container_hook_state (st, "running");
      /* runtime-spec 1.3: a failing poststart hook fails `start`; the
         container is stopped so that it does not run half-started.  */
      if (carve_hooks_run (spec->hooks->poststart, spec->hooks->poststart_len, "poststart", state, err) < 0)
        {
          kill_cgroup_or_init (st, SIGKILL);
          return -1;
        }
    }

  if (notify_fd >= 0)
    {
      int r = carve_notify_forward_ready (notify_fd, st->notify_socket_host, st->pid, -1, err);
      if (r < 0)
        return -1;
    }
  (void) ctx;
  return 0;
}

int
carve_container_start (const struct carve_context_s *ctx, const char *id, carve_error_t *err)
{
  cleanup_free char *dir = NULL;
  CARVE_CLEANUP (state) struct carve_state_s *st = NULL;

  if (load (ctx, id, &dir, &st, err) < 0)
    return -1;
  return carve_container_start_loaded (ctx, dir, st, err);
}

static char *
owner_of (const char *dir)
{
  struct stat sb;
  struct passwd *pw;

  if (stat (dir, &sb) < 0)
    return xstrdup ("");
  pw = getpwuid (sb.st_uid);
  if (pw == NULL)
    return xasprintf ("#%u", (unsigned) sb.st_uid);
  return xstrdup (pw->pw_name);
}

static void
fill_public_state (const char *dir, const struct carve_state_s *st, bool with_owner,
                   struct carve_spec_container_state_s *ret)
{
  const char *status = carve_container_status_of (dir, st);

  memset (ret, 0, sizeof (*ret));
  ret->oci_version = st->oci_version ? st->oci_version : (char *) OCI_SPEC_VERSION;
  ret->id = st->id;
  ret->status = (char *) status;
  /* runc reports pid 0 once the container has stopped.  */
  ret->pid = strcmp (status, "stopped") == 0 ? 0 : (int) st->pid;
  ret->bundle = st->bundle;
  ret->rootfs = st->rootfs;
  ret->created = st->created;
  ret->owner = with_owner ? owner_of (dir) : xstrdup ("");
  ret->annotations = st->annotations;
  ret->warnings = st->warnings;
}

int
carve_container_state (const struct carve_context_s *ctx, const char *id, char **ret_json, carve_error_t *err)
{
  cleanup_free char *dir = NULL;
  CARVE_CLEANUP (state) struct carve_state_s *st = NULL;
  struct carve_spec_container_state_s pub;

  if (load (ctx, id, &dir, &st, err) < 0)
    return -1;
  fill_public_state (dir, st, false, &pub);
  *ret_json = carve_spec_emit_state (&pub);
  free (pub.owner);
  return 0;
}

static int
pidfd_signal (const struct carve_state_s *st, int signo, carve_error_t *err)
{
  cleanup_close int pidfd = -1;

  pidfd = carve_pidfd_open (st->pid);
  if (pidfd < 0)
    {
      if (errno == ESRCH)
        return carve_make_error (err, 0, "container `%s` is not running", st->id);
      return carve_make_error (err, errno, "pidfd_open %d", (int) st->pid);
    }
  /* The pidfd pins the process: checking the start time after opening it
     means the signal cannot reach a process that reused the PID.  */
  if (!carve_state_init_alive (st))
    return carve_make_error (err, 0, "container `%s` is not running", st->id);
  if (syscall (SYS_pidfd_send_signal, pidfd, signo, NULL, 0) < 0)
    return carve_make_error (err, errno, "signal container `%s`", st->id);
  return 0;
}

int
carve_container_kill (const struct carve_context_s *ctx, const char *id, const char *signal, bool all,
                      carve_error_t *err)
{
  cleanup_free char *dir = NULL;
  CARVE_CLEANUP (state) struct carve_state_s *st = NULL;
  CARVE_CLEANUP (cgroup) carve_cgroup_t cg = NULL;
  const char *status;
  int signo;

  if (carve_spec_signal_parse (signal, &signo, err) < 0)
    return -1;
  if (load (ctx, id, &dir, &st, err) < 0)
    return -1;
  status = carve_container_status_of (dir, st);
  if (all)
    {
      /* The cgroup is the handle on every process of the container, also
         after its init exited and left children behind.  */
      if (carve_container_open_cgroup (st, &cg, err) < 0)
        return -1;
      if (cg)
        return carve_cgroup_kill_all (cg, signo, err);
    }
  if (strcmp (status, "stopped") == 0)
    return carve_make_error (err, 0, "container `%s` is not running", id);
  return pidfd_signal (st, signo, err);
}

static int
wait_gone (const struct carve_state_s *st, carve_cgroup_t cg)
{
  int i;

  for (i = 0; i < 1000; i++)
    {
      pid_t *pids = NULL;
      size_t n = 0;
      carve_error_t err = NULL;
      bool alive = carve_state_init_alive (st);

      if (cg && carve_cgroup_pids (cg, &pids, &n, &err) < 0)
        {
          carve_error_release (&err);
          n = 0;
        }
      free (pids);
      if (!alive && n == 0)
        return 0;
      (void) nanosleep (&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
    }
  return -1;
}

static void
warn_lines (const struct carve_context_s *ctx, char **lines)
{
  size_t i;
  for (i = 0; lines && lines[i]; i++)
    if (ctx->warn)
      ctx->warn (ctx->warn_data, lines[i]);
}

/* Gives the container's partition back to the node.  Its processes and
   cgroup are gone by now, so the cpusets it shrank can grow again.  A
   restore the kernel refuses is a warning; a ledger carve cannot read
   (nor its previous copy) fails the delete and keeps the container, whose
   state says what it holds, rather than lose the only record of what to
   give back.  */
static int
release_partition (const struct carve_context_s *ctx, const struct carve_state_s *st, carve_error_t *err)
{
  cleanup_node_config carve_node_config_t node = NULL;
  cleanup_strv char **warnings = NULL;
  int r;

  /* A container whose plan claimed nothing has nothing in the ledger.  */
  if (st->compute && !st->compute->partition)
    return 0;
  if (carve_node_config_load (&node, err) < 0)
    return carve_error_wrap (err, "container `%s`: give its partition back", st->id);
  r = carve_compute_release (node, ctx->root, st->id, &warnings, err);
  warn_lines (ctx, warnings);
  if (r < 0 && st->compute)
    return carve_error_wrap (err, "container `%s` is kept: its partition cannot be given back", st->id);
  if (r < 0)
    {
      /* A container from before carve kept its plan may have held none.  */
      if (ctx->warn)
        ctx->warn (ctx->warn_data, (*err)->msg);
      carve_error_release (err);
    }
  return 0;
}

int
carve_container_reclaim (const struct carve_context_s *ctx)
{
  cleanup_node_config carve_node_config_t node = NULL;
  cleanup_strv char **warnings = NULL;
  carve_error_t e = NULL;

  /* A broken node config is create's error to report, once.  */
  if (carve_node_config_load (&node, &e) < 0)
    {
      carve_error_release (&e);
      return 0;
    }
  (void) carve_compute_reclaim (node, &warnings, &e);
  warn_lines (ctx, warnings);
  if (e && ctx->warn)
    ctx->warn (ctx->warn_data, e->msg);
  carve_error_release (&e);
  return 0;
}

int
carve_container_destroy (const struct carve_context_s *ctx, const char *dir, const struct carve_state_s *st,
                         carve_error_t *err)
{
  CARVE_CLEANUP (cgroup) carve_cgroup_t cg = NULL;
  CARVE_CLEANUP (spec) carve_spec_t spec = NULL;
  carve_error_t ignored = NULL;

  (void) ctx;
  if (carve_container_open_cgroup (st, &cg, err) < 0)
    return -1;
  if (cg)
    {
      bool frozen = false;
      /* A delete killed half-way may have removed the cgroup already:
         what is gone is done, and the rest of the release goes on.  */
      if (carve_cgroup_kill_all (cg, SIGKILL, err) < 0)
        {
          if ((*err)->status != ENOENT)
            return -1;
          carve_error_release (err);
        }
      /* A frozen cgroup holds SIGKILL until it thaws.  */
      if (carve_cgroup_is_frozen (cg, &frozen, &ignored) == 0 && frozen)
        (void) carve_cgroup_freeze (cg, false, &ignored);
      carve_error_release (&ignored);
    }
  if (carve_state_init_alive (st))
    (void) kill (st->pid, SIGKILL);
  {
    /* A hook of a create killed while it ran.  */
    cleanup_free char *record = carve_path_join (dir, CARVE_STATE_HOOK_RECORD);
    carve_pgroup_kill_recorded (record);
  }
  carve_fault_point ("delete:killed");
  if (wait_gone (st, cg) < 0)
    return carve_make_error (err, EBUSY, "container `%s`: processes survive SIGKILL", st->id);

  spec = carve_container_saved_spec (dir, &ignored);
  carve_error_release (&ignored);
  if (spec && spec->hooks && spec->hooks->poststop_len > 0)
    {
      cleanup_free char *state = carve_container_hook_state (st, "stopped");
      cleanup_strv char **warnings = NULL;
      size_t i;
      /* poststop failures are warnings: the container is gone anyway.  */
      (void) carve_hooks_run_all_warn (spec->hooks->poststop, spec->hooks->poststop_len, "poststop", state,
                                       &warnings);
      for (i = 0; warnings && warnings[i]; i++)
        if (ctx->warn)
          ctx->warn (ctx->warn_data, warnings[i]);
    }

  carve_fault_point ("delete:poststop");
  if (cg && carve_cgroup_destroy (cg, err) < 0)
    return -1;
  carve_fault_point ("delete:cgroup");
  if (release_partition (ctx, st, err) < 0)
    return -1;
  carve_fault_point ("delete:released");
  return carve_rm_rf (dir, err);
}

int
carve_container_delete (const struct carve_context_s *ctx, const char *id, bool force, carve_error_t *err)
{
  cleanup_free char *dir = NULL;
  CARVE_CLEANUP (state) struct carve_state_s *st = NULL;
  const char *status;

  if (carve_state_validate_id (id, err) < 0)
    return -1;
  if (load (ctx, id, &dir, &st, err) < 0)
    {
      /* A `create` killed before it wrote its state leaves a bare
         directory: nothing else of it can exist (its init dies with it).  */
      cleanup_free char *bare = carve_state_dir (ctx->root, id);
      cleanup_free char *state_file = carve_path_join (bare, "state.json");
      struct stat sb;
      if (stat (bare, &sb) == 0 && S_ISDIR (sb.st_mode) && !carve_path_exists (state_file))
        {
          carve_error_release (err);
          if (!carve_state_dir_abandoned (bare))
            return carve_make_error (err, 0, "container `%s` is being created", id);
          return carve_rm_rf (bare, err);
        }
      /* As runc: with --force, a container that is not there is deleted
         already.  */
      if (force && (*err)->status == 0 && stat (bare, &sb) < 0 && errno == ENOENT)
        {
          carve_error_release (err);
          return 0;
        }
      return -1;
    }
  status = carve_container_status_of (dir, st);
  if (!force && strcmp (status, "stopped") != 0 && strcmp (status, "created") != 0)
    return carve_make_error (err, 0, "cannot delete container `%s` that is not stopped: %s", id, status);
  return carve_container_destroy (ctx, dir, st, err);
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* runc prints the table with Go's tabwriter (minwidth 12, padding 3): every
   column but the last is as wide as its widest cell plus 3, at least 12.  */
static char *
format_table (struct carve_spec_container_state_s *const *v, size_t n)
{
  const char *head[6] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
  size_t w[5], i, c;
  char *out = NULL;
  size_t len = 0;
  FILE *f;

  for (c = 0; c < 5; c++)
    w[c] = strlen (head[c]);
  for (i = 0; i < n; i++)
    {
      char pid[32];
      snprintf (pid, sizeof (pid), "%d", v[i]->pid);
      const char *cells[5] = { v[i]->id, pid, v[i]->status, v[i]->bundle, v[i]->created };
      for (c = 0; c < 5; c++)
        if (strlen (cells[c]) > w[c])
          w[c] = strlen (cells[c]);
    }
  for (c = 0; c < 5; c++)
    w[c] = w[c] + 3 < 12 ? 12 : w[c] + 3;

  f = open_memstream (&out, &len);
  if (f == NULL)
    carve_oom ();
  for (c = 0; c < 5; c++)
    fprintf (f, "%-*s", (int) w[c], head[c]);
  fprintf (f, "%s\n", head[5]);
  for (i = 0; i < n; i++)
    {
      char pid[32];
      snprintf (pid, sizeof (pid), "%d", v[i]->pid);
      fprintf (f, "%-*s%-*s%-*s%-*s%-*s%s\n", (int) w[0], v[i]->id, (int) w[1], pid, (int) w[2], v[i]->status,
               (int) w[3], v[i]->bundle, (int) w[4], v[i]->created, v[i]->owner);
    }
  fclose (f);
  return out;
}

static bool
state_file_exists (const char *root, const char *name)
{
  cleanup_free char *dir = carve_path_join (root, name);
  cleanup_free char *file = carve_path_join (dir, "state.json");
  return carve_path_exists (file);
}

static void
reclaim_abandoned (const char *root, const char *name)
{
  cleanup_free char *dir = carve_path_join (root, name);
  carve_error_t ignored = NULL;

  if (carve_state_dir_abandoned (dir))
    (void) carve_rm_rf (dir, &ignored);
  carve_error_release (&ignored);
}

int
carve_container_list (const struct carve_context_s *ctx, enum carve_list_format format, bool quiet,
                      char **ret_output, carve_error_t *err)
{
  cleanup_dir DIR *d = NULL;
  cleanup_strv char **ids = NULL;
  struct carve_state_s **states = NULL;
  struct carve_spec_container_state_s **pub = NULL;
  struct dirent *de;
  size_t n = 0, i, count = 0;
  char *out = NULL;

  d = opendir (ctx->root);
  if (d == NULL && errno != ENOENT)
    return carve_make_error (err, errno, "open `%s`", ctx->root);
  while (d && (de = readdir (d)) != NULL)
    {
      if (de->d_name[0] == '.')
        continue;
      /* What a create killed before it saved its state left (its id's
         directory, or the one it was making): nobody else takes it back.  */
      if (de->d_name[0] == '#' || !state_file_exists (ctx->root, de->d_name))
        {
          reclaim_abandoned (ctx->root, de->d_name);
          continue;
        }
      carve_strv_append (&ids, de->d_name);
      n++;
    }
  if (n > 0)
    qsort (ids, n, sizeof (char *), cmp_str);

  states = xcalloc (n + 1, sizeof (*states));
  pub = xcalloc (n + 1, sizeof (*pub));
  for (i = 0; i < n; i++)
    {
      carve_error_t ignored = NULL;
      cleanup_free char *dir = carve_state_dir (ctx->root, ids[i]);
      /* A directory without a readable state (a create in progress, or
         killed) is not listed, as runc.  */
      if (carve_state_load (ctx->root, ids[i], &states[count], &ignored) < 0)
        {
          carve_error_release (&ignored);
          continue;
        }
      pub[count] = xzalloc (sizeof (**pub));
      fill_public_state (dir, states[count], true, pub[count]);
      count++;
    }

  if (quiet)
    {
      size_t len = 0;
      FILE *f = open_memstream (&out, &len);
      if (f == NULL)
        carve_oom ();
      for (i = 0; i < count; i++)
        fprintf (f, "%s\n", pub[i]->id);
      fclose (f);
    }
  else if (format == CARVE_LIST_JSON)
    {
      cleanup_free char *json = carve_spec_emit_state_list ((const struct carve_spec_container_state_s *const *) pub,
                                                            count);
      out = xasprintf ("%s\n", json);
    }
  else
    out = format_table (pub, count);

  for (i = 0; i < count; i++)
    {
      free (pub[i]->owner);
      free (pub[i]);
      carve_state_free (states[i]);
    }
  free (pub);
  free (states);
  *ret_output = out;
  return 0;
}
