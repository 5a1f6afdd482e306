/* CPU affinity of a task (affinity.h).  */
#include <config.h>
#include "affinity.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"
#include "spec/spec.h"

/* --- CPU affinity ---------------------------------------------------------- */

int
carve_cpu_affinity_get (pid_t pid, carve_cpumask_t *ret, carve_error_t *err)
{
  cpu_set_t *set = CPU_ALLOC (CARVE_CPUMASK_MAX);
  size_t size = CPU_ALLOC_SIZE (CARVE_CPUMASK_MAX);
  int i;

  if (set == NULL)
    carve_oom ();
  if (sched_getaffinity (pid, size, set) < 0)
    {
      int saved = errno;
      CPU_FREE (set);
      return carve_make_error (err, saved, "CPU affinity of task %d", (int)pid);
    }
  carve_cpumask_zero (ret);
  for (i = 0; i < CARVE_CPUMASK_MAX; i++)
    if (CPU_ISSET_S (i, size, set))
      carve_cpumask_set (ret, (unsigned)i);
  CPU_FREE (set);
  return 0;
}

int
carve_cpu_affinity_set_mask (pid_t pid, const carve_cpumask_t *m, carve_error_t *err)
{
  cpu_set_t *set = CPU_ALLOC (CARVE_CPUMASK_MAX);
  size_t size = CPU_ALLOC_SIZE (CARVE_CPUMASK_MAX);
  int c, r;

  if (set == NULL)
    carve_oom ();
  CPU_ZERO_S (size, set);
  for (c = carve_cpumask_next (m, 0); c >= 0; c = carve_cpumask_next (m, (unsigned)c + 1))
    CPU_SET_S ((size_t)c, size, set);
  r = sched_setaffinity (pid, size, set);
  CPU_FREE (set);
  if (r < 0)
    return carve_make_error (err, errno, "set the CPU affinity of task %d", (int)pid);
  return 0;
}

int
carve_cpu_affinity_set_pid (pid_t pid, const char *cpu_list, const char *field, carve_error_t *err)
{
  carve_cpumask_t m;

  if (cpu_list == NULL || cpu_list[0] == '\0')
    return 0;
  if (carve_cpumask_parse_list (cpu_list, &m, err) < 0)
    return carve_error_wrap (err, "%s", field);
  if (carve_cpu_affinity_set_mask (pid, &m, err) < 0)
    return carve_error_wrap (err, "%s: `%s`", field, cpu_list);
  return 0;
}

int
carve_cpu_affinity_set (const char *cpu_list, carve_error_t *err)
{
  return carve_cpu_affinity_set_pid (0, cpu_list, "process.execCPUAffinity", err);
}

int
carve_cpu_affinity_reset (pid_t pid, carve_error_t *err)
{
  cpu_set_t *set = CPU_ALLOC (CARVE_SPEC_CPU_LIST_MAX);
  size_t setsize = CPU_ALLOC_SIZE (CARVE_SPEC_CPU_LIST_MAX);
  int r;

  if (set == NULL)
    carve_oom ();
  /* Every CPU the kernel could have: it keeps those of the task's cpuset
     (online ones), which is the point.  */
  memset (set, 0xff, setsize);
  r = sched_setaffinity (pid, setsize, set);
  CPU_FREE (set);
  if (r < 0)
    return carve_make_error (err, errno, "reset the CPU affinity");
  return 0;
}
