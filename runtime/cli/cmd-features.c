#include <config.h>

#include <getopt.h>
#include <stdio.h>

#include "cleanup.h"
#include "cli.h"

int
carve_cli_features (struct carve_context_s *ctx, int argc, char **argv)
{
  cleanup_free char *json = NULL;
  carve_error_t err = NULL;

  (void) ctx;
  if (getopt (argc, argv, "") != -1)
    return 1;
  if (carve_cli_expect_args ("features", argc, optind, 0, 0, "") < 0)
    return 1;
  if (carve_container_features (&json, &err) < 0)
    return carve_cli_fail (&err);
  fputs (json, stdout);
  return 0;
}
