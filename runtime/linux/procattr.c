/* Small attributes of the container's process set between the fork and
   the exec (procattr.h).  */
#include <config.h>
#include "procattr.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"

/* --- oom score, no_new_privs ----------------------------------------------- */

int
carve_oom_score_adj_set (int v, carve_error_t *err)
{
  char buf[16];
  int len = snprintf (buf, sizeof buf, "%d", v);

  if (carve_write_file ("/proc/self/oom_score_adj", buf, len, err) < 0)
    return carve_error_wrap (err, "process.oomScoreAdj");
  return 0;
}

int
carve_no_new_privs_set (carve_error_t *err)
{
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return carve_make_error (err, errno, "process.noNewPrivileges: prctl PR_SET_NO_NEW_PRIVS");
  return 0;
}

/* --- personality ----------------------------------------------------------- */

int
carve_personality_set (const struct carve_spec_personality_s *personality_, carve_error_t *err)
{
  unsigned long persona;

  if (personality_->domain && strcmp (personality_->domain, "LINUX") == 0)
    persona = PER_LINUX;
  else if (personality_->domain && strcmp (personality_->domain, "LINUX32") == 0)
    persona = PER_LINUX32;
  else
    return carve_make_error (err, 0, "linux.personality.domain: unknown domain `%s`",
                             personality_->domain ? personality_->domain : "");
  /* config.md defines no flag yet.  */
  if (personality_->flags_len > 0)
    return carve_make_error (err, 0, "linux.personality.flags[0]: `%s` is not supported", personality_->flags[0]);

  if (personality (persona) < 0)
    return carve_make_error (err, errno, "linux.personality: personality `%s`", personality_->domain);
  return 0;
}

/* --- hostname -------------------------------------------------------------- */

int
carve_hostname_set (const char *hostname, const char *domainname, carve_error_t *err)
{
  if (hostname && sethostname (hostname, strlen (hostname)) < 0)
    return carve_make_error (err, errno, "hostname: sethostname `%s`", hostname);
  if (domainname && setdomainname (domainname, strlen (domainname)) < 0)
    return carve_make_error (err, errno, "domainname: setdomainname `%s`", domainname);
  return 0;
}
