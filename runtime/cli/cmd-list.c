/* `carve list [-f table|json] [-q]`: runc's flags, then
   carve_container_list.  */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "cli.h"
#include "log.h"

int
carve_cli_list (struct carve_context_s *ctx, int argc, char **argv)
{
  static const struct option opts[] = {
    { "format", required_argument, NULL, 'f' },
    { "quiet", no_argument, NULL, 'q' },
    { NULL, 0, NULL, 0 },
  };
  enum carve_list_format format = CARVE_LIST_TABLE;
  cleanup_free char *out = NULL;
  carve_error_t err = NULL;
  bool quiet = false;
  int c;

  while ((c = getopt_long (argc, argv, "f:q", opts, NULL)) != -1)
    {
      switch (c)
        {
        case 'f':
          if (strcmp (optarg, "json") == 0)
            format = CARVE_LIST_JSON;
          else if (strcmp (optarg, "table") == 0)
            format = CARVE_LIST_TABLE;
          else
            {
              carve_log (CARVE_LOG_ERROR, "list: --format: `%s` is not `table` or `json`", optarg);
              return 1;
            }
          break;
        case 'q':
          quiet = true;
          break;
        default:
          carve_log (CARVE_LOG_ERROR, "list: unknown option `%s`", argv[optind - 1]);
          return 1;
        }
    }
  if (carve_cli_expect_args ("list", argc, optind, 0, 0, "[--format table|json] [--quiet]") < 0)
    return 1;
  if (carve_container_list (ctx, format, quiet, &out, &err) < 0)
    return carve_cli_fail (&err);
  fputs (out, stdout);
  return 0;
}
