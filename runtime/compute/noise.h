/* Kernel-noise eviction (carve.kthreads=evict): what the kernel runs on a
   CPU without being asked is moved off the compute partitions' CPUs, for
   every client alike (CRI-O's irq-load-balancing idea, done by the
   runtime):
     - unbound kernel threads (kthreadd and its children; per-CPU ones
       refuse, PF_NO_SETAFFINITY, and are left alone): affinity minus the
       evicted CPUs;
     - the unbound workqueue cpumask and each workqueue's own;
     - every IRQ's smp_affinity and the default_smp_affinity new IRQs get
       (an IRQ that refuses, a managed one, is a warning);
     - timer migration on, so timers leave idle isolated CPUs.
   With several evicting partitions every value is the original minus the
   union of their CPUs; each is recorded in the ledger before it changes
   and restored when the last partition that needed it goes.  */
#ifndef CARVE_COMPUTE_NOISE_H
#define CARVE_COMPUTE_NOISE_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/base/cpumask.h"
#include "runtime/base/error.h"
#include "runtime/compute/ledger.h"

/* Where the noise lives: "/proc" and "/sys", or a fake tree in tests.  */
struct carve_noise_env_s
{
  const char *proc;
  const char *sys;
  carve_cpumask_t online;
  unsigned nr_cpus; /* the width of the kernel's hex masks */
};

/* Evicts the noise from P's CPUs (P in L, P->evict), recording each
   setting under P->key.  Fails only when the ledger cannot be written;
   what the kernel refuses comes back in *WARNINGS, one line each, and an
   IRQ that refused is kept in P->irqs_unmoved (committed with L).  */
int carve_noise_evict (const struct carve_noise_env_s *env, carve_ledger_t l, struct carve_ledger_partition_s *p,
                       char ***warnings, carve_error_t *err);

/* What L records as evicted for the partition KEY, for `carve node`.  */
struct carve_noise_summary_s
{
  size_t kthreads;
  size_t workqueues;
  char **irqs; /* "24", "default" (default_smp_affinity); NULL-terminated, never NULL */
  char **irqs_unmoved; /* the partition's IRQs that refused to move ("36"); NULL-terminated, never NULL */
  bool timer_migration;
};
void carve_noise_summary (carve_ledger_t l, const char *key, struct carve_noise_summary_s *ret);
void carve_noise_summary_release (struct carve_noise_summary_s *s);

#endif
