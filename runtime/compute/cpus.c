/* Exclusive CPUs: the cpuset side of a compute partition (cpus.h).  */
#include <config.h>

#include "runtime/compute/cpus.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime/base/fsutil.h"
#include "runtime/base/fault.h"
#include "runtime/base/kfile.h"
#include "runtime/base/xalloc.h"
#include "runtime/linux/cgroup.h"

/* include/linux/sched.h */
#define PF_KTHREAD 0x00200000UL

/* Every cgroup file goes through runtime/linux/cgroup's reader and
   writer.  */
static char *
read_trimmed (const char *dir, const char *file, carve_error_t *err)
{
  char *v = NULL;
  return carve_cgroup_read (dir, file, &v, err) < 0 ? NULL : v;
}

static int
write_in (const char *dir, const char *file, const char *value, carve_error_t *err)
{
  return carve_cgroup_write (dir, file, value, err);
}

static bool
has_tasks (const char *dir)
{
  carve_error_t e = NULL;
  cleanup_free char *procs = read_trimmed (dir, "cgroup.procs", &e);

  if (procs == NULL)
    {
      carve_error_release (&e);
      return false;
    }
  return procs[0] != '\0';
}

/* The CPUs of every exclusive partition in L.  */
static void
owned_cpus (carve_ledger_t l, carve_cpumask_t *ret)
{
  size_t i;

  carve_cpumask_zero (ret);
  for (i = 0; i < l->n_partitions; i++)
    if (l->partitions[i]->exclusive)
      carve_cpumask_or (ret, ret, &l->partitions[i]->cpus);
}

char *
carve_cpuset_v1_name (const struct carve_ledger_partition_s *p)
{
  uint32_t h = 2166136261u;
  const char *s;

  /* FNV-1a of the root.  */
  for (s = p->root; *s; s++)
    {
      h ^= (unsigned char)*s;
      h *= 16777619u;
    }
  return xasprintf ("%s-%08x", p->id, h);
}

/* --- the cpusets of others -------------------------------------------------- */

struct found_s
{
  char **dirs;
  size_t n;
};

/* Collects below DIR, children before their parent, every cpuset whose
   cpus meet OWNED; carve's own top-level cpusets are not others'.  */
static int
find_overlapping (const char *mount, const char *dir, int depth, const carve_cpumask_t *owned, struct found_s *out,
                  carve_error_t *err)
{
  cleanup_dir DIR *d = NULL;
  struct dirent *de;

  d = opendir (dir);
  if (d == NULL)
    {
      /* Removed meanwhile by its owner.  */
      if (errno == ENOENT || depth > 0)
        return 0;
      return carve_make_error (err, errno, "open `%s`", dir);
    }
  while ((de = readdir (d)))
    {
      cleanup_free char *sub = NULL, *cpus = NULL;
      carve_error_t e = NULL;
      carve_cpumask_t m, rest;

      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      /* carve.compute is the partition itself; carve.serviceos is carve's
         too, but the cpusets made in it by what runs there are others'.  */
      if (depth == 0 && strcmp (de->d_name, CARVE_CPUSET_COMPUTE) == 0)
        continue;
      sub = carve_path_join (dir, de->d_name);
      if (depth < 32 && find_overlapping (mount, sub, depth + 1, owned, out, err) < 0)
        return -1;
      if (depth == 0 && strcmp (de->d_name, CARVE_CPUSET_SERVICEOS) == 0)
        continue;
      cpus = read_trimmed (sub, "cpuset.cpus", &e);
      if (cpus == NULL || carve_cpumask_parse_list (cpus, &m, &e) < 0)
        {
          carve_error_release (&e);
          continue;
        }
      if (!carve_cpumask_intersects (&m, owned))
        continue;
      carve_cpumask_andnot (&rest, &m, owned);
      /* The kernel would refuse it anyway (a cpuset with tasks needs a
         CPU); say which cpuset stands in the way, before anything
         changes.  */
      if (carve_cpumask_empty (&rest) && has_tasks (sub))
        {
          cleanup_free char *list = carve_cpumask_format_list (owned);
          return carve_make_error (err, 0,
                                   "cpuset `%s` has tasks and only CPUs %s, which would all be owned (CPUs %s): "
                                   "move its tasks or give it other CPUs",
                                   sub, cpus, list);
        }
      out->dirs = xrealloc (out->dirs, sizeof (char *) * (out->n + 1));
      out->dirs[out->n++] = steal_pointer (&sub);
    }
  return 0;
}

static void
found_release (struct found_s *f)
{
  size_t i;
  for (i = 0; i < f->n; i++)
    free (f->dirs[i]);
  free (f->dirs);
}

/* --- the node partition ------------------------------------------------------ */

static int
make_dir (const char *dir, carve_error_t *err)
{
  if (mkdir (dir, 0755) < 0 && errno != EEXIST)
    return carve_make_error (err, errno, "mkdir `%s`", dir);
  return 0;
}

/* Fills an empty cpuset.mems from FROM (a new cpuset has none).  */
static int
ensure_mems (const char *dir, const char *from, carve_error_t *err)
{
  cleanup_free char *cur = read_trimmed (dir, "cpuset.mems", err);

  if (cur == NULL)
    return -1;
  if (cur[0] != '\0' || from == NULL || from[0] == '\0')
    return 0;
  return write_in (dir, "cpuset.mems", from, err);
}

/* Moves the user tasks of the root cpuset into carve.serviceos.  Kernel
   threads stay: the per-CPU ones cannot move, the others are carve.kthreads'
   business (their affinity), so `keep` keeps them.  Best effort: a task
   that exits or refuses stays where it is.  */
static void
shield_root_tasks (const struct carve_cpuset_env_s *env, const char *serviceos, char ***warnings)
{
  carve_error_t e = NULL;
  cleanup_free char *procs = read_trimmed (env->mount, "cgroup.procs", &e);
  cleanup_free char *to = carve_path_join (serviceos, "cgroup.procs");
  char *line, *save = NULL;
  size_t refused = 0;

  if (procs == NULL)
    {
      carve_strv_append (warnings, e->msg);
      carve_error_release (&e);
      return;
    }
  for (line = strtok_r (procs, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      struct carve_procstat_s st;
      long pid;

      if (carve_parse_long (line, &pid) < 0 || pid <= 0)
        continue;
      if (carve_procstat_read (env->proc, (pid_t)pid, &st) < 0 || (st.flags & PF_KTHREAD) || st.state == 'Z')
        continue;
      if (carve_kfile_write (to, line, &e) < 0)
        {
          if (e->status != ESRCH)
            refused++;
          carve_error_release (&e);
        }
    }
  if (refused > 0)
    {
      cleanup_free char *msg = xasprintf ("%zu task%s of the root cpuset refused to move to `%s`", refused,
                                          refused == 1 ? "" : "s", serviceos);
      carve_strv_append (warnings, msg);
    }
}

/* Records everything the partition changes around P and commits, then
   shrinks the other cpusets, the ServiceOS's, and grows carve.compute to
   OWNED.  */
static int
surround_partition (const struct carve_cpuset_env_s *env, carve_ledger_t l, struct carve_ledger_partition_s *p,
                    const carve_cpumask_t *owned, const char *compute, const char *serviceos, const char *slb,
                    const char *mine, const char *root_mems, carve_error_t *err)
{
  cleanup_free char *owned_list = carve_cpumask_format_list (owned);
  cleanup_free char *rest_list = NULL;
  struct found_s found = { NULL, 0 };
  carve_cpumask_t rest;
  size_t i;
  int r = -1;

  carve_cpumask_andnot (&rest, &env->online, owned);
  rest_list = carve_cpumask_format_list (&rest);
  if (find_overlapping (env->mount, env->mount, 0, owned, &found, err) < 0)
    goto out;

  /* Recorded and committed before the first change: a carve killed from
     here on leaves what the next one needs to undo it.  */
  if (carve_ledger_record_file (l, p->key, slb, err) == NULL)
    goto out;
  for (i = 0; i < found.n; i++)
    {
      cleanup_free char *file = carve_path_join (found.dirs[i], "cpuset.cpus");
      struct carve_ledger_setting_s *s = carve_ledger_record_file (l, p->key, file, err);
      if (s == NULL)
        {
          /* Removed by its owner since: nothing to shrink.  */
          if ((*err)->status == ENOENT)
            {
              carve_error_release (err);
              continue;
            }
          goto out;
        }
      s->derive = CARVE_LEDGER_MINUS_OWNED;
    }
  if (carve_ledger_record_cgroup_dir (l, p->key, serviceos, err) == NULL
      || carve_ledger_record_cgroup_dir (l, p->key, compute, err) == NULL)
    goto out;
  free (p->cpuset_dir);
  p->cpuset_dir = xstrdup (mine);
  if (carve_ledger_commit (l, err) < 0)
    goto out;

  /* Others first, deepest first: the kernel keeps children inside their
     parent and exclusive cpusets apart from their siblings.  */
  if (carve_ledger_enforce (l, &env->online, env->nr_cpus, CARVE_LEDGER_SHRINK, true, NULL, err) < 0)
    goto out;

  if (make_dir (serviceos, err) < 0 || ensure_mems (serviceos, root_mems, err) < 0
      || write_in (serviceos, "cpuset.cpus", rest_list, err) < 0)
    goto out;

  if (make_dir (compute, err) < 0 || ensure_mems (compute, root_mems, err) < 0
      || carve_cgroup_make_partition (compute, false, owned, false, err) < 0)
    goto out;
  r = 0;
out:
  found_release (&found);
  return r;
}

int
carve_cpuset_v1_prepare (const struct carve_cpuset_env_s *env, carve_ledger_t l, struct carve_ledger_partition_s *p,
                         char **ret_path, char ***warnings, carve_error_t *err)
{
  cleanup_free char *compute = carve_path_join (env->mount, CARVE_CPUSET_COMPUTE);
  cleanup_free char *serviceos = carve_path_join (env->mount, CARVE_CPUSET_SERVICEOS);
  cleanup_free char *slb = carve_path_join (env->mount, "cpuset.sched_load_balance");
  cleanup_free char *name = carve_cpuset_v1_name (p);
  cleanup_free char *mine = NULL, *root_mems = NULL, *my_list = NULL;
  carve_cpumask_t owned, rest;
  int attempt;

  owned_cpus (l, &owned);
  carve_cpumask_andnot (&rest, &env->online, &owned);
  if (carve_cpumask_empty (&rest))
    return carve_make_error (err, 0, "no CPU would be left to the ServiceOS");
  my_list = carve_cpumask_format_list (&p->cpus);
  mine = carve_path_join (compute, name);
  root_mems = read_trimmed (env->mount, "cpuset.mems", err);
  if (root_mems == NULL)
    return carve_error_wrap (err, "cpuset partition");

  /* Another tool may make a cpuset holding the owned CPUs at any time (a
     runtime copying the root's CPUs); the kernel then refuses carve.compute
     its exclusive CPUs: look again and retry.  */
  for (attempt = 0;; attempt++)
    {
      if (surround_partition (env, l, p, &owned, compute, serviceos, slb, mine, root_mems, err) == 0)
        break;
      if ((*err)->status != EINVAL || attempt == 3)
        return carve_error_wrap (err, "make CPUs %s exclusive", my_list);
      carve_error_release (err);
    }

  carve_fault_point ("compute:surrounded");
  shield_root_tasks (env, serviceos, warnings);
  /* Last: with the root balancing, its domain would span the owned CPUs
     whatever its children say.  */
  if (carve_kfile_write (slb, "0", err) < 0)
    return carve_error_wrap (err, "make CPUs %s exclusive", my_list);

  *ret_path = xasprintf ("/%s/%s", CARVE_CPUSET_COMPUTE, name);
  return 0;
}

/* A cpuset made below a shrunk one while it was shrunk copied its CPUs
   (the kernel gives a new cpuset none, runtimes copy the parent's): when
   DIR grows back from OLD to NEW, the sub-cpusets carve did not record
   that still hold exactly OLD grow with it, parents first.  */
static void
follow_parent (carve_ledger_t l, const char *dir, const char *old, const char *new_cpus, int depth, char ***warnings)
{
  cleanup_dir DIR *d = NULL;
  struct dirent *de;

  if (depth > 32 || strcmp (old, new_cpus) == 0)
    return;
  d = opendir (dir);
  while (d && (de = readdir (d)))
    {
      cleanup_free char *sub = NULL, *file = NULL, *cur = NULL;
      carve_error_t e = NULL;

      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      sub = carve_path_join (dir, de->d_name);
      file = carve_path_join (sub, "cpuset.cpus");
      if (carve_ledger_find_setting (l, CARVE_LEDGER_FILE, file))
        continue;
      cur = read_trimmed (sub, "cpuset.cpus", &e);
      if (cur == NULL || strcmp (cur, old) != 0)
        {
          carve_error_release (&e);
          continue;
        }
      if (carve_kfile_write (file, new_cpus, &e) < 0)
        {
          carve_strv_append (warnings, e->msg);
          carve_error_release (&e);
          continue;
        }
      follow_parent (l, sub, old, new_cpus, depth + 1, warnings);
    }
}

struct before_s
{
  char *dir;
  char *cpus;
};

void
carve_cpuset_v1_refresh (const struct carve_cpuset_env_s *env, carve_ledger_t l, char ***warnings)
{
  cleanup_free char *compute = carve_path_join (env->mount, CARVE_CPUSET_COMPUTE);
  cleanup_free char *serviceos = carve_path_join (env->mount, CARVE_CPUSET_SERVICEOS);
  cleanup_free char *owned_list = NULL, *rest_list = NULL;
  struct before_s *before = NULL;
  size_t n_before = 0, i;
  carve_cpumask_t owned, rest;
  carve_error_t e = NULL;

  owned_cpus (l, &owned);
  carve_cpumask_andnot (&rest, &env->online, &owned);
  owned_list = carve_cpumask_format_list (&owned);
  rest_list = carve_cpumask_format_list (&rest);

  /* What the shrunk cpusets hold now, for their sub-cpusets to follow.  */
  for (i = 0; i < l->n_settings; i++)
    {
      const struct carve_ledger_setting_s *s = l->settings[i];
      size_t len = strlen (s->path), flen = strlen ("/cpuset.cpus");
      cleanup_free char *dir = NULL;
      char *cur;

      if (s->kind != CARVE_LEDGER_FILE || s->derive != CARVE_LEDGER_MINUS_OWNED || len <= flen
          || strcmp (s->path + len - flen, "/cpuset.cpus") != 0)
        continue;
      dir = xstrndup (s->path, len - flen);
      cur = read_trimmed (dir, "cpuset.cpus", &e);
      if (cur == NULL)
        {
          carve_error_release (&e);
          continue;
        }
      before = xrealloc (before, sizeof (*before) * (n_before + 1));
      before[n_before].dir = steal_pointer (&dir);
      before[n_before].cpus = cur;
      n_before++;
    }

  /* A container's cpuset that lost its partition (a reclaim that could
     not remove it then) would keep carve.compute from shrinking.  */
  {
    cleanup_dir DIR *d = opendir (compute);
    struct dirent *de;
    while (d && (de = readdir (d)))
      {
        cleanup_free char *sub = NULL;
        bool owned_by_one = false;
        if (de->d_type != DT_DIR || de->d_name[0] == '.')
          continue;
        sub = carve_path_join (compute, de->d_name);
        for (i = 0; i < l->n_partitions; i++)
          if (l->partitions[i]->cpuset_dir && strcmp (l->partitions[i]->cpuset_dir, sub) == 0)
            owned_by_one = true;
        if (!owned_by_one && !has_tasks (sub) && rmdir (sub) < 0 && errno != ENOENT)
          {
            cleanup_free char *msg = xasprintf ("rmdir `%s`: %s", sub, strerror (errno));
            carve_strv_append (warnings, msg);
          }
      }
  }

  /* The partition shrinks first, then what surrounds it grows back.  */
  if (carve_path_exists (compute) && write_in (compute, "cpuset.cpus", owned_list, &e) < 0)
    {
      carve_strv_append (warnings, e->msg);
      carve_error_release (&e);
    }
  if (carve_path_exists (serviceos))
    {
      /* What others made inside carve.serviceos keeps its CPUs: carve
         shrank nothing there, so it widens nothing there.  */
      if (write_in (serviceos, "cpuset.cpus", rest_list, &e) < 0)
        {
          carve_strv_append (warnings, e->msg);
          carve_error_release (&e);
        }
    }
  (void)carve_ledger_enforce (l, &env->online, env->nr_cpus, CARVE_LEDGER_ALL, false, warnings, NULL);

  for (i = 0; i < n_before; i++)
    {
      cleanup_free char *now = read_trimmed (before[i].dir, "cpuset.cpus", &e);
      carve_error_release (&e);
      if (now)
        follow_parent (l, before[i].dir, before[i].cpus, now, 0, warnings);
      free (before[i].dir);
      free (before[i].cpus);
    }
  free (before);
}

/* --- v2 ---------------------------------------------------------------- */

int
carve_cpuset_v2_apply (const struct carve_cpuset_env_s *env, carve_ledger_t l, struct carve_ledger_partition_s *p,
                       const char *dir, carve_error_t *err)
{
  cleanup_free char *list = carve_cpumask_format_list (&p->cpus);
  size_t mlen = strlen (env->mount);
  const char *rel;
  char *slash;

  if (strncmp (dir, env->mount, mlen) != 0 || dir[mlen] != '/')
    return carve_make_error (err, EINVAL, "cgroup `%s` is not below `%s`", dir, env->mount);
  rel = dir + mlen;
  /* Every ancestor below the root, parent first (a child's exclusive CPUs
     must be its parent's).  */
  for (slash = strchr (rel + 1, '/'); slash; slash = strchr (slash + 1, '/'))
    {
      cleanup_free char *anc = xstrndup (dir, (size_t)(slash - dir));
      cleanup_free char *file = carve_path_join (anc, "cpuset.cpus.exclusive");
      struct carve_ledger_setting_s *s = carve_ledger_record_file (l, p->key, file, err);
      if (s == NULL)
        return carve_error_wrap (err, "remote partition of CPUs %s", list);
      s->derive = CARVE_LEDGER_PLUS_USERS;
    }
  if (carve_ledger_commit (l, err) < 0)
    return -1;
  if (carve_ledger_enforce (l, &env->online, env->nr_cpus, CARVE_LEDGER_GROW, true, NULL, err) < 0
      || carve_cgroup_make_partition (dir, true, &p->cpus, p->load_balance, err) < 0)
    return carve_error_wrap (err, "remote partition of CPUs %s", list);
  return 0;
}

/* --- removal ------------------------------------------------------------ */

int
carve_cpuset_remove_dir (const char *dir, bool kill_tasks, carve_error_t *err)
{
  int attempt;

  for (attempt = 0;; attempt++)
    {
      struct timespec ts = { 0, 20 * 1000 * 1000 };

      if (rmdir (dir) == 0 || errno == ENOENT)
        return 0;
      if (errno != EBUSY || attempt == 10)
        return carve_make_error (err, errno, "rmdir `%s`", dir);
      if (kill_tasks)
        {
          carve_error_t e = NULL;
          cleanup_free char *procs = read_trimmed (dir, "cgroup.procs", &e);
          char *line, *save = NULL;

          carve_error_release (&e);
          for (line = procs ? strtok_r (procs, "\n", &save) : NULL; line; line = strtok_r (NULL, "\n", &save))
            {
              long pid;
              if (carve_parse_long (line, &pid) == 0 && pid > 1)
                (void)kill ((pid_t)pid, SIGKILL);
            }
        }
      (void)nanosleep (&ts, NULL);
    }
}
