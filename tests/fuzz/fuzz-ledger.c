/* libFuzzer target for the node ledger (runtime/compute/ledger.c), the
   file every compute create and delete reads back under its lock.  The
   boot id is fixed, so seeds written with it reach the partitions and
   settings; a ledger that loads has every derived setting computed and
   every partition written out again, as a release and `carve node` do.  */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "runtime/base/cpumask.h"
#include "runtime/base/error.h"
#include "runtime/base/xalloc.h"
#include "runtime/compute/ledger.h"

#define FUZZ_BOOT_ID "00000000-0000-4000-8000-000000000000"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *buf = xstrndup ((const char *)data, size);
  carve_ledger_t l = NULL;
  carve_error_t err = NULL;
  size_t i;

  if (carve_ledger_parse ("/run/carve/ledger", FUZZ_BOOT_ID, buf, &l, &err) == 0)
    {
      carve_cpumask_t online;
      yajl_gen g = yajl_gen_alloc (NULL);

      if (carve_cpumask_parse_list ("0-7", &online, &err) < 0)
        abort ();
      for (i = 0; i < l->n_settings; i++)
        free (carve_ledger_derived_value (l, l->settings[i], &online, 8));
      yajl_gen_array_open (g);
      for (i = 0; i < l->n_partitions; i++)
        {
          yajl_gen_map_open (g);
          carve_ledger_gen_partition (g, l->partitions[i], true);
          yajl_gen_map_close (g);
        }
      yajl_gen_array_close (g);
      yajl_gen_free (g);
      (void)carve_ledger_has_unused (l);
      carve_ledger_close (l);
    }
  else if (err == NULL || err->msg == NULL || strstr (err->msg, "/run/carve/ledger") == NULL)
    abort (); /* a rejection names the file */
  carve_error_release (&err);
  free (buf);
  return 0;
}
