/* The `carve` program's subcommands: each parses its own options and calls
   one carve_container_<verb>().  They return the process exit status.  */
#ifndef CARVE_CLI_CLI_H
#define CARVE_CLI_CLI_H

#include "runtime/container/container.h"

typedef int (*carve_cli_command_fn) (struct carve_context_s *ctx, int argc, char **argv);

int carve_cli_create (struct carve_context_s *ctx, int argc, char **argv);
int carve_cli_start (struct carve_context_s *ctx, int argc, char **argv);
int carve_cli_run (struct carve_context_s *ctx, int argc, char **argv);
int carve_cli_state (struct carve_context_s *ctx, int argc, char **argv);
int carve_cli_kill (struct carve_context_s *ctx, int argc, char **argv);
int carve_cli_exec (struct carve_context_s *ctx, int argc, char **argv);
int carve_cli_delete (struct carve_context_s *ctx, int argc, char **argv);
int carve_cli_list (struct carve_context_s *ctx, int argc, char **argv);
int carve_cli_spec (struct carve_context_s *ctx, int argc, char **argv);
int carve_cli_features (struct carve_context_s *ctx, int argc, char **argv);
int carve_cli_node (struct carve_context_s *ctx, int argc, char **argv);
int carve_cli_update (struct carve_context_s *ctx, int argc, char **argv);
int carve_cli_pause (struct carve_context_s *ctx, int argc, char **argv);
int carve_cli_resume (struct carve_context_s *ctx, int argc, char **argv);
int carve_cli_ps (struct carve_context_s *ctx, int argc, char **argv);
int carve_cli_events (struct carve_context_s *ctx, int argc, char **argv);

/* Reports ERR (already wrapped with context) and returns exit status 1.  */
int carve_cli_fail (carve_error_t *err);
/* Checks the positional argument count; logs "NAME: ..." and returns -1.  */
int carve_cli_expect_args (const char *name, int argc, int optind_, int min, int max, const char *usage);

#endif
