/* Capabilities: process.capabilities names to the five sets as bitmasks,
   with libcap.  Applying them is carve_process_drop_privileges (user.h), the
   one place that changes credentials.  */
#ifndef CARVE_LINUX_CAPS_H
#define CARVE_LINUX_CAPS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/capability.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/error.h"
#include "spec/spec.h"

CARVE_DEFINE_CLEANUP (cap, cap_t, cap_free)
#define cleanup_cap CARVE_CLEANUP (cap)

/* Bit N set means capability N is in the set.  */
struct carve_caps_s
{
  uint64_t bounding;
  uint64_t effective;
  uint64_t inheritable;
  uint64_t permitted;
  uint64_t ambient;
};

#define CARVE_CAP_BIT(c) (UINT64_C (1) << (c))

/* The running kernel's highest capability (/proc/sys/kernel/cap_last_cap),
   else libcap's CAP_LAST_CAP.  */
int carve_caps_last_cap (void);

/* Translates CAPS (NULL means no capabilities) into *RET.  Anything that
   cannot be granted is skipped with a warning line naming it appended to
   *RET_WARNINGS (a strv, may stay NULL), as config.md requires instead of a
   failure: an unknown name, one above the running kernel's last capability,
   one the caller's own bounding set lacks, an inheritable one outside the
   bounding set, an effective or ambient one that the permitted (and, for
   ambient, the inheritable) set lacks.  */
int carve_caps_parse (const struct carve_spec_capabilities_s *caps, struct carve_caps_s *ret, char ***ret_warnings,
                      carve_error_t *err);

/* The canonical name of capability C ("CAP_KILL"), newly allocated.  */
char *carve_cap_name (int c);

#endif
