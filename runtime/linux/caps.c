/* Capabilities (caps.h): process.capabilities parsed into sets, unknown
   names warned about.  */
#include <config.h>
#include "caps.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"

int
carve_caps_last_cap (void)
{
  cleanup_free char *buf = NULL;
  cleanup_error carve_error_t err = NULL;
  size_t len = 0;
  long v;

  if (carve_read_file ("/proc/sys/kernel/cap_last_cap", &buf, &len, &err) == 0)
    {
      while (len > 0 && buf[len - 1] == '\n')
        buf[--len] = '\0';
      if (carve_parse_long (buf, &v) == 0 && v >= 0 && v < 64)
        return (int) v;
    }
  return CAP_LAST_CAP;
}

char *
carve_cap_name (int c)
{
  char *name = cap_to_name (c);
  char *ret, *p;

  if (name == NULL)
    carve_oom ();
  ret = xstrdup (name);
  cap_free (name);
  for (p = ret; *p; p++)
    *p = toupper ((unsigned char) *p);
  return ret;
}

/* The capability named NAME: exactly a "CAP_" name as capabilities(7)
   spells it (libcap alone would also take "cap_kill" and numbers).  */
static int
cap_lookup (const char *name, cap_value_t *ret)
{
  cleanup_free char *canonical = NULL;
  cap_value_t c;

  if (strncmp (name, "CAP_", 4) != 0 || cap_from_name (name, &c) < 0 || c < 0 || c > 63)
    return -1;
  canonical = carve_cap_name (c);
  if (strcmp (canonical, name) != 0)
    return -1;
  *ret = c;
  return 0;
}

static void
warn (char ***warnings, char *msg)
{
  carve_strv_append (warnings, msg);
  free (msg);
}

static uint64_t
parse_set (char *const *names, size_t n, const char *set, int last_cap, uint64_t bounding_now, char ***warnings)
{
  uint64_t mask = 0;
  size_t i;

  for (i = 0; i < n; i++)
    {
      cap_value_t c;

      if (cap_lookup (names[i], &c) < 0)
        warn (warnings, xasprintf ("process.capabilities.%s: capability `%s` is unknown, ignored", set, names[i]));
      else if (c > last_cap)
        warn (warnings, xasprintf ("process.capabilities.%s: capability `%s` is not supported by the running "
                                   "kernel, ignored",
                                   set, names[i]));
      else if (!(bounding_now & CARVE_CAP_BIT (c)))
        warn (warnings, xasprintf ("process.capabilities.%s: capability `%s` is not in carve's own bounding set, "
                                   "ignored",
                                   set, names[i]));
      else
        mask |= CARVE_CAP_BIT (c);
    }
  return mask;
}

/* Names the capabilities of DROPPED in one warning each.  */
static void
warn_dropped (uint64_t dropped, const char *set, const char *why, char ***warnings)
{
  int c;

  for (c = 0; c < 64; c++)
    if (dropped & CARVE_CAP_BIT (c))
      {
        cleanup_free char *name = carve_cap_name (c);
        warn (warnings, xasprintf ("process.capabilities.%s: capability `%s` is not in %s, ignored", set, name, why));
      }
}

int
carve_caps_parse (const struct carve_spec_capabilities_s *caps, struct carve_caps_s *ret, char ***ret_warnings,
                  carve_error_t *err)
{
  struct carve_caps_s r;
  uint64_t bounding_now = 0;
  int last_cap = carve_caps_last_cap ();
  int c;

  (void) err;
  memset (&r, 0, sizeof r);
  if (caps == NULL)
    {
      *ret = r;
      return 0;
    }

  /* Our own bounding set is the most any process we start can ever hold.  */
  for (c = 0; c <= last_cap; c++)
    if (prctl (PR_CAPBSET_READ, c, 0, 0, 0) == 1)
      bounding_now |= CARVE_CAP_BIT (c);

  r.bounding = parse_set (caps->bounding, caps->bounding_len, "bounding", last_cap, bounding_now, ret_warnings);
  r.effective = parse_set (caps->effective, caps->effective_len, "effective", last_cap, bounding_now, ret_warnings);
  r.inheritable
      = parse_set (caps->inheritable, caps->inheritable_len, "inheritable", last_cap, bounding_now, ret_warnings);
  r.permitted = parse_set (caps->permitted, caps->permitted_len, "permitted", last_cap, bounding_now, ret_warnings);
  r.ambient = parse_set (caps->ambient, caps->ambient_len, "ambient", last_cap, bounding_now, ret_warnings);

  /* The kernel refuses an inheritable capability outside the (already
     reduced) bounding set and an effective one outside the permitted set
     (capset), and an ambient one outside permitted or inheritable
     (PR_CAP_AMBIENT_RAISE): leave them out instead of failing.  */
  warn_dropped (r.inheritable & ~r.bounding, "inheritable", "the bounding set", ret_warnings);
  r.inheritable &= r.bounding;
  warn_dropped (r.effective & ~r.permitted, "effective", "the permitted set", ret_warnings);
  r.effective &= r.permitted;
  warn_dropped (r.ambient & ~(r.permitted & r.inheritable), "ambient", "both the permitted and inheritable sets",
                ret_warnings);
  r.ambient &= r.permitted & r.inheritable;

  *ret = r;
  return 0;
}
