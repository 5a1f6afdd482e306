/* Control groups, the layout half: which hierarchies the node has
   (detected from /proc/self/mountinfo and /proc/cgroups, never from a
   hard-coded path), where a container's cgroup is on each of them
   (cgroupsPath resolved as runc does, the systemd slice syntax, a compute
   partition's own cpuset), and the cgroup object that records it.  The
   operations on a cgroup are in cgroup.c.  */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "runtime/linux/cgroup-internal.h"
#include "runtime/linux/cgroup-systemd.h"
#include "xalloc.h"

/* --- paths --------------------------------------------------------------- */

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
char *
carve_cgroup_clean_path (const char *path)
{
  cleanup_strv char **parts = carve_strv_split (path, "/");
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

char *
carve_cgroup_join_path (const char *a, const char *b)
{
  cleanup_free char *j = xasprintf ("%s/%s", a, b);
  return carve_cgroup_clean_path (j);
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
      cleanup_strv char **f = carve_strv_split (line, " ");
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
            h.controllers = carve_strv_split (ctrl, " \n");
          l->v2_index = (int)l->n_hierarchies;
          layout_add (l, &h);
        }
      else
        {
          cleanup_strv char **opts = sep + 3 < nf ? carve_strv_split (f[sep + 3], ",") : xzalloc (sizeof (char *));
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
          h.key = carve_strv_join (h.controllers, ",");
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

int
carve_cgroup_layout_index (carve_cgroup_layout_t l, const char *controller)
{
  const char *v1n = strcmp (controller, "io") == 0 ? "blkio" : controller;
  const char *v2n;
  size_t i;

  for (i = 0; i < l->n_hierarchies; i++)
    if (!l->hierarchies[i].v2 && carve_strv_contains (l->hierarchies[i].controllers, v1n))
      return (int)i;
  if (l->v2_index < 0)
    return -1;
  v2n = v2_name (controller);
  /* Device control (eBPF) and the freezer are core features of cgroup2.  */
  if (strcmp (v2n, "devices") == 0 || strcmp (v2n, "freezer") == 0
      || carve_strv_contains (l->hierarchies[l->v2_index].controllers, v2n))
    return l->v2_index;
  return -1;
}

const struct carve_cgroup_hierarchy_s *
carve_cgroup_layout_find (carve_cgroup_layout_t layout, const char *controller)
{
  int i = carve_cgroup_layout_index (layout, controller);
  return i < 0 ? NULL : &layout->hierarchies[i];
}

/* --- path resolution ----------------------------------------------------- */

/* systemd's unit names: letters, digits and ":-_.\\" (unit-name.c).  */
static bool
unit_chars (const char *s)
{
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || strchr (":-_.\\", *s)))
      return false;
  return true;
}

int
carve_cgroup_systemd_unit (const char *cgroups_path, const char *container_id, char **ret_slice, char **ret_unit,
                           char **ret_path, carve_error_t *err)
{
  cleanup_free char *def = NULL, *slice_path = NULL;
  cleanup_strv char **parts = NULL;
  const char *spec = cgroups_path, *slice, *prefix, *name;
  const char *colon1, *colon2;
  cleanup_free char *s = NULL, *p = NULL, *n = NULL, *unit = NULL;
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
  if (!unit_chars (slice) || !unit_chars (prefix) || !unit_chars (name))
    return carve_make_error (err, EINVAL,
                             "linux.cgroupsPath: `%s`: a systemd unit name holds only letters, digits and `:_.-\\`",
                             spec);
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
    unit = xasprintf ("%s-%s.scope", prefix, name);
  else if (strlen (name) > 6 && strcmp (name + strlen (name) - 6, ".scope") == 0)
    unit = xstrdup (name);
  else
    unit = xasprintf ("%s.scope", name);
  *ret_path = xasprintf ("%s/%s", slice_path, unit);
  *ret_slice = xstrdup (slice);
  *ret_unit = steal_pointer (&unit);
  return 0;
}

int
carve_cgroup_systemd_path (const char *cgroups_path, const char *container_id, char **ret, carve_error_t *err)
{
  cleanup_free char *slice = NULL, *unit = NULL;
  return carve_cgroup_systemd_unit (cgroups_path, container_id, &slice, &unit, ret, err);
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
            return carve_cgroup_clean_path (c2 + 1);
          continue;
        }
      v = carve_strv_split (ctrls, ",");
      for (k = 0; v[k]; k++)
        if (carve_strv_contains (h->controllers, v[k]))
          return carve_cgroup_clean_path (c2 + 1);
    }
  return xstrdup ("/");
}

carve_cgroup_t
carve_cgroup_new (carve_cgroup_layout_t l)
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
  free (cg->unit);
  carve_cgroup_layout_free (cg->layout);
  free (cg);
}

/* Sets dirs[] and path from rels[].  */
void
carve_cgroup_finish (carve_cgroup_t cg)
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

int
carve_cgroup_resolve_object (carve_cgroup_layout_t l, const char *cgroups_path, const char *container_id, bool systemd,
                             const struct carve_cgroup_placement_s *placement, carve_cgroup_t *ret, carve_error_t *err)
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
      if (!carve_systemd_running (l->root_prefix))
        return carve_make_error (err, ENOTSUP,
                                 "--systemd-cgroup: systemd is not running on this node (no /run/systemd/system), "
                                 "so cgroupsPath `%s` cannot be placed by it; use the cgroupfs driver",
                                 cgroups_path ? cgroups_path : "");
      /* Where systemd puts the unit's cgroup: systemd makes it, carve
         only knows the path.  */
      path = sd;
    }
  else if (path == NULL || path[0] == '\0')
    {
      if (container_id == NULL || container_id[0] == '\0')
        return carve_make_error (err, EINVAL, "cgroup: neither a cgroupsPath nor a container id");
      path = container_id;
    }

  cg = carve_cgroup_new (l);
  for (i = 0; i < l->n_hierarchies; i++)
    {
      if (path[0] == '/')
        cg->rels[i] = carve_cgroup_clean_path (path);
      else
        {
          cleanup_free char *own = own_cgroup (l, &l->hierarchies[i]);
          /* cgroup v2's no-internal-process rule: carve's own cgroup holds
             processes (carve's, its service's), so a child of it could not
             take the container's with controllers enabled.  As runc's fs2
             driver, a relative path starts at its parent.  Hybrid and v1
             nodes keep runc's fs driver's rule: below carve's own.  */
          if (l->mode == CARVE_CGROUP_MODE_V2)
            {
              char *slash = strrchr (own, '/');
              if (slash && slash != own)
                *slash = '\0';
              else
                strcpy (own, "/");
            }
          cg->rels[i] = carve_cgroup_join_path (own, path);
        }
    }
  if (placement && placement->cpuset_path)
    {
      int c = carve_cgroup_layout_index (l, "cpuset");
      if (c < 0 || l->hierarchies[c].v2)
        return carve_make_error (err, ENOTSUP, "cpuset partition `%s`: not on a cgroup v1 cpuset hierarchy",
                                 placement->cpuset_path);
      free (cg->rels[c]);
      cg->rels[c] = carve_cgroup_clean_path (placement->cpuset_path);
    }
  carve_cgroup_finish (cg);
  *ret = steal_pointer (&cg);
  return 0;
}

int
carve_cgroup_resolve (carve_cgroup_layout_t layout, const char *cgroups_path, const char *container_id, bool systemd,
                      const struct carve_cgroup_placement_s *placement, char **ret_path, carve_error_t *err)
{
  cleanup_cgroup carve_cgroup_t cg = NULL;

  if (carve_cgroup_resolve_object (layout, cgroups_path, container_id, systemd, placement, &cg, err) < 0)
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
  cg = carve_cgroup_new (layout);
  if (resolved_path[0] == '/')
    {
      for (i = 0; i < layout->n_hierarchies; i++)
        cg->rels[i] = carve_cgroup_clean_path (resolved_path);
    }
  else
    {
      cleanup_strv char **lines = carve_strv_split (resolved_path, "\n");
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
                cg->rels[i] = carve_cgroup_clean_path (colon + 1);
                found = true;
              }
          /* A hierarchy that is gone since create is not ours to manage.  */
          (void)found;
        }
    }
  carve_cgroup_finish (cg);
  *ret = steal_pointer (&cg);
  return 0;
}

const char *
carve_cgroup_unit (carve_cgroup_t cg)
{
  return cg->unit;
}

void
carve_cgroup_set_unit (carve_cgroup_t cg, const char *unit)
{
  free (cg->unit);
  cg->unit = unit ? xstrdup (unit) : NULL;
}

const char *
carve_cgroup_path (carve_cgroup_t cg)
{
  return cg->path;
}

const char *
carve_cgroup_name (carve_cgroup_t cg)
{
  cleanup_strv char **lines = carve_strv_split (cg->path, "\n");
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
      if (!carve_strv_contains (seen, p))
        carve_strv_append (&seen, p);
    }
  free (cg->name);
  cg->name = carve_strv_join (seen, ", ");
  return cg->name;
}

const char *
carve_cgroup_dir (carve_cgroup_t cg, const char *controller)
{
  int i = carve_cgroup_layout_index (cg->layout, controller);
  return i < 0 ? NULL : cg->dirs[i];
}
