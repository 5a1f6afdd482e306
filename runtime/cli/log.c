/* Where carve says things (log.h): errors on stderr and in --log, warnings
   in --log (runc's JSON lines for containerd and conmon) and on stderr
   only with --debug.  */
#include <config.h>
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "xalloc.h"

static int log_fd = -1;
static bool log_json;
static bool log_debug;

int
carve_log_init (const char *path, const char *format, bool debug, carve_error_t *err)
{
  log_debug = debug;
  if (format != NULL && strcmp (format, "json") != 0 && strcmp (format, "text") != 0)
    return carve_make_error (err, 0, "--log-format: `%s` is not `text` or `json`", format);
  log_json = format != NULL && strcmp (format, "json") == 0;
  if (path != NULL && *path != '\0')
    {
      log_fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (log_fd < 0)
        return carve_make_error (err, errno, "--log: open `%s`", path);
    }
  return 0;
}

static const char *
level_name (enum carve_log_level level)
{
  switch (level)
    {
    case CARVE_LOG_DEBUG:
      return "debug";
    case CARVE_LOG_INFO:
      return "info";
    case CARVE_LOG_WARNING:
      return "warning";
    default:
      return "error";
    }
}

/* JSON string body, escaped as Go's encoder does (also <, > and &), so the
   lines look like runc's logrus output to whoever parses them.  */
static void
json_escape (FILE *f, const char *s)
{
  for (; *s; s++)
    {
      unsigned char c = (unsigned char) *s;
      switch (c)
        {
        case '"':
          fputs ("\\\"", f);
          break;
        case '\\':
          fputs ("\\\\", f);
          break;
        case '\n':
          fputs ("\\n", f);
          break;
        case '\r':
          fputs ("\\r", f);
          break;
        case '\t':
          fputs ("\\t", f);
          break;
        case '<':
        case '>':
        case '&':
          fprintf (f, "\\u%04x", c);
          break;
        default:
          if (c < 0x20)
            fprintf (f, "\\u%04x", c);
          else
            fputc (c, f);
        }
    }
}

static void
write_log_line (enum carve_log_level level, const char *msg)
{
  cleanup_free char *line = NULL;
  size_t len = 0;
  FILE *f;
  char ts[64];
  struct timespec now;
  struct tm tm;

  clock_gettime (CLOCK_REALTIME, &now);
  gmtime_r (&now.tv_sec, &tm);
  strftime (ts, sizeof (ts), "%Y-%m-%dT%H:%M:%SZ", &tm);

  f = open_memstream (&line, &len);
  if (f == NULL)
    carve_oom ();
  if (log_json)
    {
      fprintf (f, "{\"level\":\"%s\",\"msg\":\"", level_name (level));
      json_escape (f, msg);
      fprintf (f, "\",\"time\":\"%s\"}\n", ts);
    }
  else
    {
      fprintf (f, "time=\"%s\" level=%s msg=\"", ts, level_name (level));
      json_escape (f, msg);
      fputs ("\"\n", f);
    }
  fclose (f);
  (void) carve_write_all (log_fd, line, len);
}

void
carve_log (enum carve_log_level level, const char *fmt, ...)
{
  cleanup_free char *msg = NULL;
  va_list ap;

  if (level == CARVE_LOG_DEBUG && !log_debug)
    return;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    carve_oom ();
  va_end (ap);

  if (log_fd >= 0)
    write_log_line (level, msg);
  /* An error reaches stderr as one plain line, the log file gets the
     structured copy.  A warning does not touch stderr unless --debug: the
     stderr of a container that starts as asked is the job's (Slurm puts it
     in the job's error file); it is in --log, and create keeps it in the
     state for `carve state`.  Debug goes to stderr only without --log.  */
  if (level == CARVE_LOG_ERROR)
    fprintf (stderr, "carve: %s\n", msg);
  else if (level == CARVE_LOG_WARNING && log_debug)
    fprintf (stderr, "carve: warning: %s\n", msg);
  else if (level < CARVE_LOG_WARNING && log_fd < 0)
    fprintf (stderr, "carve: %s: %s\n", level_name (level), msg);
}

void
carve_log_error (carve_error_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  carve_log (CARVE_LOG_ERROR, "%s", (*err)->msg);
  carve_error_release (err);
}

void
carve_log_warning_cb (void *data, const char *msg)
{
  (void) data;
  carve_log (CARVE_LOG_WARNING, "%s", msg);
}
