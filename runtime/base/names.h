/* Name tables shared by spec/ (which checks names) and runtime/linux (which
   applies them), so each name is listed once.  */
#ifndef CARVE_BASE_NAMES_H
#define CARVE_BASE_NAMES_H

/* The resource number of an `RLIMIT_*` name known on Linux, -1 if unknown.  */
int carve_rlimit_from_name (const char *name);

#endif
