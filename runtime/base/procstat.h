/* /proc/PID/stat, read once here for every module that needs a task's
   state, parent, flags or start time (the start time tells a task from a
   later one that reuses its PID).  */
#ifndef CARVE_BASE_PROCSTAT_H
#define CARVE_BASE_PROCSTAT_H

#include <sys/types.h>

/* /proc/PID/stat: the fields carve needs.  */
struct carve_procstat_s
{
  char state;
  pid_t ppid;
  unsigned long flags; /* PF_* */
  unsigned long long start_time;
  char comm[64];
};
/* Reads PROC_ROOT/PID/stat (PROC_ROOT is "/proc", or a fake tree in
   tests); -1 (errno set) when the task is gone.  */
int carve_procstat_read (const char *proc_root, pid_t pid, struct carve_procstat_s *ret);

/* The start time of task PID when it is alive (not a zombie), else 0.  */
unsigned long long carve_procstat_start_time (const char *proc_root, pid_t pid);

#endif
