/* `carve features`: prints carve_container_features.  */
#include <config.h>

#include <getopt.h>
#include <stdio.h>

#include "cleanup.h"
#include "cli.h"
#include "log.h"

int
carve_cli_features (struct carve_context_s *ctx, int argc, char **argv)
{
  static const struct option no_options[] = {
    { NULL, 0, NULL, 0 },
  };
  cleanup_free char *json = NULL;
  carve_error_t err = NULL;

  (void) ctx;
  if (getopt_long (argc, argv, "", no_options, NULL) != -1)
    {
      carve_log (CARVE_LOG_ERROR, "features: unknown option `%s`", argv[optind - 1]);
      return 1;
    }
  if (carve_cli_expect_args ("features", argc, optind, 0, 0, "") < 0)
    return 1;
  if (carve_container_features (&json, &err) < 0)
    return carve_cli_fail (&err);
  fputs (json, stdout);
  return 0;
}
