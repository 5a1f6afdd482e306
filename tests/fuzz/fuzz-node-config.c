/* libFuzzer target for the node configuration (spec/node-config.c), the
   /etc/carve/carve.json every command reads first.  */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>

#include "runtime/base/error.h"
#include "spec/node-config.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  carve_node_config_t cfg = NULL;
  carve_error_t err = NULL;

  if (carve_node_config_parse ("carve.json", (const char *)data, size, &cfg, &err) == 0)
    {
      /* What every command relies on after a successful load.  */
      if (cfg->isolation == NULL || cfg->ledger == NULL || cfg->ledger[0] != '/' || cfg->memory_unit == 0)
        abort ();
      carve_node_config_free (cfg);
    }
  else if (err == NULL || err->msg == NULL)
    abort ();
  carve_error_release (&err);
  return 0;
}
