/* `carve spec [--bundle] [--rootless]`: carve_container_spec.  */
#include <config.h>

#include <getopt.h>
#include <stdbool.h>

#include "cli.h"
#include "log.h"

int
carve_cli_spec (struct carve_context_s *ctx, int argc, char **argv)
{
  static const struct option opts[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "rootless", no_argument, NULL, 'r' },
    { NULL, 0, NULL, 0 },
  };
  const char *bundle = ".";
  carve_error_t err = NULL;
  bool rootless = false;
  int c;

  while ((c = getopt_long (argc, argv, "b:", opts, NULL)) != -1)
    {
      switch (c)
        {
        case 'b':
          bundle = optarg;
          break;
        case 'r':
          rootless = true;
          break;
        default:
          carve_log (CARVE_LOG_ERROR, "spec: unknown option `%s`", argv[optind - 1]);
          return 1;
        }
    }
  if (carve_cli_expect_args ("spec", argc, optind, 0, 0, "[--rootless] [--bundle DIR]") < 0)
    return 1;
  if (carve_container_spec (ctx, bundle, rootless, &err) < 0)
    return carve_cli_fail (&err);
  return 0;
}
