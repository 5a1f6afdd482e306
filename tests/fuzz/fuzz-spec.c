/* libFuzzer target for spec/: every document parser, and the value
   helpers on short inputs.  Built with -fsanitize=fuzzer for `make fuzz`,
   and with smoke-driver.c for `make check`.  */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/base/error.h"
#include "runtime/base/xalloc.h"
#include "spec/spec.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *json = (const char *)data;
  carve_error_t err = NULL;
  carve_spec_t spec;
  struct carve_spec_process_s *process;
  struct carve_spec_linux_resources_s *resources;

  spec = carve_spec_parse (json, size, &err);
  if (spec == NULL && (err == NULL || err->msg == NULL))
    abort (); /* a rejection always says why */
  carve_spec_free (spec);
  carve_error_release (&err);

  process = carve_spec_process_parse (json, size, &err);
  if (process == NULL && err == NULL)
    abort ();
  carve_spec_process_free (process);
  carve_error_release (&err);

  resources = carve_spec_resources_parse (json, size, &err);
  if (resources == NULL && err == NULL)
    abort ();
  carve_spec_resources_free (resources);
  carve_error_release (&err);

  if (size < 64)
    {
      char *s = xstrndup (json, size);
      uint8_t *mask = NULL;
      size_t len = 0;
      int signo = 0;

      if (carve_spec_parse_cpu_list (s, &mask, &len, &err) == 0)
        free (mask);
      carve_error_release (&err);
      (void)carve_spec_signal_parse (s, &signo, &err);
      carve_error_release (&err);
      (void)carve_spec_oci_version_ok (s);
      free (s);
    }
  return 0;
}
