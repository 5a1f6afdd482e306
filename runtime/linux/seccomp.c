/* linux.seccomp (seccomp.h): compiled with libseccomp before the fork,
   loaded with one seccomp(2), the listener handed to the seccomp agent.  */
#include <config.h>
#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <sched.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"
#include "spec/annotations.h"
#include "spec/json.h"

/* Older uapi headers; the values are the kernel's ABI.  */
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* The kernel's limit on one filter (BPF_MAXINSNS).  */
#define CARVE_SECCOMP_MAX_INSNS 4096

/* seccomp(2) compares at most six syscall arguments.  */
#define CARVE_SECCOMP_MAX_ARGS 6

struct carve_seccomp_s
{
  struct sock_filter *insns;
  unsigned short len;
  unsigned int flags;  /* SECCOMP_FILTER_FLAG_* from linux.seccomp.flags */
  bool notify;         /* some rule is SCMP_ACT_NOTIFY */
  char *listener_path; /* the seccomp agent (linux.seccomp.listenerPath) */
  char *listener_metadata;
  char *listener_source; /* who named the agent, for messages; NULL: listenerPath */
};

/* --- name tables ----------------------------------------------------------- */

enum action_kind
{
  ACTION_PLAIN,
  ACTION_ERRNO,
  ACTION_TRACE,
};

struct action_def
{
  const char *name;
  uint32_t value;
  enum action_kind kind;
};

static const struct action_def actions[] = {
  { "SCMP_ACT_KILL", SCMP_ACT_KILL, ACTION_PLAIN },
  { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, ACTION_PLAIN },
  { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, ACTION_PLAIN },
  { "SCMP_ACT_TRAP", SCMP_ACT_TRAP, ACTION_PLAIN },
  { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO (0), ACTION_ERRNO },
  { "SCMP_ACT_TRACE", SCMP_ACT_TRACE (0), ACTION_TRACE },
  { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, ACTION_PLAIN },
  { "SCMP_ACT_LOG", SCMP_ACT_LOG, ACTION_PLAIN },
  { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, ACTION_PLAIN },
};

static const char *const action_names[] = {
  "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",   "SCMP_ACT_ERRNO",
  "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",        "SCMP_ACT_LOG",         "SCMP_ACT_NOTIFY", NULL,
};

struct op_def
{
  const char *name;
  enum scmp_compare value;
};

static const struct op_def ops[] = {
  { "SCMP_CMP_NE", SCMP_CMP_NE },
  { "SCMP_CMP_LT", SCMP_CMP_LT },
  { "SCMP_CMP_LE", SCMP_CMP_LE },
  { "SCMP_CMP_EQ", SCMP_CMP_EQ },
  { "SCMP_CMP_GE", SCMP_CMP_GE },
  { "SCMP_CMP_GT", SCMP_CMP_GT },
  { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

static const char *const op_names[] = {
  "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

struct arch_def
{
  const char *name;
  uint32_t value;
};

/* The runtime-spec's list, as far as this libseccomp knows it (the newer
   ones came with libseccomp 2.6).  */
static const struct arch_def archs[] = {
  { "SCMP_ARCH_X86", SCMP_ARCH_X86 },
  { "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
  { "SCMP_ARCH_X32", SCMP_ARCH_X32 },
  { "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
  { "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
  { "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
  { "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },
  { "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
  { "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },
  { "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
  { "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 },
  { "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
  { "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },
  { "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
  { "SCMP_ARCH_S390", SCMP_ARCH_S390 },
  { "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
  { "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },
  { "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
  { "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
#ifdef SCMP_ARCH_LOONGARCH64
  { "SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64 },
#endif
#ifdef SCMP_ARCH_M68K
  { "SCMP_ARCH_M68K", SCMP_ARCH_M68K },
#endif
#ifdef SCMP_ARCH_SH
  { "SCMP_ARCH_SH", SCMP_ARCH_SH },
#endif
#ifdef SCMP_ARCH_SHEB
  { "SCMP_ARCH_SHEB", SCMP_ARCH_SHEB },
#endif
};

/* Names the runtime-spec lists that this libseccomp lacks: rejected with a
   message that says so rather than "unknown".  */
static const char *const spec_only_archs[] = {
  "SCMP_ARCH_LOONGARCH64",
  "SCMP_ARCH_M68K",
  "SCMP_ARCH_SH",
  "SCMP_ARCH_SHEB",
};

static const char *const arch_names[] = {
  "SCMP_ARCH_X86",
  "SCMP_ARCH_X86_64",
  "SCMP_ARCH_X32",
  "SCMP_ARCH_ARM",
  "SCMP_ARCH_AARCH64",
  "SCMP_ARCH_MIPS",
  "SCMP_ARCH_MIPS64",
  "SCMP_ARCH_MIPS64N32",
  "SCMP_ARCH_MIPSEL",
  "SCMP_ARCH_MIPSEL64",
  "SCMP_ARCH_MIPSEL64N32",
  "SCMP_ARCH_PPC",
  "SCMP_ARCH_PPC64",
  "SCMP_ARCH_PPC64LE",
  "SCMP_ARCH_S390",
  "SCMP_ARCH_S390X",
  "SCMP_ARCH_PARISC",
  "SCMP_ARCH_PARISC64",
  "SCMP_ARCH_RISCV64",
#ifdef SCMP_ARCH_LOONGARCH64
  "SCMP_ARCH_LOONGARCH64",
#endif
#ifdef SCMP_ARCH_M68K
  "SCMP_ARCH_M68K",
#endif
#ifdef SCMP_ARCH_SH
  "SCMP_ARCH_SH",
#endif
#ifdef SCMP_ARCH_SHEB
  "SCMP_ARCH_SHEB",
#endif
  NULL,
};

struct flag_def
{
  const char *name;
  unsigned int value;
};

/* Passed straight to seccomp(2), so every flag the kernel knows works
   whatever libseccomp's version.  */
static const struct flag_def flag_defs[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
  { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

static const char *const flag_names[] = {
  "SECCOMP_FILTER_FLAG_TSYNC",
  "SECCOMP_FILTER_FLAG_LOG",
  "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
  NULL,
};

#define N_ELEMENTS(a) (sizeof (a) / sizeof ((a)[0]))

const char *const *
carve_seccomp_known_actions (void)
{
  return action_names;
}

const char *const *
carve_seccomp_known_operators (void)
{
  return op_names;
}

const char *const *
carve_seccomp_known_archs (void)
{
  return arch_names;
}

const char *const *
carve_seccomp_known_flags (void)
{
  return flag_names;
}

char **
carve_seccomp_supported_flags (void)
{
  char **ret = xzalloc (sizeof (char *));
  size_t i;

  for (i = 0; i < N_ELEMENTS (flag_defs); i++)
    {
      unsigned long flags = flag_defs[i].value;

      /* The kernel refuses WAIT_KILLABLE_RECV without a listener (and carve
         only passes it with one).  */
      if (flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
        flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
      /* The flags are checked before the program is read: a known one
         fails with EFAULT on the NULL program, an unknown one with EINVAL.
         Nothing is ever loaded.  */
      if (syscall (__NR_seccomp, SECCOMP_SET_MODE_FILTER, flags, NULL) < 0 && errno == EFAULT)
        carve_strv_append (&ret, flag_defs[i].name);
    }
  return ret;
}

/* --- building ---------------------------------------------------------------- */

/* Whether the running kernel knows ACTION (SECCOMP_GET_ACTION_AVAIL, Linux
   4.14; KILL_PROCESS and LOG came with it, NOTIFY with 5.0).  A kernel too
   old to answer is taken at its word by the load.  */
static bool
kernel_has_action (uint32_t action)
{
  uint32_t a = action & SECCOMP_RET_ACTION_FULL;

  if (syscall (__NR_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &a) == 0)
    return true;
  return errno != EOPNOTSUPP;
}

/* Whether the running kernel accepts FLAG for SECCOMP_SET_MODE_FILTER:
   with no program it fails with EFAULT for a known flag and EINVAL for an
   unknown one, before any privilege check.  */
static bool
kernel_has_flag (unsigned long flag)
{
  /* WAIT_KILLABLE_RECV is only valid with a listener.  */
  if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
    flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  return syscall (__NR_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

/* Resolves an action name and its errnoRet.  PATH is the JSON path of the
   object holding it, FIELD the name of the action's field.  */
static int
parse_action (const char *name, bool has_errno_ret, uint32_t errno_ret, const char *path, const char *field,
              const char *errno_field, uint32_t *ret, carve_error_t *err)
{
  const struct action_def *def = NULL;
  size_t i;

  if (name == NULL)
    return carve_make_error (err, 0, "%s.%s: missing required field", path, field);
  for (i = 0; i < N_ELEMENTS (actions); i++)
    if (strcmp (actions[i].name, name) == 0)
      def = &actions[i];
  if (def == NULL)
    return carve_make_error (err, 0, "%s.%s: unknown action `%s`", path, field, name);
  if (!kernel_has_action (def->value))
    return carve_make_error (err, 0, "%s.%s: action `%s` is not supported by this kernel", path, field, name);

  if (def->kind == ACTION_PLAIN)
    {
      /* config-linux.md: an errnoRet on an action without one MUST fail.  */
      if (has_errno_ret)
        return carve_make_error (err, 0, "%s.%s: `%s` takes no errno return code", path, errno_field, name);
      *ret = def->value;
      return 0;
    }

  if (!has_errno_ret)
    errno_ret = EPERM;
  /* The action's data field is 16 bits wide.  */
  if (errno_ret > 0xffff)
    return carve_make_error (err, 0, "%s.%s: %u is out of range (0-65535)", path, errno_field, errno_ret);
  *ret = def->kind == ACTION_ERRNO ? SCMP_ACT_ERRNO (errno_ret) : SCMP_ACT_TRACE (errno_ret);
  return 0;
}

static const struct arch_def *
find_arch (const char *name)
{
  size_t i;

  for (i = 0; i < N_ELEMENTS (archs); i++)
    if (strcmp (archs[i].name, name) == 0)
      return &archs[i];
  return NULL;
}

static void add_warning (char ***warnings, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
add_warning (char ***warnings, const char *fmt, ...)
{
  cleanup_free char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    carve_oom ();
  va_end (ap);
  carve_strv_append (warnings, msg);
}

/* Adds ACTION for syscall NAME with CONDS.  When several conditions test
   the same argument the rule is split into one rule per condition, so
   that they are ORed: libseccomp refuses two tests of one argument in a
   rule, and this is how runc has always read such profiles.  Returns 1
   when a rule was added, 0 when NAME was skipped.  */
static int
add_rule (scmp_filter_ctx ctx, const char *path, const char *name, uint32_t action, const struct scmp_arg_cmp *conds,
          size_t n_conds, char ***warnings, carve_error_t *err)
{
  unsigned int count[CARVE_SECCOMP_MAX_ARGS] = { 0 };
  bool split = false;
  size_t i;
  int nr, r;

  nr = seccomp_syscall_resolve_name (name);
  if (nr == __NR_SCMP_ERROR)
    {
      add_warning (warnings, "%s: unknown syscall `%s`, skipped", path, name);
      return 0;
    }

  for (i = 0; i < n_conds; i++)
    if (++count[conds[i].arg] > 1)
      split = true;

  if (!split)
    {
      r = seccomp_rule_add_array (ctx, action, nr, n_conds, conds);
      if (r < 0)
        return carve_make_error (err, -r, "%s: add rule for `%s`", path, name);
      return 1;
    }

  for (i = 0; i < n_conds; i++)
    {
      r = seccomp_rule_add_array (ctx, action, nr, 1, &conds[i]);
      if (r < 0)
        return carve_make_error (err, -r, "%s: add rule for `%s`", path, name);
    }
  return 1;
}

static int
add_spec_syscall (scmp_filter_ctx ctx, const struct carve_spec_syscall_s *sys, size_t idx, uint32_t default_action,
                  char *const *extra_notify, char *const *extra_enosys, bool *notify, char ***warnings,
                  carve_error_t *err)
{
  cleanup_free struct scmp_arg_cmp *conds = NULL;
  cleanup_free char *path = xasprintf ("linux.seccomp.syscalls[%zu]", idx);
  uint32_t action;
  size_t i, j;
  int r;

  r = parse_action (sys->action, sys->has_errno_ret, sys->errno_ret, path, "action", "errnoRet", &action, err);
  if (r < 0)
    return r;

  if (sys->names == NULL || sys->names_len == 0)
    return carve_make_error (err, 0, "%s.names: must name at least one syscall", path);

  if (sys->args_len > 0)
    conds = xcalloc (sys->args_len, sizeof (*conds));
  for (i = 0; i < sys->args_len; i++)
    {
      const struct carve_spec_syscall_arg_s *arg = sys->args[i];
      const struct op_def *op = NULL;

      if (arg->index >= CARVE_SECCOMP_MAX_ARGS)
        return carve_make_error (err, 0, "%s.args[%zu].index: %u is out of range (0-5)", path, i, arg->index);
      for (j = 0; arg->op && j < N_ELEMENTS (ops); j++)
        if (strcmp (ops[j].name, arg->op) == 0)
          op = &ops[j];
      if (op == NULL)
        return carve_make_error (err, 0, "%s.args[%zu].op: unknown operator `%s`", path, i, arg->op ? arg->op : "");
      conds[i].arg = arg->index;
      conds[i].op = op->value;
      conds[i].datum_a = arg->value;
      conds[i].datum_b = arg->has_value_two ? arg->value_two : 0;
    }

  /* libseccomp refuses a rule with the default action; it would change
     nothing, so runc drops it silently and so does carve.  */
  if (action == default_action)
    return 0;

  for (i = 0; i < sys->names_len; i++)
    {
      cleanup_free char *name_path = xasprintf ("%s.names[%zu]", path, i);
      const char *name = sys->names[i];

      /* carve.syscalls.forward and .deny override the profile.  */
      if (carve_strv_contains (extra_notify, name) || carve_strv_contains (extra_enosys, name))
        continue;
      r = add_rule (ctx, name_path, name, action, conds, sys->args_len, warnings, err);
      if (r < 0)
        return r;
      if (r > 0 && action == SCMP_ACT_NOTIFY)
        *notify = true;
    }
  return 0;
}

/* The kernel's precedence between actions (seccomp(2), "the return
   value with the highest precedence"): KILL_PROCESS, KILL_THREAD, TRAP,
   ERRNO, USER_NOTIF, TRACE, LOG, ALLOW.  Ordered by the action bits read
   as a signed number, smaller is stricter.  */
static bool
stricter_than_notify (uint32_t action)
{
  return (int32_t)(action & 0xffff0000U) < (int32_t)(SCMP_ACT_NOTIFY & 0xffff0000U);
}

/* Whether carve.syscalls.forward may trap NAME: only where the profile
   lets the call through anyway (ALLOW, LOG, TRACE, NOTIFY, by a rule
   without conditions or by the default action).  Where the profile
   refuses it, or decides by its arguments, the profile stays in force:
   the stricter action wins, so a forwarded call never succeeds where the
   native one would be refused.  An entry whose action does not parse is
   left to the main pass to report.  */
static bool
profile_lets_forward (const struct carve_spec_seccomp_s *sc, uint32_t default_action, const char *name)
{
  bool named = false, lets = true;
  size_t i, j;

  for (i = 0; i < sc->syscalls_len; i++)
    {
      const struct carve_spec_syscall_s *sys = sc->syscalls[i];
      uint32_t action;

      if (parse_action (sys->action, sys->has_errno_ret, sys->errno_ret, "", "", "", &action, NULL) < 0
          || action == default_action)
        continue;
      for (j = 0; j < sys->names_len; j++)
        if (sys->names[j] && strcmp (sys->names[j], name) == 0)
          {
            named = true;
            if (sys->args_len > 0 || stricter_than_notify (action))
              lets = false;
          }
    }
  return named ? lets : !stricter_than_notify (default_action);
}

/* Exports CTX as BPF through a memfd: libseccomp 2.5 writes it only to a
   descriptor.  */
static int
export_bpf (scmp_filter_ctx ctx, struct sock_filter **ret_insns, unsigned short *ret_len, carve_error_t *err)
{
  cleanup_close int fd = -1;
  cleanup_free struct sock_filter *insns = NULL;
  struct stat st;
  ssize_t n;
  int r;

  fd = memfd_create ("carve-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return carve_make_error (err, errno, "memfd_create");
  r = seccomp_export_bpf (ctx, fd);
  if (r < 0)
    return carve_make_error (err, -r, "export seccomp filter");
  if (fstat (fd, &st) < 0)
    return carve_make_error (err, errno, "fstat seccomp filter");
  if (st.st_size <= 0 || st.st_size % sizeof (struct sock_filter) != 0)
    return carve_make_error (err, 0, "export seccomp filter: bad size %lld", (long long)st.st_size);
  if ((size_t)st.st_size / sizeof (struct sock_filter) > CARVE_SECCOMP_MAX_INSNS)
    return carve_make_error (err, 0, "seccomp filter has %zu instructions, more than the kernel's %d",
                             (size_t)st.st_size / sizeof (struct sock_filter), CARVE_SECCOMP_MAX_INSNS);

  insns = xmalloc (st.st_size);
  n = pread (fd, insns, st.st_size, 0);
  if (n != st.st_size)
    return carve_make_error (err, n < 0 ? errno : EIO, "read seccomp filter");

  *ret_len = (unsigned short)(st.st_size / sizeof (struct sock_filter));
  *ret_insns = steal_pointer (&insns);
  return 0;
}

int
carve_seccomp_build (const struct carve_spec_seccomp_s *sc, char *const *extra_notify_syscalls,
                     char *const *extra_enosys_syscalls, carve_seccomp_t **ret, char ***ret_warnings,
                     carve_error_t *err)
{
  cleanup_scmp scmp_filter_ctx ctx = NULL;
  cleanup_strv char **warnings = NULL;
  cleanup_strv char **forward = NULL;
  cleanup_seccomp carve_seccomp_t *s = NULL;
  uint32_t default_action;
  unsigned int flags = 0;
  bool notify = false, spec_notify;
  size_t i, j;
  int r;

  if (sc == NULL)
    return carve_make_error (err, 0, "linux.seccomp: missing");

  r = parse_action (sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret, "linux.seccomp",
                    "defaultAction", "defaultErrnoRet", &default_action, err);
  if (r < 0)
    return r;
  /* Every system call of the runtime after the load, execve included,
     would wait for the agent (runc refuses it too).  */
  if (default_action == SCMP_ACT_NOTIFY)
    return carve_make_error (err, 0, "linux.seccomp.defaultAction: `SCMP_ACT_NOTIFY` cannot be the default action");

  for (i = 0; i < sc->flags_len; i++)
    {
      const struct flag_def *def = NULL;

      for (j = 0; j < N_ELEMENTS (flag_defs); j++)
        if (strcmp (flag_defs[j].name, sc->flags[i]) == 0)
          def = &flag_defs[j];
      if (def == NULL)
        return carve_make_error (err, 0, "linux.seccomp.flags[%zu]: unknown flag `%s`", i, sc->flags[i]);
      /* config-linux.md lists flags that came with later kernels
         (SPEC_ALLOW 4.17, WAIT_KILLABLE_RECV 5.19): one this kernel lacks
         is left out with a warning, as runc does.  */
      if (!kernel_has_flag (def->value))
        {
          add_warning (&warnings, "linux.seccomp.flags[%zu]: `%s` is not supported by this kernel, ignored", i,
                       sc->flags[i]);
          continue;
        }
      flags |= def->value;
    }

  /* config-linux.md: listenerMetadata MUST NOT be set without
     listenerPath.  */
  if (sc->listener_metadata && sc->listener_path == NULL)
    return carve_make_error (err, 0, "linux.seccomp.listenerMetadata: set without linux.seccomp.listenerPath");

  ctx = seccomp_init (default_action);
  if (ctx == NULL)
    return carve_make_error (err, EINVAL, "linux.seccomp.defaultAction: create filter with `%s`", sc->default_action);

  for (i = 0; i < sc->architectures_len; i++)
    {
      const struct arch_def *arch = find_arch (sc->architectures[i]);

      if (arch == NULL)
        {
          for (j = 0; j < N_ELEMENTS (spec_only_archs); j++)
            if (strcmp (spec_only_archs[j], sc->architectures[i]) == 0)
              return carve_make_error (err, 0,
                                       "linux.seccomp.architectures[%zu]: architecture `%s` is not supported by "
                                       "this libseccomp",
                                       i, sc->architectures[i]);
          return carve_make_error (err, 0, "linux.seccomp.architectures[%zu]: unknown architecture `%s`", i,
                                   sc->architectures[i]);
        }
      r = seccomp_arch_add (ctx, arch->value);
      /* The native architecture is always there already.  */
      if (r == -EDOM)
        return carve_make_error (err, 0,
                                 "linux.seccomp.architectures[%zu]: architecture `%s` has another byte order than "
                                 "this machine",
                                 i, sc->architectures[i]);
      if (r < 0 && r != -EEXIST)
        return carve_make_error (err, -r, "linux.seccomp.architectures[%zu]: add architecture `%s`", i,
                                 sc->architectures[i]);
    }

  for (i = 0; extra_notify_syscalls && extra_notify_syscalls[i]; i++)
    {
      const char *name = extra_notify_syscalls[i];

      if (carve_strv_contains (extra_enosys_syscalls, name))
        continue;
      if (!profile_lets_forward (sc, default_action, name))
        {
          add_warning (&warnings, "%s: `%s` is not forwarded: linux.seccomp refuses it or decides by its arguments, "
                                  "and the stricter action wins",
                       carve_annotation_info (CARVE_ANNOTATION_SYSCALLS_FORWARD)->name, name);
          continue;
        }
      carve_strv_append (&forward, name);
    }

  for (i = 0; i < sc->syscalls_len; i++)
    {
      r = add_spec_syscall (ctx, sc->syscalls[i], i, default_action, forward, extra_enosys_syscalls, &notify,
                            &warnings, err);
      if (r < 0)
        return r;
    }
  spec_notify = notify;

  for (i = 0; extra_enosys_syscalls && extra_enosys_syscalls[i]; i++)
    {
      if (default_action == SCMP_ACT_ERRNO (ENOSYS))
        break;
      r = add_rule (ctx, carve_annotation_info (CARVE_ANNOTATION_SYSCALLS_DENY)->name, extra_enosys_syscalls[i],
                    SCMP_ACT_ERRNO (ENOSYS), NULL, 0, &warnings, err);
      if (r < 0)
        return r;
    }

  for (i = 0; forward && forward[i]; i++)
    {
      r = add_rule (ctx, carve_annotation_info (CARVE_ANNOTATION_SYSCALLS_FORWARD)->name, forward[i], SCMP_ACT_NOTIFY,
                    NULL, 0, &warnings, err);
      if (r < 0)
        return r;
      if (r > 0)
        notify = true;
    }

  /* A binary tree of syscall numbers: fewer instructions run per system
     call on a long profile.  Only an optimisation, so a failure is fine.  */
  (void)seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

  s = xzalloc (sizeof (*s));
  r = export_bpf (ctx, &s->insns, &s->len, err);
  if (r < 0)
    return carve_error_wrap (err, "linux.seccomp");

  /* The kernel accepts WAIT_KILLABLE_RECV only with a listener; without a
     NOTIFY rule it has nothing to change.  */
  if (!notify)
    flags &= ~(unsigned int)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  s->flags = flags;
  s->notify = notify;
  s->listener_path = sc->listener_path ? xstrdup (sc->listener_path) : NULL;
  s->listener_metadata = sc->listener_metadata ? xstrdup (sc->listener_metadata) : NULL;
  /* The profile's own SCMP_ACT_NOTIFY rules need an agent; the caller of
     carve.syscalls.forward names one with carve_seccomp_set_listener.  */
  if (spec_notify && s->listener_path == NULL)
    return carve_make_error (err, 0, "linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY rules");

  *ret = steal_pointer (&s);
  if (ret_warnings)
    *ret_warnings = steal_pointer (&warnings);
  return 0;
}

int
carve_seccomp_parse_syscall_list (const char *list, char ***ret, carve_error_t *err)
{
  cleanup_strv char **out = NULL;
  cleanup_free char *copy = xstrdup (list);
  char *save = NULL, *item;
  size_t n = 0;

  out = xcalloc (1, sizeof (char *));
  /* strtok_r would skip empty items ("read,,write"): walk by hand.  */
  for (item = copy; item != NULL; item = save)
    {
      char *end;
      save = strchr (item, ',');
      if (save)
        *save++ = '\0';
      while (*item == ' ' || *item == '\t')
        item++;
      end = item + strlen (item);
      while (end > item && (end[-1] == ' ' || end[-1] == '\t'))
        *--end = '\0';
      if (*item == '\0')
        return carve_make_error (err, 0, "`%s`: empty system call name", list);
      if (seccomp_syscall_resolve_name (item) == __NR_SCMP_ERROR)
        return carve_make_error (err, 0, "unknown system call `%s`", item);
      out = xrealloc (out, (n + 2) * sizeof (char *));
      out[n++] = xstrdup (item);
      out[n] = NULL;
    }
  *ret = steal_pointer (&out);
  return 0;
}

bool
carve_seccomp_has_notify (const carve_seccomp_t *s)
{
  return s && s->notify;
}

const char *
carve_seccomp_listener_path (const carve_seccomp_t *s)
{
  return s ? s->listener_path : NULL;
}

const char *
carve_seccomp_listener_metadata (const carve_seccomp_t *s)
{
  return s ? s->listener_metadata : NULL;
}

const char *
carve_seccomp_listener_source (const carve_seccomp_t *s)
{
  return s && s->listener_source ? s->listener_source : "linux.seccomp.listenerPath";
}

void
carve_seccomp_set_listener (carve_seccomp_t *s, const char *path, const char *metadata, const char *source)
{
  free (s->listener_path);
  free (s->listener_metadata);
  free (s->listener_source);
  s->listener_path = path ? xstrdup (path) : NULL;
  s->listener_metadata = metadata ? xstrdup (metadata) : NULL;
  s->listener_source = source ? xstrdup (source) : NULL;
}

int
carve_seccomp_load (const carve_seccomp_t *s, int *ret_notify_fd, carve_error_t *err)
{
  return carve_seccomp_load_at (s, -1, ret_notify_fd, err);
}

int
carve_seccomp_slot_reserve (int *ret_slot, carve_error_t *err)
{
  /* Any descriptor will do; an eventfd needs no file, which the init
     after pivot_root may not have.  */
  int fd = eventfd (0, EFD_CLOEXEC);

  if (fd < 0)
    return carve_make_error (err, errno, "reserve a descriptor for the seccomp listener");
  *ret_slot = fd;
  return 0;
}

int
carve_seccomp_load_at (const carve_seccomp_t *s, int slot, int *ret_notify_fd, carve_error_t *err)
{
  struct sock_fprog prog = { .len = s->len, .filter = s->insns };
  unsigned long flags = s->flags;
  long r;

  if (s->notify)
    {
      flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
      /* With TSYNC the kernel returns a thread id on failure, which cannot
         be told from a listener fd; TSYNC_ESRCH (Linux 5.7) makes it an
         error.  */
      if (flags & SECCOMP_FILTER_FLAG_TSYNC)
        flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }

  /* The lowest free descriptor is SLOT again once it is closed: the
     listener lands there.  */
  if (slot >= 0)
    close (slot);
  /* From here the filter applies: nothing but returning may follow.  */
  r = syscall (__NR_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (r < 0)
    return carve_make_error (err, errno, "load seccomp filter");
  if (r > 0 && !s->notify)
    return carve_make_error (err, 0, "load seccomp filter: thread %ld could not be synchronised", r);
  if (slot >= 0 && s->notify && r != slot)
    return carve_make_error (err, 0, "load seccomp filter: the listener is descriptor %ld, not %d", r, slot);

  if (ret_notify_fd)
    *ret_notify_fd = s->notify ? (int)r : -1;
  return 0;
}

static int
pidfd_getfd (int pidfd, int fd)
{
#ifdef SYS_pidfd_getfd
  return (int)syscall (SYS_pidfd_getfd, pidfd, fd, 0);
#else
  (void)pidfd;
  (void)fd;
  errno = ENOSYS;
  return -1;
#endif
}

bool
carve_seccomp_is_listener (int fd)
{
  char link[64], target[64];
  ssize_t n;

  snprintf (link, sizeof (link), "/proc/self/fd/%d", fd);
  n = readlink (link, target, sizeof (target) - 1);
  if (n < 0)
    return false;
  target[n] = '\0';
  return strcmp (target, "anon_inode:seccomp notify") == 0;
}

bool
carve_seccomp_can_take (int pidfd, int slot)
{
  int fd = pidfd < 0 ? -1 : pidfd_getfd (pidfd, slot);

  if (fd < 0)
    return false;
  close (fd);
  return true;
}

int
carve_seccomp_take_listener (int pidfd, int slot, int watch_fd, int timeout_ms, int *ret_fd, carve_error_t *err)
{
  struct timespec start, now;
  long wait_us = 0;

  clock_gettime (CLOCK_MONOTONIC, &start);
  for (;;)
    {
      struct pollfd pfd = { .fd = watch_fd, .events = POLLIN };
      bool readable;
      int fd;

      /* Polled before the slot: a message sent after the load is only
         sent once the listener is in place, so the slot read after it
         tells a failed load from a slow one.  */
      readable = watch_fd >= 0 && poll (&pfd, 1, 0) > 0;
      fd = pidfd_getfd (pidfd, slot);
      if (fd >= 0)
        {
          if (carve_seccomp_is_listener (fd))
            {
              *ret_fd = fd;
              return 1;
            }
          close (fd);
        }
      else if (errno == ESRCH)
        {
          /* Gone: what it said before dying is on WATCH_FD.  */
          if (watch_fd >= 0 && poll (&pfd, 1, 0) > 0)
            return 0;
          return carve_make_error (err, 0, "take the seccomp listener: the process exited");
        }
      else if (errno != EBADF)
        return carve_make_error (err, errno, "take the seccomp listener (pidfd_getfd)");
      if (readable)
        return 0;

      clock_gettime (CLOCK_MONOTONIC, &now);
      if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 > timeout_ms)
        return carve_make_error (err, ETIMEDOUT, "take the seccomp listener");
      /* The process is between two system calls (close, seccomp): spin
         briefly, then back off to a millisecond.  */
      if (wait_us == 0)
        sched_yield ();
      else
        {
          struct timespec ts = { 0, wait_us * 1000 };
          nanosleep (&ts, NULL);
        }
      wait_us = wait_us == 0 ? 10 : wait_us < 1000 ? wait_us * 2 : 1000;
    }
}

void
carve_seccomp_free (carve_seccomp_t *s)
{
  if (s == NULL)
    return;
  free (s->insns);
  free (s->listener_path);
  free (s->listener_metadata);
  free (s->listener_source);
  free (s);
}

/* --- the seccomp agent ------------------------------------------------------- */

static bool
gen_string (yajl_gen g, const char *s)
{
  return yajl_gen_string (g, (const unsigned char *)s, strlen (s)) == yajl_gen_status_ok;
}

/* Writes V (a parsed JSON tree) to G.  */
static bool
gen_value (yajl_gen g, yajl_val v)
{
  size_t i;

  if (v == NULL || YAJL_IS_NULL (v))
    return yajl_gen_null (g) == yajl_gen_status_ok;
  if (YAJL_IS_STRING (v))
    return gen_string (g, YAJL_GET_STRING (v));
  if (YAJL_IS_NUMBER (v))
    return yajl_gen_number (g, v->u.number.r, strlen (v->u.number.r)) == yajl_gen_status_ok;
  if (YAJL_IS_TRUE (v))
    return yajl_gen_bool (g, 1) == yajl_gen_status_ok;
  if (YAJL_IS_FALSE (v))
    return yajl_gen_bool (g, 0) == yajl_gen_status_ok;
  if (YAJL_IS_ARRAY (v))
    {
      if (yajl_gen_array_open (g) != yajl_gen_status_ok)
        return false;
      for (i = 0; i < v->u.array.len; i++)
        if (!gen_value (g, v->u.array.values[i]))
          return false;
      return yajl_gen_array_close (g) == yajl_gen_status_ok;
    }
  if (YAJL_IS_OBJECT (v))
    {
      if (yajl_gen_map_open (g) != yajl_gen_status_ok)
        return false;
      for (i = 0; i < v->u.object.len; i++)
        if (!gen_string (g, v->u.object.keys[i]) || !gen_value (g, v->u.object.values[i]))
          return false;
      return yajl_gen_map_close (g) == yajl_gen_status_ok;
    }
  return false;
}

char *
carve_seccomp_emit_process_state (int pid, const char *metadata, const char *state_json, carve_error_t *err)
{
  cleanup_yajl_gen yajl_gen g = NULL;
  cleanup_yajl_val yajl_val state = NULL;
  char errbuf[256] = "";
  const unsigned char *buf = NULL;
  size_t len = 0;
  bool ok;

  state = yajl_tree_parse (state_json ? state_json : "", errbuf, sizeof (errbuf));
  if (state == NULL || !YAJL_IS_OBJECT (state))
    {
      char *nl = strchr (errbuf, '\n');
      if (nl)
        *nl = '\0';
      carve_make_error (err, 0, "container state: not a JSON object%s%s", errbuf[0] ? ": " : "", errbuf);
      return NULL;
    }

  g = yajl_gen_alloc (NULL);
  if (g == NULL)
    carve_oom ();

  ok = yajl_gen_map_open (g) == yajl_gen_status_ok;
  ok = ok && gen_string (g, "ociVersion") && gen_string (g, OCI_SPEC_VERSION);
  ok = ok && gen_string (g, "fds") && yajl_gen_array_open (g) == yajl_gen_status_ok && gen_string (g, "seccompFd")
       && yajl_gen_array_close (g) == yajl_gen_status_ok;
  ok = ok && gen_string (g, "pid") && yajl_gen_integer (g, pid) == yajl_gen_status_ok;
  if (metadata)
    ok = ok && gen_string (g, "metadata") && gen_string (g, metadata);
  ok = ok && gen_string (g, "state") && gen_value (g, state);
  ok = ok && yajl_gen_map_close (g) == yajl_gen_status_ok;
  ok = ok && yajl_gen_get_buf (g, &buf, &len) == yajl_gen_status_ok;
  if (!ok)
    {
      /* Only invalid UTF-8 in a string gets here.  */
      carve_make_error (err, 0, "container process state: cannot encode as JSON");
      return NULL;
    }
  return xstrndup ((const char *)buf, len);
}

/* Connects to the UNIX socket PATH.  A path too long for sun_path is
   reached as /proc/self/fd/DIRFD/NAME through its directory.  */
static int
connect_unix (const char *path, carve_error_t *err)
{
  cleanup_close int fd = -1;
  cleanup_close int dirfd = -1;
  cleanup_free char *dir = NULL;
  cleanup_free char *base = NULL;
  cleanup_free char *target = NULL;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };

  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return carve_make_error (err, errno, "socket");

  if (strlen (path) < sizeof (addr.sun_path))
    target = xstrdup (path);
  else
    {
      cleanup_free char *d = xstrdup (path);
      cleanup_free char *b = xstrdup (path);

      dir = xstrdup (dirname (d));
      base = xstrdup (basename (b));
      dirfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (dirfd < 0)
        return carve_make_error (err, errno, "open `%s`", dir);
      target = xasprintf ("/proc/self/fd/%d/%s", dirfd, base);
      if (strlen (target) >= sizeof (addr.sun_path))
        return carve_make_error (err, ENAMETOOLONG, "connect `%s`", path);
    }
  memcpy (addr.sun_path, target, strlen (target) + 1);

  if (connect (fd, (struct sockaddr *)&addr, sizeof (addr)) < 0)
    return carve_make_error (err, errno, "connect `%s`", path);
  return steal_fd (&fd);
}

int
carve_seccomp_send_listener (const char *listener_path, int notify_fd, const char *process_state_json,
                             carve_error_t *err)
{
  cleanup_close int fd = -1;
  size_t len, off;
  ssize_t n;

  if (listener_path == NULL || listener_path[0] == '\0')
    return carve_make_error (err, 0, "linux.seccomp.listenerPath: missing");
  if (process_state_json == NULL)
    return carve_make_error (err, EINVAL, "seccomp agent `%s`: no state", listener_path);
  len = strlen (process_state_json);
  if (len == 0)
    return carve_make_error (err, EINVAL, "seccomp agent `%s`: empty state", listener_path);

  fd = connect_unix (listener_path, err);
  if (fd < 0)
    return carve_error_wrap (err, "seccomp agent");

  /* The descriptor travels with the first bytes only (config-linux.md).  */
  n = carve_send_with_fd (fd, process_state_json, len, notify_fd);
  if (n < 0)
    return carve_make_error (err, errno, "seccomp agent `%s`: send", listener_path);

  for (off = n; off < len; off += n)
    {
      do
        n = send (fd, process_state_json + off, len - off, MSG_NOSIGNAL);
      while (n < 0 && errno == EINTR);
      if (n < 0)
        return carve_make_error (err, errno, "seccomp agent `%s`: send", listener_path);
    }
  return 0;
}
