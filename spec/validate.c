/* Value checks of the spec model, and the public helpers built on them
   (CPU lists, signal names, rlimit and namespace names).  */
#include <config.h>

#include "spec/validate.h"
#include "runtime/base/names.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/cpumask.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"
#include "spec/spec.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080 /* glibc < 2.35 lacks it; kernel 5.6 */
#endif

static bool
in_set (const char *value, const char *const *set)
{
  for (; *set; set++)
    if (strcmp (value, *set) == 0)
      return true;
  return false;
}

static int
check_enum (const char *value, const char *const *set, const char *what, carve_error_t *err)
{
  if (in_set (value, set))
    return 0;
  return carve_make_error (err, 0, "unknown %s \"%s\"", what, value);
}

int
carve_spec_check_abs_path (const char *value, carve_error_t *err)
{
  if (value[0] == '/')
    return 0;
  return carve_make_error (err, 0, "\"%s\" is not an absolute path", value);
}

/* --- CPU and node lists ---------------------------------------------------- */

/* One parser for every CPU and node list: runtime/base's, whose own
   message is replaced by the JSON-flavoured one of the spec's errors.  */
static bool
parse_list (const char *s, carve_cpumask_t *ret)
{
  carve_error_t ignored = NULL;

  if (carve_cpumask_parse_list (s, ret, &ignored) < 0)
    {
      carve_error_release (&ignored);
      return false;
    }
  return true;
}

int
carve_spec_parse_cpu_list (const char *s, uint8_t **ret_mask, size_t *ret_len, carve_error_t *err)
{
  carve_cpumask_t m;
  uint8_t *mask;
  int c, highest = -1;

  if (!parse_list (s, &m))
    return carve_make_error (err, 0, "\"%s\" is not a CPU list", s);
  for (c = carve_cpumask_next (&m, 0); c >= 0; c = carve_cpumask_next (&m, (unsigned) c + 1))
    highest = c;
  if (highest < 0)
    {
      *ret_mask = NULL;
      *ret_len = 0;
      return 0;
    }
  *ret_len = (size_t) highest / 8 + 1;
  mask = xzalloc (*ret_len);
  for (c = carve_cpumask_next (&m, 0); c >= 0; c = carve_cpumask_next (&m, (unsigned) c + 1))
    mask[c / 8] |= (uint8_t) (1u << (c % 8));
  *ret_mask = mask;
  return 0;
}

int
carve_spec_check_cpu_list (const char *value, carve_error_t *err)
{
  carve_cpumask_t m;

  if (!parse_list (value, &m))
    return carve_make_error (err, 0, "\"%s\" is not a CPU list", value);
  return 0;
}

int
carve_spec_check_node_list (const char *value, carve_error_t *err)
{
  carve_cpumask_t m;

  if (!parse_list (value, &m))
    return carve_make_error (err, 0, "\"%s\" is not a NUMA node list", value);
  return 0;
}

/* --- versions -------------------------------------------------------------- */

static bool
read_semver_number (const char **pp)
{
  const char *p = *pp;

  if (!isdigit ((unsigned char)*p))
    return false;
  /* No leading zeros (semver 2.0.0, rule 2).  */
  if (*p == '0' && isdigit ((unsigned char)p[1]))
    return false;
  while (isdigit ((unsigned char)*p))
    p++;
  *pp = p;
  return true;
}

static bool
read_semver_idents (const char **pp)
{
  const char *p = *pp;

  for (;;)
    {
      const char *start = p;
      while (isalnum ((unsigned char)*p) || *p == '-')
        p++;
      if (p == start)
        return false;
      if (*p != '.')
        break;
      p++;
    }
  *pp = p;
  return true;
}

bool
carve_spec_oci_version_ok (const char *s)
{
  const char *p = s;

  if (strncmp (p, "1.", 2) != 0)
    return false;
  p += 2;
  if (!read_semver_number (&p) || *p != '.')
    return false;
  p++;
  if (!read_semver_number (&p))
    return false;
  if (*p == '-')
    {
      p++;
      if (!read_semver_idents (&p))
        return false;
    }
  if (*p == '+')
    {
      p++;
      if (!read_semver_idents (&p))
        return false;
    }
  return *p == '\0';
}

int
carve_spec_check_oci_version (const char *value, carve_error_t *err)
{
  if (carve_spec_oci_version_ok (value))
    return 0;
  return carve_make_error (err, 0, "\"%s\" is not a supported version (1.x.y)", value);
}

/* --- namespaces, rlimits --------------------------------------------------- */

const char *const carve_spec_namespace_types[]
    = { "cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts", NULL };

int
carve_spec_namespace_flag (const char *type)
{
  static const struct
  {
    const char *name;
    int flag;
  } table[] = {
    { "cgroup", CLONE_NEWCGROUP }, { "ipc", CLONE_NEWIPC },   { "mount", CLONE_NEWNS },  { "network", CLONE_NEWNET },
    { "pid", CLONE_NEWPID },       { "time", CLONE_NEWTIME }, { "user", CLONE_NEWUSER }, { "uts", CLONE_NEWUTS },
  };
  size_t i;

  for (i = 0; i < sizeof (table) / sizeof (table[0]); i++)
    if (strcmp (type, table[i].name) == 0)
      return table[i].flag;
  return 0;
}

int
carve_spec_check_namespace_type (const char *value, carve_error_t *err)
{
  return check_enum (value, carve_spec_namespace_types, "namespace type", err);
}

int
carve_spec_rlimit_from_name (const char *name)
{
  return carve_rlimit_from_name (name);
}

int
carve_spec_check_rlimit_type (const char *value, carve_error_t *err)
{
  if (carve_spec_rlimit_from_name (value) >= 0)
    return 0;
  return carve_make_error (err, 0, "unknown rlimit \"%s\"", value);
}

/* --- devices --------------------------------------------------------------- */

int
carve_spec_check_device_type (const char *value, carve_error_t *err)
{
  static const char *const types[] = { "c", "b", "u", "p", NULL };
  return check_enum (value, types, "device type", err);
}

int
carve_spec_check_device_cgroup_type (const char *value, carve_error_t *err)
{
  static const char *const types[] = { "a", "c", "b", NULL };
  return check_enum (value, types, "device type", err);
}

int
carve_spec_check_device_access (const char *value, carve_error_t *err)
{
  if (value[strspn (value, "rwm")] == '\0')
    return 0;
  return carve_make_error (err, 0, "\"%s\" is not a device access (letters of rwm)", value);
}

/* --- enumerations ---------------------------------------------------------- */

int
carve_spec_check_rootfs_propagation (const char *value, carve_error_t *err)
{
  /* runc's set: the spec's four and their recursive forms.  */
  static const char *const values[]
      = { "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable", NULL };
  return check_enum (value, values, "rootfs propagation", err);
}

const char *const carve_spec_seccomp_actions[]
    = { "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO",  "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
        "SCMP_ACT_LOG",   "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP",         NULL };

const char *const carve_spec_seccomp_operators[] = { "SCMP_CMP_EQ", "SCMP_CMP_GE",        "SCMP_CMP_GT", "SCMP_CMP_LE",
                                                     "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", NULL };

const char *const carve_spec_seccomp_archs[]
    = { "SCMP_ARCH_AARCH64",  "SCMP_ARCH_ARM",         "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
        "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
        "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PARISC",      "SCMP_ARCH_PARISC64",
        "SCMP_ARCH_PPC",      "SCMP_ARCH_PPC64",       "SCMP_ARCH_PPC64LE",     "SCMP_ARCH_RISCV64",
        "SCMP_ARCH_S390",     "SCMP_ARCH_S390X",       "SCMP_ARCH_SH",          "SCMP_ARCH_SHEB",
        "SCMP_ARCH_X32",      "SCMP_ARCH_X86",         "SCMP_ARCH_X86_64",      NULL };

const char *const carve_spec_seccomp_flags[]
    = { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL };

int
carve_spec_check_seccomp_action (const char *value, carve_error_t *err)
{
  return check_enum (value, carve_spec_seccomp_actions, "seccomp action", err);
}

int
carve_spec_check_seccomp_operator (const char *value, carve_error_t *err)
{
  return check_enum (value, carve_spec_seccomp_operators, "seccomp operator", err);
}

int
carve_spec_check_seccomp_arch (const char *value, carve_error_t *err)
{
  return check_enum (value, carve_spec_seccomp_archs, "seccomp architecture", err);
}

int
carve_spec_check_seccomp_flag (const char *value, carve_error_t *err)
{
  return check_enum (value, carve_spec_seccomp_flags, "seccomp flag", err);
}

int
carve_spec_check_sched_policy (const char *value, carve_error_t *err)
{
  static const char *const values[]
      = { "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE", NULL };
  return check_enum (value, values, "scheduler policy", err);
}

int
carve_spec_check_sched_flag (const char *value, carve_error_t *err)
{
  static const char *const values[] = { "SCHED_FLAG_RESET_ON_FORK",  "SCHED_FLAG_RECLAIM",
                                        "SCHED_FLAG_DL_OVERRUN",     "SCHED_FLAG_KEEP_POLICY",
                                        "SCHED_FLAG_KEEP_PARAMS",    "SCHED_FLAG_UTIL_CLAMP_MIN",
                                        "SCHED_FLAG_UTIL_CLAMP_MAX", NULL };
  return check_enum (value, values, "scheduler flag", err);
}

int
carve_spec_check_ioprio_class (const char *value, carve_error_t *err)
{
  static const char *const values[] = { "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", NULL };
  return check_enum (value, values, "I/O priority class", err);
}

const char *const carve_spec_mpol_modes[]
    = { "MPOL_DEFAULT",   "MPOL_BIND",           "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
        "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL",      NULL };

const char *const carve_spec_mpol_flags[] = { "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES", NULL };

int
carve_spec_check_mpol_mode (const char *value, carve_error_t *err)
{
  return check_enum (value, carve_spec_mpol_modes, "memory policy mode", err);
}

int
carve_spec_check_mpol_flag (const char *value, carve_error_t *err)
{
  return check_enum (value, carve_spec_mpol_flags, "memory policy flag", err);
}

int
carve_spec_check_personality_domain (const char *value, carve_error_t *err)
{
  static const char *const values[] = { "LINUX", "LINUX32", NULL };
  return check_enum (value, values, "personality domain", err);
}

int
carve_spec_check_mem_bw_schema (const char *value, carve_error_t *err)
{
  if (strncmp (value, "MB:", 3) == 0 && strchr (value, '\n') == NULL)
    return 0;
  return carve_make_error (err, 0, "\"%s\" is not a memory bandwidth schema (MB:...)", value);
}

int
carve_spec_check_single_line (const char *value, carve_error_t *err)
{
  if (strchr (value, '\n') == NULL)
    return 0;
  return carve_make_error (err, 0, "\"%s\" contains a newline", value);
}

/* --- signals --------------------------------------------------------------- */

static const struct
{
  const char *name;
  int signo;
} signal_table[] = {
  { "HUP", SIGHUP },   { "INT", SIGINT },       { "QUIT", SIGQUIT },     { "ILL", SIGILL },   { "TRAP", SIGTRAP },
  { "ABRT", SIGABRT }, { "IOT", SIGIOT },       { "BUS", SIGBUS },       { "FPE", SIGFPE },   { "KILL", SIGKILL },
  { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },     { "USR2", SIGUSR2 },     { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },
  { "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },     { "CLD", SIGCHLD },  { "CONT", SIGCONT },
  { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },     { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU }, { "URG", SIGURG },
  { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
  { "IO", SIGIO },     { "POLL", SIGPOLL },     { "PWR", SIGPWR },       { "SYS", SIGSYS },
};

/* Reads "" (offset 0) or "+N" / "-N" after RTMIN / RTMAX.  */
static bool
read_rt_offset (const char *p, int sign_allowed, long *ret)
{
  long v;

  if (*p == '\0')
    {
      *ret = 0;
      return true;
    }
  if (*p != sign_allowed)
    return false;
  p++;
  if (!isdigit ((unsigned char)*p) || carve_parse_long (p, &v) < 0 || v > SIGRTMAX)
    return false;
  *ret = sign_allowed == '-' ? -v : v;
  return true;
}

int
carve_spec_signal_parse (const char *name, int *ret_signo, carve_error_t *err)
{
  const char *p = name;
  long v;
  size_t i;

  if (isdigit ((unsigned char)*p))
    {
      if (carve_parse_long (p, &v) < 0 || v <= 0 || v > SIGRTMAX)
        return carve_make_error (err, 0, "unknown signal \"%s\"", name);
      *ret_signo = (int)v;
      return 0;
    }
  if (strncasecmp (p, "SIG", 3) == 0)
    p += 3;
  for (i = 0; i < sizeof (signal_table) / sizeof (signal_table[0]); i++)
    if (strcasecmp (p, signal_table[i].name) == 0)
      {
        *ret_signo = signal_table[i].signo;
        return 0;
      }
  if (strncasecmp (p, "RTMIN", 5) == 0 && read_rt_offset (p + 5, '+', &v) && SIGRTMIN + v <= SIGRTMAX)
    {
      *ret_signo = (int)(SIGRTMIN + v);
      return 0;
    }
  if (strncasecmp (p, "RTMAX", 5) == 0 && read_rt_offset (p + 5, '-', &v) && SIGRTMAX + v >= SIGRTMIN)
    {
      *ret_signo = (int)(SIGRTMAX + v);
      return 0;
    }
  return carve_make_error (err, 0, "unknown signal \"%s\"", name);
}
