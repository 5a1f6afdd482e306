/* process.rlimits: resource limits of the container process.  */
#ifndef CARVE_LINUX_RLIMITS_H
#define CARVE_LINUX_RLIMITS_H

#include <stddef.h>

#include "runtime/base/error.h"
#include "runtime/base/names.h"
#include "spec/spec.h"


/* Sets each of RLIMITS[0..N) on the calling process with prlimit.  An unknown
   type or a repeated one is an error; so is a limit the kernel refuses,
   naming the entry, its values and the errno:
   process.rlimits[0] `RLIMIT_NOFILE` 1048576/1048576: Operation not permitted  */
int carve_rlimits_apply (struct carve_spec_rlimit_s *const *rlimits, size_t n, carve_error_t *err);

#endif
