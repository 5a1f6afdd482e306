/* libFuzzer target for the state file carve reads back
   (runtime/container/state.c, state.json in --root/ID), with the compute
   plan it carries: a file on disk that a crash, a full disk or a hand edit
   may have left in any shape.  A state that loads is written out again as
   create would, to reach the emitter with what the parser let through.  */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "runtime/base/error.h"
#include "runtime/base/xalloc.h"
#include "runtime/compute/compute.h"
#include "runtime/container/state.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *buf = xstrndup ((const char *)data, size);
  struct carve_state_s *st = NULL;
  carve_error_t err = NULL;

  if (carve_state_parse ("fuzz", "/run/carve/fuzz/state.json", buf, &st, &err) == 0)
    {
      if (st->id == NULL || st->bundle == NULL)
        abort ();
      if (st->compute)
        {
          yajl_gen g = yajl_gen_alloc (NULL);
          yajl_gen_map_open (g);
          carve_compute_plan_gen (g, st->compute);
          yajl_gen_map_close (g);
          yajl_gen_free (g);
        }
      carve_state_free (st);
    }
  else if (err == NULL || err->msg == NULL || strstr (err->msg, "fuzz") == NULL)
    abort (); /* a rejection names the container */
  carve_error_release (&err);
  free (buf);
  return 0;
}
