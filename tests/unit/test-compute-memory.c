/* Unit tests of the memory partitions (carve.memory*), carve.sched and
   linux.memoryPolicy: parsing, the unit accounting on a fake sysfs tree,
   huge page pools and their refresh, the RT runtime arithmetic on a fake
   cpu hierarchy.  Every fake tree lives in a temporary directory removed
   at exit.  */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fsutil.h"
#include "runtime/compute/ledger.h"
#include "runtime/compute/memory-internal.h"
#include "runtime/compute/memory.h"
#include "runtime/compute/sched-internal.h"
#include "runtime/compute/sched.h"
#include "runtime/linux/cgroup.h"
#include "runtime/linux/mempolicy.h"
#include "spec/annotations.h"
#include "spec/node-config.h"
#include "spec/resources.h"
#include "spec/spec.h"
#include "tests/unit/unit.h"
#include "xalloc.h"

#define MIB (UINT64_C (1) << 20)
#define GIB (UINT64_C (1) << 30)

/* --- fake trees ----------------------------------------------------------- */

static char *fake_roots[32];
static size_t n_fake_roots;

__attribute__ ((destructor)) static void
remove_fake_roots (void)
{
  for (size_t i = 0; i < n_fake_roots; i++)
    {
      carve_error_t err = NULL;
      if (carve_rm_rf (fake_roots[i], &err) < 0)
        carve_error_release (&err);
      free (fake_roots[i]);
    }
}

static char *
fake_root (void)
{
  char tmpl[] = "/tmp/carve-test-memory-XXXXXX";
  char *d = mkdtemp (tmpl);
  if (d == NULL)
    {
      fprintf (stderr, "# mkdtemp: %s\n", strerror (errno));
      exit (1);
    }
  fake_roots[n_fake_roots++] = xstrdup (d);
  return xstrdup (d);
}

static void
put (const char *root, const char *rel, const char *content)
{
  cleanup_free char *path = xasprintf ("%s%s", root, rel);
  cleanup_free char *dir = xstrdup (path);
  carve_error_t err = NULL;
  int fd;

  *strrchr (dir, '/') = '\0';
  (void)carve_mkdir_p (dir, 0755, &err);
  carve_error_release (&err);
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || carve_write_all (fd, content, strlen (content)) < 0)
    {
      fprintf (stderr, "# cannot write %s: %s\n", path, strerror (errno));
      exit (1);
    }
  close (fd);
}

static void
mkdirs (const char *root, const char *rel)
{
  cleanup_free char *path = xasprintf ("%s%s", root, rel);
  carve_error_t err = NULL;
  (void)carve_mkdir_p (path, 0755, &err);
  carve_error_release (&err);
}

static char *
get (const char *root, const char *rel)
{
  cleanup_free char *path = xasprintf ("%s%s", root, rel);
  carve_error_t err = NULL;
  char *buf = NULL;
  size_t len = 0;

  if (carve_read_file (path, &buf, &len, &err) < 0)
    {
      carve_error_release (&err);
      return xstrdup ("(missing)");
    }
  while (len > 0 && buf[len - 1] == '\n')
    buf[--len] = '\0';
  return buf;
}

/* Two NUMA nodes of 4G with memory (0, 1), a node 2 without any, huge
   pages of 2M and 1G with empty pools.  */
static char *
numa_tree (void)
{
  char *root = fake_root ();
  static const char *const pools[] = { "/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages",
                                       "/sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages",
                                       "/sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages",
                                       "/sys/devices/system/node/node1/hugepages/hugepages-1048576kB/nr_hugepages" };

  put (root, "/sys/devices/system/node/online", "0-2\n");
  put (root, "/sys/devices/system/node/has_memory", "0-1\n");
  put (root, "/sys/devices/system/node/node0/meminfo", "Node 0 MemTotal:        4194304 kB\nNode 0 MemFree: 1 kB\n");
  put (root, "/sys/devices/system/node/node1/meminfo", "Node 1 MemTotal:        4194304 kB\n");
  mkdirs (root, "/sys/devices/system/node/node2");
  mkdirs (root, "/sys/kernel/mm/hugepages/hugepages-2048kB");
  mkdirs (root, "/sys/kernel/mm/hugepages/hugepages-1048576kB");
  for (size_t i = 0; i < sizeof (pools) / sizeof (pools[0]); i++)
    put (root, pools[i], "0\n");
  return root;
}

static carve_node_config_t
node_config (const char *json)
{
  carve_node_config_t node = NULL;
  carve_error_t err = NULL;

  if (carve_node_config_parse ("test", json, strlen (json), &node, &err) < 0)
    {
      fprintf (stderr, "# node config: %s\n", err->msg);
      exit (1);
    }
  return node;
}

/* A ledger held in memory, for the accounting that only reads it.  */
struct fake_ledger_s
{
  struct carve_ledger_s l;
  struct carve_ledger_partition_s parts[8];
  struct carve_ledger_partition_s *ptrs[8];
  struct carve_ledger_hugepages_s hp[8];
};

static struct carve_ledger_partition_s *
fake_partition (struct fake_ledger_s *f, uint64_t bytes, const char *nodes)
{
  struct carve_ledger_partition_s *p = &f->parts[f->l.n_partitions];
  carve_error_t err = NULL;

  memset (p, 0, sizeof (*p));
  p->memory = bytes;
  p->memory_units = bytes / (2 * MIB);
  if (carve_cpumask_parse_list (nodes, &p->memory_nodes, &err) < 0)
    exit (1);
  f->ptrs[f->l.n_partitions++] = p;
  f->l.partitions = f->ptrs;
  return p;
}

static int
expect_error (int r, carve_error_t *err, const char *needle)
{
  if (r == 0)
    {
      fprintf (stderr, "# expected an error containing `%s`\n", needle);
      return -1;
    }
  if (strstr ((*err)->msg, needle) == NULL)
    {
      fprintf (stderr, "# `%s` does not contain `%s`\n", (*err)->msg, needle);
      carve_error_release (err);
      return -1;
    }
  carve_error_release (err);
  return 0;
}

/* EXPECT_ERROR (needle, call (..., &_e)): the call fails with a message
   containing NEEDLE.  */
#define EXPECT_ERROR(needle, ...)                                                                                      \
  do                                                                                                                   \
    {                                                                                                                  \
      carve_error_t _e = NULL;                                                                                         \
      if (expect_error ((__VA_ARGS__), &_e, needle) < 0)                                                               \
        {                                                                                                              \
          fprintf (stderr, "# at %s:%d\n", __FILE__, __LINE__);                                                        \
          return -1;                                                                                                   \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

static carve_spec_t
spec_of (const char *json)
{
  carve_error_t err = NULL;
  carve_spec_t spec = carve_spec_parse (json, strlen (json), &err);
  if (spec == NULL)
    {
      fprintf (stderr, "# spec: %s\n", err->msg);
      exit (1);
    }
  return spec;
}

#define SPEC_HEAD "{\"ociVersion\": \"1.0.2\", \"process\": {\"cwd\": \"/\", \"args\": [\"sh\"]}, "

/* The carve.memory* annotations M, H, N (each NULL when absent) as create
   reads them: through the annotation parser, then checked against the fake
   node under ROOT.  */
static int
memory_parse_at (const char *root, const char *m, const char *h, const char *n, carve_node_config_t node,
                 struct carve_memory_request_s *r, carve_error_t *err)
{
  cleanup_free char *json = NULL;
  struct carve_compute_request_s req;
  int ret;

  json = xasprintf (SPEC_HEAD "\"root\": {\"path\": \"/\"}, \"annotations\": {\"x\": \"y\"%s%s%s%s%s%s%s%s%s}}",
                    m ? ", \"carve.memory\": \"" : "", m ? m : "", m ? "\"" : "",
                    h ? ", \"carve.memory.hugepages\": \"" : "", h ? h : "", h ? "\"" : "",
                    n ? ", \"carve.memory.nodes\": \"" : "", n ? n : "", n ? "\"" : "");
  {
    CARVE_CLEANUP (spec) carve_spec_t spec = spec_of (json);
    ret = carve_compute_request_parse (spec, &req, err);
  }
  if (ret == 0)
    ret = carve_memory_check_at (root, &req, node, r, err);
  carve_compute_request_release (&req);
  return ret;
}

/* carve.sched VALUE through the annotation parser.  */
static int
sched_parse (const char *value, struct carve_compute_request_s *r, carve_error_t *err)
{
  cleanup_free char *json = NULL;
  int ret;

  if (value == NULL)
    json = xstrdup (SPEC_HEAD "\"root\": {\"path\": \"/\"}}");
  else
    json = xasprintf (SPEC_HEAD "\"root\": {\"path\": \"/\"}, \"annotations\": {\"carve.sched\": \"%s\"}}", value);
  {
    CARVE_CLEANUP (spec) carve_spec_t spec = spec_of (json);
    carve_compute_request_release (r);
    ret = carve_compute_request_parse (spec, r, err);
  }
  return ret;
}

/* What create does with carve_memory_plan: the resources laid over the
   spec's, the mount after the spec's (the unit tests look at the result
   in the spec).  */
static int
memory_adjust_spec (const struct carve_ledger_partition_s *p, carve_spec_t spec, carve_error_t *err)
{
  struct carve_spec_linux_resources_s *res = NULL;
  struct carve_spec_mount_s *mnt = NULL;

  if (carve_memory_plan (p, spec, &res, &mnt, err) < 0)
    return -1;
  if (res)
    {
      if (spec->linux_ == NULL)
        spec->linux_ = xzalloc (sizeof (*spec->linux_));
      if (spec->linux_->resources == NULL)
        spec->linux_->resources = xzalloc (sizeof (*spec->linux_->resources));
      carve_spec_resources_merge (spec->linux_->resources, res);
      carve_spec_resources_free (res);
    }
  if (mnt)
    {
      spec->mounts = xrealloc (spec->mounts, sizeof (*spec->mounts) * (spec->mounts_len + 2));
      spec->mounts[spec->mounts_len++] = mnt;
      spec->mounts[spec->mounts_len] = NULL;
    }
  return 0;
}

/* --- carve.memory parsing ----------------------------------------------------- */

static int
test_memory_parse_sizes (void)
{
  cleanup_free char *root = numa_tree ();
  cleanup_node_config carve_node_config_t node
      = node_config ("{\"memory_unit\": \"2M\", \"serviceos_memory\": \"1G\"}");
  struct carve_memory_request_s r;
  carve_error_t err = NULL;

  EXPECT (memory_parse_at (root, NULL, NULL, NULL, node, &r, &err) == 0);
  EXPECT (r.bytes == 0 && r.hugepage_size == 0 && !r.has_nodes);
  EXPECT (memory_parse_at (root, "512M", NULL, NULL, node, &r, &err) == 0);
  EXPECT (r.bytes == 512 * MIB);
  EXPECT (memory_parse_at (root, "16u", NULL, NULL, node, &r, &err) == 0);
  EXPECT (r.bytes == 32 * MIB);
  /* Rounded up to whole units.  */
  EXPECT (memory_parse_at (root, "3M", NULL, NULL, node, &r, &err) == 0);
  EXPECT (r.bytes == 4 * MIB);
  EXPECT (memory_parse_at (root, "1", NULL, NULL, node, &r, &err) == 0);
  EXPECT (r.bytes == 2 * MIB);
  /* ... and to whole huge pages.  */
  EXPECT (memory_parse_at (root, "100M", "1G", NULL, node, &r, &err) == 0);
  EXPECT (r.bytes == GIB && r.hugepage_size == GIB);
  EXPECT (memory_parse_at (root, "3M", "2M", "1", node, &r, &err) == 0);
  EXPECT (r.bytes == 4 * MIB && r.hugepage_size == 2 * MIB && r.has_nodes);
  EXPECT (carve_cpumask_test (&r.nodes, 1) && !carve_cpumask_test (&r.nodes, 0));
  EXPECT (memory_parse_at (root, "8M", "none", "0-1", node, &r, &err) == 0);
  EXPECT (r.hugepage_size == 0 && carve_cpumask_count (&r.nodes) == 2);
  return 0;
}

static int
test_memory_parse_units_not_page_sized (void)
{
  cleanup_free char *root = numa_tree ();
  /* A unit of 3M and pages of 2M: whole units and whole pages is 6M.  */
  cleanup_node_config carve_node_config_t node = node_config ("{\"memory_unit\": \"3M\"}");
  struct carve_memory_request_s r;
  carve_error_t err = NULL;

  EXPECT (memory_parse_at (root, "5M", "2M", NULL, node, &r, &err) == 0);
  EXPECT (r.bytes == 6 * MIB);
  EXPECT (memory_parse_at (root, "7M", "2M", NULL, node, &r, &err) == 0);
  EXPECT (r.bytes == 12 * MIB);
  return 0;
}

static int
test_memory_parse_errors (void)
{
  cleanup_free char *root = numa_tree ();
  cleanup_node_config carve_node_config_t node = node_config ("{}");
  struct carve_memory_request_s r;

#define PARSE(m, h, n) memory_parse_at (root, m, h, n, node, &r, &_e)
  EXPECT_ERROR ("annotations.carve.memory: `12X` is not a size (`512M`) or a unit count (`16u`)",
                PARSE ("12X", NULL, NULL));
  EXPECT_ERROR ("annotations.carve.memory: `u` is not a size", PARSE ("u", NULL, NULL));
  EXPECT_ERROR ("is not a size", PARSE ("-1u", NULL, NULL));
  EXPECT_ERROR ("annotations.carve.memory: `0`: a partition needs at least one unit", PARSE ("0", NULL, NULL));
  EXPECT_ERROR ("at least one unit", PARSE ("0u", NULL, NULL));
  EXPECT_ERROR ("annotations.carve.memory.hugepages: `3M` is not `none`, `2M` or `1G`", PARSE ("1M", "3M", NULL));
  EXPECT_ERROR ("annotations.carve.memory.hugepages: `2M` needs annotations.carve.memory", PARSE (NULL, "2M", NULL));
  EXPECT_ERROR ("annotations.carve.memory.nodes: `0` needs annotations.carve.memory", PARSE (NULL, NULL, "0"));
  EXPECT_ERROR ("annotations.carve.memory.nodes: node 3 does not exist (nodes: 0-1)", PARSE ("1G", NULL, "3"));
  EXPECT_ERROR ("annotations.carve.memory.nodes: node 2 has no memory", PARSE ("1G", NULL, "2"));
  EXPECT_ERROR ("annotations.carve.memory.nodes: `x` is not a NUMA node list", PARSE ("1G", NULL, "x"));
  EXPECT_ERROR ("is not a NUMA node list", PARSE ("1G", NULL, ""));
  /* Larger than the nodes: 8G less the ServiceOS's 1G is 3584 units.  */
  EXPECT_ERROR ("annotations.carve.memory: `8G` (8G, 4096 units of 2M) is more than NUMA nodes 0-1 can give "
                "partitions: 3584 units (7G) beside the ServiceOS's 1G",
                PARSE ("8G", NULL, NULL));
  EXPECT_ERROR ("is more than NUMA node 0 can give partitions: 1536 units (3G)", PARSE ("4G", NULL, "0"));
  {
    /* A kernel without 1G pages.  */
    cleanup_free char *dir = xasprintf ("%s/sys/kernel/mm/hugepages/hugepages-1048576kB", root);
    EXPECT (rmdir (dir) == 0);
    EXPECT_ERROR ("annotations.carve.memory.hugepages: `1G`: this kernel has no 1G huge pages",
                  PARSE ("1G", "1G", NULL));
  }
#undef PARSE
  return 0;
}

static int
test_memory_topology (void)
{
  cleanup_free char *root = numa_tree ();
  cleanup_free char *flat = fake_root ();
  cleanup_node_config carve_node_config_t node = node_config ("{\"serviceos_memory\": \"5G\"}");
  struct carve_memory_topology_s t;
  carve_error_t err = NULL;

  /* The ServiceOS's reserve comes from the lowest nodes first.  */
  EXPECT (carve_memory_topology_read (root, node, &t, &err) == 0);
  EXPECT (t.numa && t.n_nodes == 2);
  EXPECT (t.nodes[0].id == 0 && t.nodes[0].total == 4 * GIB && t.nodes[0].reserved == 4 * GIB && t.nodes[0].units == 0);
  EXPECT (t.nodes[1].id == 1 && t.nodes[1].reserved == GIB && t.nodes[1].units == 1536);
  carve_memory_topology_release (&t);

  /* No NUMA in the kernel: one node 0 from /proc/meminfo.  */
  put (flat, "/proc/meminfo", "MemTotal:       16777216 kB\nMemFree: 3 kB\n");
  EXPECT (carve_memory_topology_read (flat, node, &t, &err) == 0);
  EXPECT (!t.numa && t.n_nodes == 1 && t.nodes[0].id == 0 && t.nodes[0].units == 5632);
  {
    cleanup_free char *pool = carve_memory_pool_path (&t, 0, 2 * MIB);
    cleanup_free char *want = xasprintf ("%s/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", flat);
    EXPECT_STR (pool, want);
  }
  carve_memory_topology_release (&t);
  return 0;
}

static int
test_memory_pool_paths (void)
{
  unsigned node = 99;
  uint64_t size = 0;

  EXPECT (carve_memory_pool_from_path ("/sys/devices/system/node/node3/hugepages/hugepages-2048kB/nr_hugepages", &node,
                                       &size));
  EXPECT (node == 3 && size == 2 * MIB);
  EXPECT (carve_memory_pool_from_path (
      "/tmp/x/node7/sys/devices/system/node/node12/hugepages/hugepages-1048576kB/nr_hugepages", &node, &size));
  EXPECT (node == 12 && size == GIB);
  EXPECT (carve_memory_pool_from_path ("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", &node, &size));
  EXPECT (node == 0 && size == 2 * MIB);
  EXPECT (!carve_memory_pool_from_path ("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", &node, &size));
  EXPECT (!carve_memory_pool_from_path ("/sys/fs/cgroup/cpu/a/cpu.rt_runtime_us", &node, &size));
  {
    cleanup_free char *a = carve_memory_format_size (2 * MIB);
    cleanup_free char *b = carve_memory_format_size (3 * GIB);
    cleanup_free char *c = carve_memory_format_size (GIB + 1);
    cleanup_free char *d = carve_memory_format_size (4096);
    EXPECT_STR (a, "2M");
    EXPECT_STR (b, "3G");
    EXPECT_STR (c, "1024M");
    EXPECT_STR (d, "4K");
  }
  return 0;
}

/* --- the accounting ------------------------------------------------------------ */

static int
test_memory_free_units_flow (void)
{
  cleanup_free char *root = numa_tree ();
  cleanup_node_config carve_node_config_t node = node_config ("{}");
  struct carve_memory_topology_s t;
  struct fake_ledger_s f;
  carve_cpumask_t n0, n1, all;
  carve_error_t err = NULL;

  memset (&f, 0, sizeof (f));
  EXPECT (carve_memory_topology_read (root, node, &t, &err) == 0);
  /* node 0: 1536 units, node 1: 2048.  */
  EXPECT (t.nodes[0].units == 1536 && t.nodes[1].units == 2048);
  carve_cpumask_zero (&n0);
  carve_cpumask_set (&n0, 0);
  carve_cpumask_zero (&n1);
  carve_cpumask_set (&n1, 1);
  all = t.mask;

  EXPECT (carve_memory_free_units (&t, &f.l, NULL, &all) == 3584);
  EXPECT (carve_memory_free_units (&t, &f.l, NULL, &n0) == 1536);

  /* A: 1024 units on node 0; B: 2048 units anywhere.  B fits only if 512
     of its units go to node 0, so each node has 512 left, and 512 in all. */
  fake_partition (&f, 1024 * 2 * MIB, "0");
  fake_partition (&f, 2048 * 2 * MIB, "0-1");
  EXPECT (carve_memory_free_units (&t, &f.l, NULL, &all) == 512);
  EXPECT (carve_memory_free_units (&t, &f.l, NULL, &n0) == 512);
  EXPECT (carve_memory_free_units (&t, &f.l, NULL, &n1) == 512);
  /* Left out of the count, A gives its units back.  */
  EXPECT (carve_memory_free_units (&t, &f.l, &f.parts[0], &n0) == 1536);

  /* Huge pages are pinned: 256 pages of 2M on node 1.  */
  {
    struct carve_ledger_partition_s *c = fake_partition (&f, 512 * MIB, "1");
    c->hugepage_size = 2 * MIB;
    f.hp[0].node = 1;
    f.hp[0].pages = 256;
    c->hugepages = &f.hp[0];
    c->n_hugepages = 1;
  }
  EXPECT (carve_memory_free_units (&t, &f.l, NULL, &all) == 256);
  EXPECT (carve_memory_free_units (&t, &f.l, NULL, &n1) == 256);

  /* More promised than the node has (its config changed): nothing free.  */
  fake_partition (&f, 2 * GIB, "0");
  EXPECT (carve_memory_free_units (&t, &f.l, NULL, &all) == 0);
  carve_memory_topology_release (&t);
  return 0;
}

static int
test_memory_place (void)
{
  cleanup_free char *root = numa_tree ();
  cleanup_node_config carve_node_config_t node = node_config ("{}");
  struct carve_memory_request_s r;
  struct carve_ledger_partition_s p;
  struct fake_ledger_s f;
  carve_error_t err = NULL;

  memset (&f, 0, sizeof (f));
  memset (&p, 0, sizeof (p));
  /* Ordinary memory: the allowed nodes.  */
  EXPECT (memory_parse_at (root, "1G", NULL, NULL, node, &r, &err) == 0);
  EXPECT (carve_memory_place_at (root, &f.l, node, &r, &p, &err) == 0);
  EXPECT (p.memory == GIB && p.memory_units == 512 && carve_cpumask_count (&p.memory_nodes) == 2);
  EXPECT (p.hugepage_size == 0 && p.n_hugepages == 0);

  /* Huge pages: the lowest node that holds them all.  */
  EXPECT (memory_parse_at (root, "3G", "2M", NULL, node, &r, &err) == 0);
  EXPECT (carve_memory_place_at (root, &f.l, node, &r, &p, &err) == 0);
  EXPECT (p.n_hugepages == 1 && p.hugepages[0].node == 0 && p.hugepages[0].pages == 1536);
  EXPECT (carve_cpumask_test (&p.memory_nodes, 0) && carve_cpumask_count (&p.memory_nodes) == 1);
  EXPECT (memory_parse_at (root, "4G", "2M", NULL, node, &r, &err) == 0);
  EXPECT (carve_memory_place_at (root, &f.l, node, &r, &p, &err) == 0);
  EXPECT (p.n_hugepages == 1 && p.hugepages[0].node == 1 && p.hugepages[0].pages == 2048);
  /* ... else spread over them in order.  */
  EXPECT (memory_parse_at (root, "5G", "2M", NULL, node, &r, &err) == 0);
  EXPECT (carve_memory_place_at (root, &f.l, node, &r, &p, &err) == 0);
  EXPECT (p.n_hugepages == 2 && p.hugepages[0].node == 0 && p.hugepages[0].pages == 1536);
  EXPECT (p.hugepages[1].node == 1 && p.hugepages[1].pages == 1024);
  EXPECT (p.memory_units == 2560 && carve_cpumask_count (&p.memory_nodes) == 2);
  /* 1G pages on node 0 (3G of units): whole pages only, 3 of them.  */
  EXPECT (memory_parse_at (root, "3G", "1G", "0", node, &r, &err) == 0);
  EXPECT (carve_memory_place_at (root, &f.l, node, &r, &p, &err) == 0);
  EXPECT (p.n_hugepages == 1 && p.hugepages[0].pages == 3);
  free (p.hugepages);
  memset (&p, 0, sizeof (p));

  /* Beside others: the free units are named.  */
  fake_partition (&f, 3 * GIB, "0-1");
  EXPECT (memory_parse_at (root, "5G", NULL, NULL, node, &r, &err) == 0);
  EXPECT_ERROR ("annotations.carve.memory: 5G asked (2560 units of 2M), 2048 units (4G) free on nodes 0-1 (1 other "
                "partition)",
                carve_memory_place_at (root, &f.l, node, &r, &p, &_e));
  /* 3G of 1G pages fit on node 0 (the other partition goes to node 1);
     5G do not.  */
  EXPECT (memory_parse_at (root, "3G", "1G", NULL, node, &r, &err) == 0);
  EXPECT (carve_memory_place_at (root, &f.l, node, &r, &p, &err) == 0);
  EXPECT (p.n_hugepages == 1 && p.hugepages[0].node == 0 && p.hugepages[0].pages == 3);
  free (p.hugepages);
  memset (&p, 0, sizeof (p));
  EXPECT (memory_parse_at (root, "5G", "1G", NULL, node, &r, &err) == 0);
  EXPECT_ERROR ("5G of 1G huge pages asked (2560 units of 2M), 2048 units (4G) free on nodes 0-1 in whole pages",
                carve_memory_place_at (root, &f.l, node, &r, &p, &_e));
  EXPECT (p.memory == 0);
  return 0;
}

/* --- claim, refresh with the real ledger --------------------------------------- */

static carve_ledger_t
open_ledger (const char *root)
{
  cleanup_free char *path = xasprintf ("%s/run/ledger", root);
  carve_ledger_t l = NULL;
  carve_error_t err = NULL;

  if (carve_ledger_open (path, &l, &err) < 0)
    {
      fprintf (stderr, "# ledger: %s\n", err->msg);
      exit (1);
    }
  return l;
}

#define POOL0 "/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages"
#define POOL1 "/sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages"

static int
test_memory_claim_pools (void)
{
  cleanup_free char *root = numa_tree ();
  cleanup_node_config carve_node_config_t node = node_config ("{}");
  cleanup_ledger carve_ledger_t l = open_ledger (root);
  struct carve_memory_request_s r;
  struct carve_ledger_partition_s *a, *b;
  cleanup_strv char **warnings = NULL;
  carve_error_t err = NULL;

  /* The admin's pool had 10 pages: they stay.  */
  put (root, POOL0, "10\n");
  a = carve_ledger_add (l, "/run/x", "a");
  EXPECT (memory_parse_at (root, "64M", "2M", "0", node, &r, &err) == 0);
  EXPECT (carve_memory_claim_at (root, l, node, &r, a, &err) == 0);
  EXPECT (a->n_hugepages == 1 && a->hugepages[0].pages == 32);
  {
    cleanup_free char *v = get (root, POOL0);
    cleanup_free char *pool = xasprintf ("%s%s", root, POOL0);
    struct carve_ledger_setting_s *s = carve_ledger_find_setting (l, CARVE_LEDGER_FILE, pool);
    EXPECT_STR (v, "42");
    EXPECT (s && s->original && strcmp (s->original, "10") == 0 && carve_ledger_setting_used_by (s, a->key));
  }
  b = carve_ledger_add (l, "/run/x", "b");
  EXPECT (memory_parse_at (root, "16M", "2M", "0", node, &r, &err) == 0);
  EXPECT (carve_memory_claim_at (root, l, node, &r, b, &err) == 0);
  {
    cleanup_free char *v = get (root, POOL0);
    EXPECT_STR (v, "50");
  }

  /* a leaves: the pool keeps the admin's 10 and b's 8.  */
  carve_ledger_remove (l, a);
  carve_memory_refresh (l, &warnings);
  carve_ledger_restore_unused (l, &warnings);
  {
    cleanup_free char *v = get (root, POOL0);
    EXPECT_STR (v, "18");
  }
  /* b leaves: the original.  */
  carve_ledger_remove (l, b);
  carve_memory_refresh (l, &warnings);
  carve_ledger_restore_unused (l, &warnings);
  {
    cleanup_free char *v = get (root, POOL0);
    EXPECT_STR (v, "10");
  }
  EXPECT (warnings == NULL);
  EXPECT (l->n_settings == 0);
  return 0;
}

static int
test_memory_claim_gives_back (void)
{
  cleanup_free char *root = numa_tree ();
  cleanup_node_config carve_node_config_t node = node_config ("{}");
  cleanup_ledger carve_ledger_t l = open_ledger (root);
  struct carve_memory_request_s r;
  struct carve_ledger_partition_s *a;
  cleanup_free char *pool1 = xasprintf ("%s%s", root, POOL1);
  cleanup_free char *elsewhere = xasprintf ("%s/elsewhere", root);
  cleanup_strv char **warnings = NULL;

  /* 5G of pages spread over both nodes, and node 1's pool refuses the
     write (a symlink, which carve never writes through): node 0's pages
     go back at once.  */
  put (root, "/elsewhere", "0\n");
  EXPECT (unlink (pool1) == 0 && symlink (elsewhere, pool1) == 0);
  a = carve_ledger_add (l, "/run/x", "a");
  {
    carve_error_t err = NULL;
    EXPECT (memory_parse_at (root, "5G", "2M", NULL, node, &r, &err) == 0);
  }
  EXPECT_ERROR ("annotations.carve.memory.hugepages: grow the huge page pool of node 1 to 1024",
                carve_memory_claim_at (root, l, node, &r, a, &_e));
  {
    cleanup_free char *v0 = get (root, POOL0);
    cleanup_free char *v1 = get (root, "/elsewhere");
    EXPECT_STR (v0, "0");
    EXPECT_STR (v1, "0");
  }
  /* What the caller does on failure: the entry goes, nothing changes.  */
  carve_ledger_remove (l, a);
  carve_memory_refresh (l, &warnings);
  carve_ledger_restore_unused (l, &warnings);
  {
    cleanup_free char *v0 = get (root, POOL0);
    EXPECT_STR (v0, "0");
  }
  return 0;
}

static int
test_memory_totals (void)
{
  cleanup_free char *root = numa_tree ();
  cleanup_node_config carve_node_config_t node = node_config ("{}");
  struct fake_ledger_s f;
  uint64_t total = 0, free_units = 0;
  carve_error_t err = NULL;

  memset (&f, 0, sizeof (f));
  fake_partition (&f, GIB, "1");
  EXPECT (carve_memory_totals_at (root, &f.l, node, &total, &free_units, &err) == 0);
  EXPECT (total == 8 * GIB && free_units == 3584 - 512);
  return 0;
}

/* --- the spec ------------------------------------------------------------------- */



static int
test_memory_adjust_spec (void)
{
  CARVE_CLEANUP (spec)
  carve_spec_t spec = spec_of (SPEC_HEAD "\"root\": {\"path\": \"rootfs\"}, \"mounts\": [{\"destination\": \"/proc\", "
                                         "\"type\": \"proc\", \"source\": \"proc\"}], \"linux\": {\"resources\": "
                                         "{\"memory\": {\"limit\": 8589934592}}}}");
  struct carve_ledger_hugepages_s hp = { 0, 32 };
  struct carve_ledger_partition_s p;
  struct carve_spec_memory_s *m;
  struct carve_spec_mount_s *mnt;
  carve_error_t err = NULL;

  memset (&p, 0, sizeof (p));
  p.memory = 64 * MIB;
  p.memory_units = 32;
  carve_cpumask_set (&p.memory_nodes, 0);
  p.hugepage_size = 2 * MIB;
  p.hugepages = &hp;
  p.n_hugepages = 1;
  EXPECT (memory_adjust_spec (&p, spec, &err) == 0);
  m = spec->linux_->resources->memory;
  EXPECT (m->has_limit && m->limit == (int64_t)(64 * MIB));
  EXPECT_STR (spec->linux_->resources->cpu->mems, "0");
  EXPECT (spec->linux_->resources->hugepage_limits_len == 1);
  EXPECT_STR (spec->linux_->resources->hugepage_limits[0]->page_size, "2MB");
  EXPECT (spec->linux_->resources->hugepage_limits[0]->limit == 64 * MIB);
  EXPECT (spec->mounts_len == 2 && spec->mounts[2] == NULL);
  mnt = spec->mounts[1];
  EXPECT_STR (mnt->destination, "/dev/hugepages");
  EXPECT_STR (mnt->type, "hugetlbfs");
  EXPECT (mnt->options_len == 6);
  EXPECT_STR (mnt->options[3], "pagesize=2M");
  EXPECT_STR (mnt->options[4], "size=67108864");
  EXPECT_STR (mnt->options[5], "min_size=67108864");
  return 0;
}

static int
test_memory_adjust_spec_keeps_smaller (void)
{
  CARVE_CLEANUP (spec)
  carve_spec_t spec = spec_of (SPEC_HEAD "\"root\": {\"path\": \"/\"}, \"linux\": {\"resources\": {\"memory\": "
                                         "{\"limit\": 1048576}, \"cpu\": {\"mems\": \"0-1\"}}}}");
  struct carve_ledger_partition_s p;
  carve_error_t err = NULL;

  memset (&p, 0, sizeof (p));
  p.memory = 64 * MIB;
  carve_cpumask_set (&p.memory_nodes, 1);
  /* Ordinary memory needs no mount: the host's root is fine.  */
  EXPECT (memory_adjust_spec (&p, spec, &err) == 0);
  EXPECT (spec->linux_->resources->memory->limit == 1048576);
  /* The spec's mems are narrowed to the partition's.  */
  EXPECT_STR (spec->linux_->resources->cpu->mems, "1");
  EXPECT (spec->mounts_len == 0);
  return 0;
}

static int
test_memory_adjust_spec_refusals (void)
{
  struct carve_ledger_hugepages_s hp = { 0, 32 };
  struct carve_ledger_partition_s p;

  memset (&p, 0, sizeof (p));
  p.memory = 64 * MIB;
  carve_cpumask_set (&p.memory_nodes, 0);
  {
    CARVE_CLEANUP (spec)
    carve_spec_t spec = spec_of (SPEC_HEAD "\"root\": {\"path\": \"rootfs\"}, \"linux\": {\"resources\": {\"cpu\": "
                                           "{\"mems\": \"1\"}}}}");
    EXPECT_ERROR ("linux.resources.cpu.mems: `1` leaves out nodes of the memory partition (`0`)",
                  memory_adjust_spec (&p, spec, &_e));
  }
  p.hugepage_size = 2 * MIB;
  p.hugepages = &hp;
  p.n_hugepages = 1;
  {
    CARVE_CLEANUP (spec)
    carve_spec_t spec = spec_of (SPEC_HEAD "\"root\": {\"path\": \"rootfs\"}, \"mounts\": [{\"destination\": "
                                           "\"/dev/hugepages\", \"type\": \"tmpfs\"}]}");
    EXPECT_ERROR ("mounts[0]: `/dev/hugepages` is where annotations.carve.memory.hugepages=2M mounts the partition",
                  memory_adjust_spec (&p, spec, &_e));
  }
  {
    /* The host's root: whether it has a mount namespace is create's
       decision, checked in carve_compute_plan.  */
    CARVE_CLEANUP (spec)
    carve_spec_t spec = spec_of (SPEC_HEAD "\"root\": {\"path\": \"/\"}, \"annotations\": {\"carve.isolation\": "
                                           "\"oci\"}, \"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}");
    carve_error_t err = NULL;
    EXPECT (memory_adjust_spec (&p, spec, &err) == 0);
    EXPECT (spec->mounts_len == 1);
  }
  return 0;
}

/* A cgroup2 node with the memory controller, and a container's cgroup
   /ctr in it: memory.min is the partition.  */
static int
test_memory_apply_min (void)
{
  cleanup_free char *root = fake_root ();
  cleanup_free char *mi = xasprintf ("%s/mountinfo", root), *pc = xasprintf ("%s/cgroups", root);
  cleanup_cgroup_layout carve_cgroup_layout_t layout = NULL;
  cleanup_cgroup carve_cgroup_t cg = NULL;
  struct carve_ledger_partition_s p;
  carve_error_t err = NULL;

  put (root, "/mountinfo", "45 22 0:45 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n");
  put (root, "/proc/self/cgroup", "0::/\n");
  put (root, "/sys/fs/cgroup/cgroup.controllers", "memory\n");
  put (root, "/sys/fs/cgroup/ctr/memory.min", "0\n");
  put (root, "/sys/fs/cgroup/ctr/cgroup.procs", "");
  EXPECT (carve_cgroup_layout_detect (mi, pc, root, &layout, &err) == 0);
  EXPECT (carve_cgroup_open (layout, "/ctr", &cg, &err) == 0);

  memset (&p, 0, sizeof (p));
  EXPECT (carve_cgroup_set_memory_min (cg, carve_memory_min_of (&p), &err) == 0);
  {
    cleanup_free char *v = get (root, "/sys/fs/cgroup/ctr/memory.min");
    EXPECT_STR (v, "0");
  }
  p.memory = 64 * MIB;
  EXPECT (carve_cgroup_set_memory_min (cg, carve_memory_min_of (&p), &err) == 0);
  {
    cleanup_free char *v = get (root, "/sys/fs/cgroup/ctr/memory.min");
    EXPECT_STR (v, "67108864");
  }
  /* Huge pages are not reclaimed: no protection asked for them.  */
  put (root, "/sys/fs/cgroup/ctr/memory.min", "0\n");
  p.hugepage_size = 2 * MIB;
  EXPECT (carve_cgroup_set_memory_min (cg, carve_memory_min_of (&p), &err) == 0);
  {
    cleanup_free char *v = get (root, "/sys/fs/cgroup/ctr/memory.min");
    EXPECT_STR (v, "0");
  }
  return 0;
}

/* --- carve.sched ------------------------------------------------------------------ */

static int
test_sched_parse (void)
{
  struct carve_compute_request_s r = { 0 };
  carve_error_t err = NULL;

  EXPECT (sched_parse (NULL, &r, &err) == 0 && r.sched == CARVE_SCHED_DEFAULT);
  EXPECT (sched_parse ("default", &r, &err) == 0 && r.sched == CARVE_SCHED_DEFAULT);
  EXPECT (sched_parse ("cooperative", &r, &err) == 0 && r.sched == CARVE_SCHED_COOPERATIVE);
  EXPECT (sched_parse ("batch", &r, &err) == 0 && r.sched == CARVE_SCHED_BATCH);
  EXPECT (sched_parse ("idle", &r, &err) == 0 && r.sched == CARVE_SCHED_IDLE);
  EXPECT (sched_parse ("fifo:1", &r, &err) == 0 && r.sched == CARVE_SCHED_FIFO && r.sched_priority == 1);
  EXPECT (sched_parse ("rr:99", &r, &err) == 0 && r.sched == CARVE_SCHED_RR && r.sched_priority == 99);
  EXPECT_ERROR ("annotations.carve.sched: `fifo:0` is not a real-time "
                "priority: priority 1-99",
                sched_parse ("fifo:0", &r, &_e));
  EXPECT_ERROR ("`rr:100` is not a real-time priority: priority 1-99", sched_parse ("rr:100", &r, &_e));
  EXPECT_ERROR ("priority 1-99", sched_parse ("fifo:", &r, &_e));
  EXPECT_ERROR ("priority 1-99", sched_parse ("fifo:-3", &r, &_e));
  EXPECT_ERROR ("priority 1-99", sched_parse ("fifo:5x", &r, &_e));
  EXPECT_ERROR ("annotations.carve.sched: `realtime` is not `default`, "
                "`cooperative`, `batch`, `idle`, `fifo:N` or `rr:N`",
                sched_parse ("realtime", &r, &_e));
  carve_compute_request_release (&r);
  return 0;
}

static int
test_sched_adjust_spec (void)
{
  struct carve_compute_request_s r = { 0 };
  carve_error_t err = NULL;

  {
    CARVE_CLEANUP (spec) carve_spec_t spec = spec_of (SPEC_HEAD "\"root\": {\"path\": \"/\"}}");
    EXPECT (sched_parse ("cooperative", &r, &err) == 0);
    if (spec->process->scheduler == NULL)
      spec->process->scheduler = carve_sched_plan (&r, spec);
    EXPECT (spec->process->scheduler);
    EXPECT_STR (spec->process->scheduler->policy, "SCHED_FIFO");
    EXPECT (spec->process->scheduler->has_priority && spec->process->scheduler->priority == 1);
  }
  {
    CARVE_CLEANUP (spec) carve_spec_t spec = spec_of (SPEC_HEAD "\"root\": {\"path\": \"/\"}}");
    EXPECT (sched_parse ("idle", &r, &err) == 0);
    if (spec->process->scheduler == NULL)
      spec->process->scheduler = carve_sched_plan (&r, spec);
    EXPECT_STR (spec->process->scheduler->policy, "SCHED_IDLE");
    EXPECT (!spec->process->scheduler->has_priority);
  }
  {
    CARVE_CLEANUP (spec) carve_spec_t spec = spec_of (SPEC_HEAD "\"root\": {\"path\": \"/\"}}");
    EXPECT (sched_parse ("default", &r, &err) == 0);
    if (spec->process->scheduler == NULL)
      spec->process->scheduler = carve_sched_plan (&r, spec);
    EXPECT (spec->process->scheduler == NULL);
  }
  {
    /* process.scheduler wins.  */
    CARVE_CLEANUP (spec)
    carve_spec_t spec = spec_of ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"/\"}, \"process\": {\"cwd\": "
                                 "\"/\", \"args\": [\"sh\"], \"scheduler\": {\"policy\": \"SCHED_BATCH\"}}}");
    EXPECT (sched_parse ("rr:7", &r, &err) == 0);
    if (spec->process->scheduler == NULL)
      spec->process->scheduler = carve_sched_plan (&r, spec);
    EXPECT_STR (spec->process->scheduler->policy, "SCHED_BATCH");
  }
  carve_compute_request_release (&r);
  return 0;
}

/* A v1 cpu hierarchy: the root (950000 of 1000000), OTHER holding 100000,
   and the path a/b/c of a container with nothing granted.  */
static char *
cpu_tree (void)
{
  char *root = fake_root ();
  static const char *const dirs[] = { "", "/other", "/a", "/a/b", "/a/b/c" };
  static const char *const runtimes[] = { "950000\n", "100000\n", "0\n", "0\n", "0\n" };

  for (size_t i = 0; i < sizeof (dirs) / sizeof (dirs[0]); i++)
    {
      cleanup_free char *p = xasprintf ("%s/cpu.rt_period_us", dirs[i]);
      cleanup_free char *q = xasprintf ("%s/cpu.rt_runtime_us", dirs[i]);
      put (root, p, "1000000\n");
      put (root, q, runtimes[i]);
    }
  /* Something that is not a cgroup.  */
  put (root, "/cpu.stat", "nr_periods 0\n");
  return root;
}

static int
rmdir_all (const char *root, const char *rel)
{
  cleanup_free char *path = xasprintf ("%s%s", root, rel);
  carve_error_t err = NULL;
  if (carve_rm_rf (path, &err) < 0)
    {
      carve_error_release (&err);
      return -1;
    }
  return 0;
}

static int
test_sched_rt_plan_greedy (void)
{
  cleanup_free char *root = cpu_tree ();
  cleanup_free char *dir = xasprintf ("%s/a/b/c", root);
  struct carve_sched_rt_level_s *lv = NULL;
  size_t n = 0;
  carve_error_t err = NULL;

  EXPECT (carve_sched_rt_ratio (1000000, 950000) == 996147);
  EXPECT (carve_sched_rt_ratio (1000000, -1) == 1 << 20);
  /* All the root can spare beside OTHER, exactly, down the path.  */
  EXPECT (carve_sched_rt_plan (root, dir, -1, &lv, &n, &err) == 0);
  EXPECT (n == 4);
  EXPECT (lv[0].new_runtime == 950000 && lv[0].others == carve_sched_rt_ratio (1000000, 100000));
  EXPECT (lv[1].new_runtime == 850000 && lv[2].new_runtime == 850000 && lv[3].new_runtime == 850000);
  carve_sched_rt_levels_free (lv, n);

  /* A sibling of c already holds 300000 of b (and b has it): c gets the
     rest, b and a stay.  */
  put (root, "/a/cpu.rt_runtime_us", "400000\n");
  put (root, "/a/b/cpu.rt_runtime_us", "400000\n");
  put (root, "/a/b/sib/cpu.rt_period_us", "1000000\n");
  put (root, "/a/b/sib/cpu.rt_runtime_us", "300000\n");
  EXPECT (carve_sched_rt_plan (root, dir, -1, &lv, &n, &err) == 0);
  EXPECT (lv[1].new_runtime == 850000 && lv[2].new_runtime == 850000 && lv[3].new_runtime == 550000);
  carve_sched_rt_levels_free (lv, n);

  /* Periods that differ: the kernel's ratios, and what it would admit.  */
  put (root, "/a/b/sib/cpu.rt_runtime_us", "0\n");
  put (root, "/a/cpu.rt_runtime_us", "0\n");
  put (root, "/a/b/cpu.rt_runtime_us", "0\n");
  put (root, "/half/cpu.rt_period_us", "500000\n");
  put (root, "/half/cpu.rt_runtime_us", "50000\n");
  EXPECT (carve_sched_rt_plan (root, dir, -1, &lv, &n, &err) == 0);
  EXPECT (!lv[0].uniform);
  EXPECT (lv[1].new_runtime >= 749999 && lv[1].new_runtime <= 750001);
  EXPECT (lv[0].others + carve_sched_rt_ratio (1000000, lv[1].new_runtime) <= carve_sched_rt_ratio (1000000, 950000));
  EXPECT (lv[2].new_runtime == lv[1].new_runtime && lv[3].new_runtime == lv[1].new_runtime);
  carve_sched_rt_levels_free (lv, n);
  EXPECT (rmdir_all (root, "/half") == 0);

  /* Nothing left.  */
  put (root, "/other/cpu.rt_runtime_us", "950000\n");
  put (root, "/a/cpu.rt_runtime_us", "0\n");
  put (root, "/a/b/cpu.rt_runtime_us", "0\n");
  put (root, "/a/b/sib/cpu.rt_runtime_us", "0\n");
  EXPECT_ERROR ("no RT runtime left to grant", carve_sched_rt_plan (root, dir, -1, &lv, &n, &_e));
  return 0;
}

static int
test_sched_rt_plan_explicit (void)
{
  cleanup_free char *root = cpu_tree ();
  cleanup_free char *dir = xasprintf ("%s/a/b/c", root);
  struct carve_sched_rt_level_s *lv = NULL;
  size_t n = 0;
  carve_error_t err = NULL;

  /* realtimeRuntime: ancestors raised just enough.  */
  EXPECT (carve_sched_rt_plan (root, dir, 200000, &lv, &n, &err) == 0);
  EXPECT (lv[1].new_runtime == 200000 && lv[2].new_runtime == 200000 && lv[3].new_runtime == 200000);
  carve_sched_rt_levels_free (lv, n);
  /* ... and never lowered.  */
  put (root, "/a/cpu.rt_runtime_us", "500000\n");
  EXPECT (carve_sched_rt_plan (root, dir, 200000, &lv, &n, &err) == 0);
  EXPECT (lv[1].new_runtime == 500000 && lv[2].new_runtime == 200000);
  carve_sched_rt_levels_free (lv, n);
  EXPECT_ERROR ("linux.resources.cpu.realtimeRuntime: 900000 does not fit: the root",
                carve_sched_rt_plan (root, dir, 900000, &lv, &n, &_e));
  EXPECT_ERROR ("can spare 850000 of 1000000", carve_sched_rt_plan (root, dir, 900000, &lv, &n, &_e));
  EXPECT_ERROR ("is more than the period 1000000", carve_sched_rt_plan (root, dir, 2000000, &lv, &n, &_e));
  EXPECT_ERROR ("is the cpu hierarchy's root", carve_sched_rt_plan (root, root, 1, &lv, &n, &_e));
  return 0;
}

static int
test_sched_grant_rt_records (void)
{
  cleanup_free char *root = cpu_tree ();
  cleanup_free char *dir = xasprintf ("%s/a/b/c", root);
  cleanup_ledger carve_ledger_t l = open_ledger (root);
  cleanup_strv char **warnings = NULL;
  struct carve_ledger_partition_s *p = carve_ledger_add (l, "/run/x", "c");
  carve_error_t err = NULL;

  EXPECT (carve_sched_grant_rt_at (l, p->key, root, dir, -1, &err) == 0);
  {
    cleanup_free char *a = get (root, "/a/cpu.rt_runtime_us");
    cleanup_free char *b = get (root, "/a/b/cpu.rt_runtime_us");
    cleanup_free char *c = get (root, "/a/b/c/cpu.rt_runtime_us");
    EXPECT_STR (a, "850000");
    EXPECT_STR (b, "850000");
    EXPECT_STR (c, "850000");
  }
  /* The ancestors are recorded (not the container's own cgroup), a
     before b, so b is restored first.  */
  EXPECT (l->n_settings == 2);
  EXPECT (strstr (l->settings[0]->path, "/a/cpu.rt_runtime_us") && strcmp (l->settings[0]->original, "0") == 0);
  EXPECT (strstr (l->settings[1]->path, "/a/b/cpu.rt_runtime_us"));
  EXPECT (carve_ledger_setting_used_by (l->settings[0], p->key));
  {
    /* The ledger on disk has them already.  */
    cleanup_free char *text = get (root, "/run/ledger");
    EXPECT_CONTAINS (text, "/a/b/cpu.rt_runtime_us");
  }
  /* A second container beside c, under b, with 50000 of its own: b and a
     stay as they are (c holds the rest) but it becomes their user too.  */
  {
    struct carve_ledger_partition_s *q = carve_ledger_add (l, "/run/x", "d");
    cleanup_free char *d = xasprintf ("%s/a/b/d", root);
    put (root, "/a/b/d/cpu.rt_period_us", "1000000\n");
    put (root, "/a/b/d/cpu.rt_runtime_us", "0\n");
    put (root, "/a/b/c/cpu.rt_runtime_us", "800000\n");
    EXPECT (carve_sched_grant_rt_at (l, q->key, root, d, 50000, &err) == 0);
    EXPECT (l->n_settings == 2);
    EXPECT (carve_ledger_setting_used_by (l->settings[0], q->key));
    EXPECT (carve_ledger_setting_used_by (l->settings[1], q->key));
    /* c leaves: a and b are still needed.  */
    carve_ledger_remove (l, p);
    carve_memory_refresh (l, &warnings);
    carve_ledger_restore_unused (l, &warnings);
    {
      cleanup_free char *b = get (root, "/a/b/cpu.rt_runtime_us");
      EXPECT_STR (b, "850000");
    }
    EXPECT (l->n_settings == 2);
    p = q;
    put (root, "/a/b/c/cpu.rt_runtime_us", "0\n");
  }
  put (root, "/a/b/d/cpu.rt_runtime_us", "0\n");
  carve_ledger_remove (l, p);
  /* The refresh writes them back already (waiting for the kernel).  */
  carve_memory_refresh (l, &warnings);
  {
    cleanup_free char *a = get (root, "/a/cpu.rt_runtime_us");
    EXPECT_STR (a, "0");
  }
  carve_ledger_restore_unused (l, &warnings);
  {
    cleanup_free char *a = get (root, "/a/cpu.rt_runtime_us");
    cleanup_free char *b = get (root, "/a/b/cpu.rt_runtime_us");
    EXPECT_STR (a, "0");
    EXPECT_STR (b, "0");
  }
  EXPECT (warnings == NULL);
  /* A container in the root cgroup: nothing to grant.  */
  EXPECT (carve_sched_grant_rt_at (l, "x", root, root, -1, &err) == 0);
  return 0;
}

/* --- linux.memoryPolicy ------------------------------------------------------------- */

static int
test_mempolicy_compile (void)
{
  struct carve_spec_memory_policy_s p;
  struct carve_mempolicy_s mp;
  char *flags[] = { "MPOL_F_STATIC_NODES", NULL };
  char *both[] = { "MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES", NULL };
  carve_error_t err = NULL;

  memset (&p, 0, sizeof (p));
  p.mode = "MPOL_BIND";
  p.nodes = "0-1, 65";
  p.flags = flags;
  p.flags_len = 1;
  EXPECT (carve_mempolicy_compile (&p, &mp, &err) == 0);
  EXPECT (mp.mode == (2 | (1 << 15)));
  EXPECT (mp.nodemask[0] == 3 && mp.nodemask[1] == 2 && mp.maxnode == 129);

  memset (&p, 0, sizeof (p));
  p.mode = "MPOL_LOCAL";
  EXPECT (carve_mempolicy_compile (&p, &mp, &err) == 0);
  EXPECT (mp.mode == 4 && mp.maxnode == 0);
  p.mode = "MPOL_WEIGHTED_INTERLEAVE";
  p.nodes = "0";
  EXPECT (carve_mempolicy_compile (&p, &mp, &err) == 0 && mp.mode == 6);

  p.mode = "MPOL_DEFAULT";
  EXPECT_ERROR ("linux.memoryPolicy.nodes: MPOL_DEFAULT takes no nodes", carve_mempolicy_compile (&p, &mp, &_e));
  p.mode = "MPOL_INTERLEAVE";
  p.nodes = NULL;
  EXPECT_ERROR ("linux.memoryPolicy.nodes: MPOL_INTERLEAVE needs at least "
                "one node",
                carve_mempolicy_compile (&p, &mp, &_e));
  p.nodes = "0";
  p.flags = both;
  p.flags_len = 2;
  EXPECT_ERROR ("MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES", carve_mempolicy_compile (&p, &mp, &_e));
  p.flags = NULL;
  p.flags_len = 0;
  p.nodes = "0-";
  EXPECT_ERROR ("linux.memoryPolicy.nodes: `0-` is not a node list", carve_mempolicy_compile (&p, &mp, &_e));
  p.nodes = "5000";
  EXPECT_ERROR ("node 5000 is beyond", carve_mempolicy_compile (&p, &mp, &_e));
  return 0;
}

static int
test_mempolicy_set (void)
{
  struct carve_spec_memory_policy_s p;
  carve_error_t err = NULL;
  long cur = -1;

  /* On this thread, then back to the default.  */
  memset (&p, 0, sizeof (p));
  p.mode = "MPOL_BIND";
  p.nodes = "0";
  EXPECT (carve_mempolicy_set (&p, &err) == 0);
  {
    int mode = -1;
    EXPECT (syscall (SYS_get_mempolicy, &mode, NULL, 0, NULL, 0) == 0);
    cur = mode;
  }
  EXPECT (cur == 2);
  /* A node the machine lacks: the kernel refuses, the message says what.  */
  p.nodes = "1000";
  EXPECT_ERROR ("linux.memoryPolicy: set_mempolicy MPOL_BIND nodes `1000`", carve_mempolicy_set (&p, &_e));
  p.mode = "MPOL_DEFAULT";
  p.nodes = NULL;
  EXPECT (carve_mempolicy_set (&p, &err) == 0);
  return 0;
}

UNIT_MAIN (UNIT_CASE (test_memory_parse_sizes), UNIT_CASE (test_memory_parse_units_not_page_sized),
           UNIT_CASE (test_memory_parse_errors), UNIT_CASE (test_memory_topology), UNIT_CASE (test_memory_pool_paths),
           UNIT_CASE (test_memory_free_units_flow), UNIT_CASE (test_memory_place), UNIT_CASE (test_memory_claim_pools),
           UNIT_CASE (test_memory_claim_gives_back), UNIT_CASE (test_memory_totals),
           UNIT_CASE (test_memory_adjust_spec), UNIT_CASE (test_memory_adjust_spec_keeps_smaller),
           UNIT_CASE (test_memory_adjust_spec_refusals), UNIT_CASE (test_memory_apply_min),
           UNIT_CASE (test_sched_parse), UNIT_CASE (test_sched_adjust_spec), UNIT_CASE (test_sched_rt_plan_greedy),
           UNIT_CASE (test_sched_rt_plan_explicit), UNIT_CASE (test_sched_grant_rt_records),
           UNIT_CASE (test_mempolicy_compile), UNIT_CASE (test_mempolicy_set))
