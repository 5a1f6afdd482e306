/* The Compute Container orchestrator (compute.h): parses the carve.*
   annotations, claims CPUs and memory in the node ledger, applies the
   partition once the container's cgroup exists, and gives everything back
   at delete or when its container is found gone.  */
#include <config.h>

#include "runtime/compute/compute.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"
#include "runtime/compute/cpus.h"
#include "runtime/compute/ledger.h"
#include "spec/emit.h"
#include "runtime/compute/memory.h"
#include "runtime/compute/noise.h"
#include "runtime/compute/sched.h"
#include "runtime/compute/topology.h"

#define PROC_ROOT "/proc"
#define SYS_ROOT "/sys"

/* Every carve.* annotation of DESIGN.md's table.  The ones handled
   elsewhere (carve.isolation by runtime/container, carve.syscalls.* by
   the seccomp side) are listed so that a misspelt key is an error here
   instead of a silent no-op.  */
static const char *const known_keys[] = {
  "carve.isolation",         "carve.cpus",          "carve.cpus.exclusive",
  "carve.cpus.load_balance", "carve.memory",        "carve.memory.hugepages",
  "carve.memory.nodes",      "carve.sched",         "carve.kthreads",
  "carve.syscalls.forward",  "carve.syscalls.deny", NULL,
};

struct carve_compute_s
{
  bool active;
  char *ledger;
  carve_node_config_t node; /* the caller's, alive from plan to apply */
  carve_topology_t topo;
  carve_cpumask_t serviceos;

  /* CPUs: carve.cpus, or linux.resources.cpu.cpus with
     carve.cpus.exclusive=true.  */
  bool cpus_given;
  const char *cpus_key; /* "annotations.carve.cpus" or "linux.resources.cpu.cpus", for messages */
  char *cpus_value;
  bool is_count;
  size_t count;
  carve_cpumask_t list;
  bool exclusive, load_balance, evict;

  struct carve_memory_request_s memory;
  struct carve_sched_request_s sched;

  /* From claim on.  */
  char *root, *id;
  carve_spec_t spec; /* the caller's */
};

/* --- plan ----------------------------------------------------------------- */

static int
parse_bool (const char *key, const char *v, bool *ret, carve_error_t *err)
{
  if (strcmp (v, "true") == 0)
    *ret = true;
  else if (strcmp (v, "false") == 0)
    *ret = false;
  else
    return carve_make_error (err, 0, "annotations.%s: `%s` is not `true` or `false`", key, v);
  return 0;
}

static bool
all_digits (const char *s)
{
  if (*s == '\0')
    return false;
  for (; *s; s++)
    if (!isdigit ((unsigned char)*s))
      return false;
  return true;
}

static char *
serviceos_source (carve_node_config_t node)
{
  if (node->serviceos_cpus)
    return xasprintf ("serviceos_cpus `%s` of the node config", node->serviceos_cpus);
  return xstrdup ("the node config's default serviceos_cpus, the first online CPU");
}

/* A CPU list request: every CPU online, none of the ServiceOS.  */
static int
check_list (carve_compute_t c, carve_error_t *err)
{
  int cpu;

  for (cpu = carve_cpumask_next (&c->list, 0); cpu >= 0; cpu = carve_cpumask_next (&c->list, (unsigned)cpu + 1))
    {
      if (!carve_cpumask_test (&c->topo->online, (unsigned)cpu))
        {
          cleanup_free char *online = carve_cpumask_format_list (&c->topo->online);
          return carve_make_error (err, 0, "%s: `%s`: CPU %d is not online (online: %s)", c->cpus_key, c->cpus_value,
                                   cpu, online);
        }
      if (carve_cpumask_test (&c->serviceos, (unsigned)cpu))
        {
          cleanup_free char *src = serviceos_source (c->node);
          return carve_make_error (err, 0, "%s: `%s`: CPU %d belongs to the ServiceOS (%s)", c->cpus_key, c->cpus_value,
                                   cpu, src);
        }
    }
  return 0;
}

static int
plan_cpus (carve_compute_t c, const carve_spec_t spec, carve_error_t *err)
{
  const char *cpus = carve_spec_map_get (spec->annotations, "carve.cpus");
  const char *excl = carve_spec_map_get (spec->annotations, "carve.cpus.exclusive");
  const char *lb = carve_spec_map_get (spec->annotations, "carve.cpus.load_balance");
  const char *kt = carve_spec_map_get (spec->annotations, "carve.kthreads");
  const char *spec_cpus = NULL;
  bool excl_set = false, excl_v = false, lb_v = false;

  if (spec->linux_ && spec->linux_->resources && spec->linux_->resources->cpu && spec->linux_->resources->cpu->cpus
      && spec->linux_->resources->cpu->cpus[0])
    spec_cpus = spec->linux_->resources->cpu->cpus;

  /* Values first, so that a bad one is named before a missing carve.cpus.  */
  if (excl)
    {
      if (parse_bool ("carve.cpus.exclusive", excl, &excl_v, err) < 0)
        return -1;
      excl_set = true;
    }
  if (lb && parse_bool ("carve.cpus.load_balance", lb, &lb_v, err) < 0)
    return -1;
  if (kt && strcmp (kt, "evict") != 0 && strcmp (kt, "keep") != 0)
    return carve_make_error (err, 0, "annotations.carve.kthreads: `%s` is not `evict` or `keep`", kt);

  if (cpus)
    {
      c->cpus_key = "annotations.carve.cpus";
      c->cpus_value = xstrdup (cpus);
      if (all_digits (cpus))
        {
          unsigned long n;
          if (carve_parse_ulong (cpus, &n) < 0 || n == 0 || n > CARVE_CPUMASK_MAX)
            return carve_make_error (err, 0,
                                     "annotations.carve.cpus: `%s` is not a CPU list or a count (a count is 1 or "
                                     "more; one CPU N is the list `N-N`)",
                                     cpus);
          c->is_count = true;
          c->count = n;
        }
      else
        {
          carve_error_t e = NULL;
          if (carve_cpumask_parse_list (cpus, &c->list, &e) < 0 || carve_cpumask_empty (&c->list))
            {
              carve_error_release (&e);
              return carve_make_error (err, 0, "annotations.carve.cpus: `%s` is not a CPU list or a count", cpus);
            }
        }
      c->cpus_given = true;
    }
  else if (excl_set && excl_v && spec_cpus)
    {
      /* DESIGN.md: carve.cpus defaults to linux.resources.cpu.cpus.  */
      carve_error_t e = NULL;
      c->cpus_key = "linux.resources.cpu.cpus";
      c->cpus_value = xstrdup (spec_cpus);
      if (carve_cpumask_parse_list (spec_cpus, &c->list, &e) < 0)
        {
          carve_error_release (&e);
          return carve_make_error (err, 0, "linux.resources.cpu.cpus: `%s` is not a CPU list", spec_cpus);
        }
      c->cpus_given = true;
    }

  if (!c->cpus_given)
    {
      /* exclusive=false with the spec's cpus is plain runc behaviour.  */
      if (excl_set && !(spec_cpus && !excl_v))
        return carve_make_error (err, 0,
                                 "annotations.carve.cpus.exclusive: `%s` needs carve.cpus (or "
                                 "linux.resources.cpu.cpus) to say which CPUs",
                                 excl);
      if (lb)
        return carve_make_error (err, 0, "annotations.carve.cpus.load_balance: `%s` needs carve.cpus", lb);
      if (kt)
        return carve_make_error (err, 0, "annotations.carve.kthreads: `%s` needs carve.cpus", kt);
      return 0;
    }

  c->exclusive = excl_set ? excl_v : true;
  if (lb && !c->exclusive)
    return carve_make_error (err, 0,
                             "annotations.carve.cpus.load_balance: `%s` needs carve.cpus.exclusive=true (shared CPUs "
                             "are balanced with the rest)",
                             lb);
  c->load_balance = lb_v;
  c->evict = kt ? strcmp (kt, "evict") == 0 : c->exclusive;
  if (!c->is_count && check_list (c, err) < 0)
    return -1;
  if (c->is_count && c->count > carve_cpumask_count (&c->topo->online))
    {
      cleanup_free char *online = carve_cpumask_format_list (&c->topo->online);
      return carve_make_error (err, 0, "annotations.carve.cpus: `%s` CPUs asked, the node has %zu online (%s)", cpus,
                               carve_cpumask_count (&c->topo->online), online);
    }
  return 0;
}

static int
serviceos_cpus (carve_node_config_t node, carve_topology_t topo, carve_cpumask_t *ret, carve_error_t *err)
{
  carve_cpumask_zero (ret);
  if (node->serviceos_cpus)
    {
      if (carve_cpumask_parse_list (node->serviceos_cpus, ret, err) < 0)
        return carve_error_wrap (err, "node config: serviceos_cpus");
      return 0;
    }
  /* Documented default: the first online CPU.  */
  if (carve_cpumask_next (&topo->online, 0) >= 0)
    carve_cpumask_set (ret, (unsigned)carve_cpumask_next (&topo->online, 0));
  return 0;
}

int
carve_compute_plan (const carve_spec_t spec, carve_node_config_t node, bool mount_ns, carve_compute_t *ret,
                    carve_error_t *err)
{
  cleanup_compute carve_compute_t c = xzalloc (sizeof (*c));
  size_t i, k;

  for (i = 0; spec->annotations && i < spec->annotations->len; i++)
    {
      const char *key = spec->annotations->keys[i];
      if (strncmp (key, "carve.", 6) != 0)
        continue;
      for (k = 0; known_keys[k]; k++)
        if (strcmp (known_keys[k], key) == 0)
          break;
      if (known_keys[k] == NULL)
        return carve_make_error (err, 0, "annotations.%s: not a carve annotation (`carve features` lists them)", key);
    }

  c->node = node;
  c->ledger = xstrdup (node->ledger);
  /* sysfs is read only for a container that asks for CPUs.  */
  if (carve_spec_map_get (spec->annotations, "carve.cpus") || carve_spec_map_get (spec->annotations, "carve.cpus.exclusive")
      || carve_spec_map_get (spec->annotations, "carve.cpus.load_balance") || carve_spec_map_get (spec->annotations, "carve.kthreads"))
    {
      if (carve_topology_read (SYS_ROOT, &c->topo, err) < 0)
        return -1;
      if (serviceos_cpus (node, c->topo, &c->serviceos, err) < 0)
        return -1;
      if (plan_cpus (c, spec, err) < 0)
        return -1;
    }
  if (carve_memory_parse (carve_spec_map_get (spec->annotations, "carve.memory"), carve_spec_map_get (spec->annotations, "carve.memory.hugepages"),
                          carve_spec_map_get (spec->annotations, "carve.memory.nodes"), node, &c->memory, err)
      < 0)
    return -1;
  /* Checked here, before any pool grows.  */
  if (c->memory.hugepage_size && !mount_ns)
    return carve_make_error (err, 0,
                             "annotations.carve.memory.hugepages: `%s`: the huge pages are mounted at /dev/hugepages "
                             "in the container's own mount namespace, and this container has none (root.path is the "
                             "host's `/` and no mount namespace is created)",
                             carve_spec_map_get (spec->annotations, "carve.memory.hugepages"));
  if (carve_sched_parse (carve_spec_map_get (spec->annotations, "carve.sched"), &c->sched, err) < 0)
    return -1;
  c->active = c->cpus_given || c->memory.bytes > 0 || c->sched.kind != CARVE_SCHED_DEFAULT;
  *ret = steal_pointer (&c);
  return 0;
}

bool
carve_compute_active (carve_compute_t c)
{
  return c && c->active;
}

void
carve_compute_free (carve_compute_t c)
{
  if (c == NULL)
    return;
  free (c->ledger);
  free (c->cpus_value);
  free (c->root);
  free (c->id);
  carve_topology_free (c->topo);
  free (c);
}

/* --- shared by release and reclaim ------------------------------------------ */

static int
read_topology_env (carve_topology_t *ret_topo, carve_error_t *err)
{
  return carve_topology_read (SYS_ROOT, ret_topo, err);
}

/* The cpuset hierarchy of this node; false when it has none.  */
static bool
cpuset_env (carve_cgroup_layout_t layout, carve_topology_t topo, struct carve_cpuset_env_s *env)
{
  const struct carve_cgroup_hierarchy_s *h = layout ? carve_cgroup_layout_find (layout, "cpuset") : NULL;

  memset (env, 0, sizeof (*env));
  if (h == NULL)
    return false;
  env->mount = h->mount;
  env->v2 = h->v2;
  env->proc = PROC_ROOT;
  env->online = topo->online;
  env->nr_cpus = topo->nr_cpus;
  return true;
}

static void
append_error (char ***warnings, carve_error_t *e)
{
  if (*e)
    {
      carve_strv_append (warnings, (*e)->msg);
      carve_error_release (e);
    }
}

static bool
state_dir_exists (const struct carve_ledger_partition_s *p)
{
  cleanup_free char *dir = xasprintf ("%s%s%s", p->root, p->root[strlen (p->root) - 1] == '/' ? "" : "/", p->id);
  return carve_path_exists (dir);
}

/* Removes what P's container left of its own (RECLAIM: its cgroup too,
   killing what is left in it) and P from L; commits, so a carve killed
   while restoring leaves settings without users, which the next command
   restores.  */
static void
drop_partition (carve_ledger_t l, struct carve_ledger_partition_s *p, bool reclaim, char ***warnings)
{
  carve_error_t e = NULL;

  /* With its state directory left, `delete` removes the container's cgroup
     (and finds it to kill what may be left); carve removes only its own
     cpuset, which holds the partition's CPUs.  */
  if (reclaim && p->cgroup_path && !state_dir_exists (p))
    {
      cleanup_cgroup_layout carve_cgroup_layout_t layout = NULL;
      cleanup_cgroup carve_cgroup_t cg = NULL;

      if (carve_cgroup_layout_detect_host (&layout, &e) == 0
          && carve_cgroup_open (layout, p->cgroup_path, &cg, &e) == 0)
        {
          /* Its init died with the carve that created it (PDEATHSIG) unless
             it got past READY; either way the create never completed.  */
          pid_t *pids = NULL;
          size_t n = 0;
          if (carve_cgroup_pids (cg, &pids, &n, &e) == 0 && n > 0)
            (void)carve_cgroup_kill_all (cg, SIGKILL, &e);
          free (pids);
          carve_error_release (&e);
          (void)carve_cgroup_destroy (cg, &e);
        }
      append_error (warnings, &e);
    }
  if (p->cpuset_dir && carve_cpuset_remove_dir (p->cpuset_dir, reclaim, &e) < 0)
    append_error (warnings, &e);
  carve_ledger_remove (l, p);
  if (carve_ledger_commit (l, &e) < 0)
    append_error (warnings, &e);
}

/* What the partitions left need, then every setting no one needs back to
   its original; commits.  */
static void
settle (carve_ledger_t l, char ***warnings)
{
  cleanup_topology carve_topology_t topo = NULL;
  cleanup_cgroup_layout carve_cgroup_layout_t layout = NULL;
  struct carve_cpuset_env_s env;
  carve_error_t e = NULL;

  if (read_topology_env (&topo, &e) < 0)
    {
      append_error (warnings, &e);
      return;
    }
  if (carve_cgroup_layout_detect_host (&layout, &e) < 0)
    append_error (warnings, &e);
  if (cpuset_env (layout, topo, &env) && !env.v2)
    carve_cpuset_v1_refresh (&env, l, warnings);
  else
    (void)carve_ledger_enforce (l, &topo->online, topo->nr_cpus, CARVE_LEDGER_ALL, false, warnings, NULL);
  carve_memory_refresh (l, warnings);
  carve_ledger_restore_unused (l, warnings);
  if (carve_ledger_commit (l, &e) < 0)
    append_error (warnings, &e);
}

/* Reclaims, under L's lock, every partition whose container is gone.  */
static void
reclaim_locked (carve_ledger_t l, char ***warnings)
{
  bool any = false;
  size_t i = 0;

  while (i < l->n_partitions)
    {
      struct carve_ledger_partition_s *p = l->partitions[i];
      if (carve_ledger_partition_live (p, PROC_ROOT))
        {
          i++;
          continue;
        }
      drop_partition (l, p, true, warnings);
      any = true;
    }
  if (any || carve_ledger_has_unused (l))
    settle (l, warnings);
}

static char *
canonical_root (const char *root)
{
  char *r = realpath (root, NULL);
  return r ? r : xstrdup (root);
}

/* --- claim ---------------------------------------------------------------- */

/* "1 by `x` (root `/run/y`), 3 by `z` ..." for the partitions in L holding
   CPUs of M.  */
static char *
describe_owners (carve_ledger_t l, const carve_cpumask_t *m)
{
  char *out = xstrdup ("");
  size_t i;

  for (i = 0; i < l->n_partitions; i++)
    {
      const struct carve_ledger_partition_s *p = l->partitions[i];
      carve_cpumask_t both;
      cleanup_free char *list = NULL;
      char *next;

      carve_cpumask_and (&both, &p->cpus, m);
      if (carve_cpumask_empty (&both))
        continue;
      list = carve_cpumask_format_list (&both);
      next = xasprintf ("%s%s%s by `%s` (root `%s`)", out, out[0] ? ", " : "", list, p->id, p->root);
      free (out);
      out = next;
    }
  return out;
}

static int
choose_cpus (carve_compute_t c, carve_ledger_t l, carve_cpumask_t *ret, carve_error_t *err)
{
  carve_cpumask_t owned, shared, taken, avail;
  size_t i;
  int cpu;

  carve_cpumask_zero (&owned);
  carve_cpumask_zero (&shared);
  for (i = 0; i < l->n_partitions; i++)
    carve_cpumask_or (l->partitions[i]->exclusive ? &owned : &shared, l->partitions[i]->exclusive ? &owned : &shared,
                      &l->partitions[i]->cpus);
  /* An exclusive request takes no CPU anyone uses; a shared one no CPU
     someone owns.  */
  taken = owned;
  if (c->exclusive)
    carve_cpumask_or (&taken, &taken, &shared);

  if (!c->is_count)
    {
      for (cpu = carve_cpumask_next (&c->list, 0); cpu >= 0; cpu = carve_cpumask_next (&c->list, (unsigned)cpu + 1))
        for (i = 0; i < l->n_partitions; i++)
          {
            const struct carve_ledger_partition_s *p = l->partitions[i];
            if (!carve_cpumask_test (&p->cpus, (unsigned)cpu) || !carve_cpumask_test (&taken, (unsigned)cpu))
              continue;
            return carve_make_error (err, 0, "%s: `%s`: CPU %d is %s by container `%s` (root `%s`)", c->cpus_key,
                                     c->cpus_value, cpu, p->exclusive ? "owned" : "used", p->id, p->root);
          }
      *ret = c->list;
      goto check_rest;
    }

  carve_cpumask_andnot (&avail, &c->topo->online, &c->serviceos);
  carve_cpumask_andnot (&avail, &avail, &taken);
  if (!carve_topology_pick (c->topo, &avail, c->count, ret))
    {
      cleanup_free char *online = carve_cpumask_format_list (&c->topo->online);
      cleanup_free char *sos = carve_cpumask_format_list (&c->serviceos);
      cleanup_free char *owners = describe_owners (l, &taken);
      return carve_make_error (
          err, 0, "annotations.carve.cpus: `%s` CPUs asked, %zu free (online %s, ServiceOS %s%s%s)", c->cpus_value,
          carve_cpumask_count (&avail), online, sos, owners[0] ? ", taken: " : "", owners);
    }

check_rest:
  /* The host needs somewhere to run: an exclusive request never takes the
     last CPU (a node config with no serviceos_cpus allows the others).  */
  if (c->exclusive)
    {
      carve_cpumask_t rest;
      carve_cpumask_andnot (&rest, &c->topo->online, &owned);
      carve_cpumask_andnot (&rest, &rest, ret);
      if (carve_cpumask_empty (&rest))
        return carve_make_error (err, 0, "%s: `%s`: no online CPU would be left to the ServiceOS", c->cpus_key,
                                 c->cpus_value);
    }
  return 0;
}

static void
spec_set_cpus (carve_spec_t spec, const carve_cpumask_t *cpus)
{
  struct carve_spec_cpu_s *cpu;

  if (spec->linux_ == NULL)
    spec->linux_ = xzalloc (sizeof (*spec->linux_));
  if (spec->linux_->resources == NULL)
    spec->linux_->resources = xzalloc (sizeof (*spec->linux_->resources));
  if (spec->linux_->resources->cpu == NULL)
    spec->linux_->resources->cpu = xzalloc (sizeof (*spec->linux_->resources->cpu));
  cpu = spec->linux_->resources->cpu;
  free (cpu->cpus);
  cpu->cpus = carve_cpumask_format_list (cpus);
}

/* Takes P out again after a failed claim: nothing of it stays.  */
static void
undo_claim (carve_ledger_t l, struct carve_ledger_partition_s *p)
{
  cleanup_strv char **ignored = NULL;
  carve_error_t e = NULL;

  carve_ledger_remove (l, p);
  carve_memory_refresh (l, &ignored);
  carve_ledger_restore_unused (l, &ignored);
  if (carve_ledger_commit (l, &e) < 0)
    carve_error_release (&e);
}

int
carve_compute_claim (carve_compute_t c, const char *root, const char *id, carve_spec_t spec, carve_error_t *err)
{
  cleanup_ledger carve_ledger_t l = NULL;
  cleanup_strv char **ignored = NULL;
  struct carve_ledger_partition_s *p;
  carve_cpumask_t cpus;

  if (!c->active)
    return 0;
  free (c->root);
  c->root = canonical_root (root);
  free (c->id);
  c->id = xstrdup (id);
  c->spec = spec;

  if (carve_ledger_open (c->ledger, &l, err) < 0)
    return -1;
  /* Under the lock, whatever a killed carve left is given back first, so
     its CPUs count as free.  */
  reclaim_locked (l, &ignored);
  if (carve_ledger_find (l, c->root, id))
    return carve_make_error (err, 0, "container `%s` (root `%s`) already holds a partition", id, c->root);

  carve_cpumask_zero (&cpus);
  if (c->cpus_given && choose_cpus (c, l, &cpus, err) < 0)
    return -1;

  p = carve_ledger_add (l, c->root, id);
  p->cpus = cpus;
  p->exclusive = c->cpus_given && c->exclusive;
  p->load_balance = c->load_balance;
  p->evict = c->cpus_given && c->evict;
  /* On disk before anything else can change for it.  */
  if (carve_ledger_commit (l, err) < 0)
    {
      carve_ledger_remove (l, p);
      return -1;
    }
  if (carve_memory_claim (l, c->node, &c->memory, p, err) < 0 || carve_ledger_commit (l, err) < 0)
    {
      undo_claim (l, p);
      return -1;
    }
  if (c->cpus_given)
    spec_set_cpus (spec, &cpus);
  if (carve_memory_adjust_spec (p, spec, err) < 0)
    {
      undo_claim (l, p);
      return -1;
    }
  carve_sched_adjust_spec (&c->sched, spec);
  return 0;
}

/* --- apply ---------------------------------------------------------------- */

static int
apply_v1 (const struct carve_cpuset_env_s *env, carve_ledger_t l, struct carve_ledger_partition_s *p, carve_cgroup_t cg,
          char ***warnings, carve_error_t *err)
{
  const char *dir = carve_cgroup_dir (cg, "cpuset");
  cleanup_free char *mems = NULL, *path = NULL;
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  carve_error_t e = NULL;

  if (dir)
    {
      cleanup_free char *file = carve_path_join (dir, "cpuset.mems");
      if (carve_read_file (file, &mems, NULL, &e) < 0)
        carve_error_release (&e);
      else
        mems[strcspn (mems, "\n")] = '\0';
    }
  /* The container's cpuset at its cgroupsPath cannot be exclusive (its
     parent is not) and stands in the way of the partition: its processes
     wait in the root cpuset while the partition is built, then move to
     carve.compute/NAME.  */
  if (carve_cgroup_evacuate_controller (cg, "cpuset", &pids, &n, err) < 0)
    return -1;
  if (carve_cpuset_v1_apply (env, l, p, mems, &path, warnings, err) < 0)
    return -1;
  if (carve_cgroup_move_controller (cg, "cpuset", path, pids, n, err) < 0)
    return -1;
  free (p->cgroup_path);
  p->cgroup_path = xstrdup (carve_cgroup_path (cg));
  return carve_ledger_commit (l, err);
}

int
carve_compute_apply (carve_compute_t c, carve_cgroup_t cg, char ***ret_warnings, carve_error_t *err)
{
  cleanup_ledger carve_ledger_t l = NULL;
  cleanup_cgroup_layout carve_cgroup_layout_t layout = NULL;
  struct carve_ledger_partition_s *p;
  struct carve_cpuset_env_s env;

  if (!c->active)
    return 0;
  if (carve_ledger_open (c->ledger, &l, err) < 0)
    return -1;
  p = carve_ledger_find (l, c->root, c->id);
  if (p == NULL)
    return carve_make_error (err, 0, "container `%s`: its partition is gone from ledger `%s`", c->id, c->ledger);
  /* Whoever comes next finds the cgroup to remove if this carve dies.  */
  free (p->cgroup_path);
  p->cgroup_path = xstrdup (carve_cgroup_path (cg));
  if (carve_ledger_commit (l, err) < 0)
    return -1;

  if (p->exclusive && !carve_cpumask_empty (&p->cpus))
    {
      if (carve_cgroup_layout_detect_host (&layout, err) < 0)
        return -1;
      if (!cpuset_env (layout, c->topo, &env))
        return carve_make_error (err, 0, "%s: exclusive CPUs need the cpuset controller, which this node lacks",
                                 c->cpus_key);
      if (env.v2)
        {
          const char *dir = carve_cgroup_dir (cg, "cpuset");
          if (dir == NULL)
            return carve_make_error (err, 0, "%s: the container has no cpuset cgroup", c->cpus_key);
          if (carve_cpuset_v2_apply (&env, l, p, dir, err) < 0)
            return carve_error_wrap (err, "%s: `%s`", c->cpus_key, c->cpus_value);
        }
      else if (apply_v1 (&env, l, p, cg, ret_warnings, err) < 0)
        return carve_error_wrap (err, "%s: `%s`", c->cpus_key, c->cpus_value);
    }
  if (p->evict && !carve_cpumask_empty (&p->cpus))
    {
      struct carve_noise_env_s nenv
          = { .proc = PROC_ROOT, .sys = SYS_ROOT, .online = c->topo->online, .nr_cpus = c->topo->nr_cpus };
      if (carve_noise_evict (&nenv, l, p, ret_warnings, err) < 0)
        return -1;
    }
  if (carve_memory_apply (p, cg, err) < 0)
    return -1;
  if (c->spec && carve_sched_grant_rt (l, p->key, c->spec, cg, err) < 0)
    return -1;
  return carve_ledger_commit (l, err);
}

/* --- release, reclaim ------------------------------------------------------ */

int
carve_compute_release (carve_node_config_t node, const char *root, const char *id, char ***ret_warnings,
                       carve_error_t *err)
{
  cleanup_ledger carve_ledger_t l = NULL;
  cleanup_free char *croot = NULL;
  struct carve_ledger_partition_s *p;

  /* No ledger: nothing was ever claimed on this node.  */
  if (!carve_path_exists (node->ledger))
    return 0;
  if (carve_ledger_open (node->ledger, &l, err) < 0)
    return -1;
  croot = canonical_root (root);
  p = carve_ledger_find (l, croot, id);
  if (p == NULL && strcmp (croot, root) != 0)
    p = carve_ledger_find (l, root, id);
  if (p)
    drop_partition (l, p, false, ret_warnings);
  if (p || carve_ledger_has_unused (l))
    settle (l, ret_warnings);
  return 0;
}

int
carve_compute_reclaim (carve_node_config_t node, char ***ret_warnings, carve_error_t *err)
{
  cleanup_ledger carve_ledger_t l = NULL;

  if (!carve_path_exists (node->ledger))
    return 0;
  if (carve_ledger_open (node->ledger, &l, err) < 0)
    {
      /* A user who may not touch the node's ledger (rootless) owns nothing
         in it either: nothing to reclaim for them.  */
      if ((*err)->status == EACCES || (*err)->status == EPERM || (*err)->status == EROFS)
        {
          carve_error_release (err);
          return 0;
        }
      return -1;
    }
  reclaim_locked (l, ret_warnings);
  return 0;
}

/* --- node map ----------------------------------------------------------- */

struct map_s
{
  carve_cpumask_t online, serviceos, owned, shared, free_cpus, host;
  uint64_t memory_total, memory_free_units;
};

static const char *
partition_state (const struct carve_ledger_partition_s *p)
{
  cleanup_free char *dir = xasprintf ("%s%s%s", p->root, p->root[strlen (p->root) - 1] == '/' ? "" : "/", p->id);
  cleanup_free char *config = carve_path_join (dir, "config.json");
  return carve_path_exists (config) ? "created" : "creating";
}

/* "2M", "1G" when exact, else one decimal ("4.2G").  */
static char *
human_size (uint64_t b)
{
  static const char units[] = "KMGT";
  int u = -1;
  uint64_t div = 1;

  if (b < 1024)
    return xasprintf ("%" PRIu64, b);
  while (u < 3 && b / div >= 1024)
    {
      div *= 1024;
      u++;
    }
  if (b % div == 0)
    return xasprintf ("%" PRIu64 "%c", b / div, units[u]);
  return xasprintf ("%.1f%c", (double)b / (double)div, units[u]);
}

static char *
map_json (carve_ledger_t l, carve_node_config_t node, const struct map_s *m)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  const unsigned char *buf = NULL;
  size_t len = 0, i, k;
  char *out;

  if (g == NULL)
    carve_oom ();
  yajl_gen_config (g, yajl_gen_beautify, 1);
  yajl_gen_map_open (g);
  carve_spec_gen_key_cpumask (g, "online_cpus", &m->online);
  carve_spec_gen_str (g, "serviceos");
  yajl_gen_map_open (g);
  carve_spec_gen_key_cpumask (g, "cpus", &m->serviceos);
  carve_spec_gen_key_uint (g, "memory", node->serviceos_memory);
  yajl_gen_map_close (g);
  carve_spec_gen_key_cpumask (g, "host_cpus", &m->host);
  carve_spec_gen_key_cpumask (g, "free_cpus", &m->free_cpus);
  carve_spec_gen_str (g, "memory");
  yajl_gen_map_open (g);
  carve_spec_gen_key_uint (g, "total", m->memory_total);
  carve_spec_gen_key_uint (g, "unit", node->memory_unit);
  carve_spec_gen_key_uint (g, "free_units", m->memory_free_units);
  yajl_gen_map_close (g);
  carve_spec_gen_str (g, "containers");
  yajl_gen_array_open (g);
  for (i = 0; i < l->n_partitions; i++)
    {
      const struct carve_ledger_partition_s *p = l->partitions[i];
      struct carve_noise_summary_s ns;

      carve_noise_summary (l, p->key, &ns);
      yajl_gen_map_open (g);
      carve_ledger_gen_partition (g, p, false);
      carve_spec_gen_key_str_or_null (g, "state", partition_state (p));
      carve_spec_gen_str (g, "evicted");
      yajl_gen_map_open (g);
      carve_spec_gen_key_uint (g, "kthreads", ns.kthreads);
      carve_spec_gen_key_uint (g, "workqueues", ns.workqueues);
      carve_spec_gen_str (g, "irqs");
      yajl_gen_array_open (g);
      for (k = 0; ns.irqs[k]; k++)
        carve_spec_gen_str (g, ns.irqs[k]);
      yajl_gen_array_close (g);
      carve_spec_gen_key_bool (g, "timer_migration", ns.timer_migration);
      yajl_gen_map_close (g);
      yajl_gen_map_close (g);
      carve_noise_summary_release (&ns);
    }
  yajl_gen_array_close (g);
  yajl_gen_map_close (g);
  yajl_gen_get_buf (g, &buf, &len);
  out = xasprintf ("%.*s\n", (int)len, (const char *)buf);
  yajl_gen_free (g);
  return out;
}

static char *
map_text (carve_ledger_t l, carve_node_config_t node, const struct map_s *m)
{
  cleanup_free char *online = carve_cpumask_format_list (&m->online);
  cleanup_free char *sos = carve_cpumask_format_list (&m->serviceos);
  cleanup_free char *host = carve_cpumask_format_list (&m->host);
  cleanup_free char *fr = carve_cpumask_format_list (&m->free_cpus);
  cleanup_free char *sos_mem = human_size (node->serviceos_memory);
  cleanup_free char *unit = human_size (node->memory_unit);
  cleanup_free char *total = human_size (m->memory_total);
  char *out = NULL;
  size_t len = 0, i;
  FILE *f = open_memstream (&out, &len);

  if (f == NULL)
    carve_oom ();
  fprintf (f, "online CPUs:     %s\n", online);
  fprintf (f, "ServiceOS:       CPUs %s, memory %s\n", sos, sos_mem);
  fprintf (f, "host tasks run:  CPUs %s\n", host[0] ? host : "-");
  fprintf (f, "free:            CPUs %s, %" PRIu64 " memory units of %s (of %s)\n", fr[0] ? fr : "-",
           m->memory_free_units, unit, total);
  if (l->n_partitions == 0)
    {
      fprintf (f, "no compute containers\n");
      fclose (f);
      return out;
    }
  fprintf (f, "\n%-24s %-10s %-8s %-10s %-8s %-10s %s\n", "CONTAINER", "STATE", "CPUS", "EXCLUSIVE", "BALANCE",
           "MEMORY", "EVICTED");
  for (i = 0; i < l->n_partitions; i++)
    {
      const struct carve_ledger_partition_s *p = l->partitions[i];
      cleanup_free char *cpus = carve_cpumask_format_list (&p->cpus);
      cleanup_free char *mem = NULL;
      cleanup_free char *irqs = NULL;
      struct carve_noise_summary_s ns;

      carve_noise_summary (l, p->key, &ns);
      irqs = xstrdup ("");
      {
        size_t k;
        for (k = 0; ns.irqs[k]; k++)
          {
            char *next = xasprintf ("%s%s%s", irqs, k ? "," : "", ns.irqs[k]);
            free (irqs);
            irqs = next;
          }
      }
      if (p->memory)
        {
          cleanup_free char *sz = human_size (p->memory);
          mem = xasprintf ("%s (%" PRIu64 "u)", sz, p->memory_units);
        }
      else
        mem = xstrdup ("-");
      fprintf (f, "%-24s %-10s %-8s %-10s %-8s %-10s ", p->id, partition_state (p), cpus[0] ? cpus : "-",
               p->exclusive ? "yes" : "no", p->exclusive ? (p->load_balance ? "yes" : "no") : "-", mem);
      if (!p->evict)
        fprintf (f, "-\n");
      else
        fprintf (f, "%zu kthreads, %zu workqueues, irqs %s%s\n", ns.kthreads, ns.workqueues, irqs[0] ? irqs : "-",
                 ns.timer_migration ? ", timer migration" : "");
      fprintf (f, "%-24s root %s\n", "", p->root);
      carve_noise_summary_release (&ns);
    }
  fclose (f);
  return out;
}

int
carve_compute_node_map (carve_node_config_t node, bool json, char **ret, carve_error_t *err)
{
  cleanup_ledger carve_ledger_t l = NULL;
  cleanup_topology carve_topology_t topo = NULL;
  struct map_s m;
  size_t i;

  memset (&m, 0, sizeof (m));
  if (read_topology_env (&topo, err) < 0)
    return -1;
  if (carve_ledger_open (node->ledger, &l, err) < 0)
    return -1;
  if (serviceos_cpus (node, topo, &m.serviceos, err) < 0)
    return -1;
  m.online = topo->online;
  for (i = 0; i < l->n_partitions; i++)
    carve_cpumask_or (l->partitions[i]->exclusive ? &m.owned : &m.shared,
                      l->partitions[i]->exclusive ? &m.owned : &m.shared, &l->partitions[i]->cpus);
  carve_cpumask_andnot (&m.host, &m.online, &m.owned);
  carve_cpumask_andnot (&m.free_cpus, &m.host, &m.serviceos);
  carve_cpumask_andnot (&m.free_cpus, &m.free_cpus, &m.shared);
  if (carve_memory_totals (l, node, &m.memory_total, &m.memory_free_units, err) < 0)
    return -1;
  *ret = json ? map_json (l, node, &m) : map_text (l, node, &m);
  return 0;
}
