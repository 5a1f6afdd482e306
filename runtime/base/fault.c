/* Fault injection (fault.h).  */
#include <config.h>

#include "fault.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
carve_fault_point (const char *name)
{
  const char *want = getenv ("CARVE_FAULT_POINT");

  if (want && strcmp (want, name) == 0)
    (void) kill (getpid (), SIGKILL);
}
