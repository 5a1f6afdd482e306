/* `carve CMD --help`, `carve help CMD`: each command's usage and flags, one
   line each.  tests/integration/docs.bats keeps this table true to the
   commands' getopt tables and to carve(8).  */
#ifndef CARVE_CLI_HELP_H
#define CARVE_CLI_HELP_H

#include <stdbool.h>
#include <stdio.h>

/* Prints the help of command NAME to F; -1 when carve has no such
   command.  */
int carve_cli_help_print (FILE *f, const char *name);

/* True when ARGV (a command's, ARGV[0] its name) asks for its help: -h or
   --help among the options before the first operand or `--`.  */
bool carve_cli_help_wanted (const char *name, int argc, char **argv);

#endif
