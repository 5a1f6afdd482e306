/* The node configuration, /etc/carve/carve.json (DESIGN.md, "Node
   configuration"): what the ServiceOS keeps, the memory unit, where the
   ledger and carve-serviceos live, the default isolation mode.  */
#ifndef CARVE_SPEC_NODE_CONFIG_H
#define CARVE_SPEC_NODE_CONFIG_H

#include <stdint.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/error.h"

#define CARVE_NODE_CONFIG_PATH "/etc/carve/carve.json"
#define CARVE_NODE_CONFIG_ENV "CARVE_CONFIG"

struct carve_node_config_s
{
  char *isolation;        /* "permeable" or "oci"; never NULL after load */
  char *serviceos_cpus;   /* a CPU list, NULL: carve picks the first online CPU */
  uint64_t serviceos_memory; /* bytes never given to a memory partition */
  uint64_t memory_unit;      /* bytes, a multiple of the page size */
  char *serviceos_socket;
  char *ledger;
  /* The raw strings of the sizes, for `carve node` and messages.  */
  char *serviceos_memory_str;
  char *memory_unit_str;
};
typedef struct carve_node_config_s *carve_node_config_t;

/* Loads $CARVE_CONFIG, else /etc/carve/carve.json.  A missing file means
   the defaults; a malformed one, an unknown key or a bad value fails naming
   the file and the key.  */
int carve_node_config_load (carve_node_config_t *ret, carve_error_t *err);
/* The same from a buffer; DOC names it in errors.  */
int carve_node_config_parse (const char *doc, const char *json, size_t len, carve_node_config_t *ret,
                             carve_error_t *err);
void carve_node_config_free (carve_node_config_t cfg);
CARVE_DEFINE_CLEANUP (node_config, carve_node_config_t, carve_node_config_free)
#define cleanup_node_config CARVE_CLEANUP (node_config)

/* A size: bytes ("4096"), or with a binary suffix K, M, G, T (optionally
   followed by "i" or "B": "2M", "2MiB", "1GB" all mean powers of 1024).
   The error is "`S` is not a size" for the caller to wrap.  */
int carve_parse_size (const char *s, uint64_t *ret, carve_error_t *err);

#endif
