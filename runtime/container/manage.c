/* The commands that act on a container through its cgroup: update, pause,
   resume and ps.  The cgroup is the handle on every process of the
   container, the init and whatever it left behind.  */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "fault.h"
#include "internal.h"
#include "spec/events.h"
#include "spec/annotations.h"
#include "spec/resources.h"
#include "xalloc.h"

extern char **environ;

/* Loads ID and opens its cgroup; a container without one cannot be reached
   by these commands.  */
static int
load_with_cgroup (const struct carve_context_s *ctx, const char *id, char **ret_dir, struct carve_state_s **ret_st,
                  carve_cgroup_t *ret_cg, carve_error_t *err)
{
  CARVE_CLEANUP (state) struct carve_state_s *st = NULL;
  CARVE_CLEANUP (cgroup) carve_cgroup_t cg = NULL;

  if (carve_state_load (ctx->root, id, &st, err) < 0)
    return -1;
  if (carve_container_open_cgroup (st, &cg, err) < 0)
    return -1;
  if (cg == NULL)
    return carve_make_error (err, 0, "container `%s` has no cgroup", id);
  *ret_dir = carve_state_dir (ctx->root, id);
  *ret_st = steal_pointer (&st);
  *ret_cg = steal_pointer (&cg);
  return 0;
}

/* --- pause, resume ------------------------------------------------------- */

int
carve_container_pause (const struct carve_context_s *ctx, const char *id, carve_error_t *err)
{
  cleanup_free char *dir = NULL;
  CARVE_CLEANUP (state) struct carve_state_s *st = NULL;
  CARVE_CLEANUP (cgroup) carve_cgroup_t cg = NULL;
  const char *status;

  if (load_with_cgroup (ctx, id, &dir, &st, &cg, err) < 0)
    return -1;
  /* As runc: a created container can be paused too.  */
  status = carve_container_status_of (dir, st);
  if (strcmp (status, "running") != 0 && strcmp (status, "created") != 0)
    return carve_make_error (err, 0, "container `%s` is not running: it is %s", id, status);
  carve_fault_point ("pause:freezing");
  if (carve_cgroup_freeze (cg, true, err) < 0)
    return carve_error_wrap (err, "pause container `%s`", id);
  carve_fault_point ("pause:frozen");
  return 0;
}

int
carve_container_resume (const struct carve_context_s *ctx, const char *id, carve_error_t *err)
{
  cleanup_free char *dir = NULL;
  CARVE_CLEANUP (state) struct carve_state_s *st = NULL;
  CARVE_CLEANUP (cgroup) carve_cgroup_t cg = NULL;
  const char *status;

  if (load_with_cgroup (ctx, id, &dir, &st, &cg, err) < 0)
    return -1;
  status = carve_container_status_of (dir, st);
  if (strcmp (status, "paused") != 0)
    return carve_make_error (err, 0, "container `%s` is not paused: it is %s", id, status);
  carve_fault_point ("resume:thawing");
  if (carve_cgroup_freeze (cg, false, err) < 0)
    return carve_error_wrap (err, "resume container `%s`", id);
  return 0;
}

/* --- ps ---------------------------------------------------------------------- */

/* Runs ps(1) with ARGS, stdout and stderr together (runc's CombinedOutput).  */
static int
run_ps (char *const *args, char **ret_output, carve_error_t *err)
{
  cleanup_strv char **argv = NULL;
  posix_spawn_file_actions_t fa;
  cleanup_close int rd = -1, wr = -1;
  cleanup_free char *out = NULL;
  size_t len = 0, cap = 0;
  int fds[2], r, wstatus = 0;
  pid_t pid;

  carve_strv_append (&argv, "ps");
  if (args == NULL || args[0] == NULL)
    carve_strv_append (&argv, "-ef");
  for (; args && *args; args++)
    carve_strv_append (&argv, *args);

  if (pipe2 (fds, O_CLOEXEC) < 0)
    return carve_make_error (err, errno, "pipe");
  rd = fds[0];
  wr = fds[1];
  if ((r = posix_spawn_file_actions_init (&fa)) != 0)
    return carve_make_error (err, r, "run ps");
  if ((r = posix_spawn_file_actions_addopen (&fa, 0, "/dev/null", O_RDONLY, 0)) == 0
      && (r = posix_spawn_file_actions_adddup2 (&fa, wr, 1)) == 0)
    r = posix_spawn_file_actions_adddup2 (&fa, wr, 2);
  if (r == 0)
    r = posix_spawnp (&pid, "ps", &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy (&fa);
  if (r != 0)
    return carve_make_error (err, r, "run ps");
  close (wr);
  wr = -1;
  for (;;)
    {
      ssize_t n;
      if (cap - len < 4096)
        {
          cap = cap ? cap * 2 : 8192;
          out = xrealloc (out, cap + 1);
        }
      n = read (rd, out + len, cap - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      len += (size_t)n;
    }
  out[len] = '\0';
  while (waitpid (pid, &wstatus, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED (wstatus) || WEXITSTATUS (wstatus) != 0)
    {
      while (len > 0 && out[len - 1] == '\n')
        out[--len] = '\0';
      if (WIFEXITED (wstatus))
        return carve_make_error (err, 0, "ps: exit status %d: %s", WEXITSTATUS (wstatus), out);
      return carve_make_error (err, 0, "ps: killed by signal %d: %s", WTERMSIG (wstatus), out);
    }
  *ret_output = steal_pointer (&out);
  return 0;
}

static bool
pid_in (pid_t p, const pid_t *v, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    if (v[i] == p)
      return true;
  return false;
}

/* Keeps the header of ps's OUTPUT and the lines whose PID column holds one
   of PIDS, as runc does.  */
static int
filter_ps (char *output, const pid_t *pids, size_t n, char **ret, carve_error_t *err)
{
  cleanup_free char *header = NULL;
  char *line, *save = NULL, *result = NULL;
  size_t result_len = 0;
  long pid_col = -1, col;
  FILE *f;

  line = strtok_r (output, "\n", &save);
  if (line == NULL)
    return carve_make_error (err, 0, "ps: no output");
  header = xstrdup (line);
  {
    cleanup_free char *copy = xstrdup (header);
    char *tok, *save2 = NULL;
    for (col = 0, tok = strtok_r (copy, " \t", &save2); tok; tok = strtok_r (NULL, " \t", &save2), col++)
      if (strcmp (tok, "PID") == 0)
        {
          pid_col = col;
          break;
        }
  }
  if (pid_col < 0)
    return carve_make_error (err, 0, "ps: no PID column in the output of ps (add `-o pid,...` to its arguments)");

  f = open_memstream (&result, &result_len);
  if (f == NULL)
    carve_oom ();
  fprintf (f, "%s\n", header);
  while ((line = strtok_r (NULL, "\n", &save)))
    {
      cleanup_free char *copy = xstrdup (line);
      char *tok, *save2 = NULL;
      long p = -1;

      for (col = 0, tok = strtok_r (copy, " \t", &save2); tok && col < pid_col;
           tok = strtok_r (NULL, " \t", &save2), col++)
        ;
      if (tok == NULL || carve_parse_long (tok, &p) < 0)
        {
          fclose (f);
          free (result);
          return carve_make_error (err, 0, "ps: cannot read a PID in line `%s`", line);
        }
      if (pid_in ((pid_t)p, pids, n))
        fprintf (f, "%s\n", line);
    }
  fclose (f);
  *ret = result;
  return 0;
}

int
carve_container_ps (const struct carve_context_s *ctx, const char *id, enum carve_ps_format format,
                    char *const *ps_args, char **ret_output, carve_error_t *err)
{
  cleanup_free char *dir = NULL, *ps_out = NULL;
  CARVE_CLEANUP (state) struct carve_state_s *st = NULL;
  CARVE_CLEANUP (cgroup) carve_cgroup_t cg = NULL;
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;

  if (load_with_cgroup (ctx, id, &dir, &st, &cg, err) < 0)
    return -1;
  if (carve_cgroup_pids (cg, &pids, &n, err) < 0)
    return carve_error_wrap (err, "ps of container `%s`", id);
  if (format == CARVE_PS_JSON)
    {
      cleanup_free char *json = carve_spec_emit_pids (pids, n);
      *ret_output = xasprintf ("%s\n", json);
      return 0;
    }
  if (run_ps (ps_args, &ps_out, err) < 0)
    return -1;
  return filter_ps (ps_out, pids, n, ret_output, err);
}

/* --- update ------------------------------------------------------------------ */

/* Go's strconv.ParseUint / ParseInt, base 10, whole string.  */
static int
parse_u64 (const char *flag, const char *s, uint64_t *ret, carve_error_t *err)
{
  unsigned long long v;
  char *end = NULL;

  errno = 0;
  if (s[0] < '0' || s[0] > '9')
    return carve_make_error (err, 0, "--%s: `%s` is not an unsigned number", flag, s);
  v = strtoull (s, &end, 10);
  if (errno != 0 || *end != '\0')
    return carve_make_error (err, 0, "--%s: `%s` is not an unsigned number", flag, s);
  *ret = v;
  return 0;
}

static int
parse_i64 (const char *flag, const char *s, int64_t *ret, carve_error_t *err)
{
  long long v;
  char *end = NULL;

  errno = 0;
  if (!((s[0] >= '0' && s[0] <= '9') || ((s[0] == '-' || s[0] == '+') && s[1] >= '0' && s[1] <= '9')))
    return carve_make_error (err, 0, "--%s: `%s` is not a number", flag, s);
  v = strtoll (s, &end, 10);
  if (errno != 0 || *end != '\0')
    return carve_make_error (err, 0, "--%s: `%s` is not a number", flag, s);
  *ret = v;
  return 0;
}

/* runc's sizes (docker/go-units RAMInBytes): a decimal number, an optional
   space, an optional unit k, m, g, t or p (powers of 1024) with an optional
   `i` and `b` after it, any case: "512m", "1.5GiB", "100 kb"; "-1" is
   unlimited.  */
static int
parse_size (const char *flag, const char *s, int64_t *ret, carve_error_t *err)
{
  static const char units[] = "kmgtp";
  const char *p = s;
  double num, mult = 1;
  char *end = NULL;

  if (strcmp (s, "-1") == 0)
    {
      *ret = -1;
      return 0;
    }
  if (*p < '0' || *p > '9')
    goto bad;
  errno = 0;
  num = strtod (p, &end);
  if (errno != 0 || end == p)
    goto bad;
  /* strtod also takes exponents and hex: only digits and dots here.  */
  for (; p < end; p++)
    if (!((*p >= '0' && *p <= '9') || *p == '.') || (*p == '.' && (p[1] < '0' || p[1] > '9')))
      goto bad;
  if (*p == ' ')
    p++;
  if (*p)
    {
      const char *u = strchr (units, (char)(*p | 0x20));
      if (u)
        {
          mult = (double)(1ULL << (10 * (u - units + 1)));
          p++;
        }
      if (*p == 'i' || *p == 'I')
        p++;
      if (*p == 'b' || *p == 'B')
        p++;
    }
  if (*p != '\0' || num * mult >= 9223372036854775807.0)
    goto bad;
  *ret = (int64_t)(num * mult);
  return 0;

bad:
  return carve_make_error (err, 0, "--%s: `%s` is not a size (bytes, or a number with k, m, g, t or p)", flag, s);
}

static struct carve_spec_cpu_s *
cpu_of (struct carve_spec_linux_resources_s *r)
{
  if (r->cpu == NULL)
    r->cpu = xzalloc (sizeof (*r->cpu));
  return r->cpu;
}

static struct carve_spec_memory_s *
memory_of (struct carve_spec_linux_resources_s *r)
{
  if (r->memory == NULL)
    r->memory = xzalloc (sizeof (*r->memory));
  return r->memory;
}

/* The resources the flags ask for, in the spec's model, so that one path
   applies them and `-r` documents alike.  */
static struct carve_spec_linux_resources_s *
resources_from_flags (const struct carve_context_s *ctx, const struct carve_update_options_s *o, carve_error_t *err)
{
  CARVE_CLEANUP (spec_resources) struct carve_spec_linux_resources_s *r = xzalloc (sizeof (*r));
  uint64_t u;
  int64_t i;

  if (o->blkio_weight)
    {
      if (parse_i64 ("blkio-weight", o->blkio_weight, &i, err) < 0)
        return NULL;
      if (i < 0 || i > UINT16_MAX)
        return (carve_make_error (err, 0, "--blkio-weight: %" PRId64 " is out of range (10-1000)", i), NULL);
      /* runc: 0 leaves the weight alone.  */
      if (i != 0)
        {
          r->block_io = xzalloc (sizeof (*r->block_io));
          r->block_io->has_weight = true;
          r->block_io->weight = (uint16_t)i;
        }
    }
  if (o->cpuset_cpus && o->cpuset_cpus[0])
    {
      uint8_t *mask = NULL;
      size_t len = 0;
      if (carve_spec_parse_cpu_list (o->cpuset_cpus, &mask, &len, err) < 0)
        return (carve_error_wrap (err, "--cpuset-cpus"), NULL);
      free (mask);
      cpu_of (r)->cpus = xstrdup (o->cpuset_cpus);
    }
  if (o->cpuset_mems && o->cpuset_mems[0])
    {
      uint8_t *mask = NULL;
      size_t len = 0;
      if (carve_spec_parse_cpu_list (o->cpuset_mems, &mask, &len, err) < 0)
        return (carve_error_wrap (err, "--cpuset-mems"), NULL);
      free (mask);
      cpu_of (r)->mems = xstrdup (o->cpuset_mems);
    }
  if (o->cpu_idle)
    {
      if (parse_i64 ("cpu-idle", o->cpu_idle, &i, err) < 0)
        return NULL;
      cpu_of (r)->has_idle = true;
      r->cpu->idle = i;
    }
#define U64_FLAG(name, field)                                                                                          \
  if (o->field)                                                                                                        \
    {                                                                                                                  \
      if (parse_u64 (name, o->field, &u, err) < 0)                                                                     \
        return NULL;                                                                                                   \
      cpu_of (r);                                                                                                      \
    }
  U64_FLAG ("cpu-burst", cpu_burst)
  if (o->cpu_burst)
    {
      r->cpu->has_burst = true;
      r->cpu->burst = u;
    }
  U64_FLAG ("cpu-period", cpu_period)
  if (o->cpu_period)
    {
      r->cpu->has_period = true;
      r->cpu->period = u;
    }
  U64_FLAG ("cpu-rt-period", cpu_rt_period)
  if (o->cpu_rt_period)
    {
      r->cpu->has_realtime_period = true;
      r->cpu->realtime_period = u;
    }
  U64_FLAG ("cpu-share", cpu_shares)
  if (o->cpu_shares)
    {
      r->cpu->has_shares = true;
      r->cpu->shares = u;
    }
#undef U64_FLAG
  if (o->cpu_quota)
    {
      if (parse_i64 ("cpu-quota", o->cpu_quota, &i, err) < 0)
        return NULL;
      cpu_of (r)->has_quota = true;
      r->cpu->quota = i;
    }
  if (o->cpu_rt_runtime)
    {
      if (parse_i64 ("cpu-rt-runtime", o->cpu_rt_runtime, &i, err) < 0)
        return NULL;
      cpu_of (r)->has_realtime_runtime = true;
      r->cpu->realtime_runtime = i;
    }
  if (o->memory)
    {
      if (parse_size ("memory", o->memory, &i, err) < 0)
        return NULL;
      memory_of (r)->has_limit = true;
      r->memory->limit = i;
    }
  if (o->memory_swap)
    {
      if (parse_size ("memory-swap", o->memory_swap, &i, err) < 0)
        return NULL;
      memory_of (r)->has_swap = true;
      r->memory->swap = i;
    }
  if (o->memory_reservation)
    {
      if (parse_size ("memory-reservation", o->memory_reservation, &i, err) < 0)
        return NULL;
      memory_of (r)->has_reservation = true;
      r->memory->reservation = i;
    }
  if (o->pids_limit)
    {
      if (parse_i64 ("pids-limit", o->pids_limit, &i, err) < 0)
        return NULL;
      r->pids = xzalloc (sizeof (*r->pids));
      r->pids->limit = i;
    }
  if ((o->kernel_memory || o->kernel_memory_tcp) && ctx->warn)
    ctx->warn (ctx->warn_data, "update: kernel memory settings are ignored, as runc: the kernel dropped them");
  return steal_pointer (&r);
}

static struct carve_spec_linux_resources_s *
resources_from_file (const char *path, carve_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;

  /* Bounded, as every document carve parses: `update -r - < /dev/zero`
     fails at CARVE_SPEC_DOCUMENT_MAX instead of taking the node's memory.  */
  if (strcmp (path, "-") == 0)
    {
      if (carve_read_fd_max (STDIN_FILENO, "the standard input", CARVE_SPEC_DOCUMENT_MAX, &buf, &len, err) < 0)
        return (carve_error_wrap (err, "-r"), NULL);
    }
  else if (carve_read_file_max (AT_FDCWD, path, CARVE_SPEC_DOCUMENT_MAX, &buf, &len, err) < 0)
    return (carve_error_wrap (err, "-r"), NULL);
  {
    struct carve_spec_linux_resources_s *r = carve_spec_resources_parse (buf, len, err);
    if (r == NULL)
      return (carve_error_wrap (err, "-r `%s`", path), NULL);
    return r;
  }
}

/* What the container has now: the last update's resources.json, else the
   linux.resources of the config.json that create saved.  */
static struct carve_spec_linux_resources_s *
current_resources (const char *dir, carve_error_t *err)
{
  cleanup_free char *path = carve_path_join (dir, "resources.json");
  cleanup_free char *buf = NULL;
  CARVE_CLEANUP (spec) carve_spec_t spec = NULL;
  struct carve_spec_linux_resources_s *r = NULL;
  carve_error_t e = NULL;
  size_t len = 0;

  if (carve_read_file (path, &buf, &len, &e) == 0)
    {
      r = carve_spec_resources_parse (buf, len, err);
      if (r == NULL)
        return (carve_error_wrap (err, "`%s`", path), NULL);
      return r;
    }
  carve_error_release (&e);
  spec = carve_container_saved_spec (dir, &e);
  /* A container whose create was killed has no saved config: it has no
     resources to merge with either.  */
  carve_error_release (&e);
  if (spec && spec->linux_ && spec->linux_->resources)
    {
      r = spec->linux_->resources;
      spec->linux_->resources = NULL;
      return r;
    }
  return xzalloc (sizeof (*r));
}

/* Same CPU (or node) set, whatever the spelling ("0-1" and "0,1").  */
static bool
same_list (const char *a, const char *b)
{
  cleanup_free uint8_t *ma = NULL, *mb = NULL;
  carve_error_t e = NULL;
  size_t la = 0, lb = 0, i;

  if (a == NULL || b == NULL)
    return false;
  if (carve_spec_parse_cpu_list (a, &ma, &la, &e) < 0 || carve_spec_parse_cpu_list (b, &mb, &lb, &e) < 0)
    {
      carve_error_release (&e);
      return false;
    }
  for (i = 0; i < (la > lb ? la : lb); i++)
    if ((i < la ? ma[i] : 0) != (i < lb ? mb[i] : 0))
      return false;
  return true;
}

/* The CPUs of a container that owns them (carve.cpus, carve.cpus.count)
   are a partition of the node recorded in the node ledger: `update` cannot
   move them.  The same set spelled again is fine (CRI runtimes repeat cpus
   in every update).  */
static int
check_owned_cpus (const struct carve_state_s *st, const struct carve_spec_linux_resources_s *delta,
                  carve_error_t *err)
{
  const char *want = delta->cpu ? delta->cpu->cpus : NULL;
  const struct carve_annotation_info_s *key = carve_annotation_info (CARVE_ANNOTATION_CPUS);
  cleanup_free char *owned = NULL;
  const char *asked;

  if (st->compute == NULL || !st->compute->has_cpus || want == NULL || want[0] == '\0')
    return 0;
  owned = carve_cpumask_format_list (&st->compute->cpus);
  if (same_list (want, owned))
    return 0;
  asked = carve_spec_map_get (st->annotations, key->name);
  if (asked == NULL)
    {
      key = carve_annotation_info (CARVE_ANNOTATION_CPUS_COUNT);
      asked = carve_spec_map_get (st->annotations, key->name);
    }
  if (asked == NULL)
    return carve_make_error (err, 0,
                             "cpu.cpus: container `%s` owns its CPUs (linux.resources.cpu.cpus `%s` with annotation "
                             "%s): they are a partition of the node and `update` cannot change them",
                             st->id, owned, carve_annotation_info (CARVE_ANNOTATION_CPUS_EXCLUSIVE)->name);
  return carve_make_error (err, 0,
                           "cpu.cpus: container `%s` owns its CPUs (annotation %s `%s`): they are a "
                           "partition of the node and `update` cannot change them",
                           st->id, key->name, asked);
}

int
carve_container_update (const struct carve_context_s *ctx, const char *id, const struct carve_update_options_s *opts,
                        carve_error_t *err)
{
  cleanup_free char *dir = NULL, *json = NULL, *saved = NULL;
  CARVE_CLEANUP (state) struct carve_state_s *st = NULL;
  CARVE_CLEANUP (cgroup) carve_cgroup_t cg = NULL;
  CARVE_CLEANUP (spec_resources) struct carve_spec_linux_resources_s *delta = NULL, *current = NULL;
  const char *status;

  if (opts->l3_cache_schema || opts->mem_bw_schema)
    return carve_make_error (err, 0, "--%s: carve does not manage Intel RDT",
                             opts->l3_cache_schema ? "l3-cache-schema" : "mem-bw-schema");
  if (opts->resources_path)
    delta = resources_from_file (opts->resources_path, err);
  else
    delta = resources_from_flags (ctx, opts, err);
  if (delta == NULL)
    return -1;

  if (load_with_cgroup (ctx, id, &dir, &st, &cg, err) < 0)
    return -1;
  status = carve_container_status_of (dir, st);
  if (strcmp (status, "stopped") == 0)
    return carve_make_error (err, 0, "container `%s` is not running", id);

  /* runc leaves the device rules alone in `update` (devices plugins add
     their own on top): so does carve.  */
  if (delta->devices_len > 0)
    {
      /* Freed through a resources struct that holds them alone.  */
      struct carve_spec_linux_resources_s *only = xzalloc (sizeof (*only));
      only->devices = steal_pointer (&delta->devices);
      only->devices_len = delta->devices_len;
      delta->devices_len = 0;
      carve_spec_resources_free (only);
      if (ctx->warn)
        ctx->warn (ctx->warn_data, "update: devices ignored, as runc: the device rules are set at create");
    }
  /* A pids limit of 0 means "unchanged" in runc's update.  */
  if (delta->pids && delta->pids->limit == 0)
    {
      free (delta->pids);
      delta->pids = NULL;
    }

  current = current_resources (dir, err);
  if (current == NULL)
    return -1;
  if (check_owned_cpus (st, delta, err) < 0)
    return carve_error_wrap (err, "update container `%s`", id);

  /* A swap limit is memory+swap: on cgroup v2 the kernel's swap.max is the
     difference, so the backend needs the memory limit too.  */
  if (delta->memory && delta->memory->has_swap && !delta->memory->has_limit && current->memory
      && current->memory->has_limit)
    {
      delta->memory->has_limit = true;
      delta->memory->limit = current->memory->limit;
    }

  if (carve_cgroup_apply_resources (cg, delta, err) < 0)
    return carve_error_wrap (err, "update container `%s`", id);

  carve_fault_point ("update:applied");
  carve_spec_resources_merge (current, delta);
  json = carve_spec_emit_resources (current);
  saved = carve_path_join (dir, "resources.json");
  if (carve_write_file_atomic (saved, json, strlen (json), 0600, err) < 0)
    return carve_error_wrap (err, "update container `%s`: save its resources", id);
  return 0;
}
