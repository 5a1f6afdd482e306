/* The error type (error.h): made at the source, wrapped with context on
   the way up.  */
#include <config.h>
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static char *
vformat (const char *fmt, va_list ap)
{
  char *s = NULL;
  if (vasprintf (&s, fmt, ap) < 0)
    carve_oom ();
  return s;
}

int
carve_make_error (carve_error_t *err, int status, const char *fmt, ...)
{
  va_list ap;
  char *msg;

  va_start (ap, fmt);
  msg = vformat (fmt, ap);
  va_end (ap);

  if (err == NULL)
    {
      free (msg);
      return -1;
    }
  /* An error already set is a bug of the caller; keep the first one, it is
     the cause.  */
  if (*err != NULL)
    {
      free (msg);
      return -1;
    }

  *err = xzalloc (sizeof (**err));
  (*err)->status = status;
  if (status != 0)
    {
      (*err)->msg = xasprintf ("%s: %s", msg, strerror (status));
      free (msg);
    }
  else
    (*err)->msg = msg;
  return -1;
}

int
carve_error_wrap (carve_error_t *err, const char *fmt, ...)
{
  va_list ap;
  char *ctx, *msg;

  if (err == NULL || *err == NULL)
    return -1;

  va_start (ap, fmt);
  ctx = vformat (fmt, ap);
  va_end (ap);

  msg = xasprintf ("%s: %s", ctx, (*err)->msg);
  free (ctx);
  free ((*err)->msg);
  (*err)->msg = msg;
  return -1;
}

void
carve_error_release (carve_error_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  free ((*err)->msg);
  free (*err);
  *err = NULL;
}

void
carve_error_cleanup (carve_error_t *err)
{
  carve_error_release (err);
}
