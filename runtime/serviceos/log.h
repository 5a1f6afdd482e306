/* carve-serviceos's log: one line per event on stderr (the journal under
   systemd), "carve-serviceos: LEVEL: message".  Safe from any thread, and
   it touches no file by name, so a worker that is chrooted into a
   container's root can log too.  Repeated fault messages (a flood of bad
   connections) are rate limited by the caller with carve_sos_log_ratelimit.  */
#ifndef CARVE_SERVICEOS_LOG_H
#define CARVE_SERVICEOS_LOG_H

#include <stdbool.h>

enum carve_sos_log_level
{
  CARVE_SOS_LOG_ERROR,
  CARVE_SOS_LOG_WARNING,
  CARVE_SOS_LOG_INFO,
  CARVE_SOS_LOG_DEBUG,
};

void carve_sos_log_init (bool debug);
bool carve_sos_log_debug_enabled (void);
void carve_sos_log (enum carve_sos_log_level level, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* A token bucket of at most BURST messages, refilled by one a second:
   true when one more may be logged.  */
struct carve_sos_ratelimit_s
{
  int tokens;
  long long last_ms;
  unsigned long suppressed;
};
bool carve_sos_log_ratelimit (struct carve_sos_ratelimit_s *rl, int burst);

#endif
