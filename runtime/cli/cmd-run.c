/* `carve run`: the create flags plus --detach and --keep, then
   carve_container_run; exits with the container's status.  */
#include <config.h>

#include "cli.h"
#include "create-options.h"

int
carve_cli_run (struct carve_context_s *ctx, int argc, char **argv)
{
  struct carve_create_options_s opts;
  carve_error_t err = NULL;
  int status = 0;

  if (carve_cli_parse_create_options ("run", true, argc, argv, &opts) < 0)
    return 1;
  if (carve_container_run (ctx, &opts, &status, &err) < 0)
    return carve_cli_fail (&err);
  return status;
}
