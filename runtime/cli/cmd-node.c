/* `carve node [--format text|json]`: the node's partition map
   (carve_container_node).  */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "cli.h"
#include "log.h"

int
carve_cli_node (struct carve_context_s *ctx, int argc, char **argv)
{
  static const struct option opts[] = {
    { "format", required_argument, NULL, 'f' },
    { NULL, 0, NULL, 0 },
  };
  cleanup_free char *out = NULL;
  carve_error_t err = NULL;
  bool json = false;
  int c;

  while ((c = getopt_long (argc, argv, "f:", opts, NULL)) != -1)
    {
      switch (c)
        {
        case 'f':
          if (strcmp (optarg, "json") == 0)
            json = true;
          else if (strcmp (optarg, "text") == 0)
            json = false;
          else
            {
              carve_log (CARVE_LOG_ERROR, "node: --format: `%s` is not `text` or `json`", optarg);
              return 1;
            }
          break;
        default:
          carve_log (CARVE_LOG_ERROR, "node: unknown option `%s`", argv[optind - 1]);
          return 1;
        }
    }
  if (carve_cli_expect_args ("node", argc, optind, 0, 0, "[--format text|json]") < 0)
    return 1;
  if (carve_container_node (ctx, json, &out, &err) < 0)
    return carve_cli_fail (&err);
  fputs (out, stdout);
  return 0;
}
