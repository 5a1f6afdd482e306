/* `carve kill [--all] ID [SIGNAL]`: runc's flags, then
   carve_container_kill.  */
#include <config.h>

#include <getopt.h>
#include <stdbool.h>

#include "cli.h"
#include "log.h"

int
carve_cli_kill (struct carve_context_s *ctx, int argc, char **argv)
{
  static const struct option opts[] = {
    { "all", no_argument, NULL, 'a' },
    { NULL, 0, NULL, 0 },
  };
  carve_error_t err = NULL;
  bool all = false;
  int c;

  while ((c = getopt_long (argc, argv, "a", opts, NULL)) != -1)
    {
      if (c != 'a')
        {
          carve_log (CARVE_LOG_ERROR, "kill: unknown option `%s`", argv[optind - 1]);
          return 1;
        }
      all = true;
    }
  if (carve_cli_expect_args ("kill", argc, optind, 1, 2, "[--all] CONTAINER-ID [SIGNAL]") < 0)
    return 1;
  if (carve_container_kill (ctx, argv[optind], optind + 1 < argc ? argv[optind + 1] : "SIGTERM", all, &err) < 0)
    return carve_cli_fail (&err);
  return 0;
}
