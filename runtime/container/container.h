/* The container lifecycle: one function per runc verb.  runtime/cli calls
   exactly one of these per command.  */
#ifndef CARVE_CONTAINER_CONTAINER_H
#define CARVE_CONTAINER_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* What every command knows from the global options.  */
struct carve_context_s
{
  const char *root;      /* state directory, default /run/carve */
  const char *isolation; /* --isolation, NULL when not given */
  bool systemd_cgroup;
  bool debug;
  /* Library code does not print: warnings are handed to this callback.  */
  void (*warn) (void *data, const char *msg);
  void *warn_data;
};

struct carve_create_options_s
{
  const char *id;
  const char *bundle; /* NULL: the current directory */
  const char *config_path; /* NULL: <bundle>/config.json */
  const char *console_socket;
  const char *pid_file;
  int preserve_fds;
  bool no_pivot;
  bool no_new_keyring;
  /* run only */
  bool detach;
  bool keep;
};

int carve_container_create (const struct carve_context_s *ctx, const struct carve_create_options_s *opts,
                            carve_error_t *err);
int carve_container_start (const struct carve_context_s *ctx, const char *id, carve_error_t *err);
/* Creates and starts; unless detached, waits for the container's process,
   forwarding signals, and sets *RET_STATUS to its exit status (128 + signal
   when killed), then deletes it unless opts->keep.  */
int carve_container_run (const struct carve_context_s *ctx, const struct carve_create_options_s *opts, int *ret_status,
                         carve_error_t *err);
/* runc's `state` JSON.  */
int carve_container_state (const struct carve_context_s *ctx, const char *id, char **ret_json, carve_error_t *err);
int carve_container_kill (const struct carve_context_s *ctx, const char *id, const char *signal, bool all,
                          carve_error_t *err);
int carve_container_delete (const struct carve_context_s *ctx, const char *id, bool force, carve_error_t *err);

enum carve_list_format
{
  CARVE_LIST_TABLE,
  CARVE_LIST_JSON,
};
/* runc's `list` output: the table, `-q` ids, or `-f json`.  */
int carve_container_list (const struct carve_context_s *ctx, enum carve_list_format format, bool quiet,
                          char **ret_output, carve_error_t *err);

struct carve_exec_options_s
{
  const char *id;
  const char *process_path; /* -p: a process.json; else the fields below */
  char **args;              /* the command, NULL-terminated */
  bool tty;
  bool tty_set;             /* --tty given (overrides process.terminal) */
  const char *console_socket;
  bool detach;
  const char *pid_file;
  const char *cwd;
  char **env;             /* --env, appended */
  const char *user;       /* uid[:gid] */
  char **additional_gids; /* --additional-gids */
  char **caps;            /* --cap, added to every set */
  bool no_new_privs;
  const char *process_label;
  const char *apparmor;
  int preserve_fds;
  const char *cgroup; /* --cgroup: a sub-cgroup, [ctrl,ctrl:]path */
};

/* `exec`: runs a new process in the container's namespaces (oci mode), or
   its mount namespace and cgroup (permeable mode).  Unless detached, waits
   for it and sets *RET_STATUS to its exit status.  */
int carve_container_exec (const struct carve_context_s *ctx, const struct carve_exec_options_s *opts,
                          int *ret_status, carve_error_t *err);

/* Reclaims what containers that are gone left in the node ledger (carve
   was killed, the node rebooted): every command that deals with
   containers calls it first.  Problems are warnings.  */
int carve_container_reclaim (const struct carve_context_s *ctx);

/* --- cgroup commands: update, pause, resume, ps (manage.c), events (events.c) --- */

/* `update`: the flags as given on the command line (NULL when absent); they
   are checked and converted here, with runc's syntax (sizes as "512m",
   "-1" for unlimited).  */
struct carve_update_options_s
{
  const char *resources_path; /* -r: a linux.resources JSON file, "-" for stdin; the flags are then ignored */
  const char *blkio_weight;
  const char *cpu_period;
  const char *cpu_quota;
  const char *cpu_burst;
  const char *cpu_shares;
  const char *cpu_rt_period;
  const char *cpu_rt_runtime;
  const char *cpu_idle;
  const char *cpuset_cpus;
  const char *cpuset_mems;
  const char *memory;
  const char *memory_reservation;
  const char *memory_swap;
  const char *pids_limit;
  const char *kernel_memory;     /* accepted and ignored with a warning, as runc */
  const char *kernel_memory_tcp; /* same */
  const char *l3_cache_schema;   /* Intel RDT: refused, carve has none */
  const char *mem_bw_schema;     /* same */
};

/* Writes the resources given to the container's cgroup (only those: the
   others stay as they are) and merges them into what the container has,
   kept in <root>/<id>/resources.json (the config.json saved at create is
   never rewritten).  A container that owns its CPUs (annotation carve.cpus)
   refuses a change of cpus.  */
int carve_container_update (const struct carve_context_s *ctx, const char *id,
                            const struct carve_update_options_s *opts, carve_error_t *err);

/* Freezes (a running or created container) and thaws (a paused one) every
   process of the container's cgroup.  */
int carve_container_pause (const struct carve_context_s *ctx, const char *id, carve_error_t *err);
int carve_container_resume (const struct carve_context_s *ctx, const char *id, carve_error_t *err);

enum carve_ps_format
{
  CARVE_PS_TABLE,
  CARVE_PS_JSON,
};

/* `ps`: JSON, the container's PIDs (every process of its cgroup, host PIDs)
   as runc prints them; table, ps(1) run with PS_ARGS (NULL-terminated; none
   means -ef), its header and the lines of the container's processes.
   *RET_OUTPUT ends with a newline.  */
int carve_container_ps (const struct carve_context_s *ctx, const char *id, enum carve_ps_format format,
                        char *const *ps_args, char **ret_output, carve_error_t *err);

struct carve_events_options_s
{
  bool stats;       /* print one stats event and return */
  long interval_ms; /* between stats events, > 0 */
  /* Called with each event's JSON (no newline); the CLI prints it.  */
  void (*emit) (void *data, const char *json);
  void *data;
};

/* `events`: runc's stats events, every interval, and an `oom` event each
   time the OOM killer strikes in the container's cgroup, until the
   container stops.  */
int carve_container_events (const struct carve_context_s *ctx, const char *id,
                            const struct carve_events_options_s *opts, carve_error_t *err);

/* `carve spec`: writes config.json into BUNDLE (refuses to overwrite).  */
/* The default config.json in BUNDLE, without the settings the mode a
   container of it gets by default (--isolation, else the node config's)
   would ignore.  */
int carve_container_spec (const struct carve_context_s *ctx, const char *bundle, bool rootless, carve_error_t *err);
/* `carve features` JSON.  */
int carve_container_features (char **ret_json, carve_error_t *err);

/* `carve node`: the node's partition map (ServiceOS CPUs and memory, each
   compute container's CPUs, memory units and evicted noise), as text or,
   when JSON, the object docs/carve.8 describes.  */
int carve_container_node (const struct carve_context_s *ctx, bool json, char **ret_output, carve_error_t *err);

#endif
