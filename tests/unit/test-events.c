/* Unit tests of spec/events.c: the events, ps and resources JSON that the
   cgroup commands print and keep.  */
#include <config.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "spec/events.h"
#include "spec/resources.h"
#include "spec/spec.h"
#include "tests/unit/unit.h"
#include "xalloc.h"

/* runc 1.1.5's `events --stats` of a v1 container, key for key.  */
static int
test_stats_event (void)
{
  static const uint64_t percpu[] = { 2456757, 12869338 };
  static const uint64_t percpu_kernel[] = { 0, 12000000 };
  static const uint64_t percpu_user[] = { 0, 0 };
  static const char *const raw_keys[] = { "rss", "cache", "active_anon" };
  static const uint64_t raw_values[] = { 53248, 0, 4096 };
  static const struct carve_spec_stats_blkio_entry_s bytes[] = {
    { 8, 0, "Read", 4096 },
    { 8, 0, "Write", 0 },
    { 0, 0, "", 0 },
  };
  static const struct carve_spec_stats_hugetlb_s huge[] = {
    { "2MB", 2097152, 0, 1 },
    { "1GB", 0, 0, 0 },
  };
  struct carve_spec_stats_s s;
  cleanup_free char *json = NULL;

  memset (&s, 0, sizeof (s));
  s.cpu.total = 15326095;
  s.cpu.percpu = percpu;
  s.cpu.percpu_len = 2;
  s.cpu.percpu_kernel = percpu_kernel;
  s.cpu.percpu_kernel_len = 2;
  s.cpu.percpu_user = percpu_user;
  s.cpu.percpu_user_len = 2;
  s.cpu.kernel = 10000000;
  s.cpu.throttled_periods = 3;
  s.cpuset.cpus = "0-1";
  s.cpuset.mems = "0";
  s.cpuset.sched_load_balance = 1;
  s.cpuset.sched_relax_domain_level = -1;
  s.memory.usage = (struct carve_spec_stats_memory_entry_s){ 9223372036854771712ULL, 749568, 2523136, 0 };
  s.memory.swap = (struct carve_spec_stats_memory_entry_s){ UINT64_MAX, 0, 0, 2 };
  s.memory.raw_keys = raw_keys;
  s.memory.raw_values = raw_values;
  s.memory.raw_len = 3;
  s.pids.current = 1;
  s.blkio[CARVE_SPEC_BLKIO_SERVICE_BYTES].entries = bytes;
  s.blkio[CARVE_SPEC_BLKIO_SERVICE_BYTES].len = 3;
  s.hugetlb = huge;
  s.hugetlb_len = 2;

  json = carve_spec_emit_stats_event ("c<1>", &s);
  EXPECT_STR (json,
              "{\"type\":\"stats\",\"id\":\"c\\u003c1\\u003e\",\"data\":{"
              "\"cpu\":{\"usage\":{\"total\":15326095,\"percpu\":[2456757,12869338],\"percpu_kernel\":[0,12000000],"
              "\"percpu_user\":[0,0],\"kernel\":10000000,\"user\":0},\"throttling\":{\"throttledPeriods\":3}},"
              "\"cpuset\":{\"cpus\":[0,1],\"cpu_exclusive\":0,\"mems\":[0],\"mem_hardwall\":0,\"mem_exclusive\":0,"
              "\"memory_migrate\":0,\"memory_spread_page\":0,\"memory_spread_slab\":0,\"memory_pressure\":0,"
              "\"sched_load_balance\":1,\"sched_relax_domain_level\":-1},"
              "\"memory\":{\"usage\":{\"limit\":9223372036854771712,\"usage\":749568,\"max\":2523136,\"failcnt\":0},"
              "\"swap\":{\"limit\":18446744073709551615,\"failcnt\":2},\"kernel\":{\"limit\":0,\"failcnt\":0},"
              "\"kernelTCP\":{\"limit\":0,\"failcnt\":0},\"raw\":{\"active_anon\":4096,\"cache\":0,\"rss\":53248}},"
              "\"pids\":{\"current\":1},"
              "\"blkio\":{\"ioServiceBytesRecursive\":[{\"major\":8,\"op\":\"Read\",\"value\":4096},"
              "{\"major\":8,\"op\":\"Write\"},{}]},"
              "\"hugetlb\":{\"1GB\":{\"failcnt\":0},\"2MB\":{\"usage\":2097152,\"failcnt\":1}},"
              "\"intel_rdt\":{},\"network_interfaces\":null}}");
  return 0;
}

static int
test_empty_stats_event (void)
{
  struct carve_spec_stats_s s;
  cleanup_free char *json = NULL;

  memset (&s, 0, sizeof (s));
  json = carve_spec_emit_stats_event ("x", &s);
  EXPECT_STR (json, "{\"type\":\"stats\",\"id\":\"x\",\"data\":{\"cpu\":{\"usage\":{\"kernel\":0,\"user\":0},"
                    "\"throttling\":{}},\"cpuset\":{\"cpu_exclusive\":0,\"mem_hardwall\":0,\"mem_exclusive\":0,"
                    "\"memory_migrate\":0,\"memory_spread_page\":0,\"memory_spread_slab\":0,\"memory_pressure\":0,"
                    "\"sched_load_balance\":0,\"sched_relax_domain_level\":0},\"memory\":{\"usage\":{\"limit\":0,"
                    "\"failcnt\":0},\"swap\":{\"limit\":0,\"failcnt\":0},\"kernel\":{\"limit\":0,\"failcnt\":0},"
                    "\"kernelTCP\":{\"limit\":0,\"failcnt\":0}},\"pids\":{},\"blkio\":{},\"hugetlb\":{},"
                    "\"intel_rdt\":{},\"network_interfaces\":null}}");
  return 0;
}

static int
test_oom_and_pids (void)
{
  static const pid_t pids[] = { 12, 3456 };
  cleanup_free char *oom = carve_spec_emit_event ("oom", "job-1");
  cleanup_free char *none = carve_spec_emit_pids (NULL, 0);
  cleanup_free char *two = carve_spec_emit_pids (pids, 2);

  EXPECT_STR (oom, "{\"type\":\"oom\",\"id\":\"job-1\"}");
  EXPECT_STR (none, "null");
  EXPECT_STR (two, "[12,3456]");
  return 0;
}

static const char full_resources[]
    = "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,"
      "\"access\":\"rw\"}],"
      "\"memory\":{\"limit\":104857600,\"reservation\":52428800,\"swap\":209715200,\"swappiness\":10,"
      "\"disableOOMKiller\":false,\"checkBeforeUpdate\":true},"
      "\"cpu\":{\"shares\":512,\"quota\":50000,\"burst\":1000,\"period\":100000,\"realtimeRuntime\":-1,"
      "\"realtimePeriod\":1000000,\"cpus\":\"0-1\",\"mems\":\"0\",\"idle\":0},"
      "\"pids\":{\"limit\":-1},"
      "\"blockIO\":{\"weight\":300,\"leafWeight\":200,\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":100}],"
      "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}],"
      "\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":0,\"rate\":100}]},"
      "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}],"
      "\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"lo\",\"priority\":2}]},"
      "\"rdma\":{\"mlx5_0\":{\"hcaHandles\":3}},"
      "\"unified\":{\"memory.high\":\"max\",\"cpu.weight\":\"50\"}}";

/* What emit writes, parse reads back to the same struct.  */
static int
test_resources_round_trip (void)
{
  cleanup_spec_resources struct carve_spec_linux_resources_s *a = NULL, *b = NULL;
  cleanup_free char *ja = NULL, *jb = NULL;
  carve_error_t err = NULL;

  a = carve_spec_resources_parse (full_resources, strlen (full_resources), &err);
  if (a == NULL)
    {
      fprintf (stderr, "# %s\n", err->msg);
      carve_error_release (&err);
      return -1;
    }
  ja = carve_spec_emit_resources (a);
  /* The unified map comes out sorted, as every Go map.  */
  EXPECT_CONTAINS (ja, "\"unified\":{\"cpu.weight\":\"50\",\"memory.high\":\"max\"}");
  EXPECT_CONTAINS (ja, "\"cpu\":{\"shares\":512,\"quota\":50000,\"burst\":1000,\"period\":100000,"
                       "\"realtimeRuntime\":-1,\"realtimePeriod\":1000000,\"cpus\":\"0-1\",\"mems\":\"0\",\"idle\":0}");
  EXPECT_CONTAINS (ja, "\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\","
                       "\"major\":1,\"minor\":3,\"access\":\"rw\"}]");
  EXPECT_CONTAINS (ja, "\"rdma\":{\"mlx5_0\":{\"hcaHandles\":3}}");
  b = carve_spec_resources_parse (ja, strlen (ja), &err);
  if (b == NULL)
    {
      fprintf (stderr, "# %s\n", err->msg);
      carve_error_release (&err);
      return -1;
    }
  jb = carve_spec_emit_resources (b);
  EXPECT_STR (ja, jb);
  EXPECT (b->memory->has_check_before_update && b->memory->check_before_update);
  EXPECT (b->memory->has_disable_oom_killer && !b->memory->disable_oom_killer);
  EXPECT (!b->memory->has_kernel);
  EXPECT (b->pids->limit == -1);
  return 0;
}

static struct carve_spec_linux_resources_s *
parse (const char *json)
{
  carve_error_t err = NULL;
  struct carve_spec_linux_resources_s *r = carve_spec_resources_parse (json, strlen (json), &err);
  if (r == NULL)
    {
      fprintf (stderr, "# parse `%s`: %s\n", json, err->msg);
      carve_error_release (&err);
    }
  return r;
}

static int
test_resources_merge (void)
{
  cleanup_spec_resources struct carve_spec_linux_resources_s *base = NULL, *delta = NULL, *empty = NULL, *delta2 = NULL;
  cleanup_free char *json = NULL, *json2 = NULL;

  base = parse ("{\"memory\":{\"limit\":100,\"swap\":200},\"cpu\":{\"cpus\":\"0-1\",\"shares\":10},"
                "\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":5},"
                "{\"major\":8,\"minor\":16,\"rate\":6}]},\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":1}],"
                "\"unified\":{\"memory.high\":\"100\"},\"pids\":{\"limit\":10},"
                "\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}");
  delta = parse ("{\"memory\":{\"swap\":-1,\"reservation\":7},\"cpu\":{\"cpus\":\"\",\"mems\":\"0\",\"quota\":-1},"
                 "\"blockIO\":{\"weight\":500,\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":16,\"rate\":9},"
                 "{\"major\":253,\"minor\":0,\"rate\":1}]},"
                 "\"hugepageLimits\":[{\"pageSize\":\"1GB\",\"limit\":0},{\"pageSize\":\"2MB\",\"limit\":2}],"
                 "\"unified\":{\"memory.high\":\"max\",\"pids.max\":\"5\"},\"network\":{\"classID\":3}}");
  if (base == NULL || delta == NULL)
    return -1;
  carve_spec_resources_merge (base, delta);
  json = carve_spec_emit_resources (base);
  EXPECT_STR (json, "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],"
                    "\"memory\":{\"limit\":100,\"reservation\":7,\"swap\":-1},"
                    "\"cpu\":{\"shares\":10,\"quota\":-1,\"cpus\":\"0-1\",\"mems\":\"0\"},"
                    "\"pids\":{\"limit\":10},"
                    "\"blockIO\":{\"weight\":500,\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":5},"
                    "{\"major\":8,\"minor\":16,\"rate\":9},{\"major\":253,\"minor\":0,\"rate\":1}]},"
                    "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":2},{\"pageSize\":\"1GB\",\"limit\":0}],"
                    "\"network\":{\"classID\":3},"
                    "\"unified\":{\"memory.high\":\"max\",\"pids.max\":\"5\"}}");

  /* Into an empty one: everything moves over.  */
  empty = xzalloc (sizeof (*empty));
  delta2 = parse ("{\"pids\":{\"limit\":3},\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5}]}");
  if (delta2 == NULL)
    return -1;
  carve_spec_resources_merge (empty, delta2);
  json2 = carve_spec_emit_resources (empty);
  EXPECT_STR (json2, "{\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5}],\"pids\":{\"limit\":3}}");
  EXPECT (delta2->pids == NULL && delta2->devices_len == 0);
  return 0;
}

UNIT_MAIN (UNIT_CASE (test_stats_event), UNIT_CASE (test_empty_stats_event), UNIT_CASE (test_oom_and_pids),
           UNIT_CASE (test_resources_round_trip), UNIT_CASE (test_resources_merge))
