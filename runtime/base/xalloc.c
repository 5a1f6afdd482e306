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
