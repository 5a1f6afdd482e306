/* `carve events [--stats] [--interval]`: runc's flags, then
   carve_container_events, printing each event as a JSON line.  */
#include <config.h>

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"

/* A Go duration as runc's --interval takes it ("5s", "250ms", "1m30s",
   "1.5h"), in milliseconds rounded up.  Returns -1 when malformed.  */
static int
parse_duration (const char *s, double *ret_ms)
{
  static const struct
  {
    const char *unit;
    double ms;
  } units[] = {
    { "ns", 1e-6 }, { "us", 1e-3 }, { "\xc2\xb5s", 1e-3 }, { "\xce\xbcs", 1e-3 },
    { "ms", 1 },    { "s", 1e3 },   { "m", 60e3 },         { "h", 3600e3 },
  };
  double total = 0, sign = 1;
  const char *p = s;

  if (*p == '-' || *p == '+')
    sign = *p++ == '-' ? -1 : 1;
  if (strcmp (p, "0") == 0)
    {
      *ret_ms = 0;
      return 0;
    }
  if (*p == '\0')
    return -1;
  while (*p)
    {
      char *end = NULL;
      double v;
      size_t i, best = 0, best_len = 0;

      if (!((*p >= '0' && *p <= '9') || *p == '.'))
        return -1;
      v = strtod (p, &end);
      if (end == p)
        return -1;
      /* strtod would take exponents and hex: digits and one dot only.  */
      for (; p < end; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.'))
          return -1;
      /* The longest unit that matches ("ms" before "m").  */
      for (i = 0; i < sizeof (units) / sizeof (units[0]); i++)
        {
          size_t l = strlen (units[i].unit);
          if (strncmp (p, units[i].unit, l) == 0 && l > best_len)
            {
              best = i;
              best_len = l;
            }
        }
      if (best_len == 0)
        return -1;
      total += v * units[best].ms;
      p += best_len;
    }
  *ret_ms = sign * total;
  return 0;
}

static void
print_event (void *data, const char *json)
{
  (void)data;
  printf ("%s\n", json);
  fflush (stdout);
}

int
carve_cli_events (struct carve_context_s *ctx, int argc, char **argv)
{
  enum
  {
    OPT_INTERVAL = 256,
    OPT_STATS,
  };
  static const struct option opts[] = {
    { "interval", required_argument, NULL, OPT_INTERVAL },
    { "stats", no_argument, NULL, OPT_STATS },
    { NULL, 0, NULL, 0 },
  };
  struct carve_events_options_s o = { .interval_ms = 5000, .emit = print_event };
  carve_error_t err = NULL;
  int c;

  while ((c = getopt_long (argc, argv, ":", opts, NULL)) != -1)
    {
      double ms = 0;

      switch (c)
        {
        case OPT_INTERVAL:
          if (parse_duration (optarg, &ms) < 0)
            {
              carve_log (CARVE_LOG_ERROR, "events: --interval: `%s` is not a duration (as 5s, 250ms, 1m)", optarg);
              return 1;
            }
          if (ms <= 0)
            {
              carve_log (CARVE_LOG_ERROR, "events: --interval: `%s`: the interval must be greater than 0", optarg);
              return 1;
            }
          if (ms > 24.0 * 3600e3 * 365)
            {
              carve_log (CARVE_LOG_ERROR, "events: --interval: `%s` is too long", optarg);
              return 1;
            }
          o.interval_ms = (long)ms;
          if ((double)o.interval_ms < ms)
            o.interval_ms++;
          break;
        case OPT_STATS:
          o.stats = true;
          break;
        case ':':
          carve_log (CARVE_LOG_ERROR, "events: option `%s` requires an argument", argv[optind - 1]);
          return 1;
        default:
          carve_log (CARVE_LOG_ERROR, "events: unknown option `%s`", argv[optind - 1]);
          return 1;
        }
    }
  if (carve_cli_expect_args ("events", argc, optind, 1, 1, "[--stats] [--interval DURATION] CONTAINER-ID") < 0)
    return 1;
  if (carve_container_events (ctx, argv[optind], &o, &err) < 0)
    return carve_cli_fail (&err);
  return 0;
}
