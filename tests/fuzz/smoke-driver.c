/* A stand-in for libFuzzer so `make check` runs every fuzz target: replays
   the seed corpus, then feeds deterministic mutations of the seeds for a
   bounded number of inputs and seconds.  Prints TAP.
   Usage: fuzz-X-smoke [CORPUS_DIR]  (default: the directory compiled in
   as CARVE_FUZZ_CORPUS).  */
#include <config.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/error.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"

#ifndef CARVE_FUZZ_NAME
#define CARVE_FUZZ_NAME "fuzz-spec"
#endif

#ifndef CARVE_FUZZ_CORPUS
#define CARVE_FUZZ_CORPUS "."
#endif

#define MAX_MUTATIONS 20000
#define MAX_SECONDS 5.0

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

struct seed_s
{
  char *data;
  size_t len;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rng (void)
{
  /* xorshift64: the same inputs on every run.  */
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Applies one to four edits that tend to reach parser corners: JSON
   punctuation, digits, sign and quote characters, byte flips, deletions
   and duplicated spans.  */
static size_t
mutate (char *buf, size_t len, size_t cap)
{
  static const char interesting[] = "{}[]\",:-09e.\\ nt\xff\x00";
  int edits = 1 + (int)(rng () % 4), i;

  for (i = 0; i < edits; i++)
    {
      size_t pos = len ? (size_t)(rng () % len) : 0;

      switch (rng () % 5)
        {
        case 0: /* replace */
          if (len)
            buf[pos] = interesting[rng () % (sizeof (interesting) - 1)];
          break;
        case 1: /* flip a bit */
          if (len)
            buf[pos] ^= (char)(1u << (rng () % 8));
          break;
        case 2: /* delete a span */
          if (len)
            {
              size_t n = 1 + (size_t)(rng () % 8);
              if (n > len - pos)
                n = len - pos;
              memmove (buf + pos, buf + pos + n, len - pos - n);
              len -= n;
            }
          break;
        case 3: /* insert */
          if (len < cap)
            {
              memmove (buf + pos + 1, buf + pos, len - pos);
              buf[pos] = interesting[rng () % (sizeof (interesting) - 1)];
              len++;
            }
          break;
        default: /* duplicate a span */
          if (len)
            {
              size_t n = 1 + (size_t)(rng () % 32);
              if (n > len - pos)
                n = len - pos;
              if (len + n <= cap)
                {
                  memmove (buf + pos + n, buf + pos, len - pos);
                  len += n;
                }
            }
          break;
        }
    }
  return len;
}

int
main (int argc, char **argv)
{
  const char *dir = argc > 1 ? argv[1] : CARVE_FUZZ_CORPUS;
  cleanup_dir DIR *d = opendir (dir);
  struct seed_s *seeds = NULL;
  size_t n_seeds = 0, runs = 0, i;
  struct dirent *de;
  double start = now ();

  printf ("1..1\n");
  if (d == NULL)
    {
      printf ("not ok 1 - cannot open corpus `%s`\n", dir);
      return 1;
    }
  while ((de = readdir (d)) != NULL)
    {
      cleanup_free char *path = NULL;
      carve_error_t err = NULL;
      char *buf = NULL;
      size_t len = 0;

      if (de->d_name[0] == '.')
        continue;
      path = carve_path_join (dir, de->d_name);
      if (carve_read_file (path, &buf, &len, &err) < 0)
        {
          printf ("not ok 1 - %s\n", err->msg);
          carve_error_release (&err);
          return 1;
        }
      seeds = xrealloc (seeds, (n_seeds + 1) * sizeof (*seeds));
      seeds[n_seeds].data = buf;
      seeds[n_seeds].len = len;
      n_seeds++;
      LLVMFuzzerTestOneInput ((const uint8_t *)buf, len);
      runs++;
    }
  if (n_seeds == 0)
    {
      printf ("not ok 1 - no seeds in `%s`\n", dir);
      return 1;
    }

  for (i = 0; i < MAX_MUTATIONS && now () - start < MAX_SECONDS; i++)
    {
      const struct seed_s *seed = &seeds[rng () % n_seeds];
      size_t cap = seed->len + 256, len;
      /* An exactly sized heap copy, so ASan sees any read past the end.  */
      char *work = xmalloc (cap), *exact;

      memcpy (work, seed->data, seed->len);
      len = mutate (work, seed->len, cap);
      exact = xmalloc (len ? len : 1);
      memcpy (exact, work, len);
      LLVMFuzzerTestOneInput ((const uint8_t *)exact, len);
      free (exact);
      free (work);
      runs++;
    }

  for (i = 0; i < n_seeds; i++)
    free (seeds[i].data);
  free (seeds);
  printf ("ok 1 - %s smoke (%zu inputs)\n", CARVE_FUZZ_NAME, runs);
  return 0;
}
