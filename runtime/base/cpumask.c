/* CPU and NUMA node masks (cpumask.h): the kernel's list ("0-3,8") and
   hex ("ff,00000001") formats, both ways.  */
#include <config.h>

#include "cpumask.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fsutil.h"
#include "xalloc.h"

#define WORDS (CARVE_CPUMASK_MAX / 64)

void
carve_cpumask_zero (carve_cpumask_t *m)
{
  memset (m, 0, sizeof (*m));
}

void
carve_cpumask_set (carve_cpumask_t *m, unsigned cpu)
{
  if (cpu < CARVE_CPUMASK_MAX)
    m->w[cpu / 64] |= UINT64_C (1) << (cpu % 64);
}

void
carve_cpumask_clear (carve_cpumask_t *m, unsigned cpu)
{
  if (cpu < CARVE_CPUMASK_MAX)
    m->w[cpu / 64] &= ~(UINT64_C (1) << (cpu % 64));
}

bool
carve_cpumask_test (const carve_cpumask_t *m, unsigned cpu)
{
  return cpu < CARVE_CPUMASK_MAX && (m->w[cpu / 64] >> (cpu % 64)) & 1;
}

size_t
carve_cpumask_count (const carve_cpumask_t *m)
{
  size_t i, n = 0;
  for (i = 0; i < WORDS; i++)
    n += (size_t) __builtin_popcountll (m->w[i]);
  return n;
}

bool
carve_cpumask_empty (const carve_cpumask_t *m)
{
  size_t i;
  for (i = 0; i < WORDS; i++)
    if (m->w[i])
      return false;
  return true;
}

bool
carve_cpumask_equal (const carve_cpumask_t *a, const carve_cpumask_t *b)
{
  return memcmp (a, b, sizeof (*a)) == 0;
}

bool
carve_cpumask_intersects (const carve_cpumask_t *a, const carve_cpumask_t *b)
{
  size_t i;
  for (i = 0; i < WORDS; i++)
    if (a->w[i] & b->w[i])
      return true;
  return false;
}

bool
carve_cpumask_subset (const carve_cpumask_t *a, const carve_cpumask_t *b)
{
  size_t i;
  for (i = 0; i < WORDS; i++)
    if (a->w[i] & ~b->w[i])
      return false;
  return true;
}

void
carve_cpumask_or (carve_cpumask_t *ret, const carve_cpumask_t *a, const carve_cpumask_t *b)
{
  size_t i;
  for (i = 0; i < WORDS; i++)
    ret->w[i] = a->w[i] | b->w[i];
}

void
carve_cpumask_and (carve_cpumask_t *ret, const carve_cpumask_t *a, const carve_cpumask_t *b)
{
  size_t i;
  for (i = 0; i < WORDS; i++)
    ret->w[i] = a->w[i] & b->w[i];
}

void
carve_cpumask_andnot (carve_cpumask_t *ret, const carve_cpumask_t *a, const carve_cpumask_t *b)
{
  size_t i;
  for (i = 0; i < WORDS; i++)
    ret->w[i] = a->w[i] & ~b->w[i];
}

int
carve_cpumask_next (const carve_cpumask_t *m, unsigned from)
{
  unsigned c;
  for (c = from; c < CARVE_CPUMASK_MAX; c++)
    {
      uint64_t word = m->w[c / 64] >> (c % 64);
      if (word == 0)
        {
          c = (c / 64) * 64 + 63;
          continue;
        }
      return (int) (c + (unsigned) __builtin_ctzll (word));
    }
  return -1;
}

static int
parse_index (const char **p, unsigned *ret)
{
  unsigned long v = 0;
  const char *s = *p;

  if (!isdigit ((unsigned char) *s))
    return -1;
  while (isdigit ((unsigned char) *s))
    {
      v = v * 10 + (unsigned long) (*s - '0');
      if (v >= CARVE_CPUMASK_MAX)
        return -1;
      s++;
    }
  *p = s;
  *ret = (unsigned) v;
  return 0;
}

static const char *
skip_blanks (const char *p)
{
  while (isspace ((unsigned char) *p))
    p++;
  return p;
}

int
carve_cpumask_parse_list (const char *s, carve_cpumask_t *ret, carve_error_t *err)
{
  carve_cpumask_t m;
  const char *p = skip_blanks (s);

  carve_cpumask_zero (&m);
  if (*p == '\0')
    {
      *ret = m;
      return 0;
    }
  for (;;)
    {
      unsigned lo, hi, c;
      if (parse_index (&p, &lo) < 0)
        goto bad;
      hi = lo;
      p = skip_blanks (p);
      if (*p == '-')
        {
          p = skip_blanks (p + 1);
          if (parse_index (&p, &hi) < 0 || hi < lo)
            goto bad;
          p = skip_blanks (p);
        }
      for (c = lo; c <= hi; c++)
        carve_cpumask_set (&m, c);
      if (*p == '\0')
        break;
      if (*p != ',')
        goto bad;
      p = skip_blanks (p + 1);
    }
  *ret = m;
  return 0;
bad:
  return carve_make_error (err, 0, "`%s` is not a CPU list", s);
}

char *
carve_cpumask_format_list (const carve_cpumask_t *m)
{
  cleanup_free char *out = xstrdup ("");
  int c = carve_cpumask_next (m, 0);

  while (c >= 0)
    {
      int hi = c;
      char *next;
      while (hi + 1 < CARVE_CPUMASK_MAX && carve_cpumask_test (m, (unsigned) hi + 1))
        hi++;
      if (hi == c)
        next = xasprintf ("%s%s%d", out, *out ? "," : "", c);
      else
        next = xasprintf ("%s%s%d-%d", out, *out ? "," : "", c, hi);
      free (out);
      out = next;
      c = carve_cpumask_next (m, (unsigned) hi + 1);
    }
  return steal_pointer (&out);
}

int
carve_cpumask_parse_hex (const char *s, carve_cpumask_t *ret, carve_error_t *err)
{
  carve_cpumask_t m;
  const char *end = s + strlen (s);
  const char *start = s;
  unsigned bit = 0;

  while (isspace ((unsigned char) *start))
    start++;
  while (end > start && isspace ((unsigned char) end[-1]))
    end--;
  if (end == start)
    goto bad;
  carve_cpumask_zero (&m);
  /* From the least significant digit up; commas only between groups.  */
  while (end > start)
    {
      char ch = *--end;
      int v;
      if (ch == ',')
        {
          if (end == start || end[-1] == ',')
            goto bad;
          bit = (bit + 31) / 32 * 32;
          continue;
        }
      if (!isxdigit ((unsigned char) ch))
        goto bad;
      v = isdigit ((unsigned char) ch) ? ch - '0' : (tolower ((unsigned char) ch) - 'a' + 10);
      for (int b = 0; b < 4; b++, bit++)
        if (v & (1 << b))
          {
            if (bit >= CARVE_CPUMASK_MAX)
              goto bad;
            carve_cpumask_set (&m, bit);
          }
    }
  *ret = m;
  return 0;
bad:
  return carve_make_error (err, 0, "`%s` is not a CPU mask", s);
}

char *
carve_cpumask_format_hex (const carve_cpumask_t *m, unsigned nbits)
{
  unsigned groups, g;
  cleanup_free char *out = xstrdup ("");

  if (nbits == 0)
    nbits = 1;
  if (nbits > CARVE_CPUMASK_MAX)
    nbits = CARVE_CPUMASK_MAX;
  groups = (nbits + 31) / 32;
  for (g = groups; g-- > 0;)
    {
      uint32_t v = (uint32_t) (m->w[g / 2] >> ((g % 2) * 32));
      char *next;
      if (g == groups - 1)
        {
          unsigned bits = nbits - g * 32;
          int digits = (int) ((bits + 3) / 4);
          next = xasprintf ("%0*x", digits, v);
        }
      else
        next = xasprintf ("%s,%08x", out, v);
      free (out);
      out = next;
    }
  return steal_pointer (&out);
}

int
carve_cpumask_read_list_file (const char *path, carve_cpumask_t *ret, carve_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  char *nl;

  if (carve_read_file (path, &buf, &len, err) < 0)
    return -1;
  nl = strchr (buf, '\n');
  if (nl)
    *nl = '\0';
  if (carve_cpumask_parse_list (buf, ret, err) < 0)
    return carve_error_wrap (err, "`%s`", path);
  return 0;
}
