/* Each command's usage and flags (help.h).  */
#include <config.h>
#include "help.h"

#include <string.h>

struct flag_s
{
  const char *spelling; /* "-b, --bundle DIR": the argument's name after a space */
  const char *summary;
};

struct command_help_s
{
  const char *name;
  const char *usage;
  const char *summary;
  struct flag_s flags[24];
};

#define CREATE_FLAGS                                                                                                   \
  { "-b, --bundle DIR", "the bundle directory (default: the current directory)" },                                     \
    { "--console-socket PATH", "send the pty master of process.terminal to this Unix socket" },                       \
    { "--pid-file FILE", "write the container process's PID to FILE" },                                                \
    { "--no-pivot", "do not use pivot_root to enter the rootfs (needed on a ramdisk)" },                               \
    { "--no-new-keyring", "keep the caller's session keyring" },                                                       \
    { "--preserve-fds N", "pass N more descriptors from fd 3 on to the container" }

static const struct command_help_s helps[] = {
  { "create", "[options] CONTAINER-ID", "create a container", { CREATE_FLAGS } },
  { "run",
    "[options] CONTAINER-ID",
    "create and run a container",
    { CREATE_FLAGS,
      { "-d, --detach", "return once the container is started; do not wait for it" },
      { "--keep", "do not delete the container when it exits" },
      { "--no-subreaper", "accepted for runc compatibility (carve is the init's parent already)" } } },
  { "start", "CONTAINER-ID", "start a created container", { { NULL, NULL } } },
  { "state", "CONTAINER-ID", "output the state of a container", { { NULL, NULL } } },
  { "kill",
    "[--all] CONTAINER-ID [SIGNAL]",
    "send a signal (default SIGTERM) to the container's init process",
    { { "-a, --all", "signal every process of the container's cgroup" } } },
  { "delete",
    "[--force] CONTAINER-ID",
    "delete any resources held by the container",
    { { "-f, --force", "also a running or paused container: kill its processes first" } } },
  { "list",
    "[options]",
    "list containers started by carve with the given root",
    { { "-f, --format FORMAT", "table (default) or json" }, { "-q, --quiet", "print the container ids only" } } },
  { "exec",
    "[options] CONTAINER-ID COMMAND [ARG...]",
    "execute a new process inside the container",
    { { "-p, --process FILE", "the process.json to run instead of COMMAND" },
      { "-t, --tty", "allocate a pseudo-terminal" },
      { "--console-socket PATH", "send the pty master to this Unix socket" },
      { "-d, --detach", "do not wait for the process" },
      { "--pid-file FILE", "write the process's PID to FILE" },
      { "--cwd DIR", "the working directory" },
      { "-e, --env VAR=VALUE", "set an environment variable (repeatable)" },
      { "-u, --user UID[:GID]", "the user to run as" },
      { "-g, --additional-gids GID", "an additional group (repeatable)" },
      { "-c, --cap CAP", "an additional capability (repeatable)" },
      { "--no-new-privs", "set no_new_privs" },
      { "--process-label LABEL", "the SELinux label of the process" },
      { "--apparmor PROFILE", "the AppArmor profile of the process" },
      { "--preserve-fds N", "pass N more descriptors from fd 3 on to the process" },
      { "--cgroup [CTRL,...:]PATH", "run in this existing sub-cgroup of the container" },
      { "--ignore-paused", "accepted for runc compatibility; a paused container is refused" } } },
  { "ps",
    "[-f table|json] CONTAINER-ID [PS-ARGS...]",
    "display the processes running inside a container",
    { { "-f, --format FORMAT", "table (default, ps(1) with PS-ARGS) or json (the PIDs)" } } },
  { "pause", "CONTAINER-ID", "suspend all processes inside the container", { { NULL, NULL } } },
  { "resume", "CONTAINER-ID", "resume all processes that have been previously paused", { { NULL, NULL } } },
  { "events",
    "[--stats] [--interval DURATION] CONTAINER-ID",
    "display container events such as OOM notifications and usage statistics",
    { { "--stats", "print one stats event and exit" },
      { "--interval DURATION", "the stats interval, Go syntax (default 5s)" } } },
  { "update",
    "[options] CONTAINER-ID",
    "update container resource constraints",
    { { "-r, --resources FILE", "a linux.resources JSON object from FILE, `-` for stdin; the flags are ignored" },
      { "--blkio-weight N", "block IO weight, 10 to 1000" },
      { "--cpu-period N", "CPU CFS period, microseconds" },
      { "--cpu-quota N", "CPU CFS quota, microseconds" },
      { "--cpu-burst N", "CPU CFS burst, microseconds" },
      { "--cpu-share N", "CPU shares (relative weight); also --cpu-shares" },
      { "--cpu-shares N", "CPU shares (relative weight)" },
      { "--cpu-rt-period N", "CPU realtime period, microseconds" },
      { "--cpu-rt-runtime N", "CPU realtime runtime, microseconds" },
      { "--cpu-idle N", "1 makes the cgroup SCHED_IDLE" },
      { "--cpuset-cpus LIST", "the CPUs to run on" },
      { "--cpuset-mems LIST", "the memory nodes to allocate from" },
      { "--memory SIZE", "memory limit (512m, 1.5G, -1 unlimited)" },
      { "--memory-reservation SIZE", "memory soft limit" },
      { "--memory-swap SIZE", "memory plus swap limit" },
      { "--pids-limit N", "maximum number of processes (-1 unlimited)" },
      { "--kernel-memory SIZE", "ignored with a warning (as runc on current kernels)" },
      { "--kernel-memory-tcp SIZE", "ignored with a warning" },
      { "--l3-cache-schema SCHEMA", "refused: carve does not manage Intel RDT" },
      { "--mem-bw-schema SCHEMA", "refused: carve does not manage Intel RDT" } } },
  { "spec",
    "[--rootless] [-b DIR]",
    "create a new specification file",
    { { "-b, --bundle DIR", "write config.json in DIR" }, { "--rootless", "a spec for a rootless container" } } },
  { "features", "", "show the enabled features", { { NULL, NULL } } },
  { "node",
    "[--format text|json]",
    "show the node's partitions: ServiceOS, compute containers' CPUs and memory",
    { { "-f, --format FORMAT", "text (default) or json" } } },
};

static const struct command_help_s *
find (const char *name)
{
  size_t i;

  for (i = 0; name && i < sizeof helps / sizeof helps[0]; i++)
    if (strcmp (helps[i].name, name) == 0)
      return &helps[i];
  return NULL;
}

int
carve_cli_help_print (FILE *f, const char *name)
{
  const struct command_help_s *h = find (name);
  size_t i;

  if (h == NULL)
    return -1;
  fprintf (f, "usage: carve [global options] %s%s%s\n\n%s\n", h->name, h->usage[0] ? " " : "", h->usage, h->summary);
  if (h->flags[0].spelling)
    fprintf (f, "\noptions:\n");
  for (i = 0; h->flags[i].spelling; i++)
    fprintf (f, "  %-28s %s\n", h->flags[i].spelling, h->flags[i].summary);
  fprintf (f, "  %-28s %s\n", "-h, --help", "show this help");
  return 0;
}

/* Whether flag ARG of command H takes its value from the next argument.  */
static bool
takes_value (const struct command_help_s *h, const char *arg)
{
  size_t i;

  if (strchr (arg, '='))
    return false;
  for (i = 0; h->flags[i].spelling; i++)
    {
      /* "-b, --bundle DIR" or "--pid-file FILE": the value is named after
         the long flag.  */
      const char *s = h->flags[i].spelling, *longf = strstr (s, "--"), *space;

      if (longf == NULL || (space = strchr (longf, ' ')) == NULL)
        continue;
      if (s[1] != '-' && arg[1] == s[1] && arg[0] == '-' && arg[2] == '\0')
        return true;
      if (strncmp (longf, arg, (size_t)(space - longf)) == 0 && arg[space - longf] == '\0')
        return true;
    }
  return false;
}

bool
carve_cli_help_wanted (const char *name, int argc, char **argv)
{
  const struct command_help_s *h = find (name);
  int i;

  if (h == NULL)
    return false;
  for (i = 1; i < argc; i++)
    {
      const char *a = argv[i];

      if (strcmp (a, "--") == 0 || a[0] != '-' || a[1] == '\0')
        return false;
      if (strcmp (a, "-h") == 0 || strcmp (a, "--help") == 0)
        return true;
      if (takes_value (h, a))
        i++;
    }
  return false;
}
