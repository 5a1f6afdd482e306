/* CPU sets as the kernel prints them: lists ("0-3,8", cpuset.cpus,
   /sys/devices/system/cpu/online) and hex masks ("ff,00000001",
   /proc/irq/N/smp_affinity, workqueue cpumask).  A plain value type big
   enough for any kernel (NR_CPUS is at most 8192), so callers copy it
   freely and never allocate.  */
#ifndef CARVE_BASE_CPUMASK_H
#define CARVE_BASE_CPUMASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define CARVE_CPUMASK_MAX 8192

typedef struct carve_cpumask_s
{
  uint64_t w[CARVE_CPUMASK_MAX / 64];
} carve_cpumask_t;

void carve_cpumask_zero (carve_cpumask_t *m);
void carve_cpumask_set (carve_cpumask_t *m, unsigned cpu);
void carve_cpumask_clear (carve_cpumask_t *m, unsigned cpu);
bool carve_cpumask_test (const carve_cpumask_t *m, unsigned cpu);
size_t carve_cpumask_count (const carve_cpumask_t *m);
bool carve_cpumask_empty (const carve_cpumask_t *m);
bool carve_cpumask_equal (const carve_cpumask_t *a, const carve_cpumask_t *b);
bool carve_cpumask_intersects (const carve_cpumask_t *a, const carve_cpumask_t *b);
/* True when every CPU of A is in B.  */
bool carve_cpumask_subset (const carve_cpumask_t *a, const carve_cpumask_t *b);
/* *RET = A | B, A & B, A & ~B (RET may be A or B).  */
void carve_cpumask_or (carve_cpumask_t *ret, const carve_cpumask_t *a, const carve_cpumask_t *b);
void carve_cpumask_and (carve_cpumask_t *ret, const carve_cpumask_t *a, const carve_cpumask_t *b);
void carve_cpumask_andnot (carve_cpumask_t *ret, const carve_cpumask_t *a, const carve_cpumask_t *b);
/* The first CPU at or after FROM, -1 when there is none:
   for (c = carve_cpumask_next (m, 0); c >= 0; c = carve_cpumask_next (m, c + 1)).  */
int carve_cpumask_next (const carve_cpumask_t *m, unsigned from);

/* A list: "", "3", "0-3,8"; blanks around items and a trailing newline are
   ignored, strides ("0-7:2") are not accepted (the kernel prints none).
   The error is "`S` is not a CPU list" for the caller to wrap with the
   field.  */
int carve_cpumask_parse_list (const char *s, carve_cpumask_t *ret, carve_error_t *err);
/* The shortest list with ranges, "" when empty.  Never NULL.  */
char *carve_cpumask_format_list (const carve_cpumask_t *m);

/* A hex mask in the kernel's format: 32-bit groups, most significant first,
   separated by commas ("3", "00000000,00000003").  */
int carve_cpumask_parse_hex (const char *s, carve_cpumask_t *ret, carve_error_t *err);
/* Formats M as the kernel prints a mask for NBITS CPUs (nr_cpu_ids): as many
   32-bit groups as NBITS needs, each 8 hex digits but the first, which has
   just enough digits for its bits, as /proc/irq/N/smp_affinity reads.  */
char *carve_cpumask_format_hex (const carve_cpumask_t *m, unsigned nbits);

/* Reads a file holding a list (ret_mask from its first line).  */
int carve_cpumask_read_list_file (const char *path, carve_cpumask_t *ret, carve_error_t *err);

#endif
