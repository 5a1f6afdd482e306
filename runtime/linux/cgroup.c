/* Control groups: layout detection, path resolution and the operations
   common to every layout.  The controller-specific work is done by the
   backend of the hierarchy that holds the controller (cgroup-v1.c,
   cgroup-v2.c), so on a hybrid node v1 and v2 operations mix in one call.  */
#include <config.h>
#include "runtime/linux/cgroup.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "kfile.h"
#include "runtime/linux/cgroup-internal.h"
#include "spec/spec.h"
#include "xalloc.h"

/* --- small helpers ------------------------------------------------------- */

static void
sleep_ms (long ms)
{
  struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

static bool
strv_contains (char *const *v, const char *s)
{
  for (; v && *v; v++)
    if (strcmp (*v, s) == 0)
      return true;
  return false;
}

/* Splits S at any of SEPS, dropping empty fields.  */
static char **
split (const char *s, const char *seps)
{
  cleanup_free char *copy = xstrdup (s);
  char **v = xzalloc (sizeof (char *));
  char *save = NULL, *tok;

  for (tok = strtok_r (copy, seps, &save); tok; tok = strtok_r (NULL, seps, &save))
    carve_strv_append (&v, tok);
  return v;
}

/* Undoes the octal escapes of /proc/self/mountinfo (\040 for a space).  */
static char *
unescape_mountinfo (const char *s)
{
  char *out = xmalloc (strlen (s) + 1), *o = out;

  while (*s)
    {
      if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7')
        {
          *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
          s += 4;
        }
      else
        *o++ = *s++;
    }
  *o = '\0';
  return out;
}

/* Normalises PATH to an absolute path without "." and "..", as runc's
   CleanPath: ".." never climbs above the root, so a relative cgroupsPath
   cannot escape the cgroup it is relative to.  */
static char *
clean_path (const char *path)
{
  cleanup_strv char **parts = split (path, "/");
  char **out = xzalloc (sizeof (char *) * (carve_strv_length (parts) + 1));
  size_t n = 0, i, len = 1;
  char *ret, *p;

  for (i = 0; parts[i]; i++)
    {
      if (strcmp (parts[i], ".") == 0)
        continue;
      if (strcmp (parts[i], "..") == 0)
        {
          if (n > 0)
            n--;
          continue;
        }
      out[n++] = parts[i];
    }
  for (i = 0; i < n; i++)
    len += strlen (out[i]) + 1;
  ret = p = xmalloc (len + 1);
  *p = '\0';
  for (i = 0; i < n; i++)
    p += sprintf (p, "/%s", out[i]);
  if (n == 0)
    strcpy (ret, "/");
  free (out);
  return ret;
}

static char *
join_cgroup (const char *a, const char *b)
{
  cleanup_free char *j = xasprintf ("%s/%s", a, b);
  return clean_path (j);
}

int
carve_cgroup_write (const char *dir, const char *file, const char *value, carve_error_t *err)
{
  cleanup_free char *path = carve_path_join (dir, file);
  return carve_kfile_write (path, value, err);
}

int
carve_cgroup_writef (const char *dir, const char *file, carve_error_t *err, const char *fmt, ...)
{
  cleanup_free char *value = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&value, fmt, ap) < 0)
    carve_oom ();
  va_end (ap);
  return carve_cgroup_write (dir, file, value, err);
}

int
carve_cgroup_read (const char *dir, const char *file, char **ret, carve_error_t *err)
{
  cleanup_free char *path = carve_path_join (dir, file);
  return carve_kfile_read (path, ret, err);
}

static int
parse_u64 (const char *s, uint64_t *ret)
{
  char *end = NULL;
  unsigned long long v;

  while (*s == ' ' || *s == '\t')
    s++;
  if (strncmp (s, "max", 3) == 0)
    {
      *ret = UINT64_MAX;
      return 0;
    }
  if (*s < '0' || *s > '9')
    return -1;
  errno = 0;
  v = strtoull (s, &end, 10);
  if (errno != 0)
    return -1;
  *ret = v;
  return 0;
}

int
carve_cgroup_read_u64 (const char *dir, const char *file, uint64_t *ret, carve_error_t *err)
{
  cleanup_free char *buf = NULL;

  if (carve_cgroup_read (dir, file, &buf, err) < 0)
    return -1;
  if (parse_u64 (buf, ret) < 0)
    return carve_make_error (err, EINVAL, "`%s/%s`: `%s` is not a number", dir, file, buf);
  return 0;
}

int
carve_cgroup_read_keyed (const char *dir, const char *file, const char *key, uint64_t *ret, carve_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t klen = strlen (key);
  char *line, *save = NULL;

  if (carve_cgroup_read (dir, file, &buf, err) < 0)
    return -1;
  for (line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    if (strncmp (line, key, klen) == 0 && line[klen] == ' ')
      {
        if (parse_u64 (line + klen + 1, ret) < 0)
          return carve_make_error (err, EINVAL, "`%s/%s`: bad value for `%s`", dir, file, key);
        return 1;
      }
  return 0;
}

bool
carve_cgroup_file_exists (const char *dir, const char *file)
{
  cleanup_free char *path = carve_path_join (dir, file);
  return access (path, F_OK) == 0;
}

int
carve_cgroup_read_u64_opt (const char *dir, const char *file, uint64_t *ret, carve_error_t *err)
{
  if (!carve_cgroup_file_exists (dir, file))
    return 0;
  return carve_cgroup_read_u64 (dir, file, ret, err);
}

int
carve_cgroup_read_keyed_opt (const char *dir, const char *file, const char *key, uint64_t *ret, carve_error_t *err)
{
  if (!carve_cgroup_file_exists (dir, file))
    return 0;
  return carve_cgroup_read_keyed (dir, file, key, ret, err) < 0 ? -1 : 0;
}

int
carve_cgroup_write_hugetlb (const char *dir, const struct carve_spec_linux_resources_s *res, const char *suffix,
                            carve_error_t *err)
{
  size_t i;

  for (i = 0; i < res->hugepage_limits_len; i++)
    {
      const struct carve_spec_hugepage_limit_s *h = res->hugepage_limits[i];
      cleanup_free char *file = xasprintf ("hugetlb.%s.%s", h->page_size, suffix);
      cleanup_free char *rsvd = xasprintf ("hugetlb.%s.rsvd.%s", h->page_size, suffix);

      if (strchr (h->page_size, '/'))
        return carve_make_error (err, EINVAL, "`%s` is not a page size", h->page_size);
      if (carve_cgroup_writef (dir, file, err, "%" PRIu64, h->limit) < 0)
        return -1;
      if (carve_cgroup_file_exists (dir, rsvd) && carve_cgroup_writef (dir, rsvd, err, "%" PRIu64, h->limit) < 0)
        return -1;
    }
  return 0;
}

uint64_t
carve_cgroup_shares_to_weight (uint64_t shares)
{
  /* runc's linear map of [2, 262144] onto [1, 10000]; 0 means unset.  */
  if (shares == 0)
    return 0;
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

void
carve_cgroup_blkio_add (struct carve_cgroup_blkio_list_s *l, uint64_t major, uint64_t minor, const char *op,
                        uint64_t value)
{
  struct carve_cgroup_blkio_entry_s *e;

  l->entries = xrealloc (l->entries, sizeof (*l->entries) * (l->len + 1));
  e = &l->entries[l->len++];
  e->major = major;
  e->minor = minor;
  e->op = xstrdup (op);
  e->value = value;
}

/* --- layout detection ---------------------------------------------------- */

/* Controllers of v1 that are known even when /proc/cgroups is missing.  */
static const char *const known_v1_controllers[]
    = { "cpuset",     "cpu",      "cpuacct", "blkio", "memory", "devices", "freezer", "net_cls",
        "perf_event", "net_prio", "hugetlb", "pids",  "rdma",   "misc",    NULL };

struct proc_cgroup_s
{
  char *name;
  int hierarchy;
  bool enabled;
};

static void
hierarchy_release (struct carve_cgroup_hierarchy_s *h)
{
  free (h->mount);
  free (h->key);
  carve_strv_free (h->controllers);
}

void
carve_cgroup_layout_free (carve_cgroup_layout_t layout)
{
  size_t i;

  if (layout == NULL)
    return;
  if (layout->refs > 1)
    {
      layout->refs--;
      return;
    }
  for (i = 0; i < layout->n_hierarchies; i++)
    hierarchy_release (&layout->hierarchies[i]);
  free (layout->hierarchies);
  free (layout->root_prefix);
  free (layout->self_cgroup);
  free (layout);
}

static int
read_proc_cgroups (const char *path, struct proc_cgroup_s **ret, size_t *ret_n, carve_error_t *err)
{
  cleanup_free char *buf = NULL;
  struct proc_cgroup_s *v = NULL;
  size_t n = 0;
  char *line, *save = NULL;

  if (carve_read_file (path, &buf, NULL, err) < 0)
    {
      /* Kernels built without cgroup v1 have no /proc/cgroups.  */
      if ((*err)->status == ENOENT)
        {
          carve_error_release (err);
          *ret = NULL;
          *ret_n = 0;
          return 0;
        }
      return -1;
    }
  for (line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char name[64];
      int hier, num, enabled;

      if (line[0] == '#')
        continue;
      if (sscanf (line, "%63s %d %d %d", name, &hier, &num, &enabled) != 4)
        {
          free (v);
          return carve_make_error (err, EINVAL, "parse `%s`: bad line `%s`", path, line);
        }
      v = xrealloc (v, sizeof (*v) * (n + 1));
      v[n].name = xstrdup (name);
      v[n].hierarchy = hier;
      v[n].enabled = enabled != 0;
      n++;
    }
  *ret = v;
  *ret_n = n;
  return 0;
}

static const struct proc_cgroup_s *
proc_cgroup_find (const struct proc_cgroup_s *v, size_t n, const char *name)
{
  size_t i;
  for (i = 0; i < n; i++)
    if (strcmp (v[i].name, name) == 0)
      return &v[i];
  return NULL;
}

static bool
is_v1_controller (const struct proc_cgroup_s *pc, size_t n_pc, const char *opt)
{
  size_t i;

  if (n_pc > 0)
    return proc_cgroup_find (pc, n_pc, opt) != NULL;
  for (i = 0; known_v1_controllers[i]; i++)
    if (strcmp (known_v1_controllers[i], opt) == 0)
      return true;
  return false;
}

static char *
strv_join (char *const *v, const char *sep)
{
  size_t len = 1, i;
  char *ret;

  for (i = 0; v && v[i]; i++)
    len += strlen (v[i]) + strlen (sep);
  ret = xzalloc (len);
  for (i = 0; v && v[i]; i++)
    {
      if (i > 0)
        strcat (ret, sep);
      strcat (ret, v[i]);
    }
  return ret;
}

static void
layout_add (struct carve_cgroup_layout_s *l, struct carve_cgroup_hierarchy_s *h)
{
  l->hierarchies = xrealloc (l->hierarchies, sizeof (*h) * (l->n_hierarchies + 1));
  l->hierarchies[l->n_hierarchies++] = *h;
}

int
carve_cgroup_layout_detect (const char *mountinfo_path, const char *proc_cgroups_path, const char *root_prefix,
                            carve_cgroup_layout_t *ret, carve_error_t *err)
{
  cleanup_cgroup_layout carve_cgroup_layout_t l = NULL;
  cleanup_free char *buf = NULL;
  struct proc_cgroup_s *pc = NULL;
  size_t n_pc = 0, i;
  char *line, *save = NULL;
  bool any_v1 = false;
  int r = 0;

  if (read_proc_cgroups (proc_cgroups_path, &pc, &n_pc, err) < 0)
    return carve_error_wrap (err, "detect cgroup layout");
  if (carve_read_file (mountinfo_path, &buf, NULL, err) < 0)
    {
      r = carve_error_wrap (err, "detect cgroup layout");
      goto out;
    }

  l = xzalloc (sizeof (*l));
  l->refs = 1;
  l->v2_index = -1;
  l->root_prefix = xstrdup (root_prefix ? root_prefix : "");
  if (l->root_prefix[0] != '\0')
    {
      cleanup_free char *p = xasprintf ("%s/proc/self/cgroup", l->root_prefix);
      l->self_cgroup = carve_path_exists (p) ? steal_pointer (&p) : xstrdup ("/proc/self/cgroup");
    }
  else
    l->self_cgroup = xstrdup ("/proc/self/cgroup");

  for (line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      cleanup_strv char **f = split (line, " ");
      struct carve_cgroup_hierarchy_s h = { 0 };
      size_t nf = carve_strv_length (f), sep;
      cleanup_free char *mnt = NULL;

      for (sep = 6; sep < nf && strcmp (f[sep], "-") != 0; sep++)
        ;
      if (sep + 1 >= nf)
        continue;
      if (strcmp (f[sep + 1], "cgroup") != 0 && strcmp (f[sep + 1], "cgroup2") != 0)
        continue;
      mnt = unescape_mountinfo (f[4]);
      h.mount = xasprintf ("%s%s", l->root_prefix, mnt);

      if (strcmp (f[sep + 1], "cgroup2") == 0)
        {
          cleanup_free char *ctrl = NULL;
          carve_error_t ignored = NULL;

          if (l->v2_index >= 0)
            {
              free (h.mount);
              continue;
            }
          h.v2 = true;
          h.key = xstrdup ("");
          if (carve_cgroup_read (h.mount, "cgroup.controllers", &ctrl, &ignored) < 0)
            {
              carve_error_release (&ignored);
              h.controllers = xzalloc (sizeof (char *));
            }
          else
            h.controllers = split (ctrl, " \n");
          l->v2_index = (int)l->n_hierarchies;
          layout_add (l, &h);
        }
      else
        {
          cleanup_strv char **opts = sep + 3 < nf ? split (f[sep + 3], ",") : xzalloc (sizeof (char *));
          bool dup = false;
          size_t k;

          h.controllers = xzalloc (sizeof (char *));
          for (k = 0; opts[k]; k++)
            if (strncmp (opts[k], "name=", 5) == 0 || is_v1_controller (pc, n_pc, opts[k]))
              carve_strv_append (&h.controllers, opts[k]);
          if (h.controllers[0] == NULL)
            {
              hierarchy_release (&h);
              continue;
            }
          h.key = strv_join (h.controllers, ",");
          /* The same hierarchy bind-mounted twice: keep the first.  */
          for (k = 0; k < l->n_hierarchies; k++)
            if (!l->hierarchies[k].v2 && strcmp (l->hierarchies[k].key, h.key) == 0)
              dup = true;
          if (dup)
            {
              hierarchy_release (&h);
              continue;
            }
          for (k = 0; h.controllers[k]; k++)
            {
              const struct proc_cgroup_s *p = proc_cgroup_find (pc, n_pc, h.controllers[k]);
              if (p && p->hierarchy > 0)
                h.id = p->hierarchy;
            }
          if (strncmp (h.controllers[0], "name=", 5) != 0)
            any_v1 = true;
          layout_add (l, &h);
        }
    }

  if (l->n_hierarchies == 0)
    {
      r = carve_make_error (err, ENOENT, "detect cgroup layout: no cgroup filesystem in `%s`", mountinfo_path);
      goto out;
    }
  if (l->v2_index < 0)
    l->mode = CARVE_CGROUP_MODE_V1;
  else if (any_v1)
    l->mode = CARVE_CGROUP_MODE_HYBRID;
  else
    l->mode = CARVE_CGROUP_MODE_V2;

  /* Pure v2: named v1 hierarchies (name=systemd left over) are not ours to
     manage.  */
  if (l->mode == CARVE_CGROUP_MODE_V2 && l->n_hierarchies > 1)
    {
      struct carve_cgroup_hierarchy_s v2 = l->hierarchies[l->v2_index];
      for (i = 0; i < l->n_hierarchies; i++)
        if ((int)i != l->v2_index)
          hierarchy_release (&l->hierarchies[i]);
      l->hierarchies[0] = v2;
      l->n_hierarchies = 1;
      l->v2_index = 0;
    }
  *ret = steal_pointer (&l);

out:
  for (i = 0; i < n_pc; i++)
    free (pc[i].name);
  free (pc);
  return r;
}

int
carve_cgroup_layout_detect_host (carve_cgroup_layout_t *ret, carve_error_t *err)
{
  return carve_cgroup_layout_detect ("/proc/self/mountinfo", "/proc/cgroups", NULL, ret, err);
}

static const char *
v2_name (const char *controller)
{
  if (strcmp (controller, "blkio") == 0)
    return "io";
  if (strcmp (controller, "cpuacct") == 0)
    return "cpu";
  return controller;
}

static int
layout_find_index (carve_cgroup_layout_t l, const char *controller)
{
  const char *v1n = strcmp (controller, "io") == 0 ? "blkio" : controller;
  const char *v2n;
  size_t i;

  for (i = 0; i < l->n_hierarchies; i++)
    if (!l->hierarchies[i].v2 && strv_contains (l->hierarchies[i].controllers, v1n))
      return (int)i;
  if (l->v2_index < 0)
    return -1;
  v2n = v2_name (controller);
  /* Device control (eBPF) and the freezer are core features of cgroup2.  */
  if (strcmp (v2n, "devices") == 0 || strcmp (v2n, "freezer") == 0
      || strv_contains (l->hierarchies[l->v2_index].controllers, v2n))
    return l->v2_index;
  return -1;
}

const struct carve_cgroup_hierarchy_s *
carve_cgroup_layout_find (carve_cgroup_layout_t layout, const char *controller)
{
  int i = layout_find_index (layout, controller);
  return i < 0 ? NULL : &layout->hierarchies[i];
}

/* --- path resolution ----------------------------------------------------- */

int
carve_cgroup_systemd_path (const char *cgroups_path, const char *container_id, char **ret, carve_error_t *err)
{
  cleanup_free char *def = NULL, *slice_path = NULL;
  cleanup_strv char **parts = NULL;
  const char *spec = cgroups_path, *slice, *prefix, *name;
  const char *colon1, *colon2;
  cleanup_free char *s = NULL, *p = NULL, *n = NULL;
  const char *dash;

  if (spec == NULL || spec[0] == '\0')
    spec = def = xasprintf (":carve:%s", container_id);
  colon1 = strchr (spec, ':');
  colon2 = colon1 ? strchr (colon1 + 1, ':') : NULL;
  if (colon1 == NULL || colon2 == NULL || strchr (colon2 + 1, ':') != NULL)
    return carve_make_error (
        err, EINVAL, "linux.cgroupsPath: `%s` is not of the form `slice:prefix:name` that --systemd-cgroup needs",
        spec);
  s = xstrndup (spec, (size_t)(colon1 - spec));
  p = xstrndup (colon1 + 1, (size_t)(colon2 - colon1 - 1));
  n = xstrdup (colon2 + 1);
  slice = s[0] ? s : "system.slice";
  prefix = p;
  name = n[0] ? n : container_id;
  if (strchr (slice, '/') || strchr (prefix, '/') || strchr (name, '/'))
    return carve_make_error (err, EINVAL, "linux.cgroupsPath: `%s`: a systemd unit name cannot hold `/`", spec);
  if (strlen (slice) < 7 || strcmp (slice + strlen (slice) - 6, ".slice") != 0)
    return carve_make_error (err, EINVAL, "linux.cgroupsPath: `%s` is not a slice name", slice);

  /* systemd nests a-b-c.slice as /a.slice/a-b.slice/a-b-c.slice; -.slice is
     the root slice.  */
  slice_path = xstrdup ("");
  if (strcmp (slice, "-.slice") != 0)
    for (dash = slice;; dash++)
      {
        if (*dash == '-' || *dash == '.')
          {
            char *next;
            if (dash == slice || (*dash == '-' && dash[1] == '.'))
              return carve_make_error (err, EINVAL, "linux.cgroupsPath: `%s` is not a valid slice name", slice);
            next = xasprintf ("%s/%.*s.slice", slice_path, (int)(dash - slice), slice);
            free (slice_path);
            slice_path = next;
            if (*dash == '.')
              break;
          }
      }
  if (prefix[0])
    *ret = xasprintf ("%s/%s-%s.scope", slice_path, prefix, name);
  else
    *ret = xasprintf ("%s/%s", slice_path, name);
  return 0;
}

/* carve's own cgroup on hierarchy H, from /proc/self/cgroup.  */
static char *
own_cgroup (carve_cgroup_layout_t l, const struct carve_cgroup_hierarchy_s *h)
{
  cleanup_free char *buf = NULL;
  carve_error_t ignored = NULL;
  char *line, *save = NULL;

  if (carve_read_file (l->self_cgroup, &buf, NULL, &ignored) < 0)
    {
      carve_error_release (&ignored);
      return xstrdup ("/");
    }
  for (line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *c1 = strchr (line, ':'), *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      cleanup_free char *ctrls = NULL;
      cleanup_strv char **v = NULL;
      size_t k;

      if (c2 == NULL)
        continue;
      ctrls = xstrndup (c1 + 1, (size_t)(c2 - c1 - 1));
      if (h->v2)
        {
          if (ctrls[0] == '\0')
            return clean_path (c2 + 1);
          continue;
        }
      v = split (ctrls, ",");
      for (k = 0; v[k]; k++)
        if (strv_contains (h->controllers, v[k]))
          return clean_path (c2 + 1);
    }
  return xstrdup ("/");
}

static carve_cgroup_t
cgroup_new (carve_cgroup_layout_t l)
{
  carve_cgroup_t cg = xzalloc (sizeof (*cg));

  l->refs++;
  cg->layout = l;
  cg->rels = xcalloc (l->n_hierarchies + 1, sizeof (char *));
  cg->dirs = xcalloc (l->n_hierarchies + 1, sizeof (char *));
  return cg;
}

void
carve_cgroup_free (carve_cgroup_t cg)
{
  size_t i;

  if (cg == NULL)
    return;
  for (i = 0; i < cg->layout->n_hierarchies; i++)
    {
      free (cg->rels[i]);
      free (cg->dirs[i]);
    }
  free (cg->rels);
  free (cg->dirs);
  free (cg->path);
  free (cg->name);
  carve_cgroup_layout_free (cg->layout);
  free (cg);
}

/* Sets dirs[] and path from rels[].  */
static void
cgroup_finish (carve_cgroup_t cg)
{
  carve_cgroup_layout_t l = cg->layout;
  const char *first = NULL;
  bool same = true;
  size_t i;

  for (i = 0; i < l->n_hierarchies; i++)
    {
      if (cg->rels[i] == NULL)
        continue;
      cg->dirs[i] = strcmp (cg->rels[i], "/") == 0 ? xstrdup (l->hierarchies[i].mount)
                                                   : xasprintf ("%s%s", l->hierarchies[i].mount, cg->rels[i]);
      if (first == NULL)
        first = cg->rels[i];
      else if (strcmp (first, cg->rels[i]) != 0)
        same = false;
    }
  if (same)
    cg->path = xstrdup (first ? first : "/");
  else
    {
      cg->path = xstrdup ("");
      for (i = 0; i < l->n_hierarchies; i++)
        {
          char *next;
          if (cg->rels[i] == NULL)
            continue;
          next = xasprintf ("%s%s%s:%s", cg->path, cg->path[0] ? "\n" : "", l->hierarchies[i].key, cg->rels[i]);
          free (cg->path);
          cg->path = next;
        }
    }
}

static bool
systemd_running (carve_cgroup_layout_t l)
{
  cleanup_free char *p = xasprintf ("%s/run/systemd/system", l->root_prefix);
  struct stat st;
  return lstat (p, &st) == 0 && S_ISDIR (st.st_mode);
}

static int
resolve (carve_cgroup_layout_t l, const char *cgroups_path, const char *container_id, bool systemd, carve_cgroup_t *ret,
         carve_error_t *err)
{
  cleanup_cgroup carve_cgroup_t cg = NULL;
  cleanup_free char *sd = NULL;
  const char *path = cgroups_path;
  size_t i;

  if (cgroups_path && strchr (cgroups_path, '\n'))
    return carve_make_error (err, EINVAL, "linux.cgroupsPath: `%s` holds a newline", cgroups_path);
  if (systemd)
    {
      if (carve_cgroup_systemd_path (cgroups_path, container_id, &sd, err) < 0)
        return -1;
      if (!systemd_running (l))
        return carve_make_error (err, ENOTSUP,
                                 "--systemd-cgroup: systemd is not running on this node (no /run/systemd/system), "
                                 "so cgroupsPath `%s` cannot be placed by it; use the cgroupfs driver",
                                 cgroups_path ? cgroups_path : "");
      /* carve places the unit's cgroup itself where systemd would.  */
      path = sd;
    }
  else if (path == NULL || path[0] == '\0')
    {
      if (container_id == NULL || container_id[0] == '\0')
        return carve_make_error (err, EINVAL, "cgroup: neither a cgroupsPath nor a container id");
      path = container_id;
    }

  cg = cgroup_new (l);
  for (i = 0; i < l->n_hierarchies; i++)
    {
      if (path[0] == '/')
        cg->rels[i] = clean_path (path);
      else
        {
          cleanup_free char *own = own_cgroup (l, &l->hierarchies[i]);
          cg->rels[i] = join_cgroup (own, path);
        }
    }
  cgroup_finish (cg);
  *ret = steal_pointer (&cg);
  return 0;
}

int
carve_cgroup_resolve (carve_cgroup_layout_t layout, const char *cgroups_path, const char *container_id, bool systemd,
                      char **ret_path, carve_error_t *err)
{
  cleanup_cgroup carve_cgroup_t cg = NULL;

  if (resolve (layout, cgroups_path, container_id, systemd, &cg, err) < 0)
    return -1;
  *ret_path = xstrdup (cg->path);
  return 0;
}

int
carve_cgroup_open (carve_cgroup_layout_t layout, const char *resolved_path, carve_cgroup_t *ret, carve_error_t *err)
{
  cleanup_cgroup carve_cgroup_t cg = NULL;
  size_t i;

  if (resolved_path == NULL || resolved_path[0] == '\0')
    return carve_make_error (err, EINVAL, "open cgroup: empty path");
  cg = cgroup_new (layout);
  if (resolved_path[0] == '/')
    {
      for (i = 0; i < layout->n_hierarchies; i++)
        cg->rels[i] = clean_path (resolved_path);
    }
  else
    {
      cleanup_strv char **lines = split (resolved_path, "\n");
      size_t k;

      for (k = 0; lines[k]; k++)
        {
          /* The path starts at the first ":/" (a key holds no '/').  */
          char *colon = strstr (lines[k], ":/");
          bool found = false;

          if (colon == NULL)
            return carve_make_error (err, EINVAL, "open cgroup: bad path line `%s`", lines[k]);
          *colon = '\0';
          for (i = 0; i < layout->n_hierarchies; i++)
            if (strcmp (layout->hierarchies[i].key, lines[k]) == 0)
              {
                free (cg->rels[i]);
                cg->rels[i] = clean_path (colon + 1);
                found = true;
              }
          /* A hierarchy that is gone since create is not ours to manage.  */
          (void)found;
        }
    }
  cgroup_finish (cg);
  *ret = steal_pointer (&cg);
  return 0;
}

const char *
carve_cgroup_path (carve_cgroup_t cg)
{
  return cg->path;
}

const char *
carve_cgroup_name (carve_cgroup_t cg)
{
  cleanup_strv char **lines = split (cg->path, "\n");
  cleanup_strv char **seen = xzalloc (sizeof (char *));
  size_t k;

  for (k = 0; lines[k]; k++)
    {
      /* "KEY:/path" (a key holds no '/'), or the plain path.  */
      const char *p = lines[k][0] == '/' ? lines[k] : strstr (lines[k], ":/");
      if (p == NULL)
        p = lines[k];
      else if (*p == ':')
        p++;
      if (!strv_contains (seen, p))
        carve_strv_append (&seen, p);
    }
  free (cg->name);
  cg->name = strv_join (seen, ", ");
  return cg->name;
}

const char *
carve_cgroup_dir (carve_cgroup_t cg, const char *controller)
{
  int i = layout_find_index (cg->layout, controller);
  return i < 0 ? NULL : cg->dirs[i];
}

static const struct carve_cgroup_ops_s *
ops_of (const struct carve_cgroup_hierarchy_s *h)
{
  return h->v2 ? &carve_cgroup_ops_v2 : &carve_cgroup_ops_v1;
}

/* --- create, enter ------------------------------------------------------- */

/* Enables in DIR's cgroup.subtree_control every controller DIR has, so the
   child gets them (cgroup2).  As runc, a controller the kernel refuses here
   (a domain with processes) is skipped: the write of a limit names it.  */
static void
enable_subtree (const char *dir)
{
  cleanup_free char *avail = NULL;
  cleanup_strv char **v = NULL;
  carve_error_t e = NULL;
  size_t k;

  if (carve_cgroup_read (dir, "cgroup.controllers", &avail, &e) < 0)
    {
      carve_error_release (&e);
      return;
    }
  v = split (avail, " ");
  for (k = 0; v[k]; k++)
    {
      cleanup_free char *c = xasprintf ("+%s", v[k]);
      if (carve_cgroup_write (dir, "cgroup.subtree_control", c, &e) < 0)
        carve_error_release (&e);
    }
}

/* Creates REL below hierarchy H's mount, component by component.  Sets
 *RET_TOP to the first directory this call created (NULL if none).  */
static int
make_dirs (const struct carve_cgroup_hierarchy_s *h, const char *rel, char **ret_top, carve_error_t *err)
{
  cleanup_strv char **parts = split (rel, "/");
  cleanup_free char *cur = xstrdup (h->mount);
  char *top = NULL;
  size_t k;

  *ret_top = NULL;
  for (k = 0; parts[k]; k++)
    {
      char *next = carve_path_join (cur, parts[k]);

      if (h->v2)
        enable_subtree (cur);
      if (mkdir (next, 0755) < 0)
        {
          if (errno != EEXIST)
            {
              int saved = errno;
              *ret_top = top;
              carve_make_error (err, saved, "mkdir `%s`", next);
              free (next);
              return -1;
            }
        }
      else if (top == NULL)
        top = xstrdup (next);
      if (ops_of (h)->prepare_dir && ops_of (h)->prepare_dir (h, cur, next, err) < 0)
        {
          *ret_top = top;
          free (next);
          return -1;
        }
      free (cur);
      cur = next;
    }
  *ret_top = top;
  return 0;
}

/* Removes DIR and its parents up to and including TOP.  */
static void
remove_up_to (const char *dir, const char *top)
{
  cleanup_free char *cur = xstrdup (dir);
  size_t tl = strlen (top);

  while (strlen (cur) >= tl && strncmp (cur, top, tl) == 0)
    {
      char *slash;
      (void)rmdir (cur);
      if (strlen (cur) == tl)
        break;
      slash = strrchr (cur, '/');
      if (slash == NULL || slash == cur)
        break;
      *slash = '\0';
    }
}

static int
enter_dir (const char *dir, pid_t pid, carve_error_t *err)
{
  return carve_cgroup_writef (dir, "cgroup.procs", err, "%d", (int)pid);
}

int
carve_cgroup_create (carve_cgroup_layout_t layout, const char *cgroups_path, const char *container_id, bool systemd,
                     pid_t pid, carve_cgroup_t *ret, carve_error_t *err)
{
  cleanup_cgroup carve_cgroup_t cg = NULL;
  char **tops;
  size_t i, n = layout->n_hierarchies;
  int r = 0;

  if (resolve (layout, cgroups_path, container_id, systemd, &cg, err) < 0)
    return -1;

  tops = xcalloc (n + 1, sizeof (char *));
  for (i = 0; i < n && r == 0; i++)
    {
      if (cg->rels[i] == NULL)
        continue;
      r = make_dirs (&layout->hierarchies[i], cg->rels[i], &tops[i], err);
      if (r == 0 && pid > 0)
        r = enter_dir (cg->dirs[i], pid, err);
    }
  if (r < 0)
    {
      /* Undo: only what this call created, deepest first.  */
      for (i = 0; i < n; i++)
        if (tops[i])
          remove_up_to (cg->dirs[i], tops[i]);
      carve_error_wrap (err, "create cgroup `%s`", carve_cgroup_name (cg));
    }
  for (i = 0; i < n; i++)
    free (tops[i]);
  free (tops);
  if (r < 0)
    return -1;
  *ret = steal_pointer (&cg);
  return 0;
}

int
carve_cgroup_enter (carve_cgroup_t cg, pid_t pid, const char *sub_cgroup, carve_error_t *err)
{
  carve_cgroup_layout_t l = cg->layout;
  cleanup_strv char **only = NULL;
  const char *sub = sub_cgroup;
  size_t i;

  if (sub && sub[0] != '\0')
    {
      const char *colon = strchr (sub, ':');
      if (colon)
        {
          cleanup_free char *ctrls = xstrndup (sub, (size_t)(colon - sub));
          only = split (ctrls, ",");
          sub = colon + 1;
        }
    }
  for (i = 0; i < l->n_hierarchies; i++)
    {
      const struct carve_cgroup_hierarchy_s *h = &l->hierarchies[i];
      bool use_sub = sub && sub[0] != '\0';
      cleanup_free char *dir = NULL;

      if (cg->dirs[i] == NULL)
        continue;
      if (use_sub && only)
        {
          size_t k;
          use_sub = false;
          for (k = 0; only[k]; k++)
            if (layout_find_index (l, only[k]) == (int)i)
              use_sub = true;
        }
      if (use_sub)
        {
          cleanup_free char *clean = clean_path (sub);
          cleanup_free char *rel = join_cgroup (cg->rels[i], clean);
          cleanup_free char *top = NULL;

          if (make_dirs (h, rel, &top, err) < 0)
            {
              if (top)
                {
                  cleanup_free char *d = xasprintf ("%s%s", h->mount, rel);
                  remove_up_to (d, top);
                }
              return carve_error_wrap (err, "enter cgroup `%s`", carve_cgroup_name (cg));
            }
          dir = xasprintf ("%s%s", h->mount, rel);
        }
      else
        dir = xstrdup (cg->dirs[i]);
      if (enter_dir (dir, pid, err) < 0)
        return carve_error_wrap (err, "enter cgroup `%s`", carve_cgroup_name (cg));
    }
  return 0;
}

/* --- processes ----------------------------------------------------------- */

static int
cmp_pid (const void *a, const void *b)
{
  pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
  return (x > y) - (x < y);
}

static int
collect_pids (const char *dir, pid_t **v, size_t *n, int depth, carve_error_t *err)
{
  cleanup_free char *buf = NULL;
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  char *line, *save = NULL;

  if (carve_cgroup_read (dir, "cgroup.procs", &buf, err) < 0)
    {
      /* A sub-cgroup that vanished meanwhile.  */
      if (depth > 0 && (*err)->status == ENOENT)
        {
          carve_error_release (err);
          return 0;
        }
      return -1;
    }
  for (line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      long p;
      if (carve_parse_long (line, &p) < 0 || p <= 0)
        continue;
      *v = xrealloc (*v, sizeof (pid_t) * (*n + 1));
      (*v)[(*n)++] = (pid_t)p;
    }
  if (depth > 64)
    return 0;
  d = opendir (dir);
  if (d == NULL)
    return 0;
  while ((de = readdir (d)))
    {
      cleanup_free char *sub = NULL;
      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      sub = carve_path_join (dir, de->d_name);
      if (collect_pids (sub, v, n, depth + 1, err) < 0)
        return -1;
    }
  return 0;
}

int
carve_cgroup_pids (carve_cgroup_t cg, pid_t **ret, size_t *ret_n, carve_error_t *err)
{
  carve_cgroup_layout_t l = cg->layout;
  pid_t *v = NULL;
  size_t n = 0, i, j, used = 0;

  /* Every hierarchy: a process may sit in the container's cgroup on one and
     not (yet) on another; all of them are the container's.  */
  for (i = 0; i < l->n_hierarchies; i++)
    {
      if (cg->dirs[i] == NULL)
        continue;
      if (collect_pids (cg->dirs[i], &v, &n, 0, err) < 0)
        {
          if ((*err)->status == ENOENT)
            {
              carve_error_release (err);
              continue;
            }
          free (v);
          return carve_error_wrap (err, "list processes of cgroup `%s`", carve_cgroup_name (cg));
        }
      used++;
    }
  if (used == 0)
    {
      free (v);
      return carve_make_error (err, ENOENT, "list processes of cgroup `%s`: it does not exist", carve_cgroup_name (cg));
    }
  if (n > 1)
    qsort (v, n, sizeof (pid_t), cmp_pid);
  for (i = 0, j = 0; i < n; i++)
    if (j == 0 || v[j - 1] != v[i])
      v[j++] = v[i];
  *ret = v;
  *ret_n = j;
  return 0;
}

int
carve_cgroup_freeze (carve_cgroup_t cg, bool frozen, carve_error_t *err)
{
  int i = layout_find_index (cg->layout, "freezer");
  const struct carve_cgroup_ops_s *ops;

  if (i < 0 || cg->dirs[i] == NULL)
    return carve_make_error (err, ENOTSUP, "%s cgroup `%s`: no freezer on this node", frozen ? "freeze" : "thaw",
                             carve_cgroup_name (cg));
  ops = ops_of (&cg->layout->hierarchies[i]);
  if (ops->freeze (cg->dirs[i], frozen, err) < 0)
    return carve_error_wrap (err, "%s cgroup `%s`", frozen ? "freeze" : "thaw", carve_cgroup_name (cg));
  return 0;
}

int
carve_cgroup_is_frozen (carve_cgroup_t cg, bool *ret, carve_error_t *err)
{
  int i = layout_find_index (cg->layout, "freezer");

  if (i < 0 || cg->dirs[i] == NULL)
    {
      *ret = false;
      return 0;
    }
  if (ops_of (&cg->layout->hierarchies[i])->is_frozen (cg->dirs[i], ret, err) < 0)
    return carve_error_wrap (err, "freezer state of cgroup `%s`", carve_cgroup_name (cg));
  return 0;
}

static int
signal_pids (carve_cgroup_t cg, int signo, carve_error_t *err)
{
  pid_t *v = NULL;
  size_t n = 0, i;

  if (carve_cgroup_pids (cg, &v, &n, err) < 0)
    return -1;
  for (i = 0; i < n; i++)
    if (kill (v[i], signo) < 0 && errno != ESRCH)
      {
        int saved = errno;
        pid_t p = v[i];
        free (v);
        return carve_make_error (err, saved, "kill process %d of cgroup `%s`", (int)p, carve_cgroup_name (cg));
      }
  free (v);
  return 0;
}

int
carve_cgroup_kill_all (carve_cgroup_t cg, int signo, carve_error_t *err)
{
  int fi = layout_find_index (cg->layout, "freezer");
  bool frozen = false;
  int r;

  /* Frozen, no process can fork a child we would not see.  A freezer that
     fails is not fatal: signal anyway and look again afterwards.  */
  if (fi >= 0 && cg->dirs[fi] && signo != SIGCONT)
    {
      carve_error_t e = NULL;
      if (carve_cgroup_freeze (cg, true, &e) < 0)
        carve_error_release (&e);
      else
        frozen = true;
    }
  r = signal_pids (cg, signo, err);
  if (frozen)
    {
      carve_error_t e = NULL;
      if (carve_cgroup_freeze (cg, false, &e) < 0)
        {
          if (r == 0)
            {
              *err = e;
              r = -1;
            }
          else
            carve_error_release (&e);
        }
    }
  else if (r == 0)
    r = signal_pids (cg, signo, err);
  /* cgroup.kill (Linux 5.14) reaches even what raced the loop above.  */
  if (r == 0 && signo == SIGKILL && cg->layout->v2_index >= 0 && cg->dirs[cg->layout->v2_index]
      && carve_cgroup_file_exists (cg->dirs[cg->layout->v2_index], "cgroup.kill"))
    {
      carve_error_t e = NULL;
      if (carve_cgroup_write (cg->dirs[cg->layout->v2_index], "cgroup.kill", "1", &e) < 0)
        carve_error_release (&e);
    }
  return r;
}

/* --- destroy ------------------------------------------------------------- */

static int
rmdir_retry (const char *dir, carve_error_t *err)
{
  long delay = 10;
  int attempt;

  for (attempt = 0;; attempt++)
    {
      if (rmdir (dir) == 0 || errno == ENOENT)
        return 0;
      /* The last exiting processes leave the cgroup a little after they
         are reaped.  */
      if (errno != EBUSY || attempt == 5)
        return carve_make_error (err, errno, "rmdir `%s`", dir);
      sleep_ms (delay);
      delay *= 2;
    }
}

static int
remove_tree (const char *dir, int depth, carve_error_t *err)
{
  cleanup_dir DIR *d = NULL;
  struct dirent *de;

  d = opendir (dir);
  if (d == NULL)
    {
      if (errno == ENOENT)
        return 0;
      return carve_make_error (err, errno, "open `%s`", dir);
    }
  if (depth < 64)
    while ((de = readdir (d)))
      {
        cleanup_free char *sub = NULL;
        if (de->d_type != DT_DIR || strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
          continue;
        sub = carve_path_join (dir, de->d_name);
        if (remove_tree (sub, depth + 1, err) < 0)
          return -1;
      }
  /* A removed cgroup keeps its RT runtime until its last task, a zombie
     maybe, is reaped, and until then its parent cannot take it back: give
     it back first (no file: no RT group scheduling).  */
  if (carve_cgroup_file_exists (dir, "cpu.rt_runtime_us"))
    {
      carve_error_t ignored = NULL;
      if (carve_cgroup_write (dir, "cpu.rt_runtime_us", "0", &ignored) < 0)
        carve_error_release (&ignored);
    }
  return rmdir_retry (dir, err);
}

int
carve_cgroup_destroy (carve_cgroup_t cg, carve_error_t *err)
{
  carve_cgroup_layout_t l = cg->layout;
  carve_error_t first = NULL;
  size_t i;

  /* Keep going after a failure so that one stuck hierarchy does not leave
     the others behind; report the first error.  */
  for (i = 0; i < l->n_hierarchies; i++)
    {
      carve_error_t e = NULL;

      if (cg->dirs[i] == NULL || strcmp (cg->rels[i], "/") == 0)
        continue;
      if (remove_tree (cg->dirs[i], 0, &e) < 0)
        {
          if (first == NULL)
            first = e;
          else
            carve_error_release (&e);
        }
    }
  if (first)
    {
      *err = first;
      return carve_error_wrap (err, "delete cgroup `%s`", carve_cgroup_name (cg));
    }
  return 0;
}

/* --- resources ----------------------------------------------------------- */

typedef int (*set_fn) (const char *dir, const struct carve_spec_linux_resources_s *res, carve_error_t *err);

static int
apply_one (carve_cgroup_t cg, const char *controller, const char *field, size_t off,
           const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  int i = layout_find_index (cg->layout, controller);
  const struct carve_cgroup_ops_s *ops;
  set_fn fn;

  if (i < 0)
    return carve_make_error (err, ENOTSUP, "linux.resources.%s: the %s controller is not available on this node", field,
                             controller);
  if (cg->dirs[i] == NULL)
    return carve_make_error (err, ENOENT, "linux.resources.%s: the cgroup has no %s directory", field, controller);
  ops = ops_of (&cg->layout->hierarchies[i]);
  fn = *(const set_fn *)((const char *)ops + off);
  if (fn == NULL)
    return carve_make_error (err, ENOTSUP, "linux.resources.%s: the %s controller does not exist on cgroup v2", field,
                             controller);
  if (fn (cg->dirs[i], res, err) < 0)
    return carve_error_wrap (err, "linux.resources.%s", field);
  return 0;
}

/* Checks every `unified` key before anything is written, so that a bad key
   leaves the cgroup as it was (what `update` needs): each must name a file
   of a controller on the v2 hierarchy ("memory.high" -> "memory").  */
static int
check_unified (carve_cgroup_t cg, const struct carve_spec_map_s *m, carve_error_t *err)
{
  carve_cgroup_layout_t l = cg->layout;
  size_t k;

  for (k = 0; k < m->len; k++)
    {
      const char *key = m->keys[k];
      const char *dot = strchr (key, '.');
      cleanup_free char *ctrl = NULL;
      int i;

      if (dot == NULL || dot == key || strchr (key, '/'))
        return carve_make_error (err, EINVAL, "linux.resources.unified: `%s` is not a cgroup file name", key);
      if (l->v2_index < 0)
        return carve_make_error (err, ENOTSUP,
                                 "linux.resources.unified: `%s` needs cgroup v2, which this node does not have", key);
      ctrl = xstrndup (key, (size_t)(dot - key));
      if (strcmp (ctrl, "cgroup") != 0)
        {
          i = layout_find_index (l, ctrl);
          if (i >= 0 && !l->hierarchies[i].v2)
            return carve_make_error (err, ENOTSUP,
                                     "linux.resources.unified: `%s` needs the v2 %s controller, which is on a v1 "
                                     "hierarchy on this node",
                                     key, ctrl);
          if (i < 0)
            return carve_make_error (
                err, ENOTSUP,
                "linux.resources.unified: `%s` needs the v2 %s controller, which this node does not "
                "have",
                key, ctrl);
        }
      if (cg->dirs[l->v2_index] == NULL)
        return carve_make_error (err, ENOENT, "linux.resources.unified: the cgroup has no v2 directory");
    }
  return 0;
}

static int
apply_unified (carve_cgroup_t cg, const struct carve_spec_map_s *m, carve_error_t *err)
{
  size_t k;

  for (k = 0; k < m->len; k++)
    if (carve_cgroup_write (cg->dirs[cg->layout->v2_index], m->keys[k], m->values[k], err) < 0)
      return carve_error_wrap (err, "linux.resources.unified");
  return 0;
}

#define APPLY(ctrl, field, member) apply_one (cg, ctrl, field, offsetof (struct carve_cgroup_ops_s, member), res, err)

int
carve_cgroup_apply_resources (carve_cgroup_t cg, const struct carve_spec_linux_resources_s *res, carve_error_t *err)
{
  int r = 0;

  if (res == NULL)
    return 0;
  if (res->unified && res->unified->len > 0 && check_unified (cg, res->unified, err) < 0)
    return carve_error_wrap (err, "apply cgroup `%s`", carve_cgroup_name (cg));
  if (res->cpu)
    {
      const struct carve_spec_cpu_s *c = res->cpu;
      if (r == 0
          && (c->has_shares || c->has_quota || c->has_period || c->has_burst || c->has_realtime_runtime
              || c->has_realtime_period || c->has_idle))
        r = APPLY ("cpu", "cpu", set_cpu);
      if (r == 0 && ((c->cpus && c->cpus[0]) || (c->mems && c->mems[0])))
        r = APPLY ("cpuset", "cpu", set_cpuset);
    }
  if (r == 0 && res->memory)
    r = APPLY ("memory", "memory", set_memory);
  if (r == 0 && res->pids)
    r = APPLY ("pids", "pids", set_pids);
  if (r == 0 && res->block_io)
    r = APPLY ("blkio", "blockIO", set_blkio);
  if (r == 0 && res->hugepage_limits_len > 0)
    r = APPLY ("hugetlb", "hugepageLimits", set_hugetlb);
  if (r == 0 && res->network && res->network->has_class_id)
    r = APPLY ("net_cls", "network.classID", set_net_cls);
  if (r == 0 && res->network && res->network->priorities_len > 0)
    r = APPLY ("net_prio", "network.priorities", set_net_prio);
  if (r == 0 && res->rdma_len > 0)
    r = APPLY ("rdma", "rdma", set_rdma);
  if (r == 0 && res->devices_len > 0)
    r = APPLY ("devices", "devices", set_devices);
  if (r == 0 && res->unified && res->unified->len > 0)
    r = apply_unified (cg, res->unified, err);
  if (r < 0)
    return carve_error_wrap (err, "apply cgroup `%s`", carve_cgroup_name (cg));
  return 0;
}

/* --- statistics ---------------------------------------------------------- */

typedef int (*stats_fn) (const char *dir, struct carve_cgroup_stats_s *stats, carve_error_t *err);

static int
stats_one (carve_cgroup_t cg, const char *controller, size_t off, struct carve_cgroup_stats_s *s, carve_error_t *err)
{
  int i = layout_find_index (cg->layout, controller);
  stats_fn fn;

  if (i < 0 || cg->dirs[i] == NULL)
    return 0;
  fn = *(const stats_fn *)((const char *)ops_of (&cg->layout->hierarchies[i]) + off);
  if (fn == NULL)
    return 0;
  return fn (cg->dirs[i], s, err);
}

#define STATS(ctrl, member) stats_one (cg, ctrl, offsetof (struct carve_cgroup_ops_s, member), &s, err)

static void
blkio_list_release (struct carve_cgroup_blkio_list_s *l)
{
  size_t i;
  for (i = 0; i < l->len; i++)
    free (l->entries[i].op);
  free (l->entries);
}

void
carve_cgroup_stats_release (struct carve_cgroup_stats_s *s)
{
  size_t i;

  if (s == NULL)
    return;
  free (s->cpu.percpu);
  free (s->cpu.percpu_kernel);
  free (s->cpu.percpu_user);
  free (s->cpuset.cpus);
  free (s->cpuset.mems);
  for (i = 0; i < s->memory.raw_len; i++)
    free (s->memory.raw_keys[i]);
  free (s->memory.raw_keys);
  free (s->memory.raw_values);
  blkio_list_release (&s->blkio.io_service_bytes_recursive);
  blkio_list_release (&s->blkio.io_serviced_recursive);
  blkio_list_release (&s->blkio.io_queue_recursive);
  blkio_list_release (&s->blkio.io_service_time_recursive);
  blkio_list_release (&s->blkio.io_wait_time_recursive);
  blkio_list_release (&s->blkio.io_merged_recursive);
  blkio_list_release (&s->blkio.io_time_recursive);
  blkio_list_release (&s->blkio.sectors_recursive);
  for (i = 0; i < s->hugetlb_len; i++)
    free (s->hugetlb[i].page_size);
  free (s->hugetlb);
  memset (s, 0, sizeof (*s));
}

int
carve_cgroup_stats (carve_cgroup_t cg, struct carve_cgroup_stats_s *ret, carve_error_t *err)
{
  struct carve_cgroup_stats_s s;
  int r;

  memset (&s, 0, sizeof (s));
  r = STATS ("cpu", stats_cpu);
  /* On v2 cpuacct is the cpu controller: stats_cpuacct is NULL there.  */
  if (r == 0)
    r = STATS ("cpuacct", stats_cpuacct);
  if (r == 0)
    r = STATS ("cpuset", stats_cpuset);
  if (r == 0)
    r = STATS ("memory", stats_memory);
  if (r == 0)
    r = STATS ("pids", stats_pids);
  if (r == 0)
    r = STATS ("blkio", stats_blkio);
  if (r == 0)
    r = STATS ("hugetlb", stats_hugetlb);
  if (r < 0)
    {
      carve_cgroup_stats_release (&s);
      return carve_error_wrap (err, "statistics of cgroup `%s`", carve_cgroup_name (cg));
    }
  *ret = s;
  return 0;
}

int
carve_cgroup_oom_count (carve_cgroup_t cg, uint64_t *ret, carve_error_t *err)
{
  int i = layout_find_index (cg->layout, "memory");
  uint64_t v = 0;

  if (i < 0 || cg->dirs[i] == NULL)
    return carve_make_error (err, ENOTSUP, "OOM events of cgroup `%s`: no memory controller on this node",
                             carve_cgroup_name (cg));
  if (ops_of (&cg->layout->hierarchies[i])->oom_count (cg->dirs[i], &v, err) < 0)
    return carve_error_wrap (err, "OOM events of cgroup `%s`", carve_cgroup_name (cg));
  *ret = v;
  return 0;
}
