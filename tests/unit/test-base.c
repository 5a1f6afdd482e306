/* runtime/base: CPU masks in the kernel's list and hex formats, and the
   node configuration's parser (sizes, unknown keys, defaults).  */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/cpumask.h"
#include "runtime/base/error.h"
#include "spec/node-config.h"
#include "unit.h"

static int
test_cpumask_list (void)
{
  carve_cpumask_t m;
  carve_error_t err = NULL;
  cleanup_free char *s = NULL;

  EXPECT (carve_cpumask_parse_list ("0-3,8,10-11\n", &m, &err) == 0);
  EXPECT (carve_cpumask_count (&m) == 7);
  EXPECT (carve_cpumask_test (&m, 8) && !carve_cpumask_test (&m, 9));
  s = carve_cpumask_format_list (&m);
  EXPECT_STR (s, "0-3,8,10-11");
  EXPECT (carve_cpumask_next (&m, 4) == 8);
  EXPECT (carve_cpumask_next (&m, 12) == -1);
  EXPECT (carve_cpumask_parse_list ("", &m, &err) == 0 && carve_cpumask_empty (&m));
  free (s);
  s = carve_cpumask_format_list (&m);
  EXPECT_STR (s, "");
  EXPECT (carve_cpumask_parse_list ("3-1", &m, &err) < 0);
  EXPECT_STR (err->msg, "`3-1` is not a CPU list");
  carve_error_release (&err);
  EXPECT (carve_cpumask_parse_list ("1,", &m, &err) < 0);
  carve_error_release (&err);
  EXPECT (carve_cpumask_parse_list ("a", &m, &err) < 0);
  carve_error_release (&err);
  EXPECT (carve_cpumask_parse_list ("99999", &m, &err) < 0);
  carve_error_release (&err);
  return 0;
}

static int
test_cpumask_hex (void)
{
  carve_cpumask_t m, n, r;
  carve_error_t err = NULL;
  cleanup_free char *a = NULL, *b = NULL, *c = NULL;

  EXPECT (carve_cpumask_parse_hex ("3\n", &m, &err) == 0);
  EXPECT (carve_cpumask_count (&m) == 2);
  a = carve_cpumask_format_hex (&m, 2);
  EXPECT_STR (a, "3");
  EXPECT (carve_cpumask_parse_hex ("1,00000002", &n, &err) == 0);
  EXPECT (carve_cpumask_test (&n, 1) && carve_cpumask_test (&n, 32) && carve_cpumask_count (&n) == 2);
  b = carve_cpumask_format_hex (&n, 40);
  EXPECT_STR (b, "01,00000002");
  carve_cpumask_andnot (&r, &m, &n);
  c = carve_cpumask_format_list (&r);
  EXPECT_STR (c, "0");
  EXPECT (carve_cpumask_subset (&r, &m) && !carve_cpumask_subset (&m, &r));
  EXPECT (carve_cpumask_intersects (&m, &n));
  EXPECT (carve_cpumask_parse_hex ("xyz", &m, &err) < 0);
  EXPECT_STR (err->msg, "`xyz` is not a CPU mask");
  carve_error_release (&err);
  EXPECT (carve_cpumask_parse_hex ("1,,2", &m, &err) < 0);
  carve_error_release (&err);
  return 0;
}

static int
test_parse_size (void)
{
  uint64_t v = 0;
  carve_error_t err = NULL;

  EXPECT (carve_parse_size ("4096", &v, &err) == 0 && v == 4096);
  EXPECT (carve_parse_size ("2M", &v, &err) == 0 && v == 2u << 20);
  EXPECT (carve_parse_size ("1GiB", &v, &err) == 0 && v == UINT64_C (1) << 30);
  EXPECT (carve_parse_size ("4k", &v, &err) == 0 && v == 4096);
  EXPECT (carve_parse_size ("1X", &v, &err) < 0);
  EXPECT_STR (err->msg, "`1X` is not a size");
  carve_error_release (&err);
  EXPECT (carve_parse_size ("99999999999999999999", &v, &err) < 0);
  carve_error_release (&err);
  EXPECT (carve_parse_size ("", &v, &err) < 0);
  carve_error_release (&err);
  return 0;
}

static int
test_node_config (void)
{
  carve_error_t err = NULL;
  carve_node_config_t cfg = NULL;
  const char *good = "{\"isolation\":\"oci\",\"serviceos_cpus\":\"0\",\"memory_unit\":\"4M\",\"ledger\":\"/tmp/l\"}";

  EXPECT (carve_node_config_parse ("n.json", NULL, 0, &cfg, &err) == 0);
  EXPECT_STR (cfg->isolation, "permeable");
  EXPECT (cfg->serviceos_cpus == NULL);
  EXPECT (cfg->memory_unit == 2u << 20 && cfg->serviceos_memory == UINT64_C (1) << 30);
  EXPECT_STR (cfg->ledger, "/run/carve/ledger");
  carve_node_config_free (cfg);

  EXPECT (carve_node_config_parse ("n.json", good, strlen (good), &cfg, &err) == 0);
  EXPECT_STR (cfg->isolation, "oci");
  EXPECT_STR (cfg->serviceos_cpus, "0");
  EXPECT (cfg->memory_unit == 4u << 20);
  EXPECT_STR (cfg->ledger, "/tmp/l");
  carve_node_config_free (cfg);

  EXPECT (carve_node_config_parse ("n.json", "{\"cpus\":\"1\"}", 12, &cfg, &err) < 0);
  EXPECT_CONTAINS (err->msg, "node config `n.json`");
  EXPECT_CONTAINS (err->msg, "cpus");
  carve_error_release (&err);
  EXPECT (carve_node_config_parse ("n.json", "{\"isolation\":\"x\"}", 17, &cfg, &err) < 0);
  EXPECT_STR (err->msg, "node config `n.json`: isolation: `x` is not `permeable` or `oci`");
  carve_error_release (&err);
  EXPECT (carve_node_config_parse ("n.json", "{\"memory_unit\":\"1000\"}", 22, &cfg, &err) < 0);
  EXPECT_CONTAINS (err->msg, "memory_unit: `1000` is not a multiple of the page size");
  carve_error_release (&err);
  EXPECT (carve_node_config_parse ("n.json", "{", 1, &cfg, &err) < 0);
  EXPECT_CONTAINS (err->msg, "node config `n.json`: invalid JSON");
  carve_error_release (&err);
  return 0;
}

UNIT_MAIN (UNIT_CASE (test_cpumask_list), UNIT_CASE (test_cpumask_hex), UNIT_CASE (test_parse_size),
           UNIT_CASE (test_node_config))
