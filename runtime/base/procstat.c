/* /proc/PID/stat (procstat.h).  */
#include <config.h>

#include "procstat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "fsutil.h"
#include "xalloc.h"

int
carve_procstat_read (const char *proc_root, pid_t pid, struct carve_procstat_s *ret)
{
  cleanup_free char *path = xasprintf ("%s/%d/stat", proc_root, (int)pid);
  cleanup_free char *buf = NULL;
  carve_error_t e = NULL;
  char *open_paren, *close_paren, *p;
  int field;

  if (carve_read_file (path, &buf, NULL, &e) < 0)
    {
      errno = e->status ? e->status : ENOENT;
      carve_error_release (&e);
      return -1;
    }
  memset (ret, 0, sizeof (*ret));
  /* The command name may hold spaces and parentheses: it ends at the last
     ')'.  */
  open_paren = strchr (buf, '(');
  close_paren = strrchr (buf, ')');
  if (open_paren == NULL || close_paren == NULL || close_paren < open_paren || close_paren[1] != ' ')
    {
      errno = EINVAL;
      return -1;
    }
  snprintf (ret->comm, sizeof (ret->comm), "%.*s", (int)(close_paren - open_paren - 1), open_paren + 1);
  p = close_paren + 2;
  ret->state = *p;
  /* p is at field 3 (state): 4 is the parent, 9 the flags, 22 the start
     time.  */
  for (field = 3; field < 22 && p; field++)
    {
      if (field == 4)
        ret->ppid = (pid_t)strtol (p, NULL, 10);
      else if (field == 9)
        ret->flags = strtoul (p, NULL, 10);
      p = strchr (p, ' ');
      if (p)
        p++;
    }
  if (p == NULL)
    {
      errno = EINVAL;
      return -1;
    }
  ret->start_time = strtoull (p, NULL, 10);
  return 0;
}

unsigned long long
carve_procstat_start_time (const char *proc_root, pid_t pid)
{
  struct carve_procstat_s st;

  if (pid <= 0 || carve_procstat_read (proc_root, pid, &st) < 0)
    return 0;
  if (st.state == 'Z' || st.state == 'X' || st.state == 'x')
    return 0;
  return st.start_time;
}
