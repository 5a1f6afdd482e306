/* How the container's process is scheduled: process.scheduler with
   sched_setattr and process.ioPriority with ioprio_set (scheduler.h).  */
#include <config.h>
#include "scheduler.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"

/* --- I/O priority ---------------------------------------------------------- */

/* From <linux/ioprio.h>, which older kernel headers lack.  */
#define CARVE_IOPRIO_WHO_PROCESS 1
#define CARVE_IOPRIO_CLASS_SHIFT 13

static const struct
{
  const char *name;
  int value;
} ioprio_classes[] = {
  { "IOPRIO_CLASS_RT", 1 },
  { "IOPRIO_CLASS_BE", 2 },
  { "IOPRIO_CLASS_IDLE", 3 },
};

int
carve_ioprio_set (const struct carve_spec_io_priority_s *io_priority, carve_error_t *err)
{
  int class = -1;
  int prio = io_priority->has_priority ? io_priority->priority : 0;
  size_t i;

  for (i = 0; i < sizeof ioprio_classes / sizeof ioprio_classes[0]; i++)
    if (io_priority->class && strcmp (io_priority->class, ioprio_classes[i].name) == 0)
      class = ioprio_classes[i].value;
  if (class < 0)
    return carve_make_error (err, 0, "process.ioPriority.class: unknown class `%s`",
                             io_priority->class ? io_priority->class : "");
  if (prio < 0 || prio > 7)
    return carve_make_error (err, 0, "process.ioPriority.priority: %d is not in 0..7", prio);

  /* The whole process group is what config.md promises, but only the calling
     process is set: every later process of the container descends from it
     and inherits its I/O priority, as with runc.  */
  if (syscall (SYS_ioprio_set, CARVE_IOPRIO_WHO_PROCESS, 0, (class << CARVE_IOPRIO_CLASS_SHIFT) | prio) < 0)
    return carve_make_error (err, errno, "process.ioPriority: ioprio_set `%s` %d", io_priority->class, prio);
  return 0;
}

/* --- scheduler ------------------------------------------------------------- */

/* struct sched_attr of the sched_setattr(2) ABI (SCHED_ATTR_SIZE_VER1);
   glibc before 2.41 has no wrapper.  */
struct carve_sched_attr
{
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};

struct name_value
{
  const char *name;
  uint64_t value;
};

static const struct name_value sched_policies[] = {
  { "SCHED_OTHER", 0 }, { "SCHED_FIFO", 1 }, { "SCHED_RR", 2 },       { "SCHED_BATCH", 3 },
  { "SCHED_ISO", 4 },   { "SCHED_IDLE", 5 }, { "SCHED_DEADLINE", 6 },
};

static const struct name_value sched_flags[] = {
  { "SCHED_FLAG_RESET_ON_FORK", 0x01 },  { "SCHED_FLAG_RECLAIM", 0x02 },     { "SCHED_FLAG_DL_OVERRUN", 0x04 },
  { "SCHED_FLAG_KEEP_POLICY", 0x08 },    { "SCHED_FLAG_KEEP_PARAMS", 0x10 }, { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
  { "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};

static int
lookup (const struct name_value *table, size_t n, const char *name, uint64_t *ret)
{
  size_t i;

  for (i = 0; name && i < n; i++)
    if (strcmp (table[i].name, name) == 0)
      {
        *ret = table[i].value;
        return 0;
      }
  return -1;
}

int
carve_scheduler_set (const struct carve_spec_scheduler_s *scheduler, carve_error_t *err)
{
  struct carve_sched_attr attr;
  uint64_t policy = 0;
  size_t i;

  memset (&attr, 0, sizeof attr);
  attr.size = sizeof attr;

  if (lookup (sched_policies, sizeof sched_policies / sizeof sched_policies[0], scheduler->policy, &policy) < 0)
    return carve_make_error (err, 0, "process.scheduler.policy: unknown policy `%s`",
                             scheduler->policy ? scheduler->policy : "");
  attr.sched_policy = policy;

  for (i = 0; i < scheduler->flags_len; i++)
    {
      uint64_t flag;
      if (lookup (sched_flags, sizeof sched_flags / sizeof sched_flags[0], scheduler->flags[i], &flag) < 0)
        return carve_make_error (err, 0, "process.scheduler.flags[%zu]: unknown flag `%s`", i, scheduler->flags[i]);
      attr.sched_flags |= flag;
    }

  /* Absent values are 0, as config.md says.  */
  attr.sched_nice = scheduler->has_nice ? scheduler->nice : 0;
  attr.sched_priority = scheduler->has_priority ? (uint32_t)scheduler->priority : 0;
  attr.sched_runtime = scheduler->has_runtime ? scheduler->runtime : 0;
  attr.sched_deadline = scheduler->has_deadline ? scheduler->deadline : 0;
  attr.sched_period = scheduler->has_period ? scheduler->period : 0;

  if (syscall (SYS_sched_setattr, 0, &attr, 0) < 0)
    return carve_make_error (err, errno, "process.scheduler: sched_setattr `%s` nice %" PRId32 " priority %" PRIu32,
                             scheduler->policy, attr.sched_nice, attr.sched_priority);
  return 0;
}
