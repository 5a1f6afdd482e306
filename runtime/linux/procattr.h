/* Small attributes of the container's process, set between the fork and
   the exec of the user's program: OOM score, no_new_privs, personality,
   hostname.  Each acts on the calling process.  */
#ifndef CARVE_LINUX_PROCATTR_H
#define CARVE_LINUX_PROCATTR_H

#include <stdbool.h>

#include "runtime/base/error.h"
#include "spec/spec.h"

/* Writes V (-1000..1000) to /proc/self/oom_score_adj.  */
int carve_oom_score_adj_set (int v, carve_error_t *err);

/* prctl (PR_SET_NO_NEW_PRIVS): execve can no longer grant privileges.  */
int carve_no_new_privs_set (carve_error_t *err);

/* personality(2) from linux.personality: domain LINUX or LINUX32, no flags.  */
int carve_personality_set (const struct carve_spec_personality_s *personality, carve_error_t *err);

/* sethostname / setdomainname; a NULL argument is left alone.  Needs a UTS
   namespace of the container's own to not change the host's.  */
int carve_hostname_set (const char *hostname, const char *domainname, carve_error_t *err);

#endif
