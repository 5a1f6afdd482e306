/* `carve node` (compute.h): the node's partition map, read from the node
   ledger and sysfs, as text or JSON.  Changes nothing.  */
#include <config.h>

#include "runtime/compute/compute.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"
#include "runtime/compute/ledger.h"
#include "runtime/compute/memory.h"
#include "runtime/compute/noise.h"
#include "runtime/compute/topology.h"
#include "spec/emit.h"

#define SYS_ROOT "/sys"

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
      /* The IRQs that refused to leave these CPUs: noise they still take.  */
      carve_spec_gen_str (g, "irqs_unmoved");
      yajl_gen_array_open (g);
      for (k = 0; ns.irqs_unmoved[k]; k++)
        carve_spec_gen_str (g, ns.irqs_unmoved[k]);
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
      cleanup_free char *unmoved = NULL;
      struct carve_noise_summary_s ns;

      carve_noise_summary (l, p->key, &ns);
      irqs = carve_strv_join (ns.irqs, ",");
      unmoved = carve_strv_join (ns.irqs_unmoved, ",");
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
      if (p->evict && unmoved[0])
        fprintf (f, "%-24s irqs that refused to move: %s\n", "", unmoved);
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
  if (carve_topology_read (SYS_ROOT, &topo, err) < 0)
    return -1;
  if (carve_ledger_open (node->ledger, &l, err) < 0)
    return -1;
  if (carve_topology_serviceos (topo, node, &m.serviceos, err) < 0)
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
