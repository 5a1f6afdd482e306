/* The systemd cgroup driver (cgroup-systemd.h): transient scope units over
   D-Bus with sd-bus, the library systemd and crun use.  */
#include <config.h>

#include "runtime/linux/cgroup-systemd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <systemd/sd-bus.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/cpumask.h"
#include "runtime/base/deadline.h"
#include "runtime/base/xalloc.h"
#include "runtime/linux/cgroup-internal.h"
#include "spec/spec.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

/* A unit's job is quick on a real node; under emulation (the test VM) it
   takes a few seconds.  */
#define JOB_TIMEOUT_MS 60000
#define CALL_TIMEOUT_USEC (UINT64_C (30) * 1000 * 1000)

CARVE_DEFINE_CLEANUP (sd_bus, sd_bus *, sd_bus_flush_close_unref)
#define cleanup_sd_bus CARVE_CLEANUP (sd_bus)
CARVE_DEFINE_CLEANUP (sd_bus_message, sd_bus_message *, sd_bus_message_unref)
#define cleanup_sd_bus_message CARVE_CLEANUP (sd_bus_message)
CARVE_DEFINE_CLEANUP (sd_bus_slot, sd_bus_slot *, sd_bus_slot_unref)
#define cleanup_sd_bus_slot CARVE_CLEANUP (sd_bus_slot)

static void
bus_error_free (sd_bus_error *e)
{
  sd_bus_error_free (e);
}
#define cleanup_bus_error __attribute__ ((cleanup (bus_error_free)))

bool
carve_systemd_running (const char *root_prefix)
{
  cleanup_free char *p = xasprintf ("%s/run/systemd/system", root_prefix ? root_prefix : "");
  struct stat st;
  return lstat (p, &st) == 0 && S_ISDIR (st.st_mode);
}

/* sd-bus returns -errno; the D-Bus error's message says more when there is
   one.  */
static int
bus_fail (carve_error_t *err, int r, const sd_bus_error *e, const char *what, const char *unit)
{
  if (e && sd_bus_error_is_set (e))
    return carve_make_error (err, -r > 0 ? -r : EIO, "--systemd-cgroup: %s `%s`: %s", what, unit,
                             e->message ? e->message : e->name);
  return carve_make_error (err, -r, "--systemd-cgroup: %s `%s`", what, unit);
}

static int
bus_open (sd_bus **ret, carve_error_t *err)
{
  int r = sd_bus_open_system (ret);
  if (r < 0)
    return carve_make_error (err, -r, "--systemd-cgroup: connect to systemd's D-Bus (is dbus running?)");
  return 0;
}

/* --- jobs ------------------------------------------------------------------ */

struct job_wait_s
{
  char *path; /* the job we wait for, once known */
  bool done;
  char *result;
};

static int
on_job_removed (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  struct job_wait_s *w = userdata;
  const char *path = NULL, *unit = NULL, *result = NULL;
  uint32_t id;

  (void)ret_error;
  if (sd_bus_message_read (m, "uoss", &id, &path, &unit, &result) < 0)
    return 0;
  if (w->path && path && strcmp (path, w->path) == 0)
    {
      w->done = true;
      free (w->result);
      w->result = xstrdup (result ? result : "");
    }
  return 0;
}

/* Subscribes to the manager's JobRemoved signal before the call that
   starts a job, so the job's end cannot be missed.  */
static int
watch_jobs (sd_bus *bus, struct job_wait_s *w, sd_bus_slot **ret_slot, const char *unit, carve_error_t *err)
{
  cleanup_bus_error sd_bus_error e = SD_BUS_ERROR_NULL;
  int r;

  r = sd_bus_match_signal (bus, ret_slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved", on_job_removed, w);
  if (r < 0)
    return bus_fail (err, r, NULL, "watch the jobs of", unit);
  /* systemd sends job signals only while a client is subscribed.  */
  r = sd_bus_call_method (bus, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", &e, NULL, "");
  if (r < 0)
    return bus_fail (err, r, &e, "subscribe to the jobs of", unit);
  return 0;
}

static int
wait_job (sd_bus *bus, struct job_wait_s *w, const char *what, const char *unit, carve_error_t *err)
{
  long long deadline = carve_now_ms () + JOB_TIMEOUT_MS;

  while (!w->done)
    {
      long long left = deadline - carve_now_ms ();
      int r = sd_bus_process (bus, NULL);

      if (r < 0)
        return bus_fail (err, r, NULL, what, unit);
      if (r > 0)
        continue;
      if (left <= 0)
        return carve_make_error (err, ETIMEDOUT, "--systemd-cgroup: %s `%s`: systemd's job did not end in %d s", what,
                                 unit, JOB_TIMEOUT_MS / 1000);
      r = sd_bus_wait (bus, (uint64_t)left * 1000);
      if (r < 0)
        return bus_fail (err, r, NULL, what, unit);
    }
  if (strcmp (w->result, "done") != 0)
    return carve_make_error (err, 0, "--systemd-cgroup: %s `%s`: systemd's job ended `%s` (see `journalctl -u %s`)",
                             what, unit, w->result, unit);
  return 0;
}

static void
job_wait_release (struct job_wait_s *w)
{
  free (w->path);
  free (w->result);
}

/* Calls METHOD of the manager on UNIT with the message M (its arguments
   appended), which returns a job, and waits for the job to end.  */
static int
call_job (sd_bus *bus, sd_bus_message *m, const char *what, const char *unit, sd_bus_error *ret_bus_error,
          carve_error_t *err)
{
  cleanup_sd_bus_slot sd_bus_slot *slot = NULL;
  cleanup_sd_bus_message sd_bus_message *reply = NULL;
  struct job_wait_s w = { NULL, false, NULL };
  const char *job = NULL;
  int r;

  if (watch_jobs (bus, &w, &slot, unit, err) < 0)
    return -1;
  r = sd_bus_call (bus, m, CALL_TIMEOUT_USEC, ret_bus_error, &reply);
  if (r < 0)
    {
      job_wait_release (&w);
      return bus_fail (err, r, ret_bus_error, what, unit);
    }
  r = sd_bus_message_read (reply, "o", &job);
  if (r < 0)
    {
      job_wait_release (&w);
      return bus_fail (err, r, NULL, what, unit);
    }
  w.path = xstrdup (job);
  r = wait_job (bus, &w, what, unit, err);
  job_wait_release (&w);
  return r;
}

/* --- properties ------------------------------------------------------------- */

static int
append_u64 (sd_bus_message *m, const char *name, uint64_t v)
{
  return sd_bus_message_append (m, "(sv)", name, "t", v);
}

static int
append_bool (sd_bus_message *m, const char *name, bool v)
{
  return sd_bus_message_append (m, "(sv)", name, "b", (int)v);
}

/* AllowedCPUs and AllowedMemoryNodes: the kernel's bitmask as bytes, CPU 0
   in the lowest bit of the first byte.  */
static int
append_mask (sd_bus_message *m, const char *name, const char *list, carve_error_t *err)
{
  uint8_t bytes[CARVE_CPUMASK_MAX / 8];
  carve_cpumask_t mask;
  size_t n = 0;
  int cpu, r;

  if (carve_cpumask_parse_list (list, &mask, err) < 0)
    return -1;
  memset (bytes, 0, sizeof (bytes));
  for (cpu = carve_cpumask_next (&mask, 0); cpu >= 0; cpu = carve_cpumask_next (&mask, (unsigned)cpu + 1))
    {
      bytes[cpu / 8] |= (uint8_t)(1u << (cpu % 8));
      n = (size_t)cpu / 8 + 1;
    }
  if ((r = sd_bus_message_open_container (m, 'r', "sv")) < 0 || (r = sd_bus_message_append (m, "s", name)) < 0
      || (r = sd_bus_message_open_container (m, 'v', "ay")) < 0
      || (r = sd_bus_message_append_array (m, 'y', bytes, n)) < 0 || (r = sd_bus_message_close_container (m)) < 0
      || (r = sd_bus_message_close_container (m)) < 0)
    return carve_make_error (err, -r, "--systemd-cgroup: property %s", name);
  return 0;
}

/* The properties of RES systemd has, as runc's systemd driver maps them.
   *RET_N counts those appended.  */
static int
append_resources (sd_bus_message *m, const struct carve_spec_linux_resources_s *res, size_t *ret_n,
                  carve_error_t *err)
{
  const struct carve_spec_cpu_s *c = res ? res->cpu : NULL;
  const struct carve_spec_memory_s *mem = res ? res->memory : NULL;
  size_t n = 0;
  int r = 0;

#define ADD(expr)                                                                                                      \
  do                                                                                                                   \
    {                                                                                                                  \
      if ((r = (expr)) < 0)                                                                                            \
        return carve_make_error (err, -r, "--systemd-cgroup: set the unit's properties");                              \
      n++;                                                                                                             \
    }                                                                                                                  \
  while (0)
  if (c && c->has_shares && c->shares)
    ADD (append_u64 (m, "CPUWeight", carve_cgroup_shares_to_weight (c->shares)));
  if (c && c->has_quota && c->quota != 0)
    {
      uint64_t period = c->has_period && c->period ? c->period : 100000;
      uint64_t per_sec = UINT64_MAX;
      if (c->quota > 0)
        {
          /* systemd keeps CPU quotas in steps of 10 ms per second: round
             up, as runc does, never below what was asked.  */
          per_sec = (uint64_t)c->quota * 1000000 / period;
          if (per_sec % 10000)
            per_sec = (per_sec / 10000 + 1) * 10000;
        }
      ADD (append_u64 (m, "CPUQuotaPerSecUSec", per_sec));
    }
  if (c && c->has_period && c->period)
    ADD (append_u64 (m, "CPUQuotaPeriodUSec", c->period));
  if (c && c->cpus && c->cpus[0])
    {
      if (append_mask (m, "AllowedCPUs", c->cpus, err) < 0)
        return carve_error_wrap (err, "linux.resources.cpu.cpus");
      n++;
    }
  if (c && c->mems && c->mems[0])
    {
      if (append_mask (m, "AllowedMemoryNodes", c->mems, err) < 0)
        return carve_error_wrap (err, "linux.resources.cpu.mems");
      n++;
    }
  if (mem && mem->has_limit && mem->limit != 0)
    ADD (append_u64 (m, "MemoryMax", mem->limit > 0 ? (uint64_t)mem->limit : UINT64_MAX));
  if (mem && mem->has_reservation && mem->reservation > 0)
    ADD (append_u64 (m, "MemoryLow", (uint64_t)mem->reservation));
  /* v1's memory+swap is cgroup2's swap alone.  */
  if (mem && mem->has_swap && mem->swap != 0)
    {
      uint64_t swap = UINT64_MAX;
      if (mem->swap > 0 && mem->has_limit && mem->limit > 0)
        swap = mem->swap > mem->limit ? (uint64_t)(mem->swap - mem->limit) : 0;
      if (mem->swap == -1 || (mem->has_limit && mem->limit > 0))
        ADD (append_u64 (m, "MemorySwapMax", swap));
    }
  if (res && res->pids && res->pids->limit != 0)
    ADD (append_u64 (m, "TasksMax", res->pids->limit > 0 ? (uint64_t)res->pids->limit : UINT64_MAX));
  if (res && res->block_io && res->block_io->has_weight && res->block_io->weight)
    ADD (append_u64 (m, "IOWeight", carve_cgroup_blkio_to_io_weight (res->block_io->weight)));
#undef ADD
  *ret_n = n;
  return 0;
}

/* --- units ------------------------------------------------------------------ */

int
carve_systemd_start_scope (const char *unit, const char *slice, pid_t pid, const char *description,
                           carve_error_t *err)
{
  cleanup_sd_bus sd_bus *bus = NULL;
  cleanup_sd_bus_message sd_bus_message *m = NULL;
  cleanup_bus_error sd_bus_error e = SD_BUS_ERROR_NULL;
  int r;

  if (bus_open (&bus, err) < 0)
    return -1;
  r = sd_bus_message_new_method_call (bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
  if (r >= 0)
    r = sd_bus_message_append (m, "ss", unit, "fail");
  if (r >= 0)
    r = sd_bus_message_open_container (m, 'a', "(sv)");
  if (r >= 0)
    r = sd_bus_message_append (m, "(sv)", "Description", "s", description);
  if (r >= 0)
    r = sd_bus_message_append (m, "(sv)", "Slice", "s", slice);
  /* The scope's cgroup is carve's to write (its limits, freezing, exec's
     sub-cgroups); without Delegate systemd would undo that.  */
  if (r >= 0)
    r = append_bool (m, "Delegate", true);
  /* Not ordered after the slice's other units, and not stopped with
     shutdown.target's conflicts: a container lives as long as its init.  */
  if (r >= 0)
    r = append_bool (m, "DefaultDependencies", false);
  if (r >= 0)
    r = append_bool (m, "CPUAccounting", true);
  if (r >= 0)
    r = append_bool (m, "MemoryAccounting", true);
  if (r >= 0)
    r = append_bool (m, "IOAccounting", true);
  if (r >= 0)
    r = append_bool (m, "TasksAccounting", true);
  if (r >= 0)
    r = sd_bus_message_append (m, "(sv)", "PIDs", "au", 1, (uint32_t)pid);
  if (r >= 0)
    r = sd_bus_message_close_container (m);
  if (r >= 0)
    r = sd_bus_message_append (m, "a(sa(sv))", 0);
  if (r < 0)
    return bus_fail (err, r, NULL, "build the request for", unit);

  if (call_job (bus, m, "start unit", unit, &e, err) < 0)
    {
      carve_error_t ignored = NULL;
      if (sd_bus_error_has_name (&e, "org.freedesktop.systemd1.UnitExists"))
        {
          carve_error_release (err);
          return carve_make_error (err, EEXIST, "--systemd-cgroup: unit `%s` exists already", unit);
        }
      /* A job that ran and failed leaves a failed unit: nothing of it
         stays.  */
      if (!sd_bus_error_is_set (&e))
        (void)carve_systemd_stop_unit (unit, &ignored);
      carve_error_release (&ignored);
      return -1;
    }
  return 0;
}

int
carve_systemd_set_resources (const char *unit, const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  cleanup_sd_bus sd_bus *bus = NULL;
  cleanup_sd_bus_message sd_bus_message *m = NULL;
  cleanup_sd_bus_message sd_bus_message *reply = NULL;
  cleanup_bus_error sd_bus_error e = SD_BUS_ERROR_NULL;
  size_t n = 0;
  int r;

  if (bus_open (&bus, err) < 0)
    return -1;
  r = sd_bus_message_new_method_call (bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties");
  if (r >= 0)
    r = sd_bus_message_append (m, "sb", unit, 1);
  if (r >= 0)
    r = sd_bus_message_open_container (m, 'a', "(sv)");
  if (r < 0)
    return bus_fail (err, r, NULL, "build the properties of", unit);
  if (append_resources (m, res, &n, err) < 0)
    return -1;
  if (n == 0)
    return 0;
  r = sd_bus_message_close_container (m);
  if (r < 0)
    return bus_fail (err, r, NULL, "build the properties of", unit);
  r = sd_bus_call (bus, m, CALL_TIMEOUT_USEC, &e, &reply);
  if (r < 0)
    return bus_fail (err, r, &e, "set the properties of", unit);
  return 0;
}

int
carve_systemd_stop_unit (const char *unit, carve_error_t *err)
{
  cleanup_sd_bus sd_bus *bus = NULL;
  cleanup_sd_bus_message sd_bus_message *m = NULL;
  cleanup_bus_error sd_bus_error e = SD_BUS_ERROR_NULL;
  cleanup_bus_error sd_bus_error reset = SD_BUS_ERROR_NULL;
  int r;

  if (bus_open (&bus, err) < 0)
    return -1;
  r = sd_bus_message_new_method_call (bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit");
  if (r >= 0)
    r = sd_bus_message_append (m, "ss", unit, "replace");
  if (r < 0)
    return bus_fail (err, r, NULL, "build the request for", unit);
  if (call_job (bus, m, "stop unit", unit, &e, err) < 0)
    {
      /* Stopped already: a scope ends by itself when its last process
         does.  */
      if (!sd_bus_error_has_name (&e, "org.freedesktop.systemd1.NoSuchUnit"))
        return -1;
      carve_error_release (err);
    }
  /* A scope whose processes were killed may be left `failed`: forget it,
     so that the name is free for the next container.  */
  (void)sd_bus_call_method (bus, SD_DEST, SD_PATH, SD_MANAGER, "ResetFailedUnit", &reset, NULL, "s", unit);
  return 0;
}
