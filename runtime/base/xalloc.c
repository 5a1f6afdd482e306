/* Allocation that aborts on OOM, formatted strings and NULL-terminated
   string vectors (xalloc.h).  */
#include <config.h>
#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
carve_oom (void)
{
  static const char msg[] = "carve: out of memory\n";
  (void) !write (STDERR_FILENO, msg, sizeof (msg) - 1);
  abort ();
}

void *
xmalloc (size_t size)
{
  void *p = malloc (size ? size : 1);
  if (p == NULL)
    carve_oom ();
  return p;
}

void *
xzalloc (size_t size)
{
  return xcalloc (1, size ? size : 1);
}

void *
xcalloc (size_t nmemb, size_t size)
{
  void *p = calloc (nmemb ? nmemb : 1, size ? size : 1);
  if (p == NULL)
    carve_oom ();
  return p;
}

void *
xrealloc (void *ptr, size_t size)
{
  void *p = realloc (ptr, size ? size : 1);
  if (p == NULL)
    carve_oom ();
  return p;
}

char *
xstrdup (const char *s)
{
  char *p;
  if (s == NULL)
    return NULL;
  p = strdup (s);
  if (p == NULL)
    carve_oom ();
  return p;
}

char *
xstrndup (const char *s, size_t n)
{
  char *p = strndup (s, n);
  if (p == NULL)
    carve_oom ();
  return p;
}

char *
xasprintf (const char *fmt, ...)
{
  va_list ap;
  char *s = NULL;
  int r;

  va_start (ap, fmt);
  r = vasprintf (&s, fmt, ap);
  va_end (ap);
  if (r < 0)
    carve_oom ();
  return s;
}

size_t
carve_strv_length (char *const *v)
{
  size_t n = 0;
  if (v == NULL)
    return 0;
  while (v[n])
    n++;
  return n;
}

char **
carve_strv_dup (char *const *v)
{
  size_t i, n = carve_strv_length (v);
  char **r;

  if (v == NULL)
    return NULL;
  r = xcalloc (n + 1, sizeof (char *));
  for (i = 0; i < n; i++)
    r[i] = xstrdup (v[i]);
  return r;
}

void
carve_strv_free (char **v)
{
  size_t i;
  if (v == NULL)
    return;
  for (i = 0; v[i]; i++)
    free (v[i]);
  free (v);
}

void
carve_strv_append (char ***v, const char *s)
{
  size_t n = carve_strv_length (*v);
  *v = xrealloc (*v, (n + 2) * sizeof (char *));
  (*v)[n] = xstrdup (s);
  (*v)[n + 1] = NULL;
}

bool
carve_strv_contains (char *const *v, const char *s)
{
  for (; v && *v; v++)
    if (strcmp (*v, s) == 0)
      return true;
  return false;
}

char **
carve_strv_split (const char *s, const char *seps)
{
  char *copy = xstrdup (s);
  char **v = xzalloc (sizeof (char *));
  char *save = NULL, *tok;

  for (tok = strtok_r (copy, seps, &save); tok; tok = strtok_r (NULL, seps, &save))
    carve_strv_append (&v, tok);
  free (copy);
  return v;
}

char *
carve_strv_join (char *const *v, const char *sep)
{
  size_t len = 1, i;
  char *ret;

  for (i = 0; v && v[i]; i++)
    len += strlen (v[i]) + strlen (sep);
  ret = xzalloc (len);
  for (i = 0; v && v[i]; i++)
    {
      if (i > 0)
        strcat (ret, sep);
      strcat (ret, v[i]);
    }
  return ret;
}
