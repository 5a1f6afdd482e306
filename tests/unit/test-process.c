/* Process attributes, credentials and namespaces against the real kernel.
   Every case that changes the process runs in a forked child that reports
   through its exit status, so the test process keeps its own credentials,
   limits and namespaces.  Needs root (skips otherwise).  */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/error.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"
#include "runtime/linux/caps.h"
#include "runtime/linux/execpath.h"
#include "runtime/linux/namespaces.h"
#include "runtime/linux/affinity.h"
#include "runtime/linux/fds.h"
#include "runtime/linux/keyring.h"
#include "runtime/linux/lsm.h"
#include "runtime/linux/procattr.h"
#include "runtime/linux/scheduler.h"
#include "runtime/linux/rlimits.h"
#include "runtime/linux/user.h"
#include "tests/unit/unit.h"

/* Runs FN in a child; its return value (0, -1, 77) comes back as the case's.  */
static int
in_child (int (*fn) (void))
{
  pid_t pid;
  int status;

  fflush (NULL);
  pid = fork ();
  if (pid < 0)
    return -1;
  if (pid == 0)
    {
      int r = fn ();
      fflush (NULL);
      _exit (r == 0 ? 0 : r == 77 ? 77 : 1);
    }
  if (waitpid (pid, &status, 0) < 0 || !WIFEXITED (status))
    return -1;
  return WEXITSTATUS (status) == 0 ? 0 : WEXITSTATUS (status) == 77 ? 77 : -1;
}

static bool
is_root (void)
{
  if (geteuid () == 0)
    return true;
  fprintf (stderr, "# skip: needs root\n");
  return false;
}

/* The value of FIELD ("CapEff") in /proc/self/status, trimmed.  */
static char *
status_field (const char *field)
{
  cleanup_free char *buf = NULL;
  cleanup_error carve_error_t err = NULL;
  size_t len = 0, flen = strlen (field);
  char *line;

  if (carve_read_file ("/proc/self/status", &buf, &len, &err) < 0)
    return NULL;
  for (line = buf; line && *line; line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL)
    if (strncmp (line, field, flen) == 0 && line[flen] == ':')
      {
        char *v = line + flen + 1;
        while (*v == ' ' || *v == '\t')
          v++;
        size_t n = strcspn (v, "\n");
        while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
          n--;
        return xstrndup (v, n);
      }
  return NULL;
}

static char *
read_trimmed (const char *path)
{
  cleanup_error carve_error_t err = NULL;
  char *buf = NULL;
  size_t len = 0;

  if (carve_read_file (path, &buf, &len, &err) < 0)
    return NULL;
  while (len > 0 && buf[len - 1] == '\n')
    buf[--len] = '\0';
  return buf;
}

static char *names_kill[] = { "CAP_KILL", NULL };

/* --- capabilities ---------------------------------------------------------- */

static int
test_caps_parse (void)
{
  char *bounding[] = { "CAP_KILL", "CAP_FOO", "cap_chown", "CAP_CHOWN", NULL };
  char *effective[] = { "CAP_CHOWN", "CAP_NET_BIND_SERVICE", NULL };
  char *permitted[] = { "CAP_CHOWN", "CAP_KILL", NULL };
  char *inheritable[] = { "CAP_KILL", "CAP_SETUID", NULL };
  char *ambient[] = { "CAP_KILL", "CAP_CHOWN", NULL };
  struct carve_spec_capabilities_s spec = {
    .bounding = bounding, .bounding_len = 4, .effective = effective, .effective_len = 2,
    .permitted = permitted, .permitted_len = 2, .inheritable = inheritable, .inheritable_len = 2,
    .ambient = ambient, .ambient_len = 2,
  };
  cleanup_error carve_error_t err = NULL;
  cleanup_strv char **warnings = NULL;
  cleanup_free char *all = NULL;
  struct carve_caps_s caps;
  size_t i;

  EXPECT (carve_caps_parse (&spec, &caps, &warnings, &err) == 0);
  EXPECT (caps.bounding == (CARVE_CAP_BIT (CAP_KILL) | CARVE_CAP_BIT (CAP_CHOWN)));
  EXPECT (caps.permitted == (CARVE_CAP_BIT (CAP_KILL) | CARVE_CAP_BIT (CAP_CHOWN)));
  /* CAP_NET_BIND_SERVICE is not permitted, CAP_SETUID not in bounding,
     ambient CAP_CHOWN not inheritable: each left out.  */
  EXPECT (caps.effective == CARVE_CAP_BIT (CAP_CHOWN));
  EXPECT (caps.inheritable == CARVE_CAP_BIT (CAP_KILL));
  EXPECT (caps.ambient == CARVE_CAP_BIT (CAP_KILL));

  all = xstrdup ("");
  for (i = 0; warnings && warnings[i]; i++)
    {
      char *next = xasprintf ("%s%s\n", all, warnings[i]);
      free (all);
      all = next;
    }
  EXPECT (carve_strv_length (warnings) == 5);
  EXPECT_CONTAINS (all, "process.capabilities.bounding: capability `CAP_FOO` is unknown, ignored");
  EXPECT_CONTAINS (all, "capability `cap_chown` is unknown, ignored");
  EXPECT_CONTAINS (all, "process.capabilities.effective: capability `CAP_NET_BIND_SERVICE` is not in the permitted set");
  EXPECT_CONTAINS (all, "process.capabilities.inheritable: capability `CAP_SETUID` is not in the bounding set");
  EXPECT_CONTAINS (all, "process.capabilities.ambient: capability `CAP_CHOWN` is not in both");

  /* NULL means no capabilities, without warnings.  */
  carve_strv_free (steal_pointer (&warnings));
  memset (&caps, 0xff, sizeof caps);
  EXPECT (carve_caps_parse (NULL, &caps, &warnings, &err) == 0);
  EXPECT (caps.bounding == 0 && caps.effective == 0 && caps.permitted == 0 && caps.ambient == 0);
  EXPECT (warnings == NULL);
  return 0;
}

/* A capability beyond our own bounding set cannot be granted: warned about.  */
static int
test_caps_parse_ungrantable (void)
{
  cleanup_error carve_error_t err = NULL;
  cleanup_strv char **warnings = NULL;
  cleanup_free char *name = NULL;
  char *names[] = { NULL, NULL };
  struct carve_spec_capabilities_s spec = { .bounding = names, .bounding_len = 1 };
  struct carve_caps_s caps;
  int c, last = carve_caps_last_cap ();

  for (c = 0; c <= last; c++)
    if (prctl (PR_CAPBSET_READ, c, 0, 0, 0) == 0)
      break;
  if (c > last)
    {
      fprintf (stderr, "# skip: this process's bounding set is full, nothing is ungrantable\n");
      return 77;
    }
  name = carve_cap_name (c);
  names[0] = name;
  EXPECT (carve_caps_parse (&spec, &caps, &warnings, &err) == 0);
  EXPECT (caps.bounding == 0);
  EXPECT (carve_strv_length (warnings) == 1);
  EXPECT_CONTAINS (warnings[0], name);
  EXPECT_CONTAINS (warnings[0], "is not in carve's own bounding set, ignored");
  return 0;
}

static int
child_drop_privileges (void)
{
  uint32_t gids[] = { 1001, 1002 };
  struct carve_spec_user_s user = {
    .uid = 1000, .gid = 1000, .has_umask = true, .umask = 027, .additional_gids = gids, .additional_gids_len = 2,
  };
  struct carve_spec_capabilities_s spec = {
    .bounding = names_kill, .bounding_len = 1, .effective = names_kill, .effective_len = 1,
    .permitted = names_kill, .permitted_len = 1, .inheritable = names_kill, .inheritable_len = 1,
    .ambient = names_kill, .ambient_len = 1,
  };
  const char *sets[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" };
  cleanup_error carve_error_t err = NULL;
  cleanup_strv char **warnings = NULL;
  struct carve_caps_s caps;
  size_t i;

  EXPECT (carve_caps_parse (&spec, &caps, &warnings, &err) == 0);
  EXPECT (warnings == NULL);
  if (carve_process_drop_privileges (&user, &caps, true, &err) < 0)
    {
      fprintf (stderr, "# %s\n", err->msg);
      return -1;
    }
  for (i = 0; i < sizeof sets / sizeof sets[0]; i++)
    {
      cleanup_free char *v = status_field (sets[i]);
      EXPECT_STR (v, "0000000000000020"); /* CAP_KILL is 5 */
    }
  {
    cleanup_free char *uid = status_field ("Uid");
    cleanup_free char *gid = status_field ("Gid");
    cleanup_free char *groups = status_field ("Groups");
    cleanup_free char *umask_ = status_field ("Umask");
    cleanup_free char *nnp = status_field ("NoNewPrivs");
    EXPECT_STR (uid, "1000\t1000\t1000\t1000");
    EXPECT_STR (gid, "1000\t1000\t1000\t1000");
    EXPECT_STR (groups, "1001 1002");
    EXPECT_STR (umask_, "0027");
    EXPECT_STR (nnp, "1");
  }
  /* keepcaps was cleared again.  */
  EXPECT (prctl (PR_GET_KEEPCAPS, 0, 0, 0, 0) == 0);
  return 0;
}

static int
test_drop_privileges (void)
{
  if (!is_root ())
    return 77;
  return in_child (child_drop_privileges);
}

static int
child_drop_all (void)
{
  cleanup_error carve_error_t err = NULL;
  const char *sets[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" };
  size_t i;

  EXPECT (carve_process_drop_privileges (NULL, NULL, false, &err) == 0);
  for (i = 0; i < sizeof sets / sizeof sets[0]; i++)
    {
      cleanup_free char *v = status_field (sets[i]);
      EXPECT_STR (v, "0000000000000000");
    }
  {
    cleanup_free char *uid = status_field ("Uid");
    cleanup_free char *umask_ = status_field ("Umask");
    cleanup_free char *nnp = status_field ("NoNewPrivs");
    EXPECT_STR (uid, "0\t0\t0\t0");
    EXPECT_STR (umask_, "0022");
    EXPECT_STR (nnp, "0");
  }
  /* Without CAP_SETUID there is no way back.  */
  EXPECT (setresuid (1, 1, 1) < 0 && errno == EPERM);
  return 0;
}

static int
test_drop_privileges_no_caps (void)
{
  if (!is_root ())
    return 77;
  return in_child (child_drop_all);
}

/* --- rlimits --------------------------------------------------------------- */

static int
child_rlimits (void)
{
  struct carve_spec_rlimit_s nofile = { .type = "RLIMIT_NOFILE", .soft = 100, .hard = 200 };
  struct carve_spec_rlimit_s core = { .type = "RLIMIT_CORE", .soft = 0, .hard = UINT64_MAX };
  struct carve_spec_rlimit_s raise_ = { .type = "RLIMIT_NOFILE", .soft = 1000, .hard = 1000 };
  struct carve_spec_rlimit_s bogus = { .type = "RLIMIT_FOO", .soft = 1, .hard = 1 };
  struct carve_spec_rlimit_s *ok[] = { &nofile, &core };
  struct carve_spec_rlimit_s *dup[] = { &nofile, &raise_ };
  struct carve_spec_rlimit_s *unknown[] = { &bogus };
  cleanup_error carve_error_t err = NULL;
  struct rlimit lim;

  EXPECT (carve_rlimits_apply (ok, 2, &err) == 0);
  EXPECT (getrlimit (RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur == 100 && lim.rlim_max == 200);
  EXPECT (getrlimit (RLIMIT_CORE, &lim) == 0 && lim.rlim_cur == 0 && lim.rlim_max == RLIM_INFINITY);

  EXPECT (carve_rlimits_apply (dup, 2, &err) < 0);
  EXPECT_STR (err->msg, "process.rlimits[1]: duplicate rlimit `RLIMIT_NOFILE`");
  carve_error_release (&err);

  EXPECT (carve_rlimits_apply (unknown, 1, &err) < 0);
  EXPECT_STR (err->msg, "process.rlimits[0]: unknown rlimit `RLIMIT_FOO`");
  carve_error_release (&err);

  /* Raising a hard limit needs CAP_SYS_RESOURCE: drop every capability.  */
  EXPECT (carve_process_drop_privileges (NULL, NULL, false, &err) == 0);
  EXPECT (carve_rlimits_apply (&dup[1], 1, &err) < 0);
  EXPECT_STR (err->msg, "process.rlimits[0] `RLIMIT_NOFILE` 1000/1000: Operation not permitted");
  EXPECT (err->status == EPERM);
  return 0;
}

static int
test_rlimits (void)
{
  if (!is_root ())
    return 77;
  EXPECT (carve_rlimit_from_name ("RLIMIT_MSGQUEUE") == RLIMIT_MSGQUEUE);
  EXPECT (carve_rlimit_from_name ("RLIMIT_RTTIME") == RLIMIT_RTTIME);
  EXPECT (carve_rlimit_from_name ("NOFILE") == -1);
  return in_child (child_rlimits);
}

/* --- procattr -------------------------------------------------------------- */

static int
child_oom (void)
{
  cleanup_error carve_error_t err = NULL;
  cleanup_free char *v = NULL;

  EXPECT (carve_oom_score_adj_set (517, &err) == 0);
  v = read_trimmed ("/proc/self/oom_score_adj");
  EXPECT_STR (v, "517");
  EXPECT (carve_oom_score_adj_set (5000, &err) < 0);
  EXPECT_CONTAINS (err->msg, "process.oomScoreAdj: ");
  EXPECT (err->status == EINVAL);
  return 0;
}

static int
test_oom_score_adj (void)
{
  return in_child (child_oom);
}

static int
child_scheduler (void)
{
  char *flags[] = { "SCHED_FLAG_RESET_ON_FORK", NULL };
  char *bad_flags[] = { "SCHED_FLAG_NOPE", NULL };
  struct carve_spec_scheduler_s batch = {
    .policy = "SCHED_BATCH", .has_nice = true, .nice = 7, .flags = flags, .flags_len = 1,
  };
  struct carve_spec_scheduler_s bad_policy = { .policy = "SCHED_NOPE" };
  struct carve_spec_scheduler_s bad_flag = { .policy = "SCHED_OTHER", .flags = bad_flags, .flags_len = 1 };
  struct carve_spec_scheduler_s bad_prio = { .policy = "SCHED_OTHER", .has_priority = true, .priority = 5 };
  cleanup_error carve_error_t err = NULL;
  int policy;

  if (carve_scheduler_set (&batch, &err) < 0)
    {
      fprintf (stderr, "# %s\n", err->msg);
      return -1;
    }
  policy = sched_getscheduler (0);
  EXPECT ((policy & ~SCHED_RESET_ON_FORK) == SCHED_BATCH);
  EXPECT (policy & SCHED_RESET_ON_FORK);
  errno = 0;
  EXPECT (getpriority (PRIO_PROCESS, 0) == 7 && errno == 0);

  EXPECT (carve_scheduler_set (&bad_policy, &err) < 0);
  EXPECT_STR (err->msg, "process.scheduler.policy: unknown policy `SCHED_NOPE`");
  carve_error_release (&err);
  EXPECT (carve_scheduler_set (&bad_flag, &err) < 0);
  EXPECT_STR (err->msg, "process.scheduler.flags[0]: unknown flag `SCHED_FLAG_NOPE`");
  carve_error_release (&err);
  /* SCHED_OTHER takes no static priority: the kernel's EINVAL is reported.  */
  EXPECT (carve_scheduler_set (&bad_prio, &err) < 0);
  EXPECT_STR (err->msg, "process.scheduler: sched_setattr `SCHED_OTHER` nice 0 priority 5: Invalid argument");
  return 0;
}

static int
test_scheduler (void)
{
  return in_child (child_scheduler);
}

static int
child_ioprio (void)
{
  struct carve_spec_io_priority_s be = { .class = "IOPRIO_CLASS_BE", .has_priority = true, .priority = 6 };
  struct carve_spec_io_priority_s bad = { .class = "IOPRIO_CLASS_NOPE" };
  struct carve_spec_io_priority_s range = { .class = "IOPRIO_CLASS_IDLE", .has_priority = true, .priority = 8 };
  cleanup_error carve_error_t err = NULL;
  long v;

  EXPECT (carve_ioprio_set (&be, &err) == 0);
  v = syscall (SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
  EXPECT (v == ((2 << 13) | 6));
  EXPECT (carve_ioprio_set (&bad, &err) < 0);
  EXPECT_STR (err->msg, "process.ioPriority.class: unknown class `IOPRIO_CLASS_NOPE`");
  carve_error_release (&err);
  EXPECT (carve_ioprio_set (&range, &err) < 0);
  EXPECT_STR (err->msg, "process.ioPriority.priority: 8 is not in 0..7");
  return 0;
}

static int
test_ioprio (void)
{
  return in_child (child_ioprio);
}

static int
test_cpu_affinity_mask (void)
{
  cleanup_error carve_error_t err = NULL;
  carve_cpumask_t mine, again, one;
  int first;

  /* Our own affinity, set back as it is, reads the same; one CPU of it
     alone reads as that CPU.  */
  EXPECT (carve_cpu_affinity_get (0, &mine, &err) == 0);
  EXPECT (!carve_cpumask_empty (&mine));
  EXPECT (carve_cpu_affinity_set_mask (0, &mine, &err) == 0);
  EXPECT (carve_cpu_affinity_get (0, &again, &err) == 0);
  EXPECT (carve_cpumask_equal (&mine, &again));
  first = carve_cpumask_next (&mine, 0);
  carve_cpumask_zero (&one);
  carve_cpumask_set (&one, (unsigned) first);
  EXPECT (carve_cpu_affinity_set_mask (0, &one, &err) == 0);
  EXPECT (carve_cpu_affinity_get (0, &again, &err) == 0);
  EXPECT (carve_cpumask_equal (&one, &again));
  EXPECT (carve_cpu_affinity_set_mask (0, &mine, &err) == 0);
  /* A bad list names the field.  */
  EXPECT (carve_cpu_affinity_set_pid (0, "3-1", "process.execCPUAffinity.initial", &err) < 0);
  EXPECT_STR (err->msg, "process.execCPUAffinity.initial: `3-1` is not a CPU list");
  carve_error_release (&err);
  /* A task that does not exist keeps ESRCH in the error.  */
  EXPECT (carve_cpu_affinity_get (999999999, &again, &err) < 0);
  EXPECT (err->status == ESRCH);
  carve_error_release (&err);
  return 0;
}

static int
child_affinity (void)
{
  cleanup_error carve_error_t err = NULL;
  cpu_set_t set;

  EXPECT (carve_cpu_affinity_set ("0", &err) == 0);
  CPU_ZERO (&set);
  EXPECT (sched_getaffinity (0, sizeof set, &set) == 0);
  EXPECT (CPU_COUNT (&set) == 1 && CPU_ISSET (0, &set));
  /* NULL and "" leave the affinity alone.  */
  EXPECT (carve_cpu_affinity_set (NULL, &err) == 0);
  EXPECT (carve_cpu_affinity_set ("", &err) == 0);
  EXPECT (carve_cpu_affinity_set ("0-x", &err) < 0);
  EXPECT_STR (err->msg, "process.execCPUAffinity: `0-x` is not a CPU list");
  carve_error_release (&err);
  /* A CPU that does not exist: the kernel's EINVAL.  */
  EXPECT (carve_cpu_affinity_set ("4000", &err) < 0);
  EXPECT (err->status == EINVAL);
  return 0;
}

static int
test_cpu_affinity (void)
{
  return in_child (child_affinity);
}

static int
child_personality (void)
{
  struct carve_spec_personality_s p32 = { .domain = "LINUX32" };
  char *flags[] = { "ADDR_NO_RANDOMIZE", NULL };
  struct carve_spec_personality_s with_flags = { .domain = "LINUX", .flags = flags, .flags_len = 1 };
  struct carve_spec_personality_s bad = { .domain = "SOLARIS" };
  cleanup_error carve_error_t err = NULL;
  struct utsname u;

  EXPECT (carve_personality_set (&p32, &err) == 0);
  EXPECT ((personality (0xffffffff) & PER_MASK) == PER_LINUX32);
#if defined(__x86_64__)
  EXPECT (uname (&u) == 0);
  EXPECT_STR (u.machine, "i686");
#else
  (void) u;
#endif
  EXPECT (carve_personality_set (&with_flags, &err) < 0);
  EXPECT_STR (err->msg, "linux.personality.flags[0]: `ADDR_NO_RANDOMIZE` is not supported");
  carve_error_release (&err);
  EXPECT (carve_personality_set (&bad, &err) < 0);
  EXPECT_STR (err->msg, "linux.personality.domain: unknown domain `SOLARIS`");
  return 0;
}

static int
test_personality (void)
{
  return in_child (child_personality);
}

static int
child_hostname (void)
{
  cleanup_error carve_error_t err = NULL;
  char buf[256];

  if (unshare (CLONE_NEWUTS) < 0)
    {
      fprintf (stderr, "# skip: unshare CLONE_NEWUTS: %s\n", strerror (errno));
      return 77;
    }
  EXPECT (carve_hostname_set ("carve-test-host", "carve-test-domain", &err) == 0);
  EXPECT (gethostname (buf, sizeof buf) == 0);
  EXPECT_STR (buf, "carve-test-host");
  EXPECT (getdomainname (buf, sizeof buf) == 0);
  EXPECT_STR (buf, "carve-test-domain");
  /* NULL leaves it alone.  */
  EXPECT (carve_hostname_set (NULL, "other", &err) == 0);
  EXPECT (gethostname (buf, sizeof buf) == 0);
  EXPECT_STR (buf, "carve-test-host");
  return 0;
}

static int
test_hostname (void)
{
  if (!is_root ())
    return 77;
  return in_child (child_hostname);
}

static int
child_session_keyring (void)
{
  cleanup_error carve_error_t err = NULL;
  char desc[256];
  long serial, n;

  if (carve_session_keyring_join ("_ses.carve-unit-test", false, &err) < 0)
    {
      fprintf (stderr, "# %s\n", err->msg);
      return -1;
    }
  serial = syscall (SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
  if (serial < 0 && (errno == ENOSYS || errno == EACCES || errno == EPERM))
    {
      fprintf (stderr, "# skip: keyctl: %s\n", strerror (errno));
      return 77;
    }
  EXPECT (serial > 0);
  n = syscall (SYS_keyctl, KEYCTL_DESCRIBE, serial, desc, sizeof desc);
  EXPECT (n > 0);
  desc[sizeof desc - 1] = '\0';
  EXPECT_CONTAINS (desc, ";_ses.carve-unit-test");
  EXPECT_CONTAINS (desc, "keyring;");
  return 0;
}

static int
test_session_keyring (void)
{
  return in_child (child_session_keyring);
}

static int
test_apparmor_absent (void)
{
  cleanup_error carve_error_t err = NULL;

  if (carve_apparmor_enabled ())
    {
      fprintf (stderr, "# skip: AppArmor is enabled here, the error for its absence cannot be seen\n");
      return 77;
    }
  EXPECT (carve_apparmor_set_exec ("carve-test", &err) < 0);
  EXPECT_STR (err->msg, "process.apparmorProfile: AppArmor is not enabled on this host");
  return 0;
}

static int
child_apparmor (void)
{
  cleanup_error carve_error_t err = NULL;

  if (carve_apparmor_set_exec ("unconfined", &err) < 0)
    {
      fprintf (stderr, "# %s\n", err->msg);
      return -1;
    }
  return 0;
}

static int
test_apparmor_present (void)
{
  if (!carve_apparmor_enabled ())
    {
      fprintf (stderr, "# skip: AppArmor is not enabled on this host\n");
      return 77;
    }
  return in_child (child_apparmor);
}

static int
test_selinux_absent (void)
{
  cleanup_error carve_error_t err = NULL;

  if (carve_selinux_enabled ())
    {
      fprintf (stderr, "# skip: SELinux is enabled here, the error for its absence cannot be seen\n");
      return 77;
    }
  EXPECT (carve_selinux_set_exec ("system_u:system_r:container_t:s0", &err) < 0);
  EXPECT_STR (err->msg, "process.selinuxLabel: SELinux is not enabled on this host");
  return 0;
}

static int
child_selinux (void)
{
  cleanup_error carve_error_t err = NULL;
  cleanup_free char *current = read_trimmed ("/proc/thread-self/attr/current");

  /* Our own label is always a valid exec label.  */
  EXPECT (current != NULL);
  if (carve_selinux_set_exec (current, &err) < 0)
    {
      fprintf (stderr, "# %s\n", err->msg);
      return -1;
    }
  return 0;
}

static int
test_selinux_present (void)
{
  if (!carve_selinux_enabled ())
    {
      fprintf (stderr, "# skip: SELinux is not enabled on this host\n");
      return 77;
    }
  return in_child (child_selinux);
}

/* --- descriptors ----------------------------------------------------------- */

static int
child_fds (void)
{
  cleanup_error carve_error_t err = NULL;
  int fd = open ("/dev/null", O_RDONLY); /* deliberately without O_CLOEXEC */
  int status;
  pid_t pid;

  EXPECT (fd >= 0);
  EXPECT (dup2 (fd, 50) == 50 && dup2 (fd, 60) == 60);
  EXPECT (carve_fds_close_from (51, &err) == 0);
  EXPECT ((fcntl (50, F_GETFD) & FD_CLOEXEC) == 0);
  EXPECT (fcntl (60, F_GETFD) & FD_CLOEXEC);
  EXPECT ((fcntl (0, F_GETFD) & FD_CLOEXEC) == 0);
  /* Still open until the exec.  */
  EXPECT (fcntl (60, F_GETFL) >= 0);

  /* Across exec, 50 survives and 60 is gone.  */
  pid = fork ();
  EXPECT (pid >= 0);
  if (pid == 0)
    {
      execl ("/bin/sh", "sh", "-c", "test -e /proc/self/fd/50 && test ! -e /proc/self/fd/60", (char *) NULL);
      _exit (127);
    }
  EXPECT (waitpid (pid, &status, 0) == pid);
  EXPECT (WIFEXITED (status) && WEXITSTATUS (status) == 0);

  EXPECT (carve_fds_close_from (-1, &err) < 0);
  return 0;
}

static int
test_fds_close_from (void)
{
  return in_child (child_fds);
}

/* --- exec path ------------------------------------------------------------- */

static int
test_exec_lookup (void)
{
  char dir[] = "/tmp/carve-test-execpath.XXXXXX";
  cleanup_error carve_error_t err = NULL;
  cleanup_free char *x = NULL, *nx = NULL, *sub = NULL, *path_env = NULL, *found = NULL, *expected = NULL;
  char *env[3] = { "HOME=/", NULL, NULL };
  int fd, r = -1;

  EXPECT (mkdtemp (dir) != NULL);
  x = carve_path_join (dir, "carve-x");
  nx = carve_path_join (dir, "carve-nx");
  sub = carve_path_join (dir, "carve-dir");
  fd = open (x, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
  if (fd >= 0)
    close (fd);
  fd = open (nx, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0)
    close (fd);
  (void) mkdir (sub, 0755);

  path_env = xasprintf ("PATH=/nonexistent:%s", dir);
  env[1] = path_env;
  expected = xasprintf ("%s/carve-x", dir);

  found = carve_exec_lookup ("carve-x", env, &err);
  if (found == NULL || strcmp (found, expected) != 0)
    {
      fprintf (stderr, "# carve-x resolved to %s\n", found ? found : err->msg);
      goto out;
    }
  free (steal_pointer (&found));

  /* Not executable, a directory, or absent: not found.  */
  if (carve_exec_lookup ("carve-nx", env, &err) != NULL
      || strcmp (err->msg, "exec `carve-nx`: executable file not found in $PATH") != 0)
    goto out;
  carve_error_release (&err);
  if (carve_exec_lookup ("carve-dir", env, &err) != NULL)
    goto out;
  carve_error_release (&err);

  /* A name with a slash is taken as is, and must be executable.  */
  found = carve_exec_lookup (x, env, &err);
  if (found == NULL || strcmp (found, x) != 0)
    goto out;
  free (steal_pointer (&found));
  if (carve_exec_lookup (nx, env, &err) != NULL || err->status != EACCES)
    goto out;
  carve_error_release (&err);

  /* Without PATH in env the default one is used.  */
  found = carve_exec_lookup ("sh", NULL, &err);
  if (found == NULL || access (found, X_OK) != 0 || strstr (found, "/sh") == NULL)
    goto out;
  free (steal_pointer (&found));
  if (carve_exec_lookup ("carve-x", (char *[]){ "A=b", NULL }, &err) != NULL)
    goto out;
  carve_error_release (&err);
  r = 0;

out:
  if (r < 0)
    fprintf (stderr, "# exec_lookup: %s\n", err ? err->msg : "unexpected success");
  {
    cleanup_error carve_error_t e2 = NULL;
    (void) carve_rm_rf (dir, &e2);
  }
  return r;
}

/* --- namespaces ------------------------------------------------------------ */

static int
test_namespace_types (void)
{
  EXPECT (carve_namespace_type_to_flag ("mount") == CLONE_NEWNS);
  EXPECT (carve_namespace_type_to_flag ("network") == CLONE_NEWNET);
  EXPECT (carve_namespace_type_to_flag ("user") == CLONE_NEWUSER);
  EXPECT (carve_namespace_type_to_flag ("cgroup") == CLONE_NEWCGROUP);
  EXPECT (carve_namespace_type_to_flag ("time") == 0x80);
  EXPECT (carve_namespace_type_to_flag ("net") == -1);
  EXPECT (carve_namespace_type_to_flag (NULL) == -1);
  EXPECT_STR (carve_namespace_proc_name ("mount"), "mnt");
  EXPECT_STR (carve_namespace_proc_name ("network"), "net");
  EXPECT_STR (carve_namespace_proc_name ("pid"), "pid");
  return 0;
}

/* A grandchild that sits in its own UTS namespace with a known hostname
   until its pipe closes.  */
static pid_t
spawn_uts_holder (int *ret_wfd)
{
  int ready[2], hold[2];
  char c;
  pid_t pid;

  if (pipe2 (ready, O_CLOEXEC) < 0 || pipe2 (hold, O_CLOEXEC) < 0)
    return -1;
  pid = fork ();
  if (pid < 0)
    return -1;
  if (pid == 0)
    {
      close (ready[0]);
      close (hold[1]);
      if (unshare (CLONE_NEWUTS) < 0 || sethostname ("carve-joined", 12) < 0)
        _exit (1);
      if (write (ready[1], "x", 1) != 1)
        _exit (1);
      /* Returns at EOF, when the test closes the pipe.  */
      _exit (read (hold[0], &c, 1) < 0 ? 1 : 0);
    }
  close (ready[1]);
  close (hold[0]);
  if (read (ready[0], &c, 1) != 1)
    {
      close (hold[1]);
      close (ready[0]);
      waitpid (pid, NULL, 0);
      return -1;
    }
  close (ready[0]);
  *ret_wfd = hold[1];
  return pid;
}

static int
child_namespace_join (void)
{
  cleanup_error carve_error_t err = NULL;
  cleanup_free char *path = NULL;
  struct carve_ns_path_s *v = NULL;
  size_t n = 0;
  char buf[64];
  int wfd = -1, r = -1;
  pid_t holder = spawn_uts_holder (&wfd);

  EXPECT (holder > 0);
  path = xasprintf ("/proc/%d/ns/uts", (int) holder);

  /* Only the UTS namespace differs from ours.  */
  if (carve_namespaces_of_pid (holder, &v, &n, &err) < 0 || n != 1 || strcmp (v[0].type, "uts") != 0
      || strcmp (v[0].path, path) != 0)
    goto out;

  /* The type is checked by setns: a UTS namespace is not a network one.  */
  if (carve_namespace_join ("network", path, &err) == 0 || err->status != EINVAL
      || strstr (err->msg, "join network namespace `/proc/") == NULL)
    goto out;
  carve_error_release (&err);
  if (carve_namespace_join ("uts", "/nonexistent", &err) == 0
      || strcmp (err->msg, "join uts namespace: open `/nonexistent`: No such file or directory") != 0)
    goto out;
  carve_error_release (&err);

  if (carve_namespaces_join_paths (v, n, &err) < 0)
    goto out;
  if (gethostname (buf, sizeof buf) < 0 || strcmp (buf, "carve-joined") != 0)
    goto out;
  r = 0;

out:
  if (err)
    fprintf (stderr, "# %s\n", err->msg);
  carve_ns_paths_free (v, n);
  close (wfd);
  waitpid (holder, NULL, 0);
  return r;
}

static int
test_namespace_join (void)
{
  if (!is_root ())
    return 77;
  return in_child (child_namespace_join);
}

static int
test_userns_mappings (void)
{
  /* The child is host root: it becomes the namespace's root through the
     first line; the second is an ordinary subordinate range.  */
  struct carve_spec_id_mapping_s m0 = { .container_id = 0, .host_id = 0, .size = 1 };
  struct carve_spec_id_mapping_s m1 = { .container_id = 1, .host_id = 100000, .size = 1000 };
  struct carve_spec_id_mapping_s *maps[] = { &m0, &m1 };
  cleanup_error carve_error_t err = NULL;
  int to_parent[2], to_child[2], status;
  char c = 0;
  pid_t pid;

  if (!is_root ())
    return 77;
  EXPECT (pipe2 (to_parent, O_CLOEXEC) == 0 && pipe2 (to_child, O_CLOEXEC) == 0);
  fflush (NULL);
  pid = fork ();
  EXPECT (pid >= 0);
  if (pid == 0)
    {
      cleanup_free char *uid_map = NULL, *setgroups_ = NULL;

      close (to_parent[0]);
      close (to_child[1]);
      c = unshare (CLONE_NEWUSER) == 0 ? 'u' : 'e';
      if (write (to_parent[1], &c, 1) != 1 || c != 'u')
        _exit (77);
      if (read (to_child[0], &c, 1) != 1 || c != 'm')
        _exit (1);
      uid_map = read_trimmed ("/proc/self/uid_map");
      setgroups_ = read_trimmed ("/proc/self/setgroups");
      if (getuid () != 0 || getgid () != 0 || !carve_setgroups_denied ())
        _exit (2);
      if (uid_map == NULL || strstr (uid_map, "1     100000       1000") == NULL || setgroups_ == NULL
          || strcmp (setgroups_, "deny") != 0)
        _exit (3);
      _exit (0);
    }
  close (to_parent[1]);
  close (to_child[0]);
  if (read (to_parent[0], &c, 1) != 1 || c != 'u')
    {
      waitpid (pid, NULL, 0);
      fprintf (stderr, "# skip: the child could not unshare a user namespace\n");
      return 77;
    }
  if (carve_userns_write_mappings (pid, maps, 2, maps, 2, true, &err) < 0)
    {
      fprintf (stderr, "# %s\n", err->msg);
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
      return -1;
    }
  c = 'm';
  EXPECT (write (to_child[1], &c, 1) == 1);
  EXPECT (waitpid (pid, &status, 0) == pid);
  close (to_parent[0]);
  close (to_child[1]);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      fprintf (stderr, "# userns child exited with %d\n", WIFEXITED (status) ? WEXITSTATUS (status) : -1);
      return -1;
    }
  return 0;
}

static int
child_timens (void)
{
  struct carve_spec_time_offset_s mono = { .has_secs = true, .secs = 86400 * 10 };
  struct carve_spec_time_offsets_s offsets = { .monotonic = &mono };
  cleanup_error carve_error_t err = NULL;
  struct timespec before;
  int status;
  pid_t pid;

  if (unshare (0x80 /* CLONE_NEWTIME */) < 0)
    {
      fprintf (stderr, "# skip: the kernel refuses unshare CLONE_NEWTIME: %s\n", strerror (errno));
      return 77;
    }
  if (carve_timens_write_offsets (getpid (), &offsets, &err) < 0)
    {
      fprintf (stderr, "# %s\n", err->msg);
      return -1;
    }
  EXPECT (clock_gettime (CLOCK_MONOTONIC, &before) == 0);
  pid = fork ();
  EXPECT (pid >= 0);
  if (pid == 0)
    {
      struct timespec now;
      if (clock_gettime (CLOCK_MONOTONIC, &now) < 0)
        _exit (1);
      /* Our clock is the parent's plus ten days (give or take the fork).  */
      _exit (now.tv_sec >= before.tv_sec + 86400 * 10 && now.tv_sec < before.tv_sec + 86400 * 10 + 60 ? 0 : 2);
    }
  EXPECT (waitpid (pid, &status, 0) == pid);
  EXPECT (WIFEXITED (status) && WEXITSTATUS (status) == 0);

  /* Once a process is in the namespace, the offsets are fixed.  */
  EXPECT (carve_timens_write_offsets (getpid (), &offsets, &err) < 0);
  EXPECT_CONTAINS (err->msg, "linux.timeOffsets: ");
  EXPECT (err->status == EACCES);
  return 0;
}

static int
test_timens_offsets (void)
{
  if (!is_root ())
    return 77;
  return in_child (child_timens);
}

UNIT_MAIN (UNIT_CASE (test_caps_parse), UNIT_CASE (test_caps_parse_ungrantable), UNIT_CASE (test_drop_privileges),
           UNIT_CASE (test_drop_privileges_no_caps), UNIT_CASE (test_rlimits), UNIT_CASE (test_oom_score_adj),
           UNIT_CASE (test_scheduler), UNIT_CASE (test_ioprio), UNIT_CASE (test_cpu_affinity_mask),
           UNIT_CASE (test_cpu_affinity), UNIT_CASE (test_personality), UNIT_CASE (test_hostname),
           UNIT_CASE (test_session_keyring), UNIT_CASE (test_apparmor_absent), UNIT_CASE (test_apparmor_present),
           UNIT_CASE (test_selinux_absent), UNIT_CASE (test_selinux_present), UNIT_CASE (test_fds_close_from),
           UNIT_CASE (test_exec_lookup), UNIT_CASE (test_namespace_types), UNIT_CASE (test_namespace_join),
           UNIT_CASE (test_userns_mappings), UNIT_CASE (test_timens_offsets))
