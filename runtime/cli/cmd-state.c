/* `carve state ID`: prints carve_container_state.  */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cleanup.h"
#include "cli.h"
#include "log.h"

int
carve_cli_state (struct carve_context_s *ctx, int argc, char **argv)
{
  static const struct option no_options[] = {
    { NULL, 0, NULL, 0 },
  };
  carve_error_t err = NULL;
  cleanup_free char *json = NULL;

  if (getopt_long (argc, argv, "", no_options, NULL) != -1)
    {
      carve_log (CARVE_LOG_ERROR, "state: unknown option `%s`", argv[optind - 1]);
      return 1;
    }
  if (carve_cli_expect_args ("state", argc, optind, 1, 1, "CONTAINER-ID") < 0)
    return 1;
  if (carve_container_state (ctx, argv[optind], &json, &err) < 0)
    return carve_cli_fail (&err);
  fputs (json, stdout);
  return 0;
}
