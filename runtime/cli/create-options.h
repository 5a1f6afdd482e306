/* Options shared by `create` and `run`.  */
#ifndef CARVE_CLI_CREATE_OPTIONS_H
#define CARVE_CLI_CREATE_OPTIONS_H

#include <stdbool.h>

#include "runtime/container/container.h"

/* Parses create's flags (and run's when IS_RUN) and the container id.  */
int carve_cli_parse_create_options (const char *name, bool is_run, int argc, char **argv,
                                    struct carve_create_options_s *ret);

#endif
