/* The compute plan's own storage (compute.h): freeing it, and the part of
   it the container's state keeps for the commands after create (exec takes
   the scheduler and the system call lists from it, update the CPUs).  */
#include <config.h>

#include "runtime/compute/compute.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/base/xalloc.h"
#include "runtime/compute/plan-internal.h"
#include "spec/emit.h"
#include "spec/json.h"

void
carve_compute_plan_free (carve_compute_plan_t plan)
{
  if (plan == NULL)
    return;
  free (plan->ledger);
  free (plan->root);
  free (plan->id);
  free (plan->cpuset_path);
  carve_spec_resources_free (plan->resources);
  carve_spec_mount_free (plan->mount);
  carve_spec_scheduler_free (plan->scheduler);
  carve_strv_free (plan->syscalls_forward);
  carve_strv_free (plan->syscalls_deny);
  free (plan->serviceos_socket);
  free (plan->cpus_source);
  free (plan->sched_source);
  free (plan->job);
  free (plan->job_dir);
  if (plan->ask)
    {
      carve_topology_free (plan->ask->topo);
      free (plan->ask);
    }
  free (plan);
}

static void
gen_strv (yajl_gen g, const char *key, char *const *v)
{
  carve_spec_gen_str (g, key);
  if (v == NULL)
    {
      yajl_gen_null (g);
      return;
    }
  yajl_gen_array_open (g);
  for (; *v; v++)
    carve_spec_gen_str (g, *v);
  yajl_gen_array_close (g);
}

void
carve_compute_plan_gen (yajl_gen g, const struct carve_compute_plan_s *plan)
{
  carve_spec_gen_key_bool (g, "partition", plan->partition);
  if (plan->has_cpus)
    {
      carve_spec_gen_key_cpumask (g, "cpus", &plan->cpus);
      carve_spec_gen_key_bool (g, "exclusive", plan->exclusive);
      carve_spec_gen_key_bool (g, "load_balance", plan->load_balance);
      carve_spec_gen_key_str (g, "kthreads", plan->evict ? "evict" : "keep");
    }
  carve_spec_gen_key_uint (g, "memory", plan->memory);
  carve_spec_gen_key_uint (g, "hugepage_size", plan->hugepage_size);
  carve_spec_gen_str (g, "scheduler");
  if (plan->scheduler == NULL)
    yajl_gen_null (g);
  else
    {
      yajl_gen_map_open (g);
      carve_spec_gen_key_str (g, "policy", plan->scheduler->policy);
      if (plan->scheduler->has_priority)
        carve_spec_gen_key_int (g, "priority", plan->scheduler->priority);
      yajl_gen_map_close (g);
    }
  carve_spec_gen_key_str_or_null (g, "job", plan->job);
  carve_spec_gen_key_str_or_null (g, "job_shm", plan->job_dir);
  gen_strv (g, "syscalls_forward", plan->syscalls_forward);
  gen_strv (g, "syscalls_deny", plan->syscalls_deny);
  if (plan->serviceos_socket)
    carve_spec_gen_key_str (g, "serviceos_socket", plan->serviceos_socket);
}

static yajl_val
member (yajl_val o, const char *name)
{
  const char *path[] = { name, NULL };
  return yajl_tree_get (o, path, yajl_t_any);
}

static int
load_strv (yajl_val o, const char *name, char ***ret)
{
  yajl_val v = member (o, name);
  size_t i;

  *ret = NULL;
  if (v == NULL || YAJL_IS_NULL (v))
    return 0;
  if (!YAJL_IS_ARRAY (v))
    return -1;
  *ret = xzalloc (sizeof (char *));
  for (i = 0; i < v->u.array.len; i++)
    {
      if (!YAJL_IS_STRING (v->u.array.values[i]))
        return -1;
      carve_strv_append (ret, YAJL_GET_STRING (v->u.array.values[i]));
    }
  return 0;
}

static int
load_scheduler (yajl_val o, struct carve_spec_scheduler_s **ret)
{
  yajl_val v = member (o, "scheduler"), policy, priority;

  *ret = NULL;
  if (v == NULL || YAJL_IS_NULL (v))
    return 0;
  policy = member (v, "policy");
  priority = member (v, "priority");
  if (!YAJL_IS_OBJECT (v) || policy == NULL || !YAJL_IS_STRING (policy))
    return -1;
  *ret = xzalloc (sizeof (**ret));
  (*ret)->policy = xstrdup (YAJL_GET_STRING (policy));
  if (priority && YAJL_IS_INTEGER (priority))
    {
      (*ret)->has_priority = true;
      (*ret)->priority = (int32_t)YAJL_GET_INTEGER (priority);
    }
  return 0;
}

int
carve_compute_plan_load (yajl_val v, carve_compute_plan_t *ret, carve_error_t *err)
{
  cleanup_compute_plan carve_compute_plan_t plan = xzalloc (sizeof (*plan));
  yajl_val f;

  if (!YAJL_IS_OBJECT (v))
    return carve_make_error (err, EINVAL, "compute: not an object");
  f = member (v, "partition");
  plan->partition = f && YAJL_IS_TRUE (f);
  f = member (v, "cpus");
  if (f && YAJL_GET_STRING (f))
    {
      if (carve_cpumask_parse_list (YAJL_GET_STRING (f), &plan->cpus, err) < 0)
        return carve_error_wrap (err, "compute.cpus");
      plan->has_cpus = true;
      f = member (v, "exclusive");
      plan->exclusive = f && YAJL_IS_TRUE (f);
      f = member (v, "load_balance");
      plan->load_balance = f && YAJL_IS_TRUE (f);
      f = member (v, "kthreads");
      {
        const char *kt = f ? YAJL_GET_STRING (f) : NULL;
        plan->evict = kt != NULL && strcmp (kt, "evict") == 0;
      }
    }
  f = member (v, "memory");
  plan->memory = f && YAJL_IS_INTEGER (f) ? (uint64_t)YAJL_GET_INTEGER (f) : 0;
  f = member (v, "hugepage_size");
  plan->hugepage_size = f && YAJL_IS_INTEGER (f) ? (uint64_t)YAJL_GET_INTEGER (f) : 0;
  f = member (v, "job");
  plan->job = f && YAJL_IS_STRING (f) ? xstrdup (YAJL_GET_STRING (f)) : NULL;
  f = member (v, "job_shm");
  plan->job_dir = f && YAJL_IS_STRING (f) ? xstrdup (YAJL_GET_STRING (f)) : NULL;
  if (load_scheduler (v, &plan->scheduler) < 0)
    return carve_make_error (err, EINVAL, "compute.scheduler: not a policy and a priority");
  if (load_strv (v, "syscalls_forward", &plan->syscalls_forward) < 0
      || load_strv (v, "syscalls_deny", &plan->syscalls_deny) < 0)
    return carve_make_error (err, EINVAL, "compute.syscalls_*: not a list of names");
  f = member (v, "serviceos_socket");
  if (f && !YAJL_IS_STRING (f))
    return carve_make_error (err, EINVAL, "compute.serviceos_socket: not a path");
  plan->serviceos_socket = f ? xstrdup (YAJL_GET_STRING (f)) : NULL;
  if (plan->syscalls_forward && plan->serviceos_socket == NULL)
    return carve_make_error (err, EINVAL, "compute.serviceos_socket: missing for compute.syscalls_forward");
  *ret = steal_pointer (&plan);
  return 0;
}
