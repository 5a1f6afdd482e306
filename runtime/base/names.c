/* Name tables shared by spec/ and runtime/linux (names.h).  */
#include <config.h>
#include "names.h"

#include <stddef.h>
#include <string.h>
#include <sys/resource.h>

int
carve_rlimit_from_name (const char *name)
{
  static const struct
  {
    const char *name;
    int resource;
  } table[] = {
    { "RLIMIT_AS", RLIMIT_AS },
    { "RLIMIT_CORE", RLIMIT_CORE },
    { "RLIMIT_CPU", RLIMIT_CPU },
    { "RLIMIT_DATA", RLIMIT_DATA },
    { "RLIMIT_FSIZE", RLIMIT_FSIZE },
    { "RLIMIT_LOCKS", RLIMIT_LOCKS },
    { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
    { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
    { "RLIMIT_NICE", RLIMIT_NICE },
    { "RLIMIT_NOFILE", RLIMIT_NOFILE },
    { "RLIMIT_NPROC", RLIMIT_NPROC },
    { "RLIMIT_RSS", RLIMIT_RSS },
    { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
    { "RLIMIT_RTTIME", RLIMIT_RTTIME },
    { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
    { "RLIMIT_STACK", RLIMIT_STACK },
  };
  size_t i;

  for (i = 0; name && i < sizeof (table) / sizeof (table[0]); i++)
    if (strcmp (name, table[i].name) == 0)
      return table[i].resource;
  return -1;
}
