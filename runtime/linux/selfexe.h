/* carve re-executes itself from a sealed memfd before it forks anything
   that becomes part of a container, so that a process in the container
   cannot overwrite carve's binary on the host through /proc/PID/exe
   (CVE-2019-5736).  */
#ifndef CARVE_LINUX_SELFEXE_H
#define CARVE_LINUX_SELFEXE_H

#include <stdbool.h>

#include "runtime/base/error.h"

/* True when the running binary is a sealed memfd copy.  */
bool carve_selfexe_is_sealed (void);

/* Unless already sealed, copies /proc/self/exe into a memfd, seals it
   against every change and execs it with ARGV and the current environment.
   Returns only on failure.  */
int carve_selfexe_reexec_sealed (char *const *argv, carve_error_t *err);

#endif
