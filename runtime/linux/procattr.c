#include <config.h>
#include "procattr.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/keyctl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"

#ifndef CLOSE_RANGE_CLOEXEC
#  define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#ifndef SELINUX_MAGIC
#  define SELINUX_MAGIC 0xf97cff8c
#endif

/* --- oom score, no_new_privs ----------------------------------------------- */

int
carve_oom_score_adj_set (int v, carve_error_t *err)
{
  char buf[16];
  int len = snprintf (buf, sizeof buf, "%d", v);

  if (carve_write_file ("/proc/self/oom_score_adj", buf, len, err) < 0)
    return carve_error_wrap (err, "process.oomScoreAdj");
  return 0;
}

int
carve_no_new_privs_set (carve_error_t *err)
{
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return carve_make_error (err, errno, "process.noNewPrivileges: prctl PR_SET_NO_NEW_PRIVS");
  return 0;
}

/* --- I/O priority ---------------------------------------------------------- */

/* From <linux/ioprio.h>, which older kernel headers lack.  */
#define CARVE_IOPRIO_WHO_PROCESS 1
#define CARVE_IOPRIO_CLASS_SHIFT 13

static const struct
{
  const char *name;
  int value;
} ioprio_classes[] = {
  { "IOPRIO_CLASS_RT", 1 },
  { "IOPRIO_CLASS_BE", 2 },
  { "IOPRIO_CLASS_IDLE", 3 },
};

int
carve_ioprio_set (const struct carve_spec_io_priority_s *io_priority, carve_error_t *err)
{
  int class = -1;
  int prio = io_priority->has_priority ? io_priority->priority : 0;
  size_t i;

  for (i = 0; i < sizeof ioprio_classes / sizeof ioprio_classes[0]; i++)
    if (io_priority->class && strcmp (io_priority->class, ioprio_classes[i].name) == 0)
      class = ioprio_classes[i].value;
  if (class < 0)
    return carve_make_error (err, 0, "process.ioPriority.class: unknown class `%s`",
                             io_priority->class ? io_priority->class : "");
  if (prio < 0 || prio > 7)
    return carve_make_error (err, 0, "process.ioPriority.priority: %d is not in 0..7", prio);

  /* The whole process group is what config.md promises, but only the calling
     process is set: every later process of the container descends from it
     and inherits its I/O priority, as with runc.  */
  if (syscall (SYS_ioprio_set, CARVE_IOPRIO_WHO_PROCESS, 0, (class << CARVE_IOPRIO_CLASS_SHIFT) | prio) < 0)
    return carve_make_error (err, errno, "process.ioPriority: ioprio_set `%s` %d", io_priority->class, prio);
  return 0;
}

/* --- scheduler ------------------------------------------------------------- */

/* struct sched_attr of the sched_setattr(2) ABI (SCHED_ATTR_SIZE_VER1);
   glibc before 2.41 has no wrapper.  */
struct carve_sched_attr
{
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};

struct name_value
{
  const char *name;
  uint64_t value;
};

static const struct name_value sched_policies[] = {
  { "SCHED_OTHER", 0 }, { "SCHED_FIFO", 1 }, { "SCHED_RR", 2 },       { "SCHED_BATCH", 3 },
  { "SCHED_ISO", 4 },   { "SCHED_IDLE", 5 }, { "SCHED_DEADLINE", 6 },
};

static const struct name_value sched_flags[] = {
  { "SCHED_FLAG_RESET_ON_FORK", 0x01 },  { "SCHED_FLAG_RECLAIM", 0x02 },
  { "SCHED_FLAG_DL_OVERRUN", 0x04 },     { "SCHED_FLAG_KEEP_POLICY", 0x08 },
  { "SCHED_FLAG_KEEP_PARAMS", 0x10 },    { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
  { "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};

static int
lookup (const struct name_value *table, size_t n, const char *name, uint64_t *ret)
{
  size_t i;

  for (i = 0; name && i < n; i++)
    if (strcmp (table[i].name, name) == 0)
      {
        *ret = table[i].value;
        return 0;
      }
  return -1;
}

int
carve_scheduler_set (const struct carve_spec_scheduler_s *scheduler, carve_error_t *err)
{
  struct carve_sched_attr attr;
  uint64_t policy = 0;
  size_t i;

  memset (&attr, 0, sizeof attr);
  attr.size = sizeof attr;

  if (lookup (sched_policies, sizeof sched_policies / sizeof sched_policies[0], scheduler->policy, &policy) < 0)
    return carve_make_error (err, 0, "process.scheduler.policy: unknown policy `%s`",
                             scheduler->policy ? scheduler->policy : "");
  attr.sched_policy = policy;

  for (i = 0; i < scheduler->flags_len; i++)
    {
      uint64_t flag;
      if (lookup (sched_flags, sizeof sched_flags / sizeof sched_flags[0], scheduler->flags[i], &flag) < 0)
        return carve_make_error (err, 0, "process.scheduler.flags[%zu]: unknown flag `%s`", i, scheduler->flags[i]);
      attr.sched_flags |= flag;
    }

  /* Absent values are 0, as config.md says.  */
  attr.sched_nice = scheduler->has_nice ? scheduler->nice : 0;
  attr.sched_priority = scheduler->has_priority ? (uint32_t) scheduler->priority : 0;
  attr.sched_runtime = scheduler->has_runtime ? scheduler->runtime : 0;
  attr.sched_deadline = scheduler->has_deadline ? scheduler->deadline : 0;
  attr.sched_period = scheduler->has_period ? scheduler->period : 0;

  if (syscall (SYS_sched_setattr, 0, &attr, 0) < 0)
    return carve_make_error (err, errno, "process.scheduler: sched_setattr `%s` nice %" PRId32 " priority %" PRIu32,
                             scheduler->policy, attr.sched_nice, attr.sched_priority);
  return 0;
}

/* --- CPU affinity ---------------------------------------------------------- */

int
carve_cpu_affinity_get (pid_t pid, carve_cpumask_t *ret, carve_error_t *err)
{
  cpu_set_t *set = CPU_ALLOC (CARVE_CPUMASK_MAX);
  size_t size = CPU_ALLOC_SIZE (CARVE_CPUMASK_MAX);
  int i;

  if (set == NULL)
    carve_oom ();
  if (sched_getaffinity (pid, size, set) < 0)
    {
      int saved = errno;
      CPU_FREE (set);
      return carve_make_error (err, saved, "CPU affinity of task %d", (int) pid);
    }
  carve_cpumask_zero (ret);
  for (i = 0; i < CARVE_CPUMASK_MAX; i++)
    if (CPU_ISSET_S (i, size, set))
      carve_cpumask_set (ret, (unsigned) i);
  CPU_FREE (set);
  return 0;
}

int
carve_cpu_affinity_set_mask (pid_t pid, const carve_cpumask_t *m, carve_error_t *err)
{
  cpu_set_t *set = CPU_ALLOC (CARVE_CPUMASK_MAX);
  size_t size = CPU_ALLOC_SIZE (CARVE_CPUMASK_MAX);
  int c, r;

  if (set == NULL)
    carve_oom ();
  CPU_ZERO_S (size, set);
  for (c = carve_cpumask_next (m, 0); c >= 0; c = carve_cpumask_next (m, (unsigned) c + 1))
    CPU_SET_S ((size_t) c, size, set);
  r = sched_setaffinity (pid, size, set);
  CPU_FREE (set);
  if (r < 0)
    return carve_make_error (err, errno, "set the CPU affinity of task %d", (int) pid);
  return 0;
}

int
carve_cpu_affinity_set_pid (pid_t pid, const char *cpu_list, const char *field, carve_error_t *err)
{
  carve_cpumask_t m;

  if (cpu_list == NULL || cpu_list[0] == '\0')
    return 0;
  if (carve_cpumask_parse_list (cpu_list, &m, err) < 0)
    return carve_error_wrap (err, "%s", field);
  if (carve_cpu_affinity_set_mask (pid, &m, err) < 0)
    return carve_error_wrap (err, "%s: `%s`", field, cpu_list);
  return 0;
}

int
carve_cpu_affinity_set (const char *cpu_list, carve_error_t *err)
{
  return carve_cpu_affinity_set_pid (0, cpu_list, "process.execCPUAffinity", err);
}

int
carve_cpu_affinity_reset (pid_t pid, carve_error_t *err)
{
  cpu_set_t *set = CPU_ALLOC (CARVE_SPEC_CPU_LIST_MAX);
  size_t setsize = CPU_ALLOC_SIZE (CARVE_SPEC_CPU_LIST_MAX);
  int r;

  if (set == NULL)
    carve_oom ();
  /* Every CPU the kernel could have: it keeps those of the task's cpuset
     (online ones), which is the point.  */
  memset (set, 0xff, setsize);
  r = sched_setaffinity (pid, setsize, set);
  CPU_FREE (set);
  if (r < 0)
    return carve_make_error (err, errno, "reset the CPU affinity");
  return 0;
}

/* --- personality ----------------------------------------------------------- */

int
carve_personality_set (const struct carve_spec_personality_s *personality_, carve_error_t *err)
{
  unsigned long persona;

  if (personality_->domain && strcmp (personality_->domain, "LINUX") == 0)
    persona = PER_LINUX;
  else if (personality_->domain && strcmp (personality_->domain, "LINUX32") == 0)
    persona = PER_LINUX32;
  else
    return carve_make_error (err, 0, "linux.personality.domain: unknown domain `%s`",
                             personality_->domain ? personality_->domain : "");
  /* config.md defines no flag yet.  */
  if (personality_->flags_len > 0)
    return carve_make_error (err, 0, "linux.personality.flags[0]: `%s` is not supported", personality_->flags[0]);

  if (personality (persona) < 0)
    return carve_make_error (err, errno, "linux.personality: personality `%s`", personality_->domain);
  return 0;
}

/* --- AppArmor, SELinux ----------------------------------------------------- */

bool
carve_apparmor_enabled (void)
{
  cleanup_free char *buf = NULL;
  cleanup_error carve_error_t err = NULL;
  size_t len = 0;

  if (carve_read_file ("/sys/module/apparmor/parameters/enabled", &buf, &len, &err) < 0)
    return false;
  return len > 0 && buf[0] == 'Y';
}

/* Writes DATA to the calling thread's LSM attribute: attr/LSM/NAME (the
   per-LSM directory, kernel 5.8+ for AppArmor) when it exists, else the
   shared attr/NAME.  /proc/thread-self, because these attributes are per
   thread and the exec happens on this one.  */
static int
write_lsm_attr (const char *lsm, const char *name, const char *data, carve_error_t *err)
{
  cleanup_free char *path = NULL;

  if (lsm)
    {
      path = xasprintf ("/proc/thread-self/attr/%s/%s", lsm, name);
      if (carve_path_exists (path))
        return carve_write_file (path, data, strlen (data), err);
      free (path);
    }
  path = xasprintf ("/proc/thread-self/attr/%s", name);
  return carve_write_file (path, data, strlen (data), err);
}

int
carve_apparmor_set_exec (const char *profile, carve_error_t *err)
{
  cleanup_free char *data = NULL;

  if (!carve_apparmor_enabled ())
    return carve_make_error (err, 0, "process.apparmorProfile: AppArmor is not enabled on this host");
  data = xasprintf ("exec %s", profile);
  if (write_lsm_attr ("apparmor", "exec", data, err) < 0)
    return carve_error_wrap (err, "process.apparmorProfile: set `%s`", profile);
  return 0;
}

bool
carve_selinux_enabled (void)
{
  struct statfs st;

  return statfs ("/sys/fs/selinux", &st) == 0 && (uint32_t) st.f_type == (uint32_t) SELINUX_MAGIC;
}

int
carve_selinux_set_exec (const char *label, carve_error_t *err)
{
  if (!carve_selinux_enabled ())
    return carve_make_error (err, 0, "process.selinuxLabel: SELinux is not enabled on this host");
  if (write_lsm_attr (NULL, "exec", label, err) < 0)
    return carve_error_wrap (err, "process.selinuxLabel: set `%s`", label);
  return 0;
}

/* --- hostname -------------------------------------------------------------- */

int
carve_hostname_set (const char *hostname, const char *domainname, carve_error_t *err)
{
  if (hostname && sethostname (hostname, strlen (hostname)) < 0)
    return carve_make_error (err, errno, "hostname: sethostname `%s`", hostname);
  if (domainname && setdomainname (domainname, strlen (domainname)) < 0)
    return carve_make_error (err, errno, "domainname: setdomainname `%s`", domainname);
  return 0;
}

/* --- session keyring ------------------------------------------------------- */

/* Key permission bits of <linux/keyctl.h>'s KEY_*_SEARCH.  */
#define CARVE_KEY_USR_SEARCH 0x00080000
#define CARVE_KEY_OTH_SEARCH 0x00000008

static bool
keyctl_tolerated (int e)
{
  return e == ENOSYS || e == EACCES || e == EPERM;
}

int
carve_session_keyring_join (const char *name, bool in_user_namespace, carve_error_t *err)
{
  char desc[512];
  long serial, n;
  char *p;
  unsigned long perm;
  int field;

  serial = syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name);
  if (serial < 0)
    {
      if (keyctl_tolerated (errno))
        return 0;
      return carve_make_error (err, errno, "join session keyring `%s`", name);
    }

  /* The description is "type;uid;gid;perm;name", perm in hex.  */
  n = syscall (SYS_keyctl, KEYCTL_DESCRIBE, serial, desc, sizeof desc);
  if (n < 0)
    return carve_make_error (err, errno, "describe session keyring `%s`", name);
  desc[sizeof desc - 1] = '\0';
  for (p = desc, field = 0; field < 3 && p; field++)
    {
      p = strchr (p, ';');
      if (p)
        p++;
    }
  if (p == NULL)
    return carve_make_error (err, 0, "session keyring `%s`: unexpected description `%s`", name, desc);
  errno = 0;
  perm = strtoul (p, NULL, 16);
  if (errno)
    return carve_make_error (err, errno, "session keyring `%s`: unexpected description `%s`", name, desc);

  /* A process that joins the container later (exec) possesses the keyring
     only after it searched it: with a user namespace its uid may map to no
     owner, so "other" gets search, as runc does.  */
  perm |= in_user_namespace ? CARVE_KEY_OTH_SEARCH : CARVE_KEY_USR_SEARCH;
  if (syscall (SYS_keyctl, KEYCTL_SETPERM, serial, (unsigned long) (uint32_t) perm) < 0)
    return carve_make_error (err, errno, "set permissions of session keyring `%s`", name);
  return 0;
}

/* --- descriptors ----------------------------------------------------------- */

static int
fds_cloexec_walk (int first_fd, carve_error_t *err)
{
  cleanup_dir DIR *dir = NULL;
  struct dirent *de;

  dir = opendir ("/proc/self/fd");
  if (dir == NULL)
    return carve_make_error (err, errno, "open `/proc/self/fd`");
  while ((de = readdir (dir)))
    {
      long fd;
      int flags;

      if (de->d_name[0] == '.' || carve_parse_long (de->d_name, &fd) < 0)
        continue;
      if (fd < first_fd || fd == dirfd (dir))
        continue;
      flags = fcntl ((int) fd, F_GETFD);
      if (flags < 0)
        continue; /* closed meanwhile */
      if (!(flags & FD_CLOEXEC) && fcntl ((int) fd, F_SETFD, flags | FD_CLOEXEC) < 0)
        return carve_make_error (err, errno, "mark descriptor %ld close-on-exec", fd);
    }
  return 0;
}

int
carve_fds_prepare_exec (int preserved, carve_error_t *err)
{
  int i;

  for (i = 3; i < 3 + preserved; i++)
    {
      int fl = fcntl (i, F_GETFD);
      if (fl >= 0)
        (void) fcntl (i, F_SETFD, fl & ~FD_CLOEXEC);
    }
  return carve_fds_close_from (3 + preserved, err);
}

int
carve_fds_close_from (int first_fd, carve_error_t *err)
{
  if (first_fd < 0)
    return carve_make_error (err, EINVAL, "close descriptors from %d", first_fd);
  if (syscall (SYS_close_range, (unsigned int) first_fd, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return 0;
  /* close_range with CLOSE_RANGE_CLOEXEC needs kernel 5.11; older ones say
     ENOSYS (no close_range) or EINVAL (no such flag).  */
  if (errno != ENOSYS && errno != EINVAL)
    return carve_make_error (err, errno, "close_range %d", first_fd);
  return fds_cloexec_walk (first_fd, err);
}
