/* `carve exec`: runc's flags, then carve_container_exec.  */
#include <config.h>

#include <getopt.h>
#include <string.h>

#include "cleanup.h"
#include "cli.h"
#include "fsutil.h"
#include "log.h"
#include "xalloc.h"

int
carve_cli_exec (struct carve_context_s *ctx, int argc, char **argv)
{
  enum
  {
    OPT_CONSOLE_SOCKET = 256,
    OPT_PID_FILE,
    OPT_CWD,
    OPT_NO_NEW_PRIVS,
    OPT_PROCESS_LABEL,
    OPT_APPARMOR,
    OPT_PRESERVE_FDS,
    OPT_CGROUP,
    OPT_IGNORE_PAUSED,
  };
  static const struct option opts[] = {
    { "process", required_argument, NULL, 'p' },
    { "tty", no_argument, NULL, 't' },
    { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
    { "detach", no_argument, NULL, 'd' },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "cwd", required_argument, NULL, OPT_CWD },
    { "env", required_argument, NULL, 'e' },
    { "user", required_argument, NULL, 'u' },
    { "additional-gids", required_argument, NULL, 'g' },
    { "cap", required_argument, NULL, 'c' },
    { "no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS },
    { "process-label", required_argument, NULL, OPT_PROCESS_LABEL },
    { "apparmor", required_argument, NULL, OPT_APPARMOR },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
    { "cgroup", required_argument, NULL, OPT_CGROUP },
    { "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
    { NULL, 0, NULL, 0 },
  };
  struct carve_exec_options_s o = { 0 };
  cleanup_strv char **env = NULL, **gids = NULL, **caps = NULL;
  carve_error_t err = NULL;
  int c, status = 0;

  /* "+": the command after the id keeps its own options.  */
  while ((c = getopt_long (argc, argv, "+p:tde:u:g:c:", opts, NULL)) != -1)
    {
      switch (c)
        {
        case 'p':
          o.process_path = optarg;
          break;
        case 't':
          o.tty = true;
          o.tty_set = true;
          break;
        case OPT_CONSOLE_SOCKET:
          o.console_socket = optarg;
          break;
        case 'd':
          o.detach = true;
          break;
        case OPT_PID_FILE:
          o.pid_file = optarg;
          break;
        case OPT_CWD:
          o.cwd = optarg;
          break;
        case 'e':
          carve_strv_append (&env, optarg);
          break;
        case 'u':
          o.user = optarg;
          break;
        case 'g':
          carve_strv_append (&gids, optarg);
          break;
        case 'c':
          carve_strv_append (&caps, optarg);
          break;
        case OPT_NO_NEW_PRIVS:
          o.no_new_privs = true;
          break;
        case OPT_PROCESS_LABEL:
          o.process_label = optarg;
          break;
        case OPT_APPARMOR:
          o.apparmor = optarg;
          break;
        case OPT_PRESERVE_FDS:
          {
            long n;
            if (carve_parse_long (optarg, &n) < 0 || n < 0 || n > 65536)
              {
                carve_log (CARVE_LOG_ERROR, "--preserve-fds: `%s` is not a non-negative number", optarg);
                return 1;
              }
            o.preserve_fds = (int) n;
            break;
          }
        case OPT_CGROUP:
          o.cgroup = optarg;
          break;
        case OPT_IGNORE_PAUSED:
          break;
        default:
          carve_log (CARVE_LOG_ERROR, "exec: unknown option `%s`", argv[optind - 1]);
          return 1;
        }
    }
  if (carve_cli_expect_args ("exec", argc, optind, 1, -1, "[options] CONTAINER-ID COMMAND [ARG...]") < 0)
    return 1;
  o.id = argv[optind];
  o.args = argv + optind + 1;
  o.env = env;
  o.additional_gids = gids;
  o.caps = caps;
  if (carve_container_exec (ctx, &o, &status, &err) < 0)
    return carve_cli_fail (&err);
  return status;
}
