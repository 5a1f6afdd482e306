/* The node configuration: one small table like config.json's, so an
   unknown key is rejected by the same machinery.  */
#include <config.h>

#include "spec/node-config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/base/cpumask.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"
#include "spec/parse.h"

#define DEFAULT_LEDGER "/run/carve/ledger"
#define DEFAULT_SOCKET "/run/carve/serviceos.sock"
#define DEFAULT_SERVICEOS_MEMORY "1G"
#define DEFAULT_MEMORY_UNIT "2M"

struct raw_s
{
  char *isolation;
  char *serviceos_cpus;
  char *serviceos_memory;
  char *memory_unit;
  char *serviceos_socket;
  char *ledger;
};

static int
check_isolation (const char *v, carve_error_t *err)
{
  if (strcmp (v, "permeable") != 0 && strcmp (v, "oci") != 0)
    return carve_make_error (err, 0, "`%s` is not `permeable` or `oci`", v);
  return 0;
}

static int
check_cpus (const char *v, carve_error_t *err)
{
  carve_cpumask_t m;
  return carve_cpumask_parse_list (v, &m, err);
}

static int
check_size (const char *v, carve_error_t *err)
{
  uint64_t n;
  return carve_parse_size (v, &n, err);
}

static int
check_abs_path (const char *v, carve_error_t *err)
{
  if (v[0] != '/')
    return carve_make_error (err, 0, "`%s` is not an absolute path", v);
  return 0;
}

#define ROW(js, m, chk)                                                                                                \
  {                                                                                                                    \
    .name = js, .kind = CARVE_SPEC_STRING, .offset = offsetof (struct raw_s, m),                                       \
    .has_offset = CARVE_SPEC_NO_OFFSET, .len_offset = CARVE_SPEC_NO_OFFSET, .check = chk                              \
  }
static const struct carve_spec_field_s raw_fields[] = {
  ROW ("isolation", isolation, check_isolation),
  ROW ("serviceos_cpus", serviceos_cpus, check_cpus),
  ROW ("serviceos_memory", serviceos_memory, check_size),
  ROW ("memory_unit", memory_unit, check_size),
  ROW ("serviceos_socket", serviceos_socket, check_abs_path),
  ROW ("ledger", ledger, check_abs_path),
};
#undef ROW

static const struct carve_spec_type_s raw_type = {
  .size = sizeof (struct raw_s),
  .fields = raw_fields,
  .n_fields = sizeof (raw_fields) / sizeof (raw_fields[0]),
  .unknown_key = "node setting",
};

int
carve_parse_size (const char *s, uint64_t *ret, carve_error_t *err)
{
  const char *p = s;
  uint64_t v = 0, mult = 1;

  if (!isdigit ((unsigned char) *p))
    goto bad;
  while (isdigit ((unsigned char) *p))
    {
      uint64_t d = (uint64_t) (*p - '0');
      if (v > (UINT64_MAX - d) / 10)
        goto bad;
      v = v * 10 + d;
      p++;
    }
  switch (toupper ((unsigned char) *p))
    {
    case '\0':
      break;
    case 'K':
      mult = UINT64_C (1) << 10;
      break;
    case 'M':
      mult = UINT64_C (1) << 20;
      break;
    case 'G':
      mult = UINT64_C (1) << 30;
      break;
    case 'T':
      mult = UINT64_C (1) << 40;
      break;
    default:
      goto bad;
    }
  if (*p)
    {
      p++;
      if (*p == 'i')
        p++;
      if (*p == 'B')
        p++;
      if (*p)
        goto bad;
    }
  if (v > UINT64_MAX / mult)
    goto bad;
  *ret = v * mult;
  return 0;
bad:
  return carve_make_error (err, 0, "`%s` is not a size", s);
}

void
carve_node_config_free (carve_node_config_t cfg)
{
  if (cfg == NULL)
    return;
  free (cfg->isolation);
  free (cfg->serviceos_cpus);
  free (cfg->serviceos_socket);
  free (cfg->ledger);
  free (cfg->serviceos_memory_str);
  free (cfg->memory_unit_str);
  free (cfg);
}

static char *
take (char **p, const char *dflt)
{
  char *v = *p;
  *p = NULL;
  return v ? v : (dflt ? xstrdup (dflt) : NULL);
}

int
carve_node_config_parse (const char *doc, const char *json, size_t len, carve_node_config_t *ret,
                         carve_error_t *err)
{
  struct raw_s *raw = NULL;
  carve_node_config_t cfg = NULL;
  long page = sysconf (_SC_PAGESIZE);

  if (json)
    {
      cleanup_free char *name = xasprintf ("node config `%s`", doc);
      raw = carve_spec_parse_document (&raw_type, name, json, len, err);
      if (raw == NULL)
        {
          /* Whole-document errors already start with NAME.  */
          if (strncmp ((*err)->msg, name, strlen (name)) != 0)
            return carve_error_wrap (err, "%s", name);
          return -1;
        }
    }
  else
    raw = xzalloc (sizeof (*raw));

  cfg = xzalloc (sizeof (*cfg));
  cfg->isolation = take (&raw->isolation, "permeable");
  cfg->serviceos_cpus = take (&raw->serviceos_cpus, NULL);
  cfg->serviceos_memory_str = take (&raw->serviceos_memory, DEFAULT_SERVICEOS_MEMORY);
  cfg->memory_unit_str = take (&raw->memory_unit, DEFAULT_MEMORY_UNIT);
  cfg->serviceos_socket = take (&raw->serviceos_socket, DEFAULT_SOCKET);
  cfg->ledger = take (&raw->ledger, DEFAULT_LEDGER);
  carve_spec_object_free (&raw_type, raw);

  /* Checked by the table already; cannot fail here.  */
  (void) carve_parse_size (cfg->serviceos_memory_str, &cfg->serviceos_memory, err);
  (void) carve_parse_size (cfg->memory_unit_str, &cfg->memory_unit, err);
  if (cfg->memory_unit == 0 || (page > 0 && cfg->memory_unit % (uint64_t) page != 0))
    {
      carve_make_error (err, 0, "node config `%s`: memory_unit: `%s` is not a multiple of the page size (%ld)", doc,
                        cfg->memory_unit_str, page);
      carve_node_config_free (cfg);
      return -1;
    }
  *ret = cfg;
  return 0;
}

int
carve_node_config_load (carve_node_config_t *ret, carve_error_t *err)
{
  const char *path = getenv (CARVE_NODE_CONFIG_ENV);
  cleanup_free char *buf = NULL;
  size_t len = 0;

  if (path == NULL || *path == '\0')
    path = CARVE_NODE_CONFIG_PATH;
  if (carve_read_file (path, &buf, &len, err) < 0)
    {
      if ((*err)->status != ENOENT)
        return carve_error_wrap (err, "node config");
      carve_error_release (err);
      return carve_node_config_parse (path, NULL, 0, ret, err);
    }
  return carve_node_config_parse (path, buf, len, ret, err);
}
