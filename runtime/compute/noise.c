/* Kernel-noise eviction (noise.h).  */
#include <config.h>

#include "runtime/compute/noise.h"

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/base/fsutil.h"
#include "runtime/base/fault.h"
#include "runtime/base/kfile.h"
#include "runtime/base/xalloc.h"
#include "runtime/linux/affinity.h"

/* include/linux/sched.h */
#define PF_KTHREAD 0x00200000UL
#define PF_NO_SETAFFINITY 0x04000000UL

#define KTHREADD 2

/* A setting this eviction recorded, to change once all are committed.  */
struct change_s
{
  struct carve_ledger_setting_s *s;
  bool created; /* this eviction recorded it first: forget it when refused */
  char *label;  /* for warnings: "irq 36", "workqueue `writeback`", "kernel thread 12 (kswapd0)" */
};

struct changes_s
{
  struct change_s *v;
  size_t n;
};

static void
changes_add (struct changes_s *c, struct carve_ledger_setting_s *s, bool created, char *label)
{
  c->v = xrealloc (c->v, sizeof (*c->v) * (c->n + 1));
  c->v[c->n].s = s;
  c->v[c->n].created = created;
  c->v[c->n].label = label;
  c->n++;
}

static void
changes_release (struct changes_s *c)
{
  size_t i;
  for (i = 0; i < c->n; i++)
    free (c->v[i].label);
  free (c->v);
}

/* The union of the CPUs of every evicting partition.  */
static void
evicted_cpus (carve_ledger_t l, carve_cpumask_t *ret)
{
  size_t i;
  carve_cpumask_zero (ret);
  for (i = 0; i < l->n_partitions; i++)
    if (l->partitions[i]->evict)
      carve_cpumask_or (ret, ret, &l->partitions[i]->cpus);
}

static char *
read_trimmed (const char *path, carve_error_t *err)
{
  char *v = NULL;
  return carve_kfile_read (path, &v, err) < 0 ? NULL : v;
}

/* Records the hex mask file PATH under P when it holds an evicted CPU (or
   is already recorded).  */
static int
record_mask_file (const struct carve_noise_env_s *env, carve_ledger_t l, const struct carve_ledger_partition_s *p,
                  const carve_cpumask_t *evicted, const char *path, char *label, struct changes_s *changes,
                  carve_error_t *err)
{
  struct carve_ledger_setting_s *s = carve_ledger_find_setting (l, CARVE_LEDGER_FILE, path);
  bool created = s == NULL;

  (void)env;
  if (s == NULL)
    {
      carve_error_t e = NULL;
      cleanup_free char *cur = read_trimmed (path, &e);
      carve_cpumask_t m;

      /* Gone, or not a mask carve can read: nothing to move.  */
      if (cur == NULL || carve_cpumask_parse_hex (cur, &m, &e) < 0)
        {
          carve_error_release (&e);
          free (label);
          return 0;
        }
      if (!carve_cpumask_intersects (&m, evicted))
        {
          free (label);
          return 0;
        }
    }
  s = carve_ledger_record_file (l, p->key, path, err);
  if (s == NULL)
    {
      free (label);
      return -1;
    }
  s->hex = true;
  s->derive = CARVE_LEDGER_MINUS_EVICTED;
  changes_add (changes, s, created, label);
  return 0;
}

static int
record_irqs (const struct carve_noise_env_s *env, carve_ledger_t l, const struct carve_ledger_partition_s *p,
             const carve_cpumask_t *evicted, struct changes_s *changes, carve_error_t *err)
{
  cleanup_free char *dir = xasprintf ("%s/irq", env->proc);
  cleanup_free char *def = carve_path_join (dir, "default_smp_affinity");
  cleanup_dir DIR *d = opendir (dir);
  struct dirent *de;

  if (d == NULL)
    return 0;
  while ((de = readdir (d)))
    {
      cleanup_free char *path = NULL;
      long irq;

      if (carve_parse_long (de->d_name, &irq) < 0 || irq < 0)
        continue;
      path = xasprintf ("%s/%s/smp_affinity", dir, de->d_name);
      if (record_mask_file (env, l, p, evicted, path, xasprintf ("irq %ld", irq), changes, err) < 0)
        return -1;
    }
  if (carve_path_exists (def)
      && record_mask_file (env, l, p, evicted, def, xstrdup ("default_smp_affinity"), changes, err) < 0)
    return -1;
  return 0;
}

static int
record_workqueues (const struct carve_noise_env_s *env, carve_ledger_t l, const struct carve_ledger_partition_s *p,
                   const carve_cpumask_t *evicted, struct changes_s *changes, carve_error_t *err)
{
  cleanup_free char *dir = xasprintf ("%s/devices/virtual/workqueue", env->sys);
  cleanup_free char *global = carve_path_join (dir, "cpumask");
  cleanup_dir DIR *d = NULL;
  struct dirent *de;

  /* The global unbound mask first: the workqueues' own are cut by it.  */
  if (carve_path_exists (global)
      && record_mask_file (env, l, p, evicted, global, xstrdup ("the unbound workqueue cpumask"), changes, err) < 0)
    return -1;
  d = opendir (dir);
  while (d && (de = readdir (d)))
    {
      cleanup_free char *path = NULL;
      if (de->d_name[0] == '.' || de->d_type != DT_DIR)
        continue;
      path = xasprintf ("%s/%s/cpumask", dir, de->d_name);
      if (!carve_path_exists (path))
        continue;
      if (record_mask_file (env, l, p, evicted, path, xasprintf ("workqueue `%s`", de->d_name), changes, err) < 0)
        return -1;
    }
  return 0;
}

static int
record_kthreads (const struct carve_noise_env_s *env, carve_ledger_t l, const struct carve_ledger_partition_s *p,
                 const carve_cpumask_t *evicted, struct changes_s *changes, char ***warnings, carve_error_t *err)
{
  cleanup_dir DIR *d = opendir (env->proc);
  struct dirent *de;

  if (d == NULL)
    return 0;
  while ((de = readdir (d)))
    {
      struct carve_procstat_s st;
      struct carve_ledger_setting_s *s;
      cleanup_free char *path = NULL;
      carve_cpumask_t cur, left;
      bool created;
      long pid;

      if (carve_parse_long (de->d_name, &pid) < 0 || pid <= 0)
        continue;
      if (carve_procstat_read (env->proc, (pid_t)pid, &st) < 0)
        continue;
      if (!(st.flags & PF_KTHREAD) || (pid != KTHREADD && st.ppid != KTHREADD))
        continue;
      /* Per-CPU threads are bound by the kernel (sched_setaffinity says
         EINVAL): they are the CPU's own, not noise carve can move.  */
      if ((st.flags & PF_NO_SETAFFINITY) || st.state == 'Z' || st.state == 'X')
        continue;
      path = xasprintf ("/proc/%ld", pid);
      s = carve_ledger_find_setting (l, CARVE_LEDGER_AFFINITY, path);
      created = s == NULL;
      if (s == NULL)
        {
          if (carve_cpu_affinity_get ((pid_t)pid, &cur, NULL) < 0 || !carve_cpumask_intersects (&cur, evicted))
            continue;
          carve_cpumask_andnot (&left, &cur, evicted);
          /* A thread bound to the evicted CPUs on purpose stays; an IRQ's
             thread follows its IRQ (the kernel gives it the IRQ's
             affinity at its next interrupt), so it moves now.  */
          if (carve_cpumask_empty (&left) && strncmp (st.comm, "irq/", 4) != 0)
            {
              cleanup_free char *list = carve_cpumask_format_list (&cur);
              cleanup_free char *msg
                  = xasprintf ("kernel thread %ld (%s) runs only on CPUs %s: left there", pid, st.comm, list);
              carve_strv_append (warnings, msg);
              continue;
            }
        }
      s = carve_ledger_record_affinity (l, p->key, (pid_t)pid, err);
      if (s == NULL)
        {
          /* Exited meanwhile.  */
          if ((*err)->status == ESRCH || (*err)->status == ENOENT)
            {
              carve_error_release (err);
              continue;
            }
          return -1;
        }
      s->derive = CARVE_LEDGER_MINUS_EVICTED;
      changes_add (changes, s, created, xasprintf ("kernel thread %ld (%s)", pid, st.comm));
    }
  return 0;
}

int
carve_noise_evict (const struct carve_noise_env_s *env, carve_ledger_t l, struct carve_ledger_partition_s *p,
                   char ***warnings, carve_error_t *err)
{
  cleanup_free char *timer = xasprintf ("%s/sys/kernel/timer_migration", env->proc);
  struct changes_s changes = { NULL, 0 };
  struct carve_ledger_setting_s *timer_setting = NULL;
  carve_cpumask_t evicted;
  bool changed = false; /* the ledger differs from what was committed before the changes */
  size_t i;
  int r = -1;

  evicted_cpus (l, &evicted);
  if (carve_cpumask_empty (&evicted))
    return 0;

  if (record_irqs (env, l, p, &evicted, &changes, err) < 0 || record_workqueues (env, l, p, &evicted, &changes, err) < 0
      || record_kthreads (env, l, p, &evicted, &changes, warnings, err) < 0)
    goto out;
  {
    carve_error_t e = NULL;
    cleanup_free char *cur = read_trimmed (timer, &e);
    carve_error_release (&e);
    if (cur && (strcmp (cur, "1") != 0 || carve_ledger_find_setting (l, CARVE_LEDGER_FILE, timer)))
      {
        timer_setting = carve_ledger_record_file (l, p->key, timer, err);
        if (timer_setting == NULL)
          goto out;
      }
  }
  /* Everything recorded and on disk before the first change.  */
  if (carve_ledger_commit (l, err) < 0)
    goto out;

  for (i = 0; i < changes.n; i++)
    {
      struct change_s *c = &changes.v[i];
      cleanup_free char *value = carve_ledger_derived_value (l, c->s, &env->online, env->nr_cpus);
      carve_error_t e = NULL;
      int w;

      if (value == NULL)
        continue;
      if (i == changes.n / 2)
        carve_fault_point ("compute:evicting");
      if (c->s->kind == CARVE_LEDGER_AFFINITY)
        {
          carve_cpumask_t m;
          w = carve_cpumask_parse_list (value, &m, &e);
          if (w == 0)
            w = carve_cpu_affinity_set_mask (c->s->pid, &m, &e);
          /* Exited, or became per-CPU: the kernel keeps it where it is.  */
          if (w < 0 && (e->status == ESRCH || e->status == EINVAL))
            {
              carve_error_release (&e);
              if (c->created)
                {
                  carve_ledger_forget (l, c->s);
                  changed = true;
                }
              continue;
            }
        }
      else
        w = carve_kfile_write (c->s->path, value, &e);
      if (w == 0)
        continue;
      {
        cleanup_free char *msg = NULL;
        if (strncmp (c->label, "irq ", 4) == 0)
          {
            msg = xasprintf ("%s: smp_affinity refused (%s)", c->label, strerror (e->status));
            /* Kept for `carve node`: the noise these CPUs still take.  */
            if (!carve_strv_contains (p->irqs_unmoved, c->label + 4))
              {
                carve_strv_append (&p->irqs_unmoved, c->label + 4);
                changed = true;
              }
          }
        else
          msg = xasprintf ("%s: %s", c->label, e->msg);
        carve_strv_append (warnings, msg);
      }
      carve_error_release (&e);
      /* Never changed, so nothing to restore for it.  */
      if (c->created)
        {
          carve_ledger_forget (l, c->s);
          changed = true;
        }
    }

  if (timer_setting)
    {
      carve_error_t e = NULL;
      if (carve_kfile_write (timer, "1", &e) < 0)
        {
          cleanup_free char *msg = xasprintf ("timer migration: %s", e->msg);
          carve_strv_append (warnings, msg);
          carve_error_release (&e);
        }
    }
  if (changed && carve_ledger_commit (l, err) < 0)
    goto out;
  r = 0;
out:
  changes_release (&changes);
  return r;
}

void
carve_noise_summary (carve_ledger_t l, const char *key, struct carve_noise_summary_s *ret)
{
  size_t i;

  memset (ret, 0, sizeof (*ret));
  ret->irqs = xzalloc (sizeof (char *));
  ret->irqs_unmoved = xzalloc (sizeof (char *));
  for (i = 0; i < l->n_partitions; i++)
    if (strcmp (l->partitions[i]->key, key) == 0 && l->partitions[i]->irqs_unmoved)
      {
        carve_strv_free (ret->irqs_unmoved);
        ret->irqs_unmoved = carve_strv_dup (l->partitions[i]->irqs_unmoved);
      }
  for (i = 0; i < l->n_settings; i++)
    {
      const struct carve_ledger_setting_s *s = l->settings[i];
      const char *irq;

      if (!carve_ledger_setting_used_by (s, key))
        continue;
      if (s->kind == CARVE_LEDGER_AFFINITY && s->derive == CARVE_LEDGER_MINUS_EVICTED)
        ret->kthreads++;
      else if (s->kind != CARVE_LEDGER_FILE)
        continue;
      else if (strstr (s->path, "/devices/virtual/workqueue/"))
        ret->workqueues++;
      else if (strstr (s->path, "/irq/default_smp_affinity"))
        carve_strv_append (&ret->irqs, "default");
      else if ((irq = strstr (s->path, "/irq/")) && s->derive == CARVE_LEDGER_MINUS_EVICTED)
        {
          cleanup_free char *n = xstrdup (irq + 5);
          char *slash = strchr (n, '/');
          if (slash)
            *slash = '\0';
          carve_strv_append (&ret->irqs, n);
        }
      else if (strstr (s->path, "/sys/kernel/timer_migration"))
        ret->timer_migration = true;
    }
}

void
carve_noise_summary_release (struct carve_noise_summary_s *s)
{
  carve_strv_free (s->irqs);
  s->irqs = NULL;
  carve_strv_free (s->irqs_unmoved);
  s->irqs_unmoved = NULL;
}
