#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cleanup.h"
#include "cli.h"

int
carve_cli_state (struct carve_context_s *ctx, int argc, char **argv)
{
  carve_error_t err = NULL;
  cleanup_free char *json = NULL;

  if (getopt (argc, argv, "") != -1)
    return 1;
  if (carve_cli_expect_args ("state", argc, optind, 1, 1, "CONTAINER-ID") < 0)
    return 1;
  if (carve_container_state (ctx, argv[optind], &json, &err) < 0)
    return carve_cli_fail (&err);
  fputs (json, stdout);
  return 0;
}
