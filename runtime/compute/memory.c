/* Memory partitions.  The node's memory is counted per NUMA node from
   MemTotal, less the ServiceOS reserve, in whole units (memory_unit).  A
   partition is a number of units that may come from a set of nodes; the
   ledger holds every partition, and a new one is admitted only when all of
   them still fit the nodes' units at once (a flow from partitions to the
   nodes each may use), so no unit is ever promised twice.  A partition
   backed by huge pages is pinned: its pages were taken from given nodes'
   pools.  */
#include <config.h>

#include "runtime/compute/memory.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/kfile.h"
#include "runtime/base/xalloc.h"
#include "runtime/compute/memory-internal.h"
#include "runtime/compute/sched.h"

#define KEY_MEMORY carve_annotation_jpath (CARVE_ANNOTATION_MEMORY)
#define KEY_HUGEPAGES carve_annotation_jpath (CARVE_ANNOTATION_MEMORY_HUGEPAGES)
#define KEY_NODES carve_annotation_jpath (CARVE_ANNOTATION_MEMORY_NODES)

#define HUGEPAGES_MOUNT "/dev/hugepages"

#define KIB UINT64_C (1024)
#define MIB (KIB * 1024)
#define GIB (MIB * 1024)

/* --- sizes and paths -------------------------------------------------------- */

char *
carve_memory_format_size (uint64_t bytes)
{
  if (bytes == 0)
    return xstrdup ("0");
  if (bytes % GIB == 0)
    return xasprintf ("%" PRIu64 "G", bytes / GIB);
  if (bytes % MIB == 0 || bytes >= MIB)
    return xasprintf ("%" PRIu64 "M", bytes / MIB);
  if (bytes % KIB == 0)
    return xasprintf ("%" PRIu64 "K", bytes / KIB);
  return xasprintf ("%" PRIu64, bytes);
}

static uint64_t
gcd64 (uint64_t a, uint64_t b)
{
  while (b)
    {
      uint64_t t = a % b;
      a = b;
      b = t;
    }
  return a;
}

static char *sys_path (const char *sysroot, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static char *
sys_path (const char *sysroot, const char *fmt, ...)
{
  cleanup_free char *rel = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&rel, fmt, ap) < 0)
    carve_oom ();
  va_end (ap);
  return xasprintf ("%s%s", sysroot ? sysroot : "", rel);
}

static bool
is_dir (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISDIR (st.st_mode);
}

static int
read_u64_file (const char *path, uint64_t *ret, carve_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  unsigned long v;
  char *nl;

  if (carve_read_file (path, &buf, &len, err) < 0)
    return -1;
  nl = strchr (buf, '\n');
  if (nl)
    *nl = '\0';
  if (carve_parse_ulong (buf, &v) < 0)
    return carve_make_error (err, 0, "`%s`: `%s` is not a number", path, buf);
  *ret = v;
  return 0;
}

static int
write_u64_file (const char *path, uint64_t v, carve_error_t *err)
{
  char buf[32];
  snprintf (buf, sizeof (buf), "%" PRIu64, v);
  return carve_kfile_write (path, buf, err);
}

/* The "MemTotal:" line of a meminfo file ("Node 0 MemTotal:  4417748 kB"
   per node, "MemTotal:  24684092 kB" in /proc/meminfo), in bytes.  */
static int
read_memtotal (const char *path, uint64_t *ret, carve_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  char *p;
  unsigned long long kb;

  if (carve_read_file (path, &buf, &len, err) < 0)
    return -1;
  p = strstr (buf, "MemTotal:");
  if (p == NULL || sscanf (p + strlen ("MemTotal:"), "%llu kB", &kb) != 1)
    return carve_make_error (err, 0, "`%s`: no MemTotal", path);
  *ret = (uint64_t)kb * KIB;
  return 0;
}

char *
carve_memory_pool_path (const struct carve_memory_topology_s *t, unsigned node, uint64_t hugepage_size)
{
  if (t->numa)
    return sys_path (t->sysroot, "/sys/devices/system/node/node%u/hugepages/hugepages-%" PRIu64 "kB/nr_hugepages", node,
                     hugepage_size / KIB);
  return sys_path (t->sysroot, "/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB/nr_hugepages", hugepage_size / KIB);
}

bool
carve_memory_pool_from_path (const char *path, unsigned *ret_node, uint64_t *ret_hugepage_size)
{
  const char *h = strstr (path, "/hugepages-"), *n, *last = NULL;
  unsigned long long kb;
  unsigned node = 0;
  size_t len = strlen (path);
  char tail[32];

  if (len < strlen ("/nr_hugepages") || strcmp (path + len - strlen ("/nr_hugepages"), "/nr_hugepages") != 0)
    return false;
  for (; h; h = strstr (h + 1, "/hugepages-"))
    last = h;
  if (last == NULL || sscanf (last, "/hugepages-%llukB%31s", &kb, tail) != 2 || strcmp (tail, "/nr_hugepages") != 0
      || kb == 0)
    return false;
  /* ".../node3/hugepages/hugepages-2048kB/nr_hugepages"; the global pool
     of a kernel without NUMA has no node directory.  */
  for (n = strstr (path, "/node"); n && n < last; n = strstr (n + 1, "/node"))
    {
      unsigned v;
      int used = 0;
      if (sscanf (n, "/node%u/hugepages%n", &v, &used) == 1 && used > 0 && n + used <= last)
        node = v;
    }
  *ret_node = node;
  *ret_hugepage_size = (uint64_t)kb * KIB;
  return true;
}

/* --- topology --------------------------------------------------------------- */

void
carve_memory_topology_release (struct carve_memory_topology_s *t)
{
  free (t->sysroot);
  free (t->nodes);
  memset (t, 0, sizeof (*t));
}

static void
topology_cleanup (struct carve_memory_topology_s *t)
{
  carve_memory_topology_release (t);
}
#define cleanup_topology __attribute__ ((cleanup (topology_cleanup)))

int
carve_memory_topology_read (const char *sysroot, carve_node_config_t node, struct carve_memory_topology_s *ret,
                            carve_error_t *err)
{
  cleanup_free char *node_dir = sys_path (sysroot, "/sys/devices/system/node");
  struct carve_memory_topology_s t;
  uint64_t reserve = node->serviceos_memory;
  int c;

  memset (&t, 0, sizeof (t));
  t.sysroot = xstrdup (sysroot ? sysroot : "");
  t.unit = node->memory_unit;
  carve_cpumask_zero (&t.mask);

  if (is_dir (node_dir))
    {
      cleanup_free char *has_memory = carve_path_join (node_dir, "has_memory");
      cleanup_free char *online = carve_path_join (node_dir, "online");

      t.numa = true;
      if (carve_cpumask_read_list_file (carve_path_exists (has_memory) ? has_memory : online, &t.mask, err) < 0)
        goto fail;
    }
  if (carve_cpumask_empty (&t.mask))
    {
      /* A kernel without NUMA: one node 0, the whole machine.  */
      cleanup_free char *meminfo = sys_path (sysroot, "/proc/meminfo");
      t.numa = false;
      t.nodes = xzalloc (sizeof (*t.nodes));
      t.n_nodes = 1;
      carve_cpumask_set (&t.mask, 0);
      if (read_memtotal (meminfo, &t.nodes[0].total, err) < 0)
        goto fail;
    }
  else
    {
      t.nodes = xcalloc (carve_cpumask_count (&t.mask), sizeof (*t.nodes));
      for (c = carve_cpumask_next (&t.mask, 0); c >= 0; c = carve_cpumask_next (&t.mask, (unsigned)c + 1))
        {
          cleanup_free char *meminfo = sys_path (sysroot, "/sys/devices/system/node/node%d/meminfo", c);
          struct carve_memory_numa_s *n = &t.nodes[t.n_nodes++];
          n->id = (unsigned)c;
          if (read_memtotal (meminfo, &n->total, err) < 0)
            goto fail;
        }
    }

  for (size_t i = 0; i < t.n_nodes; i++)
    {
      struct carve_memory_numa_s *n = &t.nodes[i];
      n->reserved = reserve < n->total ? reserve : n->total;
      reserve -= n->reserved;
      n->units = (n->total - n->reserved) / t.unit;
    }
  *ret = t;
  return 0;

fail:
  carve_memory_topology_release (&t);
  return -1;
}

static uint64_t
units_of (const struct carve_memory_topology_s *t, const carve_cpumask_t *nodes)
{
  uint64_t sum = 0;
  for (size_t i = 0; i < t->n_nodes; i++)
    if (carve_cpumask_test (nodes, t->nodes[i].id))
      sum += t->nodes[i].units;
  return sum;
}

/* --- the flow ---------------------------------------------------------------- */

/* What a partition asks of the nodes: UNITS from any of NODES.  */
struct demand_s
{
  uint64_t units;
  carve_cpumask_t nodes;
};

struct demands_s
{
  struct demand_s *v;
  size_t n;
};

static void
demands_add (struct demands_s *d, uint64_t units, const carve_cpumask_t *nodes)
{
  d->v = xrealloc (d->v, sizeof (*d->v) * (d->n + 1));
  d->v[d->n].units = units;
  d->v[d->n].nodes = *nodes;
  d->n++;
}

static uint64_t
ceil_div (uint64_t a, uint64_t b)
{
  return a / b + (a % b != 0);
}

/* The demands of every partition in L but SELF.  Nodes that are gone
   (a ledger from another topology) leave the partition free to be
   anywhere.  */
static void
collect_demands (const struct carve_memory_topology_s *t, carve_ledger_t l, const struct carve_ledger_partition_s *self,
                 struct demands_s *d)
{
  for (size_t i = 0; l && i < l->n_partitions; i++)
    {
      const struct carve_ledger_partition_s *q = l->partitions[i];
      carve_cpumask_t nodes;

      if (q == self || q->memory == 0)
        continue;
      if (q->hugepage_size && q->n_hugepages)
        {
          for (size_t j = 0; j < q->n_hugepages; j++)
            {
              if (q->hugepages[j].pages == 0)
                continue;
              carve_cpumask_zero (&nodes);
              if (q->hugepages[j].node >= 0 && carve_cpumask_test (&t->mask, (unsigned)q->hugepages[j].node))
                carve_cpumask_set (&nodes, (unsigned)q->hugepages[j].node);
              else
                nodes = t->mask;
              demands_add (d, ceil_div (q->hugepages[j].pages * q->hugepage_size, t->unit), &nodes);
            }
          continue;
        }
      carve_cpumask_and (&nodes, &q->memory_nodes, &t->mask);
      if (carve_cpumask_empty (&nodes))
        nodes = t->mask;
      demands_add (d, ceil_div (q->memory, t->unit), &nodes);
    }
}

#define FLOW_INF (UINT64_MAX / 4)

/* The maximum flow from the demands to the nodes (Edmonds-Karp on a
   matrix: a node has a handful of NUMA nodes and partitions).  */
static uint64_t
max_flow (const struct carve_memory_topology_s *t, const struct demands_s *d)
{
  const size_t nv = 2 + d->n + t->n_nodes, src = 0, sink = 1;
  cleanup_free uint64_t *cap = xcalloc (nv * nv, sizeof (uint64_t));
  cleanup_free size_t *prev = xcalloc (nv, sizeof (size_t));
  cleanup_free size_t *queue = xcalloc (nv, sizeof (size_t));
  uint64_t flow = 0;

#define CAP(a, b) cap[(a)*nv + (b)]
  for (size_t i = 0; i < d->n; i++)
    {
      CAP (src, 2 + i) = d->v[i].units;
      for (size_t k = 0; k < t->n_nodes; k++)
        if (carve_cpumask_test (&d->v[i].nodes, t->nodes[k].id))
          CAP (2 + i, 2 + d->n + k) = FLOW_INF;
    }
  for (size_t k = 0; k < t->n_nodes; k++)
    CAP (2 + d->n + k, sink) = t->nodes[k].units;

  for (;;)
    {
      size_t head = 0, tail = 0, v;
      uint64_t push = FLOW_INF;

      for (v = 0; v < nv; v++)
        prev[v] = SIZE_MAX;
      prev[src] = src;
      queue[tail++] = src;
      while (head < tail && prev[sink] == SIZE_MAX)
        {
          size_t u = queue[head++];
          for (v = 0; v < nv; v++)
            if (prev[v] == SIZE_MAX && CAP (u, v) > 0)
              {
                prev[v] = u;
                queue[tail++] = v;
              }
        }
      if (prev[sink] == SIZE_MAX)
        break;
      for (v = sink; v != src; v = prev[v])
        if (CAP (prev[v], v) < push)
          push = CAP (prev[v], v);
      for (v = sink; v != src; v = prev[v])
        {
          CAP (prev[v], v) -= push;
          CAP (v, prev[v]) += push;
        }
      flow += push;
    }
#undef CAP
  return flow;
}

static uint64_t
free_units_of (const struct carve_memory_topology_s *t, const struct demands_s *d, const carve_cpumask_t *nodes)
{
  struct demands_s with = { 0 };
  uint64_t held = 0, fits, most;

  for (size_t i = 0; i < d->n; i++)
    held += d->v[i].units;
  fits = max_flow (t, d);
  if (fits < held)
    return 0;
  /* Polymatroid: the flow with a new, unbounded demand over NODES beside
     the ones that all fit is exactly theirs plus what the new one can
     take.  */
  with.v = xcalloc (d->n + 1, sizeof (*with.v));
  if (d->n > 0)
    memcpy (with.v, d->v, d->n * sizeof (*d->v));
  with.n = d->n;
  demands_add (&with, FLOW_INF, nodes);
  most = max_flow (t, &with);
  free (with.v);
  return most - held;
}

uint64_t
carve_memory_free_units (const struct carve_memory_topology_s *t, carve_ledger_t l,
                         const struct carve_ledger_partition_s *self, const carve_cpumask_t *nodes)
{
  struct demands_s d = { 0 };
  uint64_t r;

  collect_demands (t, l, self, &d);
  r = free_units_of (t, &d, nodes);
  free (d.v);
  return r;
}

/* --- check ------------------------------------------------------------------ */

static int
check_hugepages (const char *sysroot, const struct carve_compute_request_s *req, carve_error_t *err)
{
  cleanup_free char *dir = NULL;
  const char *value = req->values[CARVE_ANNOTATION_MEMORY_HUGEPAGES];

  if (req->hugepage_size == 0)
    return 0;
  dir = sys_path (sysroot, "/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB", req->hugepage_size / KIB);
  if (!is_dir (dir))
    return carve_make_error (err, 0, "%s: `%s`: this kernel has no %s huge pages (no `%s`)", KEY_HUGEPAGES, value,
                             value, dir);
  return 0;
}

static int
check_nodes (const struct carve_memory_topology_s *t, const carve_cpumask_t *nodes, carve_error_t *err)
{
  cleanup_free char *have = carve_cpumask_format_list (&t->mask);
  int c;

  for (c = carve_cpumask_next (nodes, 0); c >= 0; c = carve_cpumask_next (nodes, (unsigned)c + 1))
    if (!carve_cpumask_test (&t->mask, (unsigned)c))
      {
        cleanup_free char *dir = sys_path (t->sysroot, "/sys/devices/system/node/node%d", c);
        if (t->numa && is_dir (dir))
          return carve_make_error (err, 0, "%s: node %d has no memory (memory nodes: %s)", KEY_NODES, c, have);
        return carve_make_error (err, 0, "%s: node %d does not exist (nodes: %s)", KEY_NODES, c, have);
      }
  return 0;
}

int
carve_memory_check_at (const char *sysroot, const struct carve_compute_request_s *req, carve_node_config_t node,
                       struct carve_memory_request_s *ret, carve_error_t *err)
{
  cleanup_topology struct carve_memory_topology_s t = { 0 };
  const char *memory = req->values[CARVE_ANNOTATION_MEMORY];
  struct carve_memory_request_s r;
  uint64_t bytes, chunk, have;

  memset (&r, 0, sizeof (r));
  carve_cpumask_zero (&r.nodes);
  if (check_hugepages (sysroot, req, err) < 0)
    return -1;
  r.hugepage_size = req->hugepage_size;
  if (!req->has_memory)
    {
      *ret = r;
      return 0;
    }

  if (carve_memory_topology_read (sysroot, node, &t, err) < 0)
    return carve_error_wrap (err, "%s", KEY_MEMORY);
  if (req->has_memory_nodes)
    {
      if (check_nodes (&t, &req->memory_nodes, err) < 0)
        return -1;
      r.nodes = req->memory_nodes;
      r.has_nodes = true;
    }
  if (req->memory_units > UINT64_MAX / t.unit)
    return carve_make_error (err, 0, "%s: `%s` is more memory than any machine has", KEY_MEMORY, memory);
  bytes = req->memory_units ? req->memory_units * t.unit : req->memory_bytes;

  /* Whole units, and with huge pages whole pages too.  */
  chunk = t.unit;
  if (r.hugepage_size)
    chunk = t.unit / gcd64 (t.unit, r.hugepage_size) * r.hugepage_size;
  if (bytes > UINT64_MAX - chunk)
    return carve_make_error (err, 0, "%s: `%s` is more memory than any machine has", KEY_MEMORY, memory);
  r.bytes = ceil_div (bytes, chunk) * chunk;

  /* More than the nodes have for partitions at all: refused before
     anything is looked at in the ledger.  */
  have = units_of (&t, r.has_nodes ? &r.nodes : &t.mask);
  if (r.bytes / t.unit > have)
    {
      cleanup_free char *asked = carve_memory_format_size (r.bytes);
      cleanup_free char *unit = carve_memory_format_size (t.unit);
      cleanup_free char *avail = carve_memory_format_size (have * t.unit);
      cleanup_free char *list = carve_cpumask_format_list (r.has_nodes ? &r.nodes : &t.mask);
      cleanup_free char *reserve = carve_memory_format_size (node->serviceos_memory);
      bool many = carve_cpumask_count (r.has_nodes ? &r.nodes : &t.mask) > 1;
      return carve_make_error (
          err, 0,
          "%s: `%s` (%s, %" PRIu64 " units of %s) is more than NUMA node%s %s can give partitions: %" PRIu64
          " units (%s) beside the ServiceOS's %s",
          KEY_MEMORY, memory, asked, r.bytes / t.unit, unit, many ? "s" : "", list, have, avail, reserve);
    }
  *ret = r;
  return 0;
}

int
carve_memory_check (const struct carve_compute_request_s *req, carve_node_config_t node,
                    struct carve_memory_request_s *ret, carve_error_t *err)
{
  return carve_memory_check_at ("", req, node, ret, err);
}

/* --- claim ------------------------------------------------------------------ */

static int
no_room (const struct carve_memory_topology_s *t, carve_ledger_t l, const struct carve_ledger_partition_s *p,
         const struct carve_memory_request_s *req, const carve_cpumask_t *nodes, carve_error_t *err)
{
  uint64_t free_units = carve_memory_free_units (t, l, p, nodes);
  cleanup_free char *asked = carve_memory_format_size (req->bytes);
  cleanup_free char *unit = carve_memory_format_size (t->unit);
  cleanup_free char *avail = carve_memory_format_size (free_units * t->unit);
  cleanup_free char *list = carve_cpumask_format_list (nodes);
  size_t others = 0;

  for (size_t i = 0; l && i < l->n_partitions; i++)
    if (l->partitions[i] != p && l->partitions[i]->memory)
      others++;
  if (req->hugepage_size)
    {
      cleanup_free char *hp = carve_memory_format_size (req->hugepage_size);
      return carve_make_error (err, 0,
                               "%s: %s of %s huge pages asked (%" PRIu64 " units of %s), %" PRIu64
                               " units (%s) free on nodes %s in whole pages (%zu other partition%s)",
                               KEY_MEMORY, asked, hp, req->bytes / t->unit, unit, free_units, avail, list, others,
                               others == 1 ? "" : "s");
    }
  return carve_make_error (err, 0,
                           "%s: %s asked (%" PRIu64 " units of %s), %" PRIu64 " units (%s) free on nodes %s (%zu other "
                           "partition%s)",
                           KEY_MEMORY, asked, req->bytes / t->unit, unit, free_units, avail, list, others,
                           others == 1 ? "" : "s");
}

static int
place (const struct carve_memory_topology_s *t, carve_ledger_t l, const struct carve_memory_request_s *req,
       struct carve_ledger_partition_s *p, carve_error_t *err)
{
  carve_cpumask_t nodes;
  struct demands_s d = { 0 };
  struct carve_ledger_hugepages_s *hp = NULL;
  size_t n_hp = 0;
  uint64_t chunk, chunks, chunk_units;
  int r = -1;

  nodes = req->has_nodes ? req->nodes : t->mask;
  carve_cpumask_and (&nodes, &nodes, &t->mask);

  if (req->hugepage_size == 0)
    {
      if (req->bytes / t->unit > carve_memory_free_units (t, l, p, &nodes))
        return no_room (t, l, p, req, &nodes, err);
      p->memory = req->bytes;
      p->memory_units = req->bytes / t->unit;
      p->memory_nodes = nodes;
      p->hugepage_size = 0;
      return 0;
    }

  /* Huge pages are pinned to nodes: one node that holds them all (the
     lowest), else the allowed nodes in order, each taking what it can
     beside everything already placed.  Greedy is exact here (the
     admissible placements form a polymatroid); pages go in chunks that
     are whole units and whole pages.  */
  chunk = t->unit / gcd64 (t->unit, req->hugepage_size) * req->hugepage_size;
  chunks = req->bytes / chunk;
  chunk_units = chunk / t->unit;
  collect_demands (t, l, p, &d);
  for (int c = carve_cpumask_next (&nodes, 0); c >= 0 && n_hp == 0; c = carve_cpumask_next (&nodes, (unsigned)c + 1))
    {
      carve_cpumask_t one;
      carve_cpumask_zero (&one);
      carve_cpumask_set (&one, (unsigned)c);
      if (free_units_of (t, &d, &one) / chunk_units >= chunks)
        {
          hp = xzalloc (sizeof (*hp));
          hp[0].node = c;
          hp[0].pages = req->bytes / req->hugepage_size;
          n_hp = 1;
        }
    }
  if (n_hp == 0)
    {
      uint64_t left = chunks;
      for (int c = carve_cpumask_next (&nodes, 0); c >= 0 && left; c = carve_cpumask_next (&nodes, (unsigned)c + 1))
        {
          carve_cpumask_t one;
          uint64_t take;
          carve_cpumask_zero (&one);
          carve_cpumask_set (&one, (unsigned)c);
          take = free_units_of (t, &d, &one) / chunk_units;
          if (take > left)
            take = left;
          if (take == 0)
            continue;
          demands_add (&d, take * chunk_units, &one);
          hp = xrealloc (hp, sizeof (*hp) * (n_hp + 1));
          hp[n_hp].node = c;
          hp[n_hp].pages = take * chunk / req->hugepage_size;
          n_hp++;
          left -= take;
        }
      if (left)
        {
          no_room (t, l, p, req, &nodes, err);
          goto out;
        }
    }

  p->memory = req->bytes;
  p->memory_units = req->bytes / t->unit;
  carve_cpumask_zero (&p->memory_nodes);
  for (size_t i = 0; i < n_hp; i++)
    carve_cpumask_set (&p->memory_nodes, (unsigned)hp[i].node);
  p->hugepage_size = req->hugepage_size;
  free (p->hugepages);
  p->hugepages = steal_pointer (&hp);
  p->n_hugepages = n_hp;
  r = 0;
out:
  free (hp);
  free (d.v);
  return r;
}

int
carve_memory_place_at (const char *sysroot, carve_ledger_t l, carve_node_config_t node,
                       const struct carve_memory_request_s *req, struct carve_ledger_partition_s *p, carve_error_t *err)
{
  cleanup_topology struct carve_memory_topology_s t = { 0 };

  if (req->bytes == 0)
    return 0;
  if (carve_memory_topology_read (sysroot, node, &t, err) < 0)
    return carve_error_wrap (err, "%s", KEY_MEMORY);
  return place (&t, l, req, p, err);
}

static void
forget_placement (struct carve_ledger_partition_s *p)
{
  p->memory = 0;
  p->memory_units = 0;
  carve_cpumask_zero (&p->memory_nodes);
  p->hugepage_size = 0;
  free (p->hugepages);
  p->hugepages = NULL;
  p->n_hugepages = 0;
}

int
carve_memory_claim_at (const char *sysroot, carve_ledger_t l, carve_node_config_t node,
                       const struct carve_memory_request_s *req, struct carve_ledger_partition_s *p, carve_error_t *err)
{
  cleanup_topology struct carve_memory_topology_s t = { 0 };
  cleanup_free uint64_t *before = NULL;
  size_t i, grown = 0;

  if (req->bytes == 0)
    return 0;
  if (carve_memory_topology_read (sysroot, node, &t, err) < 0)
    return carve_error_wrap (err, "%s", KEY_MEMORY);
  if (place (&t, l, req, p, err) < 0)
    return -1;
  if (p->hugepage_size == 0)
    return 0;

  /* Every pool is recorded, with this partition as a user, and the ledger
     committed before any pool grows: a carve killed from here on leaves
     an entry whose reclaim gives the pages back.  */
  for (i = 0; i < p->n_hugepages; i++)
    {
      cleanup_free char *pool = carve_memory_pool_path (&t, (unsigned)p->hugepages[i].node, p->hugepage_size);
      if (carve_ledger_record_file (l, p->key, pool, err) == NULL)
        {
          forget_placement (p);
          return carve_error_wrap (err, "%s: huge page pool", KEY_HUGEPAGES);
        }
    }
  if (carve_ledger_commit (l, err) < 0)
    return -1;

  before = xcalloc (p->n_hugepages, sizeof (*before));
  for (i = 0; i < p->n_hugepages; i++)
    {
      cleanup_free char *pool = carve_memory_pool_path (&t, (unsigned)p->hugepages[i].node, p->hugepage_size);
      uint64_t want, got = 0;
      carve_error_t e = NULL;

      if (read_u64_file (pool, &before[i], err) < 0)
        goto give_back;
      want = before[i] + p->hugepages[i].pages;
      if (write_u64_file (pool, want, err) < 0)
        {
          grown = i + 1; /* a partial allocation may have happened */
          carve_error_wrap (err, "%s: grow the huge page pool of node %d to %" PRIu64, KEY_HUGEPAGES,
                            p->hugepages[i].node, want);
          goto give_back;
        }
      grown = i + 1;
      /* The kernel allocates what it can and says nothing: fragmented
         memory gives fewer pages than asked.  */
      if (read_u64_file (pool, &got, &e) < 0)
        {
          carve_error_release (&e);
          got = 0;
        }
      if (got < want)
        {
          cleanup_free char *hp = carve_memory_format_size (p->hugepage_size);
          carve_make_error (err, 0,
                            "%s: node %d gave %" PRIu64 " of the %" PRIu64 " %s pages asked (its pool has %" PRIu64
                            " of %" PRIu64 "): not enough free contiguous memory",
                            KEY_HUGEPAGES, p->hugepages[i].node, got > before[i] ? got - before[i] : 0,
                            p->hugepages[i].pages, hp, got, want);
          goto give_back;
        }
    }
  return 0;

give_back:
  /* Every pool this claim grew goes back to what it was; the ledger's
     records (users: this partition) are dropped by the caller's release,
     whose restore then finds the pools as they were.  */
  for (i = 0; i < grown; i++)
    {
      cleanup_free char *pool = carve_memory_pool_path (&t, (unsigned)p->hugepages[i].node, p->hugepage_size);
      carve_error_t ignored = NULL;
      (void)write_u64_file (pool, before[i], &ignored);
      carve_error_release (&ignored);
    }
  return -1;
}

int
carve_memory_claim (carve_ledger_t l, carve_node_config_t node, const struct carve_memory_request_s *req,
                    struct carve_ledger_partition_s *p, carve_error_t *err)
{
  return carve_memory_claim_at ("", l, node, req, p, err);
}

/* --- the plan --------------------------------------------------------------- */

static char *
page_size_name (uint64_t size)
{
  /* As runc and the hugetlb controller name them: "2MB", "1GB", "64KB".  */
  if (size % GIB == 0)
    return xasprintf ("%" PRIu64 "GB", size / GIB);
  if (size % MIB == 0)
    return xasprintf ("%" PRIu64 "MB", size / MIB);
  return xasprintf ("%" PRIu64 "KB", size / KIB);
}

/* Whether the memory controller can hold swap to the limit: v1 needs
   memory.memsw.* (swapaccount); cgroup2 always accounts swap.  */
static bool
swap_accounting (void)
{
  cleanup_cgroup_layout carve_cgroup_layout_t layout = NULL;
  const struct carve_cgroup_hierarchy_s *h;
  carve_error_t e = NULL;

  if (carve_cgroup_layout_detect_host (&layout, &e) < 0)
    {
      carve_error_release (&e);
      return false;
    }
  h = carve_cgroup_layout_find (layout, "memory");
  if (h == NULL)
    return false;
  if (h->v2)
    return true;
  {
    cleanup_free char *f = carve_path_join (h->mount, "memory.memsw.limit_in_bytes");
    return carve_path_exists (f);
  }
}

static void
strip_blanks (char *s)
{
  char *q = s;
  for (char *p = s; *p; p++)
    if (!isspace ((unsigned char)*p))
      *q++ = *p;
  *q = '\0';
}

/* The hugetlbfs mount that reserves P's pages: min_size makes the mount
   take them at once, so from then on they are this container's, whoever
   else maps huge pages.  */
static struct carve_spec_mount_s *
hugepage_mount (const struct carve_ledger_partition_s *p)
{
  cleanup_free char *hp = carve_memory_format_size (p->hugepage_size);
  struct carve_spec_mount_s *mnt = xzalloc (sizeof (*mnt));

  mnt->destination = xstrdup (HUGEPAGES_MOUNT);
  mnt->type = xstrdup ("hugetlbfs");
  mnt->source = xstrdup ("hugetlbfs");
  mnt->options = xcalloc (7, sizeof (char *));
  mnt->options[0] = xstrdup ("nosuid");
  mnt->options[1] = xstrdup ("nodev");
  mnt->options[2] = xstrdup ("mode=1777");
  mnt->options[3] = xasprintf ("pagesize=%s", hp);
  mnt->options[4] = xasprintf ("size=%" PRIu64, p->memory);
  mnt->options[5] = xasprintf ("min_size=%" PRIu64, p->memory);
  mnt->options_len = 6;
  return mnt;
}

/* The hugepageLimits entry for P's page size: the partition, or the
   spec's own when it is smaller.  */
static void
plan_hugepage_limit (const struct carve_ledger_partition_s *p, const struct carve_spec_linux_resources_s *spec_res,
                     struct carve_spec_linux_resources_s *res)
{
  cleanup_free char *name = page_size_name (p->hugepage_size);
  struct carve_spec_hugepage_limit_s *h = xzalloc (sizeof (*h));
  size_t i;

  h->limit = p->memory;
  for (i = 0; spec_res && i < spec_res->hugepage_limits_len; i++)
    if (strcmp (spec_res->hugepage_limits[i]->page_size, name) == 0 && spec_res->hugepage_limits[i]->limit < p->memory)
      h->limit = spec_res->hugepage_limits[i]->limit;
  h->page_size = steal_pointer (&name);
  res->hugepage_limits = xcalloc (2, sizeof (*res->hugepage_limits));
  res->hugepage_limits[0] = h;
  res->hugepage_limits_len = 1;
}

int
carve_memory_plan (const struct carve_ledger_partition_s *p, const carve_spec_t spec,
                   struct carve_spec_linux_resources_s **ret_resources, struct carve_spec_mount_s **ret_mount,
                   carve_error_t *err)
{
  const struct carve_spec_linux_resources_s *spec_res = spec->linux_ ? spec->linux_->resources : NULL;
  const struct carve_spec_memory_s *sm = spec_res ? spec_res->memory : NULL;
  const struct carve_spec_cpu_s *sc = spec_res ? spec_res->cpu : NULL;
  CARVE_CLEANUP (spec_resources) struct carve_spec_linux_resources_s *res = NULL;
  cleanup_free char *mems = NULL;
  struct carve_spec_memory_s *m;

  *ret_resources = NULL;
  *ret_mount = NULL;
  if (p->memory == 0)
    return 0;

  if (p->hugepage_size)
    {
      cleanup_free char *hp = carve_memory_format_size (p->hugepage_size);
      for (size_t i = 0; i < spec->mounts_len; i++)
        if (strcmp (spec->mounts[i]->destination, HUGEPAGES_MOUNT) == 0
            || strcmp (spec->mounts[i]->destination, HUGEPAGES_MOUNT "/") == 0)
          return carve_make_error (err, 0, "mounts[%zu]: `%s` is where %s=%s mounts the partition", i,
                                   spec->mounts[i]->destination, KEY_HUGEPAGES, hp);
    }

  res = xzalloc (sizeof (*res));
  res->cpu = xzalloc (sizeof (*res->cpu));
  m = res->memory = xzalloc (sizeof (*res->memory));

  /* The NUMA nodes: the partition's, never wider than the spec's.  */
  mems = carve_cpumask_format_list (&p->memory_nodes);
  if (sc && sc->mems && sc->mems[0])
    {
      cleanup_free char *compact = xstrdup (sc->mems);
      carve_cpumask_t want;
      carve_error_t e = NULL;

      strip_blanks (compact);
      if (carve_cpumask_parse_list (compact, &want, &e) < 0)
        {
          carve_error_release (&e);
          return carve_make_error (err, 0, "linux.resources.cpu.mems: `%s` is not a node list", sc->mems);
        }
      if (!carve_cpumask_subset (&p->memory_nodes, &want))
        return carve_make_error (err, 0,
                                 "linux.resources.cpu.mems: `%s` leaves out nodes of the memory partition (`%s`): "
                                 "say the nodes with %s",
                                 sc->mems, mems, KEY_NODES);
    }
  res->cpu->mems = steal_pointer (&mems);

  /* The memory cgroup never goes beyond the partition, nor into swap past
     it (memory+swap = the limit) where the node can account swap.  */
  m->has_limit = true;
  m->limit = (int64_t)p->memory;
  if (sm && sm->has_limit && sm->limit > 0 && (uint64_t)sm->limit < p->memory)
    m->limit = sm->limit;
  if ((sm == NULL || !sm->has_swap || sm->swap == 0 || sm->swap == -1 || sm->swap > m->limit) && swap_accounting ())
    {
      m->has_swap = true;
      m->swap = m->limit;
    }

  if (p->hugepage_size)
    {
      plan_hugepage_limit (p, spec_res, res);
      *ret_mount = hugepage_mount (p);
    }
  *ret_resources = steal_pointer (&res);
  return 0;
}

uint64_t
carve_memory_min_of (const struct carve_ledger_partition_s *p)
{
  return p->memory && !p->hugepage_size ? p->memory : 0;
}

/* --- after a partition left --------------------------------------------------- */

void
carve_memory_refresh (carve_ledger_t l, char ***warnings)
{
  carve_sched_refresh (l);
  for (size_t i = 0; i < l->n_settings; i++)
    {
      const struct carve_ledger_setting_s *s = l->settings[i];
      uint64_t size, original, sum = 0, now = 0;
      unsigned node;
      unsigned long v;
      carve_error_t e = NULL;

      if (s->kind != CARVE_LEDGER_FILE || s->n_users == 0 || !carve_memory_pool_from_path (s->path, &node, &size))
        continue;
      if (s->original == NULL || carve_parse_ulong (s->original, &v) < 0)
        continue;
      original = v;
      for (size_t j = 0; j < l->n_partitions; j++)
        {
          const struct carve_ledger_partition_s *q = l->partitions[j];
          if (q->hugepage_size != size)
            continue;
          for (size_t k = 0; k < q->n_hugepages; k++)
            if (q->hugepages[k].node == (int)node)
              sum += q->hugepages[k].pages;
        }
      if (read_u64_file (s->path, &now, &e) == 0 && now == original + sum)
        continue;
      carve_error_release (&e);
      if (write_u64_file (s->path, original + sum, &e) < 0)
        {
          carve_strv_append (warnings, e->msg);
          carve_error_release (&e);
        }
    }
}

/* --- carve node ----------------------------------------------------------------- */

int
carve_memory_totals_at (const char *sysroot, carve_ledger_t l, carve_node_config_t node, uint64_t *ret_total,
                        uint64_t *ret_free_units, carve_error_t *err)
{
  cleanup_topology struct carve_memory_topology_s t = { 0 };
  uint64_t total = 0;

  if (carve_memory_topology_read (sysroot, node, &t, err) < 0)
    return -1;
  for (size_t i = 0; i < t.n_nodes; i++)
    total += t.nodes[i].total;
  *ret_free_units = carve_memory_free_units (&t, l, NULL, &t.mask);
  *ret_total = total;
  return 0;
}

int
carve_memory_totals (carve_ledger_t l, carve_node_config_t node, uint64_t *ret_total, uint64_t *ret_free_units,
                     carve_error_t *err)
{
  return carve_memory_totals_at ("", l, node, ret_total, ret_free_units, err);
}
