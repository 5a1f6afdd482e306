/* carve-serviceos's log lines (log.h).  */
#include <config.h>
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/base/deadline.h"

static bool log_debug;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void
carve_sos_log_init (bool debug)
{
  log_debug = debug;
}

bool
carve_sos_log_debug_enabled (void)
{
  return log_debug;
}

static const char *
level_name (enum carve_sos_log_level level)
{
  switch (level)
    {
    case CARVE_SOS_LOG_ERROR:
      return "error";
    case CARVE_SOS_LOG_WARNING:
      return "warning";
    case CARVE_SOS_LOG_INFO:
      return "info";
    default:
      return "debug";
    }
}

void
carve_sos_log (enum carve_sos_log_level level, const char *fmt, ...)
{
  char line[2048];
  struct timespec ts;
  struct tm tm;
  int saved = errno, n, m;
  va_list ap;

  if (level == CARVE_SOS_LOG_DEBUG && !log_debug)
    return;
  /* UTC, computed here: localtime would read /etc/localtime, and a
     worker's "/" may be a container's root.  */
  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  n = snprintf (line, sizeof (line), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ carve-serviceos: %s: ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000, level_name (level));
  va_start (ap, fmt);
  m = vsnprintf (line + n, sizeof (line) - n - 1, fmt, ap);
  va_end (ap);
  n = m < 0 ? n : (size_t)(n + m) >= sizeof (line) - 1 ? (int)sizeof (line) - 2 : n + m;
  line[n++] = '\n';
  pthread_mutex_lock (&log_lock);
  (void)!write (STDERR_FILENO, line, n);
  pthread_mutex_unlock (&log_lock);
  errno = saved;
}

bool
carve_sos_log_ratelimit (struct carve_sos_ratelimit_s *rl, int burst)
{
  long long now = carve_now_ms ();

  if (rl->last_ms == 0)
    {
      rl->tokens = burst;
      rl->last_ms = now;
    }
  if (now - rl->last_ms >= 1000)
    {
      rl->tokens += (int)((now - rl->last_ms) / 1000);
      if (rl->tokens > burst)
        rl->tokens = burst;
      rl->last_ms = now;
    }
  if (rl->tokens > 0)
    {
      rl->tokens--;
      return true;
    }
  rl->suppressed++;
  return false;
}
