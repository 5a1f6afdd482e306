/* `carve create`: runc's flags, then carve_container_create.  */
#include <config.h>

#include "cli.h"
#include "create-options.h"

int
carve_cli_create (struct carve_context_s *ctx, int argc, char **argv)
{
  struct carve_create_options_s opts;
  carve_error_t err = NULL;

  if (carve_cli_parse_create_options ("create", false, argc, argv, &opts) < 0)
    return 1;
  if (carve_container_create (ctx, &opts, &err) < 0)
    return carve_cli_fail (&err);
  return 0;
}
