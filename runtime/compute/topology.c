/* CPU topology from sysfs (topology.h).  */
#include <config.h>

#include "runtime/compute/topology.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"

void
carve_topology_free (carve_topology_t t)
{
  if (t == NULL)
    return;
  free (t->cores);
  free (t->nodes);
  free (t->node_ids);
  free (t);
}

/* The first existing list file of NAMES in DIR into RET; false when none.  */
static bool
read_first_list (const char *dir, const char *const *names, carve_cpumask_t *ret)
{
  for (; *names; names++)
    {
      cleanup_free char *p = carve_path_join (dir, *names);
      carve_error_t e = NULL;
      if (carve_cpumask_read_list_file (p, ret, &e) == 0)
        return true;
      carve_error_release (&e);
    }
  return false;
}

static void
add_core (carve_topology_t t, const carve_cpumask_t *core)
{
  size_t i;
  for (i = 0; i < t->n_cores; i++)
    if (carve_cpumask_equal (&t->cores[i], core))
      return;
  t->cores = xrealloc (t->cores, sizeof (*t->cores) * (t->n_cores + 1));
  t->cores[t->n_cores++] = *core;
}

static int
cmp_int (const void *a, const void *b)
{
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

int
carve_topology_read (const char *sys_root, carve_topology_t *ret, carve_error_t *err)
{
  cleanup_topology carve_topology_t t = xzalloc (sizeof (*t));
  cleanup_free char *cpu_dir = xasprintf ("%s/devices/system/cpu", sys_root);
  cleanup_free char *node_dir = xasprintf ("%s/devices/system/node", sys_root);
  cleanup_free char *online = carve_path_join (cpu_dir, "online");
  cleanup_free char *possible = carve_path_join (cpu_dir, "possible");
  cleanup_free int *ids = NULL;
  cleanup_dir DIR *d = NULL;
  carve_cpumask_t poss, covered;
  size_t n_ids = 0, i;
  struct dirent *de;
  carve_error_t e = NULL;
  int c, last = -1;

  if (carve_cpumask_read_list_file (online, &t->online, err) < 0)
    return carve_error_wrap (err, "CPU topology");
  if (carve_cpumask_read_list_file (possible, &poss, &e) < 0)
    {
      carve_error_release (&e);
      poss = t->online;
    }
  for (c = carve_cpumask_next (&poss, 0); c >= 0; c = carve_cpumask_next (&poss, (unsigned)c + 1))
    last = c;
  for (c = carve_cpumask_next (&t->online, 0); c >= 0; c = carve_cpumask_next (&t->online, (unsigned)c + 1))
    if (c > last)
      last = c;
  t->nr_cpus = (unsigned)(last + 1);

  for (c = carve_cpumask_next (&t->online, 0); c >= 0; c = carve_cpumask_next (&t->online, (unsigned)c + 1))
    {
      static const char *const names[] = { "core_cpus_list", "thread_siblings_list", NULL };
      cleanup_free char *topo = xasprintf ("%s/cpu%d/topology", cpu_dir, c);
      carve_cpumask_t core;

      if (!read_first_list (topo, names, &core))
        carve_cpumask_zero (&core);
      carve_cpumask_and (&core, &core, &t->online);
      carve_cpumask_set (&core, (unsigned)c);
      add_core (t, &core);
    }

  d = opendir (node_dir);
  while (d && (de = readdir (d)))
    {
      long id;
      if (strncmp (de->d_name, "node", 4) != 0 || carve_parse_long (de->d_name + 4, &id) < 0 || id < 0 || id > 1 << 20)
        continue;
      ids = xrealloc (ids, sizeof (int) * (n_ids + 1));
      ids[n_ids++] = (int)id;
    }
  if (n_ids > 1)
    qsort (ids, n_ids, sizeof (int), cmp_int);
  carve_cpumask_zero (&covered);
  for (i = 0; i < n_ids; i++)
    {
      cleanup_free char *p = xasprintf ("%s/node%d/cpulist", node_dir, ids[i]);
      carve_cpumask_t m;
      if (carve_cpumask_read_list_file (p, &m, &e) < 0)
        {
          carve_error_release (&e);
          continue;
        }
      carve_cpumask_and (&m, &m, &t->online);
      if (carve_cpumask_empty (&m))
        continue;
      t->nodes = xrealloc (t->nodes, sizeof (*t->nodes) * (t->n_nodes + 1));
      t->node_ids = xrealloc (t->node_ids, sizeof (int) * (t->n_nodes + 1));
      t->nodes[t->n_nodes] = m;
      t->node_ids[t->n_nodes] = ids[i];
      t->n_nodes++;
      carve_cpumask_or (&covered, &covered, &m);
    }
  /* No NUMA information (or CPUs it does not place): one more node.  */
  {
    carve_cpumask_t rest;
    carve_cpumask_andnot (&rest, &t->online, &covered);
    if (!carve_cpumask_empty (&rest))
      {
        t->nodes = xrealloc (t->nodes, sizeof (*t->nodes) * (t->n_nodes + 1));
        t->node_ids = xrealloc (t->node_ids, sizeof (int) * (t->n_nodes + 1));
        t->nodes[t->n_nodes] = rest;
        t->node_ids[t->n_nodes] = t->n_nodes == 0 ? 0 : -1;
        t->n_nodes++;
      }
  }
  *ret = steal_pointer (&t);
  return 0;
}

/* Takes up to *N CPUs of AVAIL within SCOPE into RET, in the order of the
   preference; decrements *N.  */
static void
take (carve_topology_t t, const carve_cpumask_t *avail, const carve_cpumask_t *scope, size_t *n, carve_cpumask_t *ret)
{
  carve_cpumask_t left;
  size_t i;
  int c;

  carve_cpumask_and (&left, avail, scope);
  carve_cpumask_andnot (&left, &left, ret);
  /* Whole cores that fit entirely.  */
  for (i = 0; i<t->n_cores && * n> 0; i++)
    {
      const carve_cpumask_t *core = &t->cores[i];
      size_t size = carve_cpumask_count (core);
      if (carve_cpumask_subset (core, &left) && size <= *n)
        {
          carve_cpumask_or (ret, ret, core);
          carve_cpumask_andnot (&left, &left, core);
          *n -= size;
        }
    }
  /* CPUs of cores someone already uses part of: no whole core is broken
     while these last.  */
  for (i = 0; i<t->n_cores && * n> 0; i++)
    {
      const carve_cpumask_t *core = &t->cores[i];
      if (carve_cpumask_subset (core, &left))
        continue;
      for (c = carve_cpumask_next (core, 0); c >= 0 && *n > 0; c = carve_cpumask_next (core, (unsigned)c + 1))
        if (carve_cpumask_test (&left, (unsigned)c))
          {
            carve_cpumask_set (ret, (unsigned)c);
            carve_cpumask_clear (&left, (unsigned)c);
            (*n)--;
          }
    }
  /* Whatever is left, in CPU order.  */
  for (c = carve_cpumask_next (&left, 0); c >= 0 && *n > 0; c = carve_cpumask_next (&left, (unsigned)c + 1))
    {
      carve_cpumask_set (ret, (unsigned)c);
      (*n)--;
    }
}

bool
carve_topology_pick (carve_topology_t t, const carve_cpumask_t *avail, size_t n, carve_cpumask_t *ret)
{
  carve_cpumask_t usable, all;
  size_t i, want = n;

  carve_cpumask_and (&usable, avail, &t->online);
  if (n == 0 || carve_cpumask_count (&usable) < n)
    return false;
  carve_cpumask_zero (ret);
  for (i = 0; i < t->n_nodes; i++)
    {
      carve_cpumask_t here;
      carve_cpumask_and (&here, &usable, &t->nodes[i]);
      if (carve_cpumask_count (&here) >= n)
        {
          take (t, &usable, &t->nodes[i], &want, ret);
          return want == 0;
        }
    }
  for (i = 0; i < t->n_nodes && want > 0; i++)
    take (t, &usable, &t->nodes[i], &want, ret);
  carve_cpumask_zero (&all);
  for (i = 0; i < CARVE_CPUMASK_MAX / 64; i++)
    all.w[i] = ~UINT64_C (0);
  if (want > 0)
    take (t, &usable, &all, &want, ret);
  return want == 0;
}

int
carve_topology_serviceos (carve_topology_t t, carve_node_config_t node, carve_cpumask_t *ret, carve_error_t *err)
{
  carve_cpumask_zero (ret);
  if (node->serviceos_cpus)
    {
      if (carve_cpumask_parse_list (node->serviceos_cpus, ret, err) < 0)
        return carve_error_wrap (err, "node config: serviceos_cpus");
      return 0;
    }
  /* Documented default: the first online CPU.  */
  if (carve_cpumask_next (&t->online, 0) >= 0)
    carve_cpumask_set (ret, (unsigned) carve_cpumask_next (&t->online, 0));
  return 0;
}
