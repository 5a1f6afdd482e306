/* The carve.* annotation table and its parser (annotations.h).  */
#include <config.h>

#include "spec/annotations.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"
#include "spec/node-config.h"

#define MIB (UINT64_C (1) << 20)
#define GIB (UINT64_C (1) << 30)

typedef int (*parse_fn) (enum carve_annotation key, const char *value, struct carve_compute_request_s *req,
                         carve_error_t *err);

struct row_s
{
  struct carve_annotation_info_s info;
  parse_fn parse;
};

static int parse_isolation (enum carve_annotation, const char *, struct carve_compute_request_s *, carve_error_t *);
static int parse_cpus (enum carve_annotation, const char *, struct carve_compute_request_s *, carve_error_t *);
static int parse_count (enum carve_annotation, const char *, struct carve_compute_request_s *, carve_error_t *);
static int parse_bool (enum carve_annotation, const char *, struct carve_compute_request_s *, carve_error_t *);
static int parse_memory (enum carve_annotation, const char *, struct carve_compute_request_s *, carve_error_t *);
static int parse_hugepages (enum carve_annotation, const char *, struct carve_compute_request_s *, carve_error_t *);
static int parse_nodes (enum carve_annotation, const char *, struct carve_compute_request_s *, carve_error_t *);
static int parse_sched (enum carve_annotation, const char *, struct carve_compute_request_s *, carve_error_t *);
static int parse_kthreads (enum carve_annotation, const char *, struct carve_compute_request_s *, carve_error_t *);
static int parse_job (enum carve_annotation, const char *, struct carve_compute_request_s *, carve_error_t *);

#define ROW(key, n, values, fallback, modes, fn) [key] = { { n, "annotations." n, values, fallback, modes }, fn }

/* DESIGN.md's table, row for row.  A row without a parser takes any
   string here: carve.syscalls.* name system calls, which runtime/linux's
   seccomp checks against libseccomp's table for this architecture.  */
static const struct row_s rows[CARVE_ANNOTATION_COUNT_] = {
  ROW (CARVE_ANNOTATION_ISOLATION, "carve.isolation", "permeable, oci", "the node config, else permeable", "both",
       parse_isolation),
  ROW (CARVE_ANNOTATION_CPUS, "carve.cpus", "a CPU list in cpuset syntax (2-5,8; 3 is CPU 3)",
       "linux.resources.cpu.cpus", "both", parse_cpus),
  ROW (CARVE_ANNOTATION_CPUS_COUNT, "carve.cpus.count", "a number of CPUs", "none", "both", parse_count),
  ROW (CARVE_ANNOTATION_CPUS_EXCLUSIVE, "carve.cpus.exclusive", "true, false",
       "true when carve.cpus or carve.cpus.count is set", "both", parse_bool),
  ROW (CARVE_ANNOTATION_CPUS_LOAD_BALANCE, "carve.cpus.load_balance", "true, false", "false when exclusive", "both",
       parse_bool),
  ROW (CARVE_ANNOTATION_MEMORY, "carve.memory", "a size (512M, 4G) or memory units (16u)", "none", "both",
       parse_memory),
  ROW (CARVE_ANNOTATION_MEMORY_HUGEPAGES, "carve.memory.hugepages", "none, 2M, 1G", "none", "both", parse_hugepages),
  ROW (CARVE_ANNOTATION_MEMORY_NODES, "carve.memory.nodes", "a NUMA node list", "any", "both", parse_nodes),
  ROW (CARVE_ANNOTATION_SCHED, "carve.sched", "default, cooperative, batch, idle, fifo:N, rr:N", "default", "both",
       parse_sched),
  ROW (CARVE_ANNOTATION_KTHREADS, "carve.kthreads", "evict, keep", "evict when exclusive", "both", parse_kthreads),
  ROW (CARVE_ANNOTATION_SYSCALLS_FORWARD, "carve.syscalls.forward", "system call or profile names, comma-separated",
       "none", "both", NULL),
  ROW (CARVE_ANNOTATION_SYSCALLS_DENY, "carve.syscalls.deny", "system call or profile names, comma-separated", "none",
       "both", NULL),
  ROW (CARVE_ANNOTATION_JOB, "carve.job", "a job name: letters, digits, `.`, `_`, `-`, first a letter or digit", "none",
       "permeable", parse_job),
};

const struct carve_annotation_info_s *
carve_annotation_info (enum carve_annotation key)
{
  return &rows[key].info;
}

const char *
carve_annotation_jpath (enum carve_annotation key)
{
  return rows[key].info.jpath;
}

const char *const *
carve_annotation_names (void)
{
  static const char *names[CARVE_ANNOTATION_COUNT_ + 1];
  size_t i;

  if (names[0] == NULL)
    for (i = 0; i < CARVE_ANNOTATION_COUNT_; i++)
      names[i] = rows[i].info.name;
  return names;
}

/* --- one key at a time ------------------------------------------------------ */

static int
bad (enum carve_annotation key, const char *value, const char *what, carve_error_t *err)
{
  return carve_make_error (err, 0, "%s: `%s` %s", rows[key].info.jpath, value, what);
}

static int
parse_isolation (enum carve_annotation key, const char *v, struct carve_compute_request_s *req, carve_error_t *err)
{
  if (strcmp (v, "permeable") == 0)
    req->isolation = CARVE_ISOLATION_PERMEABLE;
  else if (strcmp (v, "oci") == 0)
    req->isolation = CARVE_ISOLATION_OCI;
  else
    return bad (key, v, "is not `permeable` or `oci`", err);
  return 0;
}

static int
parse_cpus (enum carve_annotation key, const char *v, struct carve_compute_request_s *req, carve_error_t *err)
{
  carve_error_t e = NULL;

  /* As linux.resources.cpu.cpus and cpuset.cpus read it: `1` is CPU 1.  */
  if (carve_cpumask_parse_list (v, &req->cpus, &e) < 0 || carve_cpumask_empty (&req->cpus))
    {
      carve_error_release (&e);
      return bad (key, v, "is not a CPU list (`2-5,8`; `3` is CPU 3; a number of CPUs is carve.cpus.count)", err);
    }
  return 0;
}

static int
parse_count (enum carve_annotation key, const char *v, struct carve_compute_request_s *req, carve_error_t *err)
{
  unsigned long n;

  if (!isdigit ((unsigned char)v[0]) || carve_parse_ulong (v, &n) < 0 || n == 0 || n > CARVE_CPUMASK_MAX)
    return bad (key, v, "is not a number of CPUs (1 or more)", err);
  req->cpus_count = n;
  return 0;
}

/* carve.cpus.exclusive and carve.cpus.load_balance land in their fields
   once every key is read (resolve_cpus): here only the syntax.  */
static int
parse_bool (enum carve_annotation key, const char *v, struct carve_compute_request_s *req, carve_error_t *err)
{
  (void)req;
  if (strcmp (v, "true") != 0 && strcmp (v, "false") != 0)
    return bad (key, v, "is not `true` or `false`", err);
  return 0;
}

static int
parse_kthreads (enum carve_annotation key, const char *v, struct carve_compute_request_s *req, carve_error_t *err)
{
  (void)req;
  if (strcmp (v, "evict") != 0 && strcmp (v, "keep") != 0)
    return bad (key, v, "is not `evict` or `keep`", err);
  return 0;
}

static bool
job_char (char c, bool first)
{
  /* ASCII only, whatever the locale.  */
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return true;
  return !first && (c == '.' || c == '_' || c == '-');
}

/* V with control characters as \xNN, so the one-line error stays one
   line.  */
static char *
printable (const char *v)
{
  size_t i, n = 0;
  char *out = xmalloc (strlen (v) * 4 + 1);

  for (i = 0; v[i]; i++)
    {
      unsigned char c = (unsigned char)v[i];
      if (c < 0x20 || c == 0x7f)
        n += (size_t)sprintf (out + n, "\\x%02x", c);
      else
        out[n++] = (char)c;
    }
  out[n] = '\0';
  return out;
}

/* The name becomes a directory of the node's jobs directory
   (runtime/compute/job.h), so it can never be a path: no `/`, no `.` or
   `..` (nothing may start with a dot), nothing a shell or a message would
   mangle.  */
static int
parse_job (enum carve_annotation key, const char *v, struct carve_compute_request_s *req, carve_error_t *err)
{
  const char *rule = "letters, digits, `.`, `_` and `-`, first a letter or a digit";
  size_t i, len = strlen (v);
  cleanup_free char *shown = NULL;

  (void)req;
  if (len == 0)
    return carve_make_error (err, 0, "%s: empty, a job name is %s", rows[key].info.jpath, rule);
  if (len > CARVE_JOB_NAME_MAX)
    return carve_make_error (err, 0, "%s: a job name of %zu characters, at most %d are allowed", rows[key].info.jpath,
                             len, CARVE_JOB_NAME_MAX);
  for (i = 0; i < len; i++)
    if (!job_char (v[i], i == 0))
      {
        shown = printable (v);
        return carve_make_error (err, 0, "%s: `%s` is not a job name: %s", rows[key].info.jpath, shown, rule);
      }
  return 0;
}

static int
parse_memory (enum carve_annotation key, const char *v, struct carve_compute_request_s *req, carve_error_t *err)
{
  size_t len = strlen (v);
  carve_error_t e = NULL;

  if (len > 1 && (v[len - 1] == 'u' || v[len - 1] == 'U'))
    {
      cleanup_free char *digits = xstrndup (v, len - 1);
      unsigned long n;
      if (!isdigit ((unsigned char)digits[0]) || carve_parse_ulong (digits, &n) < 0)
        return bad (key, v, "is not a size (`512M`) or a unit count (`16u`)", err);
      req->memory_units = n;
    }
  else if (carve_parse_size (v, &req->memory_bytes, &e) < 0)
    {
      carve_error_release (&e);
      return bad (key, v, "is not a size (`512M`) or a unit count (`16u`)", err);
    }
  if (req->memory_units == 0 && req->memory_bytes == 0)
    return carve_make_error (err, 0, "%s: `%s`: a partition needs at least one unit", rows[key].info.jpath, v);
  req->has_memory = true;
  return 0;
}

static int
parse_hugepages (enum carve_annotation key, const char *v, struct carve_compute_request_s *req, carve_error_t *err)
{
  if (strcmp (v, "none") == 0)
    req->hugepage_size = 0;
  else if (strcmp (v, "2M") == 0)
    req->hugepage_size = 2 * MIB;
  else if (strcmp (v, "1G") == 0)
    req->hugepage_size = GIB;
  else
    return bad (key, v, "is not `none`, `2M` or `1G`", err);
  return 0;
}

static int
parse_nodes (enum carve_annotation key, const char *v, struct carve_compute_request_s *req, carve_error_t *err)
{
  carve_error_t e = NULL;

  if (carve_cpumask_parse_list (v, &req->memory_nodes, &e) < 0 || carve_cpumask_empty (&req->memory_nodes))
    {
      carve_error_release (&e);
      return bad (key, v, "is not a NUMA node list (`0`, `0-1,3`)", err);
    }
  req->has_memory_nodes = true;
  return 0;
}

static int
parse_sched (enum carve_annotation key, const char *v, struct carve_compute_request_s *req, carve_error_t *err)
{
  if (strcmp (v, "default") == 0)
    req->sched = CARVE_SCHED_DEFAULT;
  else if (strcmp (v, "cooperative") == 0)
    req->sched = CARVE_SCHED_COOPERATIVE;
  else if (strcmp (v, "batch") == 0)
    req->sched = CARVE_SCHED_BATCH;
  else if (strcmp (v, "idle") == 0)
    req->sched = CARVE_SCHED_IDLE;
  else if (strncmp (v, "fifo:", 5) == 0 || strncmp (v, "rr:", 3) == 0)
    {
      const char *n = strchr (v, ':') + 1;
      long prio;

      req->sched = v[0] == 'f' ? CARVE_SCHED_FIFO : CARVE_SCHED_RR;
      if (*n < '0' || *n > '9' || carve_parse_long (n, &prio) < 0 || prio < 1 || prio > 99)
        return bad (key, v, "is not a real-time priority: priority 1-99", err);
      req->sched_priority = (int)prio;
    }
  else
    return bad (key, v, "is not `default`, `cooperative`, `batch`, `idle`, `fifo:N` or `rr:N`", err);
  return 0;
}

/* --- the rules between keys ------------------------------------------------- */

static const char *
value_of (const struct carve_compute_request_s *req, enum carve_annotation key)
{
  return req->values[key];
}

static int
resolve_cpus (const carve_spec_t spec, struct carve_compute_request_s *req, carve_error_t *err)
{
  const char *list = value_of (req, CARVE_ANNOTATION_CPUS);
  const char *count = value_of (req, CARVE_ANNOTATION_CPUS_COUNT);
  const char *excl = value_of (req, CARVE_ANNOTATION_CPUS_EXCLUSIVE);
  const char *lb = value_of (req, CARVE_ANNOTATION_CPUS_LOAD_BALANCE);
  const char *kt = value_of (req, CARVE_ANNOTATION_KTHREADS);
  const struct carve_spec_linux_resources_s *res = spec->linux_ ? spec->linux_->resources : NULL;
  const char *spec_cpus = res && res->cpu && res->cpu->cpus && res->cpu->cpus[0] ? res->cpu->cpus : NULL;
  bool excl_v = excl && strcmp (excl, "true") == 0;

  if (list && count)
    return carve_make_error (err, 0, "%s: `%s`: carve.cpus `%s` says which CPUs already; give one of the two",
                             rows[CARVE_ANNOTATION_CPUS_COUNT].info.jpath, count, list);
  if (list)
    {
      req->cpus_kind = CARVE_CPUS_LIST;
      req->cpus_jpath = rows[CARVE_ANNOTATION_CPUS].info.jpath;
      req->cpus_value = xstrdup (list);
    }
  else if (count)
    {
      req->cpus_kind = CARVE_CPUS_COUNT;
      req->cpus_jpath = rows[CARVE_ANNOTATION_CPUS_COUNT].info.jpath;
      req->cpus_value = xstrdup (count);
    }
  else if (excl_v && spec_cpus)
    {
      /* DESIGN.md: carve.cpus defaults to linux.resources.cpu.cpus.  */
      carve_error_t e = NULL;
      if (carve_cpumask_parse_list (spec_cpus, &req->cpus, &e) < 0)
        {
          carve_error_release (&e);
          return carve_make_error (err, 0, "linux.resources.cpu.cpus: `%s` is not a CPU list", spec_cpus);
        }
      req->cpus_kind = CARVE_CPUS_LIST;
      req->cpus_jpath = "linux.resources.cpu.cpus";
      req->cpus_value = xstrdup (spec_cpus);
    }

  if (req->cpus_kind == CARVE_CPUS_NONE)
    {
      /* exclusive=false with the spec's cpus is plain runc behaviour.  */
      if (excl && !(spec_cpus && !excl_v))
        return bad (CARVE_ANNOTATION_CPUS_EXCLUSIVE, excl,
                    "needs carve.cpus, carve.cpus.count (or linux.resources.cpu.cpus) to say which CPUs", err);
      if (lb)
        return bad (CARVE_ANNOTATION_CPUS_LOAD_BALANCE, lb, "needs carve.cpus or carve.cpus.count", err);
      if (kt)
        return bad (CARVE_ANNOTATION_KTHREADS, kt, "needs carve.cpus or carve.cpus.count", err);
      return 0;
    }
  req->exclusive = excl ? excl_v : true;
  if (lb && !req->exclusive)
    return bad (CARVE_ANNOTATION_CPUS_LOAD_BALANCE, lb,
                "needs carve.cpus.exclusive=true (shared CPUs are balanced with the rest)", err);
  req->load_balance = lb && strcmp (lb, "true") == 0;
  req->evict = kt ? strcmp (kt, "evict") == 0 : req->exclusive;
  return 0;
}

static int
resolve_memory (struct carve_compute_request_s *req, carve_error_t *err)
{
  const char *hp = value_of (req, CARVE_ANNOTATION_MEMORY_HUGEPAGES);
  const char *nodes = value_of (req, CARVE_ANNOTATION_MEMORY_NODES);
  const char *memory = rows[CARVE_ANNOTATION_MEMORY].info.jpath;

  if (req->has_memory)
    return 0;
  /* The other two only say how a partition is made.  */
  if (req->hugepage_size)
    return carve_make_error (err, 0, "%s: `%s` needs %s (the partition's size)",
                             rows[CARVE_ANNOTATION_MEMORY_HUGEPAGES].info.jpath, hp, memory);
  if (nodes)
    return carve_make_error (err, 0, "%s: `%s` needs %s (the partition's size)",
                             rows[CARVE_ANNOTATION_MEMORY_NODES].info.jpath, nodes, memory);
  return 0;
}

/* The CRI runtimes mark a pod's sandbox (its pause container) with these
   annotations, and pass the pod's annotations to it as to every container
   of the pod.  */
static bool
is_pod_sandbox (const struct carve_spec_map_s *m)
{
  static const char *const keys[] = { "io.kubernetes.cri.container-type", "io.kubernetes.cri-o.ContainerType" };
  size_t i, k;

  for (i = 0; m && i < m->len; i++)
    for (k = 0; k < sizeof (keys) / sizeof (keys[0]); k++)
      if (strcmp (m->keys[i], keys[k]) == 0 && strcmp (m->values[i], "sandbox") == 0)
        return true;
  return false;
}

/* A pod's carve.* annotations are for its workload: the sandbox, which only
   holds the pod's namespaces, keeps the isolation mode and asks for nothing
   else (else it would own the CPUs the pod's container then asks for).  The
   values were checked all the same, so a bad one fails the pod at once.  */
static void
drop_for_sandbox (struct carve_compute_request_s *req)
{
  size_t k;

  req->sandbox = true;
  req->cpus_kind = CARVE_CPUS_NONE;
  req->cpus_count = 0;
  req->exclusive = req->load_balance = req->evict = false;
  req->has_memory = req->has_memory_nodes = false;
  req->memory_bytes = req->memory_units = req->hugepage_size = 0;
  req->sched = CARVE_SCHED_DEFAULT;
  req->sched_priority = 0;
  for (k = 0; k < CARVE_ANNOTATION_COUNT_; k++)
    if (k != CARVE_ANNOTATION_ISOLATION)
      {
        free (req->values[k]);
        req->values[k] = NULL;
      }
}

int
carve_compute_request_parse (const carve_spec_t spec, struct carve_compute_request_s *ret, carve_error_t *err)
{
  const struct carve_spec_map_s *m = spec->annotations;
  size_t i, k;

  memset (ret, 0, sizeof (*ret));
  for (i = 0; m && i < m->len; i++)
    {
      const char *key = m->keys[i];
      if (strncmp (key, "carve.", 6) != 0)
        continue;
      for (k = 0; k < CARVE_ANNOTATION_COUNT_; k++)
        if (strcmp (rows[k].info.name, key) == 0)
          break;
      if (k == CARVE_ANNOTATION_COUNT_)
        {
          /* A runaway key is named by its start, so the message stays one
             readable line.  */
          size_t klen = strlen (key);
          return carve_make_error (err, 0, "annotations.%.*s%s: not a carve annotation (`carve features` lists them)",
                                   klen > 64 ? 64 : (int)klen, key, klen > 64 ? "..." : "");
        }
      if (strlen (m->values[i]) > CARVE_ANNOTATION_VALUE_MAX)
        return carve_make_error (err, 0, "%s: a value of %zu bytes, more than the %d carve takes", rows[k].info.jpath,
                                 strlen (m->values[i]), CARVE_ANNOTATION_VALUE_MAX);
      /* Go's encoding/json keeps the last of duplicate keys; so does the
         map, so each key is here once.  */
      ret->values[k] = xstrdup (m->values[i]);
    }
  /* In the table's order, so that which bad value is named first does not
     depend on the order of the config's keys.  */
  for (k = 0; k < CARVE_ANNOTATION_COUNT_; k++)
    if (ret->values[k] && rows[k].parse && rows[k].parse ((enum carve_annotation)k, ret->values[k], ret, err) < 0)
      return -1;
  if (resolve_cpus (spec, ret, err) < 0 || resolve_memory (ret, err) < 0)
    return -1;
  if (is_pod_sandbox (m))
    drop_for_sandbox (ret);
  return 0;
}

void
carve_compute_request_release (struct carve_compute_request_s *req)
{
  size_t k;

  free (req->cpus_value);
  for (k = 0; k < CARVE_ANNOTATION_COUNT_; k++)
    free (req->values[k]);
  memset (req, 0, sizeof (*req));
}

bool
carve_compute_request_active (const struct carve_compute_request_s *req)
{
  return req->cpus_kind != CARVE_CPUS_NONE || req->has_memory || req->sched != CARVE_SCHED_DEFAULT;
}
