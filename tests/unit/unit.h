/* A tiny TAP harness for C unit tests.  Each case returns 0 (pass), -1
   (fail) or 77 (skip); main prints TAP.  */
#ifndef CARVE_TESTS_UNIT_H
#define CARVE_TESTS_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct carve_unit_case_s
{
  const char *name;
  int (*fn) (void);
};

#define UNIT_CASE(f) { #f, f }

/* Reports a failed expectation with its location and fails the case.  */
#define EXPECT(cond)                                                                                                   \
  do                                                                                                                   \
    {                                                                                                                  \
      if (!(cond))                                                                                                     \
        {                                                                                                              \
          fprintf (stderr, "# %s:%d: expected %s\n", __FILE__, __LINE__, #cond);                                       \
          return -1;                                                                                                   \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

#define EXPECT_STR(a, b)                                                                                               \
  do                                                                                                                   \
    {                                                                                                                  \
      const char *_a = (a), *_b = (b);                                                                                 \
      if (_a == NULL || _b == NULL || strcmp (_a, _b) != 0)                                                            \
        {                                                                                                              \
          fprintf (stderr, "# %s:%d: `%s` != `%s`\n", __FILE__, __LINE__, _a ? _a : "(null)", _b ? _b : "(null)");     \
          return -1;                                                                                                   \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

/* Fails unless haystack contains needle.  */
#define EXPECT_CONTAINS(hay, needle)                                                                                   \
  do                                                                                                                   \
    {                                                                                                                  \
      const char *_h = (hay), *_n = (needle);                                                                          \
      if (_h == NULL || strstr (_h, _n) == NULL)                                                                       \
        {                                                                                                              \
          fprintf (stderr, "# %s:%d: `%s` does not contain `%s`\n", __FILE__, __LINE__, _h ? _h : "(null)", _n);       \
          return -1;                                                                                                   \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

static inline int
carve_unit_run (const struct carve_unit_case_s *cases, size_t n)
{
  size_t i;
  int failed = 0;

  printf ("1..%zu\n", n);
  for (i = 0; i < n; i++)
    {
      int r = cases[i].fn ();
      if (r == 77)
        printf ("ok %zu - %s # SKIP\n", i + 1, cases[i].name);
      else if (r == 0)
        printf ("ok %zu - %s\n", i + 1, cases[i].name);
      else
        {
          printf ("not ok %zu - %s\n", i + 1, cases[i].name);
          failed++;
        }
      fflush (stdout);
    }
  return failed ? 1 : 0;
}

#define UNIT_MAIN(...)                                                                                                 \
  int main (void)                                                                                                      \
  {                                                                                                                    \
    static const struct carve_unit_case_s cases[] = { __VA_ARGS__ };                                                  \
    return carve_unit_run (cases, sizeof (cases) / sizeof (cases[0]));                                                 \
  }

#endif
