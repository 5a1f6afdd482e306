/* The options `create` and `run` share (create-options.h).  */
#include <config.h>
#include "create-options.h"

#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "fsutil.h"
#include "log.h"

int
carve_cli_parse_create_options (const char *name, bool is_run, int argc, char **argv,
                                struct carve_create_options_s *ret)
{
  static const struct option opts[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "console-socket", required_argument, NULL, 'c' },
    { "pid-file", required_argument, NULL, 'p' },
    { "no-pivot", no_argument, NULL, 'P' },
    { "no-new-keyring", no_argument, NULL, 'K' },
    { "preserve-fds", required_argument, NULL, 'F' },
    { "detach", no_argument, NULL, 'd' },
    { "keep", no_argument, NULL, 'k' },
    { "no-subreaper", no_argument, NULL, 'S' },
    { NULL, 0, NULL, 0 },
  };
  struct carve_create_options_s o = { 0 };
  int c;

  while ((c = getopt_long (argc, argv, "b:d", opts, NULL)) != -1)
    {
      switch (c)
        {
        case 'b':
          o.bundle = optarg;
          break;
        case 'c':
          o.console_socket = optarg;
          break;
        case 'p':
          o.pid_file = optarg;
          break;
        case 'P':
          o.no_pivot = true;
          break;
        case 'K':
          o.no_new_keyring = true;
          break;
        case 'F':
          {
            long n;
            if (carve_parse_long (optarg, &n) < 0 || n < 0 || n > 65536)
              {
                carve_log (CARVE_LOG_ERROR, "--preserve-fds: `%s` is not a non-negative number", optarg);
                return -1;
              }
            o.preserve_fds = (int) n;
            break;
          }
        case 'S':
          /* runc's run makes itself a subreaper unless told not to; carve
             run is the container init's parent already.  */
          break;
        case 'd':
        case 'k':
          if (!is_run)
            {
              carve_log (CARVE_LOG_ERROR, "%s: unknown option `%s`", name, argv[optind - 1]);
              return -1;
            }
          if (c == 'd')
            o.detach = true;
          else
            o.keep = true;
          break;
        default:
          carve_log (CARVE_LOG_ERROR, "%s: unknown option `%s`", name, argv[optind - 1]);
          return -1;
        }
    }
  if (carve_cli_expect_args (name, argc, optind, 1, 1, "[options] CONTAINER-ID") < 0)
    return -1;
  o.id = argv[optind];
  *ret = o;
  return 0;
}
