/* The Compute Container orchestrator (compute.h): checks a container's
   request against the node and makes the plan, claims the partition in
   the node ledger and prepares the node, applies what lives along the
   container's cgroup path once it exists, and gives everything back at
   delete or when its container is found gone.  */
#include <config.h>

#include "runtime/compute/compute.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/base/fsutil.h"
#include "runtime/base/pgroup.h"
#include "runtime/base/fault.h"
#include "runtime/base/xalloc.h"
#include "runtime/compute/cpus.h"
#include "runtime/compute/job.h"
#include "runtime/compute/ledger.h"
#include "runtime/compute/memory.h"
#include "runtime/compute/noise.h"
#include "runtime/compute/plan-internal.h"
#include "runtime/compute/sched.h"
#include "runtime/compute/topology.h"
#include "runtime/linux/seccomp.h"
#include "spec/resources.h"

#define PROC_ROOT "/proc"
#define SYS_ROOT "/sys"

/* --- plan ----------------------------------------------------------------- */

static char *
serviceos_source (carve_node_config_t node)
{
  if (node->serviceos_cpus)
    return xasprintf ("serviceos_cpus `%s` of the node config", node->serviceos_cpus);
  return xstrdup ("the node config's default serviceos_cpus, the first online CPU");
}

/* A CPU list request: every CPU online, none of the ServiceOS.  */
static int
check_list (const carve_compute_plan_t plan, carve_error_t *err)
{
  const struct carve_compute_plan_ask_s *a = plan->ask;
  int cpu;

  for (cpu = carve_cpumask_next (&a->list, 0); cpu >= 0; cpu = carve_cpumask_next (&a->list, (unsigned)cpu + 1))
    {
      if (!carve_cpumask_test (&a->topo->online, (unsigned)cpu))
        {
          cleanup_free char *online = carve_cpumask_format_list (&a->topo->online);
          return carve_make_error (err, 0, "%s: CPU %d is not online (online: %s)", plan->cpus_source, cpu, online);
        }
      if (carve_cpumask_test (&a->serviceos, (unsigned)cpu))
        {
          cleanup_free char *src = serviceos_source (a->node);
          return carve_make_error (err, 0, "%s: CPU %d belongs to the ServiceOS (%s)", plan->cpus_source, cpu, src);
        }
    }
  return 0;
}

static int
plan_cpus (carve_compute_plan_t plan, const struct carve_compute_request_s *req, carve_error_t *err)
{
  struct carve_compute_plan_ask_s *a = plan->ask;

  plan->has_cpus = true;
  plan->exclusive = req->exclusive;
  plan->load_balance = req->load_balance;
  plan->evict = req->evict;
  plan->cpus_source = xasprintf ("%s: `%s`", req->cpus_jpath, req->cpus_value);
  a->cpus_kind = req->cpus_kind;
  a->list = req->cpus;
  a->count = req->cpus_count;
  if (carve_topology_read (SYS_ROOT, &a->topo, err) < 0
      || carve_topology_serviceos (a->topo, a->node, &a->serviceos, err) < 0)
    return -1;
  if (a->cpus_kind == CARVE_CPUS_LIST)
    return check_list (plan, err);
  if (a->count > carve_cpumask_count (&a->topo->online))
    {
      cleanup_free char *online = carve_cpumask_format_list (&a->topo->online);
      return carve_make_error (err, 0, "%s CPUs asked, the node has %zu online (%s)", plan->cpus_source,
                               carve_cpumask_count (&a->topo->online), online);
    }
  return 0;
}

/* carve.sched, and whether its real-time policy (or the spec's) needs RT
   runtime granted along the cgroup's path.  */
static void
plan_sched (carve_compute_plan_t plan, const struct carve_compute_request_s *req, const carve_spec_t spec)
{
  const struct carve_spec_scheduler_s *own = spec->process ? spec->process->scheduler : NULL;
  const struct carve_spec_linux_resources_s *res = spec->linux_ ? spec->linux_->resources : NULL;
  const char *policy;
  const char *value = req->values[CARVE_ANNOTATION_SCHED];

  plan->scheduler = carve_sched_plan (req, spec);
  policy = plan->scheduler ? plan->scheduler->policy : own ? own->policy : NULL;
  if (value)
    plan->sched_source = xasprintf ("%s: `%s` (process.scheduler %s)", carve_annotation_jpath (CARVE_ANNOTATION_SCHED),
                                    value, policy ? policy : "none");
  else
    plan->sched_source = xasprintf ("process.scheduler %s", policy ? policy : "none");
  /* Only a compute container's: runc grants none, and a plain container
     with a real-time policy fails as it would under runc.  */
  plan->rt_grant = carve_compute_request_active (req) && carve_sched_needs_rt_grant (policy);
  plan->rt_runtime = -1;
  if (res && res->cpu && res->cpu->has_realtime_runtime && res->cpu->realtime_runtime >= 0)
    plan->rt_runtime = res->cpu->realtime_runtime;
}

static int
plan_syscalls (carve_compute_plan_t plan, const struct carve_compute_request_s *req, carve_node_config_t node,
               carve_error_t *err)
{
  const char *deny = req->values[CARVE_ANNOTATION_SYSCALLS_DENY];
  const char *forward = req->values[CARVE_ANNOTATION_SYSCALLS_FORWARD];

  if (deny && carve_seccomp_parse_syscall_list (deny, &plan->syscalls_deny, err) < 0)
    return carve_error_wrap (err, "%s", carve_annotation_jpath (CARVE_ANNOTATION_SYSCALLS_DENY));
  if (forward == NULL)
    return 0;
  if (carve_seccomp_parse_syscall_list (forward, &plan->syscalls_forward, err) < 0)
    return carve_error_wrap (err, "%s", carve_annotation_jpath (CARVE_ANNOTATION_SYSCALLS_FORWARD));
  /* The socket is fixed here and kept in the state: an exec'd process
     reaches the daemon its container's init reached, whatever the node
     config says by then.  */
  plan->serviceos_socket = xstrdup (node->serviceos_socket);
  return 0;
}

/* Everything about REQ that can be checked without the ledger.  */
static int
check_request (const struct carve_compute_request_s *req, const carve_spec_t spec, carve_node_config_t node,
               bool mount_ns, carve_compute_plan_t *ret, carve_error_t *err)
{
  cleanup_compute_plan carve_compute_plan_t plan = xzalloc (sizeof (*plan));
  struct carve_compute_plan_ask_s *a;

  a = plan->ask = xzalloc (sizeof (*plan->ask));
  a->node = node;
  plan->ledger = xstrdup (node->ledger);
  plan->partition = carve_compute_request_active (req) || req->values[CARVE_ANNOTATION_JOB] != NULL;
  if (req->cpus_kind != CARVE_CPUS_NONE && plan_cpus (plan, req, err) < 0)
    return -1;
  if (carve_memory_check (req, node, &a->memory, err) < 0)
    return -1;
  /* Checked here, before any pool grows.  */
  if (a->memory.hugepage_size && !mount_ns)
    return carve_make_error (err, 0,
                             "%s: `%s`: the huge pages are mounted at /dev/hugepages "
                             "in the container's own mount namespace, and this container has none (root.path is the "
                             "host's `/` and no mount namespace is created)",
                             carve_annotation_jpath (CARVE_ANNOTATION_MEMORY_HUGEPAGES),
                             req->values[CARVE_ANNOTATION_MEMORY_HUGEPAGES]);
  if (req->values[CARVE_ANNOTATION_JOB])
    {
      /* Without a mount namespace the container's /dev/shm is the host's
         itself, the very one the job asked not to share: refused, never
         quietly shared.  */
      if (!mount_ns)
        return carve_make_error (err, 0,
                                 "%s: `%s`: the job's /dev/shm is mounted in the container's own mount namespace, "
                                 "and this container has none (root.path is the host's `/`)",
                                 carve_annotation_jpath (CARVE_ANNOTATION_JOB), req->values[CARVE_ANNOTATION_JOB]);
      plan->job = xstrdup (req->values[CARVE_ANNOTATION_JOB]);
    }
  plan_sched (plan, req, spec);
  if (plan_syscalls (plan, req, node, err) < 0)
    return -1;
  *ret = steal_pointer (&plan);
  return 0;
}

/* --- shared by claim, release and reclaim ------------------------------------ */

/* carve_ledger_open, and the word that the ledger was recovered from its
   previous copy.  */
static int
open_ledger (const char *path, carve_ledger_t *ret, char ***warnings, carve_error_t *err)
{
  if (carve_ledger_open (path, ret, err) < 0)
    return -1;
  if ((*ret)->recovered && warnings)
    carve_strv_append (warnings, (*ret)->recovered);
  return 0;
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
  if (reclaim)
    {
      /* A hook of the killed create may still run, reparented to PID 1.  */
      cleanup_free char *dir = xasprintf ("%s%s%s", p->root, p->root[strlen (p->root) - 1] == '/' ? "" : "/", p->id);
      cleanup_free char *record = carve_path_join (dir, CARVE_PGROUP_HOOK_FILE);
      carve_pgroup_kill_recorded (record);
    }
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
  carve_fault_point ("compute:dropping");
  carve_ledger_remove (l, p);
  if (carve_ledger_commit (l, &e) < 0)
    append_error (warnings, &e);
  carve_fault_point ("compute:dropped");
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

  if (carve_topology_read (SYS_ROOT, &topo, &e) < 0)
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

/* --- claim ----------------------------------------------------------------- */

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
choose_cpus (const carve_compute_plan_t plan, carve_ledger_t l, carve_cpumask_t *ret, carve_error_t *err)
{
  carve_cpumask_t owned, shared, taken, avail;
  const struct carve_compute_plan_ask_s *a = plan->ask;
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
  if (plan->exclusive)
    carve_cpumask_or (&taken, &taken, &shared);

  if (a->cpus_kind == CARVE_CPUS_LIST)
    {
      for (cpu = carve_cpumask_next (&a->list, 0); cpu >= 0; cpu = carve_cpumask_next (&a->list, (unsigned)cpu + 1))
        for (i = 0; i < l->n_partitions; i++)
          {
            const struct carve_ledger_partition_s *p = l->partitions[i];
            if (!carve_cpumask_test (&p->cpus, (unsigned)cpu) || !carve_cpumask_test (&taken, (unsigned)cpu))
              continue;
            return carve_make_error (err, 0, "%s: CPU %d is %s by container `%s` (root `%s`)", plan->cpus_source, cpu,
                                     p->exclusive ? "owned" : "used", p->id, p->root);
          }
      *ret = a->list;
      goto check_rest;
    }

  carve_cpumask_andnot (&avail, &a->topo->online, &a->serviceos);
  carve_cpumask_andnot (&avail, &avail, &taken);
  if (!carve_topology_pick (a->topo, &avail, a->count, ret))
    {
      cleanup_free char *online = carve_cpumask_format_list (&a->topo->online);
      cleanup_free char *sos = carve_cpumask_format_list (&a->serviceos);
      cleanup_free char *owners = describe_owners (l, &taken);
      return carve_make_error (err, 0, "%s CPUs asked, %zu free (online %s, ServiceOS %s%s%s)", plan->cpus_source,
                               carve_cpumask_count (&avail), online, sos, owners[0] ? ", taken: " : "", owners);
    }

check_rest:
  /* The host needs somewhere to run: an exclusive request never takes the
     last CPU (a node config with no serviceos_cpus allows the others).  */
  if (plan->exclusive)
    {
      carve_cpumask_t rest;
      carve_cpumask_andnot (&rest, &a->topo->online, &owned);
      carve_cpumask_andnot (&rest, &rest, ret);
      if (carve_cpumask_empty (&rest))
        return carve_make_error (err, 0, "%s: no online CPU would be left to the ServiceOS", plan->cpus_source);
    }
  return 0;
}

/* The fields of linux.resources the partition decides: its CPUs and what
   its memory makes of the spec's.  */
static int
plan_resources (carve_compute_plan_t plan, const struct carve_ledger_partition_s *p, const carve_spec_t spec,
                carve_error_t *err)
{
  struct carve_spec_linux_resources_s *res = NULL;

  if (carve_memory_plan (p, spec, &res, &plan->mount, err) < 0)
    return -1;
  if (plan->has_cpus)
    {
      if (res == NULL)
        res = xzalloc (sizeof (*res));
      if (res->cpu == NULL)
        res->cpu = xzalloc (sizeof (*res->cpu));
      res->cpu->cpus = carve_cpumask_format_list (&plan->cpus);
    }
  plan->resources = res;
  plan->memory = p->memory;
  plan->memory_nodes = p->memory_nodes;
  plan->hugepage_size = p->hugepage_size;
  plan->memory_min = carve_memory_min_of (p);
  return 0;
}

/* The node around an exclusive partition: on v1 the cpuset partition the
   container's cpuset goes into (on v2 the partition is made along the
   cgroup's path once it exists), kernel-noise eviction.  */
static int
prepare_node (carve_compute_plan_t plan, carve_ledger_t l, struct carve_ledger_partition_s *p, char ***warnings,
              carve_error_t *err)
{
  const struct carve_compute_plan_ask_s *a = plan->ask;

  if (p->exclusive && !carve_cpumask_empty (&p->cpus))
    {
      cleanup_cgroup_layout carve_cgroup_layout_t layout = NULL;
      struct carve_cpuset_env_s env;

      if (carve_cgroup_layout_detect_host (&layout, err) < 0)
        return -1;
      if (!cpuset_env (layout, a->topo, &env))
        return carve_make_error (err, 0, "%s: exclusive CPUs need the cpuset controller, which this node lacks",
                                 plan->cpus_source);
      if (!env.v2 && carve_cpuset_v1_prepare (&env, l, p, &plan->cpuset_path, warnings, err) < 0)
        return carve_error_wrap (err, "%s", plan->cpus_source);
    }
  carve_fault_point ("compute:cpuset");
  if (p->evict && !carve_cpumask_empty (&p->cpus))
    {
      struct carve_noise_env_s nenv
          = { .proc = PROC_ROOT, .sys = SYS_ROOT, .online = a->topo->online, .nr_cpus = a->topo->nr_cpus };
      if (carve_noise_evict (&nenv, l, p, warnings, err) < 0)
        return -1;
    }
  return carve_ledger_commit (l, err);
}

static int
claim (carve_compute_plan_t plan, const carve_spec_t spec, const char *root, const char *id, char ***ret_warnings,
       carve_error_t *err)
{
  cleanup_ledger carve_ledger_t l = NULL;
  cleanup_strv char **ignored = NULL;
  struct carve_ledger_partition_s *p;
  carve_cpumask_t cpus;

  if (!plan->partition)
    return 0;
  free (plan->root);
  plan->root = canonical_root (root);
  free (plan->id);
  plan->id = xstrdup (id);

  if (open_ledger (plan->ledger, &l, ret_warnings, err) < 0)
    return -1;
  /* Under the lock, whatever a killed carve left is given back first, so
     its CPUs count as free.  */
  reclaim_locked (l, &ignored);
  if (carve_ledger_find (l, plan->root, id))
    return carve_make_error (err, 0, "container `%s` (root `%s`) already holds a partition", id, plan->root);

  carve_cpumask_zero (&cpus);
  if (plan->has_cpus && choose_cpus (plan, l, &cpus, err) < 0)
    return -1;
  plan->cpus = cpus;

  p = carve_ledger_add (l, plan->root, id);
  p->cpus = cpus;
  p->exclusive = plan->has_cpus && plan->exclusive;
  p->load_balance = plan->load_balance;
  p->evict = plan->has_cpus && plan->evict;
  /* On disk before anything else can change for it.  */
  if (carve_ledger_commit (l, err) < 0)
    {
      carve_ledger_remove (l, p);
      return -1;
    }
  carve_fault_point ("compute:recorded");
  if (carve_memory_claim (l, plan->ask->node, &plan->ask->memory, p, err) < 0 || carve_ledger_commit (l, err) < 0
      || plan_resources (plan, p, spec, err) < 0 || prepare_node (plan, l, p, ret_warnings, err) < 0
      || (plan->job && carve_job_claim (l, p->key, plan->job, &plan->job_dir, err) < 0))
    {
      /* Nothing of it stays: the partition, its cpuset, every setting
         made for it.  */
      drop_partition (l, p, true, &ignored);
      settle (l, &ignored);
      return -1;
    }
  return 0;
}

int
carve_compute_plan (const struct carve_compute_request_s *req, const carve_spec_t spec, carve_node_config_t node,
                    bool mount_ns, const char *root, const char *id, carve_compute_plan_t *ret, char ***ret_warnings,
                    carve_error_t *err)
{
  cleanup_compute_plan carve_compute_plan_t plan = NULL;

  if (check_request (req, spec, node, mount_ns, &plan, err) < 0)
    return -1;
  if (root && claim (plan, spec, root, id, ret_warnings, err) < 0)
    return -1;
  *ret = steal_pointer (&plan);
  return 0;
}

/* --- apply ---------------------------------------------------------------- */

int
carve_compute_apply (carve_compute_plan_t plan, carve_cgroup_t cg, char ***ret_warnings, carve_error_t *err)
{
  cleanup_ledger carve_ledger_t l = NULL;
  struct carve_ledger_partition_s *p;

  (void)ret_warnings;
  if (!plan->partition)
    return 0;
  if (open_ledger (plan->ledger, &l, ret_warnings, err) < 0)
    return -1;
  p = carve_ledger_find (l, plan->root, plan->id);
  if (p == NULL)
    return carve_make_error (err, 0, "container `%s`: its partition is gone from ledger `%s`", plan->id, plan->ledger);
  /* Whoever comes next finds the cgroup to remove if this carve dies.  */
  free (p->cgroup_path);
  p->cgroup_path = xstrdup (carve_cgroup_path (cg));
  if (carve_ledger_commit (l, err) < 0)
    return -1;

  if (p->exclusive && !carve_cpumask_empty (&p->cpus) && plan->cpuset_path == NULL)
    {
      cleanup_cgroup_layout carve_cgroup_layout_t layout = NULL;
      struct carve_cpuset_env_s env;
      const char *dir = carve_cgroup_dir (cg, "cpuset");

      if (carve_cgroup_layout_detect_host (&layout, err) < 0)
        return -1;
      if (!cpuset_env (layout, plan->ask->topo, &env) || dir == NULL)
        return carve_make_error (err, 0, "%s: the container has no cpuset cgroup", plan->cpus_source);
      if (carve_cpuset_v2_apply (&env, l, p, dir, err) < 0)
        return carve_error_wrap (err, "%s", plan->cpus_source);
    }
  if (plan->rt_grant && carve_sched_grant_rt (l, p->key, plan->rt_runtime, plan->sched_source, cg, err) < 0)
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
  if (open_ledger (node->ledger, &l, ret_warnings, err) < 0)
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
  if (open_ledger (node->ledger, &l, ret_warnings, err) < 0)
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
  /* Written again from its previous copy, so the warning is given once.  */
  if (l->recovered && carve_ledger_commit (l, err) < 0)
    return -1;
  return 0;
}
