/* The status document as text (status.h).  */
#include <config.h>
#include "status.h"

#include <string.h>

static yajl_val
get (yajl_val obj, const char *a, const char *b)
{
  const char *path[] = { a, b, NULL };
  return yajl_tree_get (obj, path, yajl_t_any);
}

static long long
num (yajl_val obj, const char *a, const char *b)
{
  yajl_val v = get (obj, a, b);
  return v && YAJL_IS_INTEGER (v) ? YAJL_GET_INTEGER (v) : 0;
}

static double
dbl (yajl_val obj, const char *a, const char *b)
{
  yajl_val v = get (obj, a, b);
  return v && YAJL_IS_NUMBER (v) ? YAJL_GET_DOUBLE (v) : 0;
}

static const char *
str (yajl_val obj, const char *a)
{
  yajl_val v = get (obj, a, NULL);
  return v && YAJL_IS_STRING (v) ? YAJL_GET_STRING (v) : "";
}

void
carve_sos_status_print_text (yajl_val doc, FILE *out)
{
  yajl_val containers = get (doc, "containers", NULL);
  size_t i, j;

  fprintf (out, "carve-serviceos %s: pid %lld, CPUs %s, socket %s, up %lld s\n", str (doc, "version"),
           num (doc, "pid", NULL), str (doc, "cpus"), str (doc, "socket"), num (doc, "uptime_s", NULL));
  fprintf (out,
           "connections: %lld accepted, %lld malformed, %lld timed out, %lld refused, %lld status\n"
           "listeners: %lld live, %lld in all; workers: %lld (%lld idle); notifications: %lld\n",
           num (doc, "connections", "accepted"), num (doc, "connections", "malformed"),
           num (doc, "connections", "timeouts"), num (doc, "connections", "refused"),
           num (doc, "connections", "control"), num (doc, "listeners", "live"), num (doc, "listeners", "total"),
           num (doc, "workers", "total"), num (doc, "workers", "idle"), num (doc, "notifications", NULL));
  if (containers == NULL || !YAJL_IS_ARRAY (containers) || containers->u.array.len == 0)
    {
      fprintf (out, "no container has sent a listener\n");
      return;
    }
  fprintf (out, "\n%-24s %-14s %9s %7s %7s %7s %7s %10s %10s %10s %10s\n", "CONTAINER", "SYSCALL", "CALLS", "ERRORS",
           "NATIVE", "ENOSYS", "GONE", "P50(us)", "P90(us)", "P99(us)", "MAX(us)");
  for (i = 0; i < containers->u.array.len; i++)
    {
      yajl_val c = containers->u.array.values[i];
      yajl_val calls = get (c, "syscalls", NULL);

      if (calls == NULL || !YAJL_IS_ARRAY (calls) || calls->u.array.len == 0)
        {
          fprintf (out, "%-24s %-14s %9d\n", str (c, "id"), "-", 0);
          continue;
        }
      for (j = 0; j < calls->u.array.len; j++)
        {
          yajl_val s = calls->u.array.values[j];
          fprintf (out, "%-24s %-14s %9lld %7lld %7lld %7lld %7lld %10.1f %10.1f %10.1f %10.1f\n", str (c, "id"),
                   str (s, "name"), num (s, "calls", NULL), num (s, "errors", NULL), num (s, "continued", NULL),
                   num (s, "unimplemented", NULL), num (s, "abandoned", NULL), dbl (s, "latency_us", "p50"),
                   dbl (s, "latency_us", "p90"), dbl (s, "latency_us", "p99"), dbl (s, "latency_us", "max"));
        }
    }
}
