/* Control groups, the operations half: creating a container's cgroup on
   every hierarchy, entering it, its files, limits, statistics, freezing,
   killing and removing it.  The controller-specific work is done by the
   backend of the hierarchy that holds the controller (cgroup-v1.c,
   cgroup-v2.c), so on a hybrid node v1 and v2 operations mix in one call.
   Where the cgroup is comes from cgroup-layout.c.  */
#include <config.h>
#include "runtime/linux/cgroup.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "kfile.h"
#include "runtime/linux/cgroup-internal.h"
#include "runtime/linux/cgroup-systemd.h"
#include "spec/spec.h"
#include "xalloc.h"

/* --- small helpers ------------------------------------------------------- */

static void
sleep_ms (long ms)
{
  struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

int
carve_cgroup_write (const char *dir, const char *file, const char *value, carve_error_t *err)
{
  cleanup_free char *path = carve_path_join (dir, file);
  return carve_kfile_write (path, value, err);
}

int
carve_cgroup_writef (const char *dir, const char *file, carve_error_t *err, const char *fmt, ...)
{
  cleanup_free char *value = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&value, fmt, ap) < 0)
    carve_oom ();
  va_end (ap);
  return carve_cgroup_write (dir, file, value, err);
}

int
carve_cgroup_read (const char *dir, const char *file, char **ret, carve_error_t *err)
{
  cleanup_free char *path = carve_path_join (dir, file);
  return carve_kfile_read (path, ret, err);
}

static int
parse_u64 (const char *s, uint64_t *ret)
{
  char *end = NULL;
  unsigned long long v;

  while (*s == ' ' || *s == '\t')
    s++;
  if (strncmp (s, "max", 3) == 0)
    {
      *ret = UINT64_MAX;
      return 0;
    }
  if (*s < '0' || *s > '9')
    return -1;
  errno = 0;
  v = strtoull (s, &end, 10);
  if (errno != 0)
    return -1;
  *ret = v;
  return 0;
}

int
carve_cgroup_read_u64 (const char *dir, const char *file, uint64_t *ret, carve_error_t *err)
{
  cleanup_free char *buf = NULL;

  if (carve_cgroup_read (dir, file, &buf, err) < 0)
    return -1;
  if (parse_u64 (buf, ret) < 0)
    return carve_make_error (err, EINVAL, "`%s/%s`: `%s` is not a number", dir, file, buf);
  return 0;
}

int
carve_cgroup_read_keyed (const char *dir, const char *file, const char *key, uint64_t *ret, carve_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t klen = strlen (key);
  char *line, *save = NULL;

  if (carve_cgroup_read (dir, file, &buf, err) < 0)
    return -1;
  for (line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    if (strncmp (line, key, klen) == 0 && line[klen] == ' ')
      {
        if (parse_u64 (line + klen + 1, ret) < 0)
          return carve_make_error (err, EINVAL, "`%s/%s`: bad value for `%s`", dir, file, key);
        return 1;
      }
  return 0;
}

bool
carve_cgroup_file_exists (const char *dir, const char *file)
{
  cleanup_free char *path = carve_path_join (dir, file);
  return access (path, F_OK) == 0;
}

int
carve_cgroup_read_u64_opt (const char *dir, const char *file, uint64_t *ret, carve_error_t *err)
{
  if (!carve_cgroup_file_exists (dir, file))
    return 0;
  return carve_cgroup_read_u64 (dir, file, ret, err);
}

int
carve_cgroup_read_keyed_opt (const char *dir, const char *file, const char *key, uint64_t *ret, carve_error_t *err)
{
  if (!carve_cgroup_file_exists (dir, file))
    return 0;
  return carve_cgroup_read_keyed (dir, file, key, ret, err) < 0 ? -1 : 0;
}

int
carve_cgroup_write_hugetlb (const char *dir, const struct carve_spec_linux_resources_s *res, const char *suffix,
                            carve_error_t *err)
{
  size_t i;

  for (i = 0; i < res->hugepage_limits_len; i++)
    {
      const struct carve_spec_hugepage_limit_s *h = res->hugepage_limits[i];
      cleanup_free char *file = xasprintf ("hugetlb.%s.%s", h->page_size, suffix);
      cleanup_free char *rsvd = xasprintf ("hugetlb.%s.rsvd.%s", h->page_size, suffix);

      if (strchr (h->page_size, '/'))
        return carve_make_error (err, EINVAL, "`%s` is not a page size", h->page_size);
      if (carve_cgroup_writef (dir, file, err, "%" PRIu64, h->limit) < 0)
        return -1;
      if (carve_cgroup_file_exists (dir, rsvd) && carve_cgroup_writef (dir, rsvd, err, "%" PRIu64, h->limit) < 0)
        return -1;
    }
  return 0;
}

uint64_t
carve_cgroup_shares_to_weight (uint64_t shares)
{
  /* runc's linear map of [2, 262144] onto [1, 10000]; 0 means unset.  */
  if (shares == 0)
    return 0;
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t
carve_cgroup_blkio_to_io_weight (uint64_t w)
{
  /* blkio.weight [10, 1000] onto io.weight [1, 10000], runc's formula.  */
  if (w == 0)
    return 0;
  if (w < 10)
    w = 10;
  return 1 + (w - 10) * 9999 / 990;
}

void
carve_cgroup_blkio_add (struct carve_cgroup_blkio_list_s *l, uint64_t major, uint64_t minor, const char *op,
                        uint64_t value)
{
  struct carve_cgroup_blkio_entry_s *e;

  l->entries = xrealloc (l->entries, sizeof (*l->entries) * (l->len + 1));
  e = &l->entries[l->len++];
  e->major = major;
  e->minor = minor;
  e->op = xstrdup (op);
  e->value = value;
}

const struct carve_cgroup_ops_s *
carve_cgroup_ops_of (const struct carve_cgroup_hierarchy_s *h)
{
  return h->v2 ? &carve_cgroup_ops_v2 : &carve_cgroup_ops_v1;
}

/* --- create, enter ------------------------------------------------------- */

/* Enables in DIR's cgroup.subtree_control every controller DIR has, so the
   child gets them (cgroup2).  As runc, a controller the kernel refuses here
   (a domain with processes) is skipped: the write of a limit names it.  */
static void
enable_subtree (const char *dir)
{
  cleanup_free char *avail = NULL;
  cleanup_strv char **v = NULL;
  carve_error_t e = NULL;
  size_t k;

  if (carve_cgroup_read (dir, "cgroup.controllers", &avail, &e) < 0)
    {
      carve_error_release (&e);
      return;
    }
  v = carve_strv_split (avail, " ");
  for (k = 0; v[k]; k++)
    {
      cleanup_free char *c = xasprintf ("+%s", v[k]);
      if (carve_cgroup_write (dir, "cgroup.subtree_control", c, &e) < 0)
        carve_error_release (&e);
    }
}

/* Creates REL below hierarchy H's mount, component by component.  Sets
 *RET_TOP to the first directory this call created (NULL if none).  */
static int
make_dirs (const struct carve_cgroup_hierarchy_s *h, const char *rel, char **ret_top, carve_error_t *err)
{
  cleanup_strv char **parts = carve_strv_split (rel, "/");
  cleanup_free char *cur = xstrdup (h->mount);
  char *top = NULL;
  size_t k;

  *ret_top = NULL;
  for (k = 0; parts[k]; k++)
    {
      char *next = carve_path_join (cur, parts[k]);

      if (h->v2)
        enable_subtree (cur);
      if (mkdir (next, 0755) < 0)
        {
          if (errno != EEXIST)
            {
              int saved = errno;
              *ret_top = top;
              carve_make_error (err, saved, "mkdir `%s`", next);
              free (next);
              return -1;
            }
        }
      else if (top == NULL)
        top = xstrdup (next);
      if (carve_cgroup_ops_of (h)->prepare_dir && carve_cgroup_ops_of (h)->prepare_dir (h, cur, next, err) < 0)
        {
          *ret_top = top;
          free (next);
          return -1;
        }
      free (cur);
      cur = next;
    }
  *ret_top = top;
  return 0;
}

/* Removes DIR and its parents up to and including TOP.  */
static void
remove_up_to (const char *dir, const char *top)
{
  cleanup_free char *cur = xstrdup (dir);
  size_t tl = strlen (top);

  while (strlen (cur) >= tl && strncmp (cur, top, tl) == 0)
    {
      char *slash;
      (void)rmdir (cur);
      if (strlen (cur) == tl)
        break;
      slash = strrchr (cur, '/');
      if (slash == NULL || slash == cur)
        break;
      *slash = '\0';
    }
}

static int
enter_dir (const char *dir, pid_t pid, carve_error_t *err)
{
  return carve_cgroup_writef (dir, "cgroup.procs", err, "%d", (int)pid);
}

/* The compute partition's cpuset: made an exclusive partition of its CPUs
   before the process enters it, so it never runs on another partition's
   CPUs, not even for a moment.  */
static int
place_partition (const struct carve_cgroup_hierarchy_s *h, const char *dir,
                 const struct carve_cgroup_placement_s *placement, carve_error_t *err)
{
  return carve_cgroup_make_partition (dir, h->v2, &placement->cpus, placement->load_balance, err);
}

/* --systemd-cgroup: a transient scope for PID, which systemd creates the
   cgroup of.  */
static int
start_unit (carve_cgroup_t cg, const char *cgroups_path, const char *container_id, pid_t pid, carve_error_t *err)
{
  cleanup_free char *slice = NULL, *unit = NULL, *path = NULL, *description = NULL;

  if (carve_cgroup_systemd_unit (cgroups_path, container_id, &slice, &unit, &path, err) < 0)
    return -1;
  if (pid <= 0)
    return carve_make_error (err, EINVAL, "--systemd-cgroup: unit `%s`: a scope needs a process", unit);
  description = xasprintf ("carve container %s", container_id ? container_id : unit);
  if (carve_systemd_start_scope (unit, slice, pid, description, err) < 0)
    return -1;
  cg->unit = steal_pointer (&unit);
  return 0;
}

int
carve_cgroup_create (carve_cgroup_layout_t layout, const char *cgroups_path, const char *container_id, bool systemd,
                     const struct carve_cgroup_placement_s *placement, pid_t pid, carve_cgroup_t *ret,
                     carve_error_t *err)
{
  cleanup_cgroup carve_cgroup_t cg = NULL;
  int cpuset = placement && placement->cpuset_path ? carve_cgroup_layout_index (layout, "cpuset") : -1;
  char **tops;
  size_t i, n = layout->n_hierarchies;
  int r = 0;

  if (carve_cgroup_resolve_object (layout, cgroups_path, container_id, systemd, placement, &cg, err) < 0)
    return -1;
  if (systemd && start_unit (cg, cgroups_path, container_id, pid, err) < 0)
    return -1;

  tops = xcalloc (n + 1, sizeof (char *));
  for (i = 0; i < n && r == 0; i++)
    {
      if (cg->rels[i] == NULL)
        continue;
      /* systemd made the unit's cgroup and put PID in it; what it left
         out (a v1 hierarchy it does not manage) is made here.  */
      if (cg->unit && access (cg->dirs[i], F_OK) == 0)
        continue;
      r = make_dirs (&layout->hierarchies[i], cg->rels[i], &tops[i], err);
      if (r == 0 && (int)i == cpuset)
        r = place_partition (&layout->hierarchies[i], cg->dirs[i], placement, err);
      if (r == 0 && pid > 0)
        r = enter_dir (cg->dirs[i], pid, err);
    }
  if (r < 0)
    {
      /* Undo: only what this call created, deepest first.  */
      for (i = 0; i < n; i++)
        if (tops[i])
          remove_up_to (cg->dirs[i], tops[i]);
      if (cg->unit)
        {
          carve_error_t ignored = NULL;
          (void)carve_systemd_stop_unit (cg->unit, &ignored);
          carve_error_release (&ignored);
        }
      carve_error_wrap (err, "create cgroup `%s`", carve_cgroup_name (cg));
    }
  for (i = 0; i < n; i++)
    free (tops[i]);
  free (tops);
  if (r < 0)
    return -1;
  *ret = steal_pointer (&cg);
  return 0;
}

int
carve_cgroup_make_partition (const char *dir, bool v2, const carve_cpumask_t *cpus, bool load_balance,
                             carve_error_t *err)
{
  const struct carve_cgroup_ops_s *ops = v2 ? &carve_cgroup_ops_v2 : &carve_cgroup_ops_v1;
  cleanup_free char *list = carve_cpumask_format_list (cpus);

  return ops->make_partition (dir, list, load_balance, err);
}

int
carve_cgroup_set_memory_min (carve_cgroup_t cg, uint64_t bytes, carve_error_t *err)
{
  const char *dir = carve_cgroup_dir (cg, "memory");

  if (bytes == 0 || dir == NULL || !carve_cgroup_file_exists (dir, "memory.min"))
    return 0;
  return carve_cgroup_writef (dir, "memory.min", err, "%" PRIu64, bytes);
}

/* runc's rule for exec --cgroup: a path below the container's cgroup,
   relative, that never climbs out of it.  */
static bool
is_sub_cgroup_path (const char *sub)
{
  cleanup_strv char **parts = NULL;
  size_t k;
  int depth = 0;

  if (sub[0] == '/')
    return false;
  parts = carve_strv_split (sub, "/");
  for (k = 0; parts[k]; k++)
    {
      if (strcmp (parts[k], "..") == 0 && --depth < 0)
        return false;
      if (strcmp (parts[k], ".") != 0 && strcmp (parts[k], "..") != 0)
        depth++;
    }
  return depth > 0;
}

int
carve_cgroup_enter (carve_cgroup_t cg, pid_t pid, const char *sub_cgroup, carve_error_t *err)
{
  carve_cgroup_layout_t l = cg->layout;
  cleanup_strv char **only = NULL;
  const char *sub = sub_cgroup;
  size_t i, k;

  if (sub && sub[0] != '\0')
    {
      const char *colon = strchr (sub, ':');
      if (colon)
        {
          cleanup_free char *ctrls = xstrndup (sub, (size_t)(colon - sub));
          only = carve_strv_split (ctrls, ",");
          sub = colon + 1;
          for (k = 0; only[k]; k++)
            if (carve_cgroup_layout_index (l, only[k]) < 0)
              return carve_make_error (err, EINVAL, "--cgroup `%s`: no `%s` controller on this node", sub_cgroup,
                                       only[k]);
        }
      if (!is_sub_cgroup_path (sub))
        return carve_make_error (err, EINVAL, "--cgroup `%s`: `%s` is not a sub-cgroup path", sub_cgroup, sub);
    }
  /* Every target first, so that a missing one moves the process nowhere.  */
  for (i = 0; i < l->n_hierarchies; i++)
    {
      bool use_sub = sub && sub[0] != '\0';
      cleanup_free char *dir = NULL;

      if (cg->dirs[i] == NULL)
        continue;
      if (use_sub && only)
        {
          use_sub = false;
          for (k = 0; only[k]; k++)
            if (carve_cgroup_layout_index (l, only[k]) == (int)i)
              use_sub = true;
        }
      if (!use_sub)
        continue;
      {
        cleanup_free char *clean = carve_cgroup_clean_path (sub);
        dir = xasprintf ("%s%s", cg->dirs[i], clean);
      }
      /* As runc: the sub-cgroup is the caller's to make, carve never
         creates one on every hierarchy behind its back.  */
      if (access (dir, F_OK) < 0)
        return carve_make_error (err, ENOENT, "--cgroup `%s`: sub-cgroup `%s` does not exist", sub_cgroup, dir);
    }
  for (i = 0; i < l->n_hierarchies; i++)
    {
      bool use_sub = sub && sub[0] != '\0';
      cleanup_free char *dir = NULL;

      if (cg->dirs[i] == NULL)
        continue;
      if (use_sub && only)
        {
          use_sub = false;
          for (k = 0; only[k]; k++)
            if (carve_cgroup_layout_index (l, only[k]) == (int)i)
              use_sub = true;
        }
      if (use_sub)
        {
          cleanup_free char *clean = carve_cgroup_clean_path (sub);
          dir = xasprintf ("%s%s", cg->dirs[i], clean);
        }
      else
        dir = xstrdup (cg->dirs[i]);
      if (enter_dir (dir, pid, err) < 0)
        return carve_error_wrap (err, "enter cgroup `%s`", carve_cgroup_name (cg));
    }
  return 0;
}

/* --- processes ----------------------------------------------------------- */

static int
cmp_pid (const void *a, const void *b)
{
  pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
  return (x > y) - (x < y);
}

static int
collect_pids (const char *dir, pid_t **v, size_t *n, int depth, carve_error_t *err)
{
  cleanup_free char *buf = NULL;
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  char *line, *save = NULL;

  if (carve_cgroup_read (dir, "cgroup.procs", &buf, err) < 0)
    {
      /* A sub-cgroup that vanished meanwhile.  */
      if (depth > 0 && (*err)->status == ENOENT)
        {
          carve_error_release (err);
          return 0;
        }
      return -1;
    }
  for (line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      long p;
      if (carve_parse_long (line, &p) < 0 || p <= 0)
        continue;
      *v = xrealloc (*v, sizeof (pid_t) * (*n + 1));
      (*v)[(*n)++] = (pid_t)p;
    }
  if (depth > 64)
    return 0;
  d = opendir (dir);
  if (d == NULL)
    return 0;
  while ((de = readdir (d)))
    {
      cleanup_free char *sub = NULL;
      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      sub = carve_path_join (dir, de->d_name);
      if (collect_pids (sub, v, n, depth + 1, err) < 0)
        return -1;
    }
  return 0;
}

int
carve_cgroup_pids (carve_cgroup_t cg, pid_t **ret, size_t *ret_n, carve_error_t *err)
{
  carve_cgroup_layout_t l = cg->layout;
  pid_t *v = NULL;
  size_t n = 0, i, j, used = 0;

  /* Every hierarchy: a process may sit in the container's cgroup on one and
     not (yet) on another; all of them are the container's.  */
  for (i = 0; i < l->n_hierarchies; i++)
    {
      if (cg->dirs[i] == NULL)
        continue;
      if (collect_pids (cg->dirs[i], &v, &n, 0, err) < 0)
        {
          if ((*err)->status == ENOENT)
            {
              carve_error_release (err);
              continue;
            }
          free (v);
          return carve_error_wrap (err, "list processes of cgroup `%s`", carve_cgroup_name (cg));
        }
      used++;
    }
  if (used == 0)
    {
      free (v);
      return carve_make_error (err, ENOENT, "list processes of cgroup `%s`: it does not exist", carve_cgroup_name (cg));
    }
  if (n > 1)
    qsort (v, n, sizeof (pid_t), cmp_pid);
  for (i = 0, j = 0; i < n; i++)
    if (j == 0 || v[j - 1] != v[i])
      v[j++] = v[i];
  *ret = v;
  *ret_n = j;
  return 0;
}

int
carve_cgroup_freeze (carve_cgroup_t cg, bool frozen, carve_error_t *err)
{
  int i = carve_cgroup_layout_index (cg->layout, "freezer");
  const struct carve_cgroup_ops_s *ops;

  if (i < 0 || cg->dirs[i] == NULL)
    return carve_make_error (err, ENOTSUP, "%s cgroup `%s`: no freezer on this node", frozen ? "freeze" : "thaw",
                             carve_cgroup_name (cg));
  ops = carve_cgroup_ops_of (&cg->layout->hierarchies[i]);
  if (ops->freeze (cg->dirs[i], frozen, err) < 0)
    return carve_error_wrap (err, "%s cgroup `%s`", frozen ? "freeze" : "thaw", carve_cgroup_name (cg));
  return 0;
}

int
carve_cgroup_is_frozen (carve_cgroup_t cg, bool *ret, carve_error_t *err)
{
  int i = carve_cgroup_layout_index (cg->layout, "freezer");

  if (i < 0 || cg->dirs[i] == NULL)
    {
      *ret = false;
      return 0;
    }
  if (carve_cgroup_ops_of (&cg->layout->hierarchies[i])->is_frozen (cg->dirs[i], ret, err) < 0)
    return carve_error_wrap (err, "freezer state of cgroup `%s`", carve_cgroup_name (cg));
  return 0;
}

static int
signal_pids (carve_cgroup_t cg, int signo, carve_error_t *err)
{
  pid_t *v = NULL;
  size_t n = 0, i;

  if (carve_cgroup_pids (cg, &v, &n, err) < 0)
    return -1;
  for (i = 0; i < n; i++)
    if (kill (v[i], signo) < 0 && errno != ESRCH)
      {
        int saved = errno;
        pid_t p = v[i];
        free (v);
        return carve_make_error (err, saved, "kill process %d of cgroup `%s`", (int)p, carve_cgroup_name (cg));
      }
  free (v);
  return 0;
}

int
carve_cgroup_kill_all (carve_cgroup_t cg, int signo, carve_error_t *err)
{
  int fi = carve_cgroup_layout_index (cg->layout, "freezer");
  bool frozen = false;
  int r;

  /* Frozen, no process can fork a child we would not see.  A freezer that
     fails is not fatal: signal anyway and look again afterwards.  */
  if (fi >= 0 && cg->dirs[fi] && signo != SIGCONT)
    {
      carve_error_t e = NULL;
      if (carve_cgroup_freeze (cg, true, &e) < 0)
        carve_error_release (&e);
      else
        frozen = true;
    }
  r = signal_pids (cg, signo, err);
  if (frozen)
    {
      carve_error_t e = NULL;
      if (carve_cgroup_freeze (cg, false, &e) < 0)
        {
          if (r == 0)
            {
              *err = e;
              r = -1;
            }
          else
            carve_error_release (&e);
        }
    }
  else if (r == 0)
    r = signal_pids (cg, signo, err);
  /* cgroup.kill (Linux 5.14) reaches even what raced the loop above.  */
  if (r == 0 && signo == SIGKILL && cg->layout->v2_index >= 0 && cg->dirs[cg->layout->v2_index]
      && carve_cgroup_file_exists (cg->dirs[cg->layout->v2_index], "cgroup.kill"))
    {
      carve_error_t e = NULL;
      if (carve_cgroup_write (cg->dirs[cg->layout->v2_index], "cgroup.kill", "1", &e) < 0)
        carve_error_release (&e);
    }
  return r;
}

/* --- destroy ------------------------------------------------------------- */

static int
rmdir_retry (const char *dir, carve_error_t *err)
{
  long delay = 10;
  int attempt;

  for (attempt = 0;; attempt++)
    {
      if (rmdir (dir) == 0 || errno == ENOENT)
        return 0;
      /* The last exiting processes leave the cgroup a little after they
         are reaped.  */
      if (errno != EBUSY || attempt == 5)
        return carve_make_error (err, errno, "rmdir `%s`", dir);
      sleep_ms (delay);
      delay *= 2;
    }
}

static int
remove_tree (const char *dir, int depth, carve_error_t *err)
{
  cleanup_dir DIR *d = NULL;
  struct dirent *de;

  d = opendir (dir);
  if (d == NULL)
    {
      if (errno == ENOENT)
        return 0;
      return carve_make_error (err, errno, "open `%s`", dir);
    }
  if (depth < 64)
    while ((de = readdir (d)))
      {
        cleanup_free char *sub = NULL;
        if (de->d_type != DT_DIR || strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
          continue;
        sub = carve_path_join (dir, de->d_name);
        if (remove_tree (sub, depth + 1, err) < 0)
          return -1;
      }
  /* A removed cgroup keeps its RT runtime until its last task, a zombie
     maybe, is reaped, and until then its parent cannot take it back: give
     it back first (no file: no RT group scheduling).  */
  if (carve_cgroup_file_exists (dir, "cpu.rt_runtime_us"))
    {
      carve_error_t ignored = NULL;
      if (carve_cgroup_write (dir, "cpu.rt_runtime_us", "0", &ignored) < 0)
        carve_error_release (&ignored);
    }
  return rmdir_retry (dir, err);
}

int
carve_cgroup_destroy (carve_cgroup_t cg, carve_error_t *err)
{
  carve_cgroup_layout_t l = cg->layout;
  carve_error_t first = NULL;
  size_t i;

  /* systemd removes a unit's cgroup once the unit stops; what is left
     (sub-cgroups of carve's: exec --cgroup) goes below.  */
  if (cg->unit && carve_systemd_stop_unit (cg->unit, err) < 0)
    return carve_error_wrap (err, "delete cgroup `%s`", carve_cgroup_name (cg));
  /* Keep going after a failure so that one stuck hierarchy does not leave
     the others behind; report the first error.  */
  for (i = 0; i < l->n_hierarchies; i++)
    {
      carve_error_t e = NULL;

      if (cg->dirs[i] == NULL || strcmp (cg->rels[i], "/") == 0)
        continue;
      if (remove_tree (cg->dirs[i], 0, &e) < 0)
        {
          if (first == NULL)
            first = e;
          else
            carve_error_release (&e);
        }
    }
  if (first)
    {
      *err = first;
      return carve_error_wrap (err, "delete cgroup `%s`", carve_cgroup_name (cg));
    }
  return 0;
}

/* --- resources ----------------------------------------------------------- */

typedef int (*set_fn) (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err);

static int
apply_one (carve_cgroup_t cg, const char *controller, const char *field, size_t off,
           const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  int i = carve_cgroup_layout_index (cg->layout, controller);
  const struct carve_cgroup_ops_s *ops;
  set_fn fn;

  if (i < 0)
    return carve_make_error (err, ENOTSUP, "linux.resources.%s: the %s controller is not available on this node", field,
                             controller);
  if (cg->dirs[i] == NULL)
    return carve_make_error (err, ENOENT, "linux.resources.%s: the cgroup has no %s directory", field, controller);
  ops = carve_cgroup_ops_of (&cg->layout->hierarchies[i]);
  fn = *(const set_fn *)((const char *)ops + off);
  if (fn == NULL)
    return carve_make_error (err, ENOTSUP, "linux.resources.%s: the %s controller does not exist on cgroup v2", field,
                             controller);
  if (fn (cg->dirs[i], res, err) < 0)
    return carve_error_wrap (err, "linux.resources.%s", field);
  return 0;
}

/* Checks every `unified` key before anything is written, so that a bad key
   leaves the cgroup as it was (what `update` needs): each must name a file
   of a controller on the v2 hierarchy ("memory.high" -> "memory").  */
static int
check_unified (carve_cgroup_t cg, const struct carve_spec_map_s *m, carve_error_t *err)
{
  carve_cgroup_layout_t l = cg->layout;
  size_t k;

  for (k = 0; k < m->len; k++)
    {
      const char *key = m->keys[k];
      const char *dot = strchr (key, '.');
      cleanup_free char *ctrl = NULL;
      int i;

      if (dot == NULL || dot == key || strchr (key, '/'))
        return carve_make_error (err, EINVAL, "linux.resources.unified: `%s` is not a cgroup file name", key);
      if (l->v2_index < 0)
        return carve_make_error (err, ENOTSUP,
                                 "linux.resources.unified: `%s` needs cgroup v2, which this node does not have", key);
      ctrl = xstrndup (key, (size_t)(dot - key));
      if (strcmp (ctrl, "cgroup") != 0)
        {
          i = carve_cgroup_layout_index (l, ctrl);
          if (i >= 0 && !l->hierarchies[i].v2)
            return carve_make_error (err, ENOTSUP,
                                     "linux.resources.unified: `%s` needs the v2 %s controller, which is on a v1 "
                                     "hierarchy on this node",
                                     key, ctrl);
          if (i < 0)
            return carve_make_error (
                err, ENOTSUP,
                "linux.resources.unified: `%s` needs the v2 %s controller, which this node does not "
                "have",
                key, ctrl);
        }
      if (cg->dirs[l->v2_index] == NULL)
        return carve_make_error (err, ENOENT, "linux.resources.unified: the cgroup has no v2 directory");
    }
  return 0;
}

static int
apply_unified (carve_cgroup_t cg, const struct carve_spec_map_s *m, carve_error_t *err)
{
  size_t k;

  for (k = 0; k < m->len; k++)
    if (carve_cgroup_write (cg->dirs[cg->layout->v2_index], m->keys[k], m->values[k], err) < 0)
      return carve_error_wrap (err, "linux.resources.unified");
  return 0;
}

const char *
carve_cgroup_ignored_resources (carve_cgroup_layout_t layout, const struct carve_spec_linux_resources_s *res)
{
  if (res && res->network && (res->network->has_class_id || res->network->priorities_len > 0)
      && layout->mode == CARVE_CGROUP_MODE_V2)
    return "linux.resources.network ignored: cgroup v2 has no net_cls or net_prio controller (as runc)";
  return NULL;
}

#define APPLY(ctrl, field, member) apply_one (cg, ctrl, field, offsetof (struct carve_cgroup_ops_s, member), res, err)

int
carve_cgroup_apply_resources (carve_cgroup_t cg, const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  int r = 0;

  if (res == NULL)
    return 0;
  if (res->unified && res->unified->len > 0 && check_unified (cg, res->unified, err) < 0)
    return carve_error_wrap (err, "apply cgroup `%s`", carve_cgroup_name (cg));
  /* systemd rewrites the cgroups of its units from their properties
     (daemon-reload, a slice's change): what it has a property for is set
     there too, so it stays.  The files below make it take effect now and
     cover what systemd has no property for.  */
  if (cg->unit && carve_systemd_set_resources (cg->unit, res, err) < 0)
    return carve_error_wrap (err, "apply cgroup `%s`", carve_cgroup_name (cg));
  if (res->cpu)
    {
      const struct carve_spec_cpu_s *c = res->cpu;
      if (r == 0
          && (c->has_shares || c->has_quota || c->has_period || c->has_burst || c->has_realtime_runtime
              || c->has_realtime_period || c->has_idle))
        r = APPLY ("cpu", "cpu", set_cpu);
      if (r == 0 && ((c->cpus && c->cpus[0]) || (c->mems && c->mems[0])))
        r = APPLY ("cpuset", "cpu", set_cpuset);
    }
  if (r == 0 && res->memory)
    r = APPLY ("memory", "memory", set_memory);
  if (r == 0 && res->pids)
    r = APPLY ("pids", "pids", set_pids);
  if (r == 0 && res->block_io)
    r = APPLY ("blkio", "blockIO", set_blkio);
  if (r == 0 && res->hugepage_limits_len > 0)
    r = APPLY ("hugetlb", "hugepageLimits", set_hugetlb);
  /* cgroup v2 has no net_cls or net_prio: runc's fs2 leaves
     linux.resources.network aside there, and so does carve (see
     carve_cgroup_ignored_resources).  */
  if (r == 0 && res->network && res->network->has_class_id && cg->layout->mode != CARVE_CGROUP_MODE_V2)
    r = APPLY ("net_cls", "network.classID", set_net_cls);
  if (r == 0 && res->network && res->network->priorities_len > 0 && cg->layout->mode != CARVE_CGROUP_MODE_V2)
    r = APPLY ("net_prio", "network.priorities", set_net_prio);
  if (r == 0 && res->rdma_len > 0)
    r = APPLY ("rdma", "rdma", set_rdma);
  if (r == 0 && res->devices_len > 0)
    r = APPLY ("devices", "devices", set_devices);
  if (r == 0 && res->unified && res->unified->len > 0)
    r = apply_unified (cg, res->unified, err);
  if (r < 0)
    return carve_error_wrap (err, "apply cgroup `%s`", carve_cgroup_name (cg));
  return 0;
}

/* --- statistics ---------------------------------------------------------- */

typedef int (*stats_fn) (const char *dir, struct carve_cgroup_stats_s *stats, carve_error_t *err);

static int
stats_one (carve_cgroup_t cg, const char *controller, size_t off, struct carve_cgroup_stats_s *s, carve_error_t *err)
{
  int i = carve_cgroup_layout_index (cg->layout, controller);
  stats_fn fn;

  if (i < 0 || cg->dirs[i] == NULL)
    return 0;
  fn = *(const stats_fn *)((const char *)carve_cgroup_ops_of (&cg->layout->hierarchies[i]) + off);
  if (fn == NULL)
    return 0;
  return fn (cg->dirs[i], s, err);
}

#define STATS(ctrl, member) stats_one (cg, ctrl, offsetof (struct carve_cgroup_ops_s, member), &s, err)

static void
blkio_list_release (struct carve_cgroup_blkio_list_s *l)
{
  size_t i;
  for (i = 0; i < l->len; i++)
    free (l->entries[i].op);
  free (l->entries);
}

void
carve_cgroup_stats_release (struct carve_cgroup_stats_s *s)
{
  size_t i;

  if (s == NULL)
    return;
  free (s->cpu.percpu);
  free (s->cpu.percpu_kernel);
  free (s->cpu.percpu_user);
  free (s->cpuset.cpus);
  free (s->cpuset.mems);
  for (i = 0; i < s->memory.raw_len; i++)
    free (s->memory.raw_keys[i]);
  free (s->memory.raw_keys);
  free (s->memory.raw_values);
  blkio_list_release (&s->blkio.io_service_bytes_recursive);
  blkio_list_release (&s->blkio.io_serviced_recursive);
  blkio_list_release (&s->blkio.io_queue_recursive);
  blkio_list_release (&s->blkio.io_service_time_recursive);
  blkio_list_release (&s->blkio.io_wait_time_recursive);
  blkio_list_release (&s->blkio.io_merged_recursive);
  blkio_list_release (&s->blkio.io_time_recursive);
  blkio_list_release (&s->blkio.sectors_recursive);
  for (i = 0; i < s->hugetlb_len; i++)
    free (s->hugetlb[i].page_size);
  free (s->hugetlb);
  memset (s, 0, sizeof (*s));
}

int
carve_cgroup_stats (carve_cgroup_t cg, struct carve_cgroup_stats_s *ret, carve_error_t *err)
{
  struct carve_cgroup_stats_s s;
  int r;

  memset (&s, 0, sizeof (s));
  r = STATS ("cpu", stats_cpu);
  /* On v2 cpuacct is the cpu controller: stats_cpuacct is NULL there.  */
  if (r == 0)
    r = STATS ("cpuacct", stats_cpuacct);
  if (r == 0)
    r = STATS ("cpuset", stats_cpuset);
  if (r == 0)
    r = STATS ("memory", stats_memory);
  if (r == 0)
    r = STATS ("pids", stats_pids);
  if (r == 0)
    r = STATS ("blkio", stats_blkio);
  if (r == 0)
    r = STATS ("hugetlb", stats_hugetlb);
  if (r < 0)
    {
      carve_cgroup_stats_release (&s);
      return carve_error_wrap (err, "statistics of cgroup `%s`", carve_cgroup_name (cg));
    }
  *ret = s;
  return 0;
}

int
carve_cgroup_oom_count (carve_cgroup_t cg, uint64_t *ret, carve_error_t *err)
{
  int i = carve_cgroup_layout_index (cg->layout, "memory");
  uint64_t v = 0;

  if (i < 0 || cg->dirs[i] == NULL)
    return carve_make_error (err, ENOTSUP, "OOM events of cgroup `%s`: no memory controller on this node",
                             carve_cgroup_name (cg));
  if (carve_cgroup_ops_of (&cg->layout->hierarchies[i])->oom_count (cg->dirs[i], &v, err) < 0)
    return carve_error_wrap (err, "OOM events of cgroup `%s`", carve_cgroup_name (cg));
  *ret = v;
  return 0;
}
