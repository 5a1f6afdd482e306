/* `carve delete [--force]`: runc's flags, then carve_container_delete.  */
#include <config.h>

#include <getopt.h>
#include <stdbool.h>

#include "cli.h"
#include "log.h"

int
carve_cli_delete (struct carve_context_s *ctx, int argc, char **argv)
{
  static const struct option opts[] = {
    { "force", no_argument, NULL, 'f' },
    { NULL, 0, NULL, 0 },
  };
  carve_error_t err = NULL;
  bool force = false;
  int c;

  while ((c = getopt_long (argc, argv, "f", opts, NULL)) != -1)
    {
      if (c != 'f')
        {
          carve_log (CARVE_LOG_ERROR, "delete: unknown option `%s`", argv[optind - 1]);
          return 1;
        }
      force = true;
    }
  if (carve_cli_expect_args ("delete", argc, optind, 1, 1, "[--force] CONTAINER-ID") < 0)
    return 1;
  if (carve_container_delete (ctx, argv[optind], force, &err) < 0)
    return carve_cli_fail (&err);
  return 0;
}
