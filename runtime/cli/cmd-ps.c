/* `carve ps [-f table|json] ID [PS ARGS]`: carve_container_ps.  */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "cli.h"
#include "log.h"

int
carve_cli_ps (struct carve_context_s *ctx, int argc, char **argv)
{
  static const struct option opts[] = {
    { "format", required_argument, NULL, 'f' },
    { NULL, 0, NULL, 0 },
  };
  enum carve_ps_format format = CARVE_PS_TABLE;
  cleanup_free char *out = NULL;
  carve_error_t err = NULL;
  int c;

  /* "+": what follows the id are ps(1)'s own arguments (`ps ID -o pid,comm`).  */
  while ((c = getopt_long (argc, argv, "+:f:", opts, NULL)) != -1)
    {
      switch (c)
        {
        case 'f':
          if (strcmp (optarg, "json") == 0)
            format = CARVE_PS_JSON;
          else if (strcmp (optarg, "table") == 0)
            format = CARVE_PS_TABLE;
          else
            {
              carve_log (CARVE_LOG_ERROR, "ps: --format: `%s` is not `table` or `json`", optarg);
              return 1;
            }
          break;
        case ':':
          carve_log (CARVE_LOG_ERROR, "ps: option `%s` requires an argument", argv[optind - 1]);
          return 1;
        default:
          carve_log (CARVE_LOG_ERROR, "ps: unknown option `%s`", argv[optind - 1]);
          return 1;
        }
    }
  if (carve_cli_expect_args ("ps", argc, optind, 1, -1, "[--format table|json] CONTAINER-ID [PS-ARGS...]") < 0)
    return 1;
  /* With --format json the ps(1) arguments are ignored, as runc does.  */
  if (carve_container_ps (ctx, argv[optind], format, argv + optind + 1, &out, &err) < 0)
    return carve_cli_fail (&err);
  fputs (out, stdout);
  return 0;
}
