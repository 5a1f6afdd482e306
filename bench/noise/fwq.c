/* fwq: a fixed-work-quantum probe of OS noise.

   The same small loop (the quantum: LOOPS iterations of a dependent
   multiply-add) is timed SAMPLES times back to back on one CPU.  On a quiet
   CPU every sample takes the same time, tmin; anything the OS or another
   task does on that CPU (an interrupt, a timer tick, a kernel thread, a
   preempting process) lengthens the samples it lands in.  The figures are
   the distribution of sample times and the noise fraction

     noise = sum (t - tmin) / sum (t)

   the share of the CPU's time that the probe did not get.

   Nothing is calibrated by default: the quantum is a loop count, so the
   same command does the same work everywhere (-q sets it; the default is
   some tens of microseconds per sample on a current x86-64 core).

   The clock is clock_gettime (CLOCK_MONOTONIC_RAW).  With the tsc (x86-64)
   or arch_sys_counter (arm64) clocksource it is read in the vDSO, without
   entering the kernel, in some tens of nanoseconds; that cost is the same
   in every sample, so it sits inside tmin and cancels out of t - tmin.  It
   needs no calibration and NTP does not slew it.  rdtsc would be a few
   nanoseconds cheaper but is x86-only, needs an invariant TSC and a measured
   frequency whose error would scale every figure.  The line reports the
   clocksource and the cost of one clock read so that a reader can see when
   the clock is not a vDSO read (hpet, acpi_pm: every read is a system call,
   itself a source of noise).

   The probe is built statically so it runs in a busybox rootfs.  It prints
   one line:

     fwq cpu=1 migrations=0 samples=N quantum=LOOPS warmup=W clocksource=tsc
       clock_ns=C min_ns=.. median_ns=.. p99_ns=.. p999_ns=.. max_ns=..
       mean_ns=.. noise=0.012345

   (on one line), then with -r the samples in nanoseconds, one per line, in
   the order they were taken.  Exit status 0, or 2 on a bad option, 1 when
   the probe cannot run (no memory, the CPU refused).  */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define FWQ_DEFAULT_SAMPLES 100000
#define FWQ_DEFAULT_LOOPS 20000
#define FWQ_DEFAULT_WARMUP 2000
#define FWQ_CLOCKSOURCE "/sys/devices/system/clocksource/clocksource0/current_clocksource"

/* Where the result of the work goes: somewhere the compiler cannot prove
   dead.  */
static volatile uint64_t fwq_sink;

static void
usage (FILE *out)
{
  fprintf (out, "usage: fwq [-c CPU] [-n SAMPLES] [-q LOOPS] [-w WARMUP] [-r]\n"
                "  -c CPU      pin to CPU (default: stay on the inherited affinity)\n"
                "  -n SAMPLES  timed samples (default %d)\n"
                "  -q LOOPS    loop iterations per sample, the work quantum (default %d)\n"
                "  -w WARMUP   untimed samples first (default %d)\n"
                "  -r          print every sample (ns) after the summary line\n",
           FWQ_DEFAULT_SAMPLES, FWQ_DEFAULT_LOOPS, FWQ_DEFAULT_WARMUP);
}

/* The work quantum.  Each iteration depends on the previous one and the
   empty asm makes the compiler keep X in a register it cannot see through,
   so the loop is neither vectorised nor folded away.  No memory is
   touched: the probe measures stolen CPU time, not cache pollution.  */
static uint64_t __attribute__ ((noinline))
fwq_work (uint64_t loops, uint64_t x)
{
  for (uint64_t i = 0; i < loops; i++)
    {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      __asm__ volatile ("" : "+r"(x));
    }
  return x;
}

static inline uint64_t
fwq_now_ns (void)
{
  struct timespec ts;

  /* Cannot fail for a valid clock id and a valid pointer.  */
  (void) clock_gettime (CLOCK_MONOTONIC_RAW, &ts);
  return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static int
fwq_parse_u64 (const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
  char *end = NULL;
  unsigned long long v;

  errno = 0;
  if (*s == '\0' || *s == '-')
    goto bad;
  v = strtoull (s, &end, 10);
  if (errno != 0 || *end != '\0' || v < min || v > max)
    goto bad;
  *ret = v;
  return 0;
bad:
  fprintf (stderr, "fwq: %s: `%s` is not a number from %" PRIu64 " to %" PRIu64 "\n", opt, s, min, max);
  return -1;
}

static int
fwq_cmp_u64 (const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

  return (x > y) - (x < y);
}

/* The nearest-rank percentile NUM/DEN of the N sorted samples: the
   smallest sample with at least NUM/DEN of the samples at or below it.  */
static uint64_t
fwq_percentile (const uint64_t *sorted, size_t n, uint64_t num, uint64_t den)
{
  uint64_t rank = (n * num + den - 1) / den;

  if (rank == 0)
    rank = 1;
  return sorted[rank - 1];
}

/* The clocksource's name, "unknown" when sysfs is not there (a container
   without /sys).  */
static void
fwq_clocksource (char *buf, size_t size)
{
  FILE *f = fopen (FWQ_CLOCKSOURCE, "re");
  size_t len;

  snprintf (buf, size, "unknown");
  if (f == NULL)
    return;
  if (fgets (buf, (int) size, f) == NULL)
    snprintf (buf, size, "unknown");
  fclose (f);
  len = strcspn (buf, " \n");
  buf[len] = '\0';
  if (len == 0)
    snprintf (buf, size, "unknown");
}

/* The cheapest of many back-to-back clock reads: what one timestamp
   costs.  */
static uint64_t
fwq_clock_cost (void)
{
  uint64_t best = UINT64_MAX;

  for (int i = 0; i < 1000; i++)
    {
      uint64_t a = fwq_now_ns ();
      uint64_t b = fwq_now_ns ();

      if (b - a < best)
        best = b - a;
    }
  return best;
}

int
main (int argc, char **argv)
{
  uint64_t samples = FWQ_DEFAULT_SAMPLES, loops = FWQ_DEFAULT_LOOPS, warmup = FWQ_DEFAULT_WARMUP, cpu = 0;
  bool pin = false, raw = false;
  uint64_t *t = NULL, *sorted = NULL;
  uint64_t sink = 1, sum = 0, migrations = 0, tmin;
  char clocksource[64];
  int c, first_cpu, last_cpu;

  while ((c = getopt (argc, argv, "c:n:q:w:rh")) != -1)
    switch (c)
      {
      case 'c':
        if (fwq_parse_u64 ("-c", optarg, 0, CPU_SETSIZE - 1, &cpu) < 0)
          return 2;
        pin = true;
        break;
      case 'n':
        /* The upper bound keeps sum (t) far from overflowing for any
           sample shorter than a few hours.  */
        if (fwq_parse_u64 ("-n", optarg, 1, 100000000, &samples) < 0)
          return 2;
        break;
      case 'q':
        if (fwq_parse_u64 ("-q", optarg, 1, UINT32_MAX, &loops) < 0)
          return 2;
        break;
      case 'w':
        if (fwq_parse_u64 ("-w", optarg, 0, 100000000, &warmup) < 0)
          return 2;
        break;
      case 'r':
        raw = true;
        break;
      case 'h':
        usage (stdout);
        return 0;
      default:
        usage (stderr);
        return 2;
      }
  if (optind != argc)
    {
      fprintf (stderr, "fwq: unexpected argument `%s`\n", argv[optind]);
      usage (stderr);
      return 2;
    }

  if (pin)
    {
      cpu_set_t set;

      CPU_ZERO (&set);
      CPU_SET ((int) cpu, &set);
      if (sched_setaffinity (0, sizeof set, &set) < 0)
        {
          fprintf (stderr, "fwq: -c: cannot run on CPU %" PRIu64 ": %s\n", cpu, strerror (errno));
          return 1;
        }
    }

  t = calloc (samples, sizeof *t);
  sorted = calloc (samples, sizeof *sorted);
  if (t == NULL || sorted == NULL)
    {
      fprintf (stderr, "fwq: cannot allocate %" PRIu64 " samples\n", samples);
      return 1;
    }
  /* Fault every page in now, and keep them in if we may: a page fault in
     the timed loop would be the probe's own noise.  mlockall fails without
     CAP_IPC_LOCK or a large enough RLIMIT_MEMLOCK; the pages are touched
     anyway.  */
  memset (t, 0xff, samples * sizeof *t);
  memset (sorted, 0xff, samples * sizeof *sorted);
  (void) mlockall (MCL_CURRENT | MCL_FUTURE);

  fwq_clocksource (clocksource, sizeof clocksource);

  /* Warm up: caches, branch predictors, and the CPU's clock frequency.  */
  for (uint64_t i = 0; i < warmup; i++)
    sink = fwq_work (loops, sink);

  const uint64_t clock_ns = fwq_clock_cost ();

  first_cpu = last_cpu = sched_getcpu ();
  for (uint64_t i = 0; i < samples; i++)
    {
      uint64_t start = fwq_now_ns ();
      sink = fwq_work (loops, sink);
      t[i] = fwq_now_ns () - start;

      /* Outside the timed region: sched_getcpu is a vDSO call (or rseq
         read) of a few nanoseconds.  */
      int now_cpu = sched_getcpu ();
      if (now_cpu != last_cpu)
        migrations++;
      last_cpu = now_cpu;
    }

  memcpy (sorted, t, samples * sizeof *t);
  qsort (sorted, samples, sizeof *sorted, fwq_cmp_u64);
  tmin = sorted[0];
  for (uint64_t i = 0; i < samples; i++)
    sum += t[i];
  /* sum (t - tmin) = sum (t) - N * tmin, exactly, in integers.  */
  const double noise = sum > 0 ? (double) (sum - samples * tmin) / (double) sum : 0.0;

  printf ("fwq cpu=%d migrations=%" PRIu64 " samples=%" PRIu64 " quantum=%" PRIu64 " warmup=%" PRIu64
          " clocksource=%s clock_ns=%" PRIu64 " min_ns=%" PRIu64 " median_ns=%" PRIu64 " p99_ns=%" PRIu64
          " p999_ns=%" PRIu64 " max_ns=%" PRIu64 " mean_ns=%" PRIu64 " noise=%.6f\n",
          first_cpu, migrations, samples, loops, warmup, clocksource, clock_ns, tmin,
          fwq_percentile (sorted, samples, 1, 2), fwq_percentile (sorted, samples, 99, 100),
          fwq_percentile (sorted, samples, 999, 1000), sorted[samples - 1], sum / samples, noise);
  if (raw)
    for (uint64_t i = 0; i < samples; i++)
      printf ("%" PRIu64 "\n", t[i]);

  fwq_sink = sink;
  free (t);
  free (sorted);
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      fprintf (stderr, "fwq: write the result: %s\n", strerror (errno));
      return 1;
    }
  return 0;
}
