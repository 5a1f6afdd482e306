/* Recorded process groups (pgroup.h).  */
#include <config.h>

#include "pgroup.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "procstat.h"
#include "xalloc.h"

int
carve_pgroup_record (const char *path, pid_t pgid, carve_error_t *err)
{
  cleanup_free char *line
      = xasprintf ("%d %llu\n", (int) pgid, carve_procstat_start_time ("/proc", pgid));
  return carve_write_file_atomic (path, line, strlen (line), 0600, err);
}

void
carve_pgroup_kill_recorded (const char *path)
{
  cleanup_free char *buf = NULL;
  carve_error_t e = NULL;
  unsigned long long start = 0, now;
  int pgid = 0;

  if (carve_read_file (path, &buf, NULL, &e) < 0)
    {
      carve_error_release (&e);
      return;
    }
  if (sscanf (buf, "%d %llu", &pgid, &start) == 2 && pgid > 1)
    {
      /* A group's id stays taken while any member lives, even after its
         leader exited; only a leader's PID reused by a process that is not
         of the group (it started later) must be left alone.  */
      now = carve_procstat_start_time ("/proc", (pid_t) pgid);
      if (now == 0 || now == start)
        (void) kill (-(pid_t) pgid, SIGKILL);
    }
  (void) unlink (path);
}
