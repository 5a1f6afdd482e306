/* `carve resume ID`: carve_container_resume.  */
#include <config.h>

#include <getopt.h>

#include "cli.h"
#include "log.h"

int
carve_cli_resume (struct carve_context_s *ctx, int argc, char **argv)
{
  static const struct option opts[] = {
    { NULL, 0, NULL, 0 },
  };
  carve_error_t err = NULL;

  if (getopt_long (argc, argv, "", opts, NULL) != -1)
    {
      carve_log (CARVE_LOG_ERROR, "resume: unknown option `%s`", argv[optind - 1]);
      return 1;
    }
  if (carve_cli_expect_args ("resume", argc, optind, 1, 1, "CONTAINER-ID") < 0)
    return 1;
  if (carve_container_resume (ctx, argv[optind], &err) < 0)
    return carve_cli_fail (&err);
  return 0;
}
