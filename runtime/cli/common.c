/* What every subcommand file shares: reporting an error once (text or
   runc's JSON log line) and checking the number of arguments.  */
#include <config.h>

#include <stdio.h>

#include "cli.h"
#include "log.h"

int
carve_cli_fail (carve_error_t *err)
{
  carve_log_error (err);
  return 1;
}

int
carve_cli_expect_args (const char *name, int argc, int optind_, int min, int max, const char *usage)
{
  int n = argc - optind_;
  if (n < min || (max >= 0 && n > max))
    {
      carve_log (CARVE_LOG_ERROR, "%s: %s, usage: carve %s %s", name,
                 n < min ? "missing argument" : "too many arguments", name, usage);
      return -1;
    }
  return 0;
}
