/* The `carve` program: runc's global options, then one subcommand.  */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "help.h"
#include "log.h"
#include "runtime/linux/selfexe.h"

struct command_s
{
  const char *name;
  carve_cli_command_fn fn;
  const char *summary;
};

static const struct command_s commands[] = {
  { "create", carve_cli_create, "create a container" },
  { "delete", carve_cli_delete, "delete any resources held by the container" },
  { "events", carve_cli_events, "display container events such as OOM notifications and usage statistics" },
  { "exec", carve_cli_exec, "execute a new process inside the container" },
  { "features", carve_cli_features, "show the enabled features" },
  { "kill", carve_cli_kill, "send a signal to the container's init process" },
  { "list", carve_cli_list, "list containers started by carve with the given root" },
  { "node", carve_cli_node, "show the node's partitions: ServiceOS, compute containers' CPUs and memory" },
  { "pause", carve_cli_pause, "suspend all processes inside the container" },
  { "ps", carve_cli_ps, "display the processes running inside a container" },
  { "resume", carve_cli_resume, "resume all processes that have been previously paused" },
  { "run", carve_cli_run, "create and run a container" },
  { "spec", carve_cli_spec, "create a new specification file" },
  { "start", carve_cli_start, "start a created container" },
  { "state", carve_cli_state, "output the state of a container" },
  { "update", carve_cli_update, "update container resource constraints" },
};

static void
usage (FILE *f)
{
  size_t i;
  fprintf (f, "usage: carve [global options] COMMAND [options] ARGS...\n\n"
              "carve runs OCI bundles as compute containers, with runc's command line.\n\n"
              "global options:\n"
              "  --root DIR            state directory (default /run/carve)\n"
              "  --log FILE            also write messages to FILE\n"
              "  --log-format FORMAT   text or json (default text)\n"
              "  --debug               debug messages\n"
              "  --systemd-cgroup      cgroupsPath is slice:prefix:name\n"
              "  --isolation MODE      permeable (default) or oci\n"
              "  --version, -v         print the version\n\ncommands:\n");
  for (i = 0; i < sizeof (commands) / sizeof (commands[0]); i++)
    fprintf (f, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (f, "  %-10s %s\n\n`carve COMMAND --help` or `carve help COMMAND`: its options.\n", "help",
           "show the commands, or one command's options");
}

/* `carve help [COMMAND]`, as runc's.  */
static int
help_command (int argc, char **argv)
{
  if (argc < 2)
    {
      usage (stdout);
      return 0;
    }
  if (carve_cli_help_print (stdout, argv[1]) < 0)
    {
      carve_log (CARVE_LOG_ERROR, "help: unknown command `%s`", argv[1]);
      return 1;
    }
  return 0;
}

static void
print_version (void)
{
  /* go-runc parses the first three lines: "<name> version X", "commit: ",
     "spec: ".  */
  printf ("carve version %s\ncommit: %s\nspec: %s\n", PACKAGE_VERSION, GIT_COMMIT, OCI_SPEC_VERSION);
}

enum
{
  OPT_ROOT = 256,
  OPT_LOG,
  OPT_LOG_FORMAT,
  OPT_DEBUG,
  OPT_SYSTEMD_CGROUP,
  OPT_ISOLATION,
  OPT_CRIU,
  OPT_ROOTLESS,
};

int
main (int argc, char **argv)
{
  static const struct option opts[] = {
    { "root", required_argument, NULL, OPT_ROOT },
    { "log", required_argument, NULL, OPT_LOG },
    { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
    { "debug", no_argument, NULL, OPT_DEBUG },
    { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP },
    { "isolation", required_argument, NULL, OPT_ISOLATION },
    /* Accepted for runc compatibility: carve has no criu path to set and
       decides rootless mode from its credentials, as runc's "auto".  */
    { "criu", required_argument, NULL, OPT_CRIU },
    { "rootless", required_argument, NULL, OPT_ROOTLESS },
    { "version", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct carve_context_s ctx = {
    .root = "/run/carve",
    .warn = carve_log_warning_cb,
  };
  const char *log_path = NULL, *log_format = "text", *bad_option = NULL;
  bool bad_missing_arg = false;
  carve_error_t err = NULL;
  size_t i;
  int c;

  /* getopt must not print: a failure is one line, also in the json log.
     This holds for the subcommands' getopt calls too.  */
  opterr = 0;
  /* "+": stop at the subcommand; its options are its own.  ":": tell a
     missing argument from an unknown option.  */
  while ((c = getopt_long (argc, argv, "+:vh", opts, NULL)) != -1)
    {
      switch (c)
        {
        case OPT_ROOT:
          ctx.root = optarg;
          break;
        case OPT_LOG:
          log_path = optarg;
          break;
        case OPT_LOG_FORMAT:
          log_format = optarg;
          break;
        case OPT_DEBUG:
          ctx.debug = true;
          break;
        case OPT_SYSTEMD_CGROUP:
          ctx.systemd_cgroup = true;
          break;
        case OPT_ISOLATION:
          ctx.isolation = optarg;
          break;
        case OPT_CRIU:
        case OPT_ROOTLESS:
          break;
        case 'v':
          print_version ();
          return 0;
        case 'h':
          usage (stdout);
          return 0;
        case ':':
          if (bad_option == NULL)
            {
              bad_option = argv[optind - 1];
              bad_missing_arg = true;
            }
          break;
        default:
          /* Reported once the log is set up, wherever the flag was.  */
          if (bad_option == NULL)
            bad_option = argv[optind - 1];
          break;
        }
    }

  if (carve_log_init (log_path, log_format, ctx.debug, &err) < 0)
    {
      fprintf (stderr, "carve: %s\n", err->msg);
      carve_error_release (&err);
      return 1;
    }
  if (bad_option != NULL)
    {
      carve_log (CARVE_LOG_ERROR, bad_missing_arg ? "option `%s` requires an argument" : "unknown option `%s`",
                 bad_option);
      return 1;
    }
  if (ctx.isolation != NULL && strcmp (ctx.isolation, "permeable") != 0 && strcmp (ctx.isolation, "oci") != 0)
    {
      carve_log (CARVE_LOG_ERROR, "--isolation: `%s` is not `permeable` or `oci`", ctx.isolation);
      return 1;
    }
  if (ctx.root[0] != '/')
    {
      carve_log (CARVE_LOG_ERROR, "--root: `%s` is not an absolute path", ctx.root);
      return 1;
    }

  if (optind >= argc)
    {
      usage (stderr);
      return 1;
    }
  if (strcmp (argv[optind], "help") == 0)
    return help_command (argc - optind, argv + optind);
  for (i = 0; i < sizeof (commands) / sizeof (commands[0]); i++)
    if (strcmp (argv[optind], commands[i].name) == 0)
      {
        /* -h and --help before the first operand, as runc: nothing else
           runs.  */
        if (carve_cli_help_wanted (commands[i].name, argc - optind, argv + optind))
          return carve_cli_help_print (stdout, commands[i].name) < 0 ? 1 : 0;
        /* Commands that fork a process into a container run from a sealed
           copy of carve, never from the file on disk.  */
        if (strcmp (commands[i].name, "create") == 0 || strcmp (commands[i].name, "run") == 0
            || strcmp (commands[i].name, "exec") == 0)
          {
            if (carve_selfexe_reexec_sealed (argv, &err) < 0)
              {
                carve_log_error (&err);
                return 1;
              }
          }
        carve_log (CARVE_LOG_DEBUG, "%s: root `%s`, isolation `%s`, sealed copy: %s", commands[i].name, ctx.root,
                   ctx.isolation ? ctx.isolation : "from the config", carve_selfexe_is_sealed () ? "yes" : "no");
        /* Whatever a killed carve left in the node ledger is given back
           before anything else happens.  */
        if (strcmp (commands[i].name, "spec") != 0 && strcmp (commands[i].name, "features") != 0)
          (void) carve_container_reclaim (&ctx);
        /* The subcommand parses argv[optind..]: reset getopt for it.  */
        int sub_argc = argc - optind;
        char **sub_argv = argv + optind;
        optind = 0;
        return commands[i].fn (&ctx, sub_argc, sub_argv);
      }
  carve_log (CARVE_LOG_ERROR, "unknown command `%s`", argv[optind]);
  return 1;
}
