/* Monotonic deadlines for poll(2) loops.  */
#ifndef CARVE_BASE_DEADLINE_H
#define CARVE_BASE_DEADLINE_H

#include <time.h>

static inline long long
carve_now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until DEADLINE for poll: -1 (wait forever) when
   DEADLINE < 0, 0 once it has passed.  */
static inline int
carve_deadline_remaining_ms (long long deadline)
{
  long long left;

  if (deadline < 0)
    return -1;
  left = deadline - carve_now_ms ();
  if (left < 0)
    return 0;
  return left > 0x7fffffff ? 0x7fffffff : (int) left;
}

#endif
