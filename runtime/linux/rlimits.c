/* process.rlimits (rlimits.h): setrlimit for each.  */
#include <config.h>
#include "rlimits.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>


int
carve_rlimits_apply (struct carve_spec_rlimit_s *const *rlimits, size_t n, carve_error_t *err)
{
  unsigned int seen = 0;
  size_t i;

  for (i = 0; i < n; i++)
    {
      const struct carve_spec_rlimit_s *rl = rlimits[i];
      int resource = carve_rlimit_from_name (rl->type);
      struct rlimit lim;

      if (resource < 0)
        return carve_make_error (err, 0, "process.rlimits[%zu]: unknown rlimit `%s`", i, rl->type ? rl->type : "");
      if (seen & (1U << resource))
        return carve_make_error (err, 0, "process.rlimits[%zu]: duplicate rlimit `%s`", i, rl->type);
      seen |= 1U << resource;

      /* RLIM_INFINITY is UINT64_MAX, so the values map one to one.  */
      lim.rlim_cur = rl->soft;
      lim.rlim_max = rl->hard;
      if (prlimit (0, resource, &lim, NULL) < 0)
        return carve_make_error (err, errno, "process.rlimits[%zu] `%s` %" PRIu64 "/%" PRIu64, i, rl->type, rl->soft,
                                 rl->hard);
    }
  return 0;
}
