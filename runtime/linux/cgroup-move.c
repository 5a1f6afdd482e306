/* Moving a container's cgroup on one hierarchy: runtime/compute puts an
   exclusive container's v1 cpuset below the node's compute partition
   (carve.compute/NAME) while its other controllers stay at its
   cgroupsPath, because the kernel only lets a cpuset be cpu_exclusive when
   its parent is.  */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "runtime/linux/cgroup-internal.h"
#include "xalloc.h"

static int
hierarchy_of (carve_cgroup_t cg, const char *controller, carve_error_t *err)
{
  const struct carve_cgroup_hierarchy_s *h = carve_cgroup_layout_find (cg->layout, controller);
  int i;

  if (h == NULL)
    return carve_make_error (err, ENOTSUP, "cgroup `%s`: the node has no %s controller", cg->path, controller);
  i = (int)(h - cg->layout->hierarchies);
  if (h->v2)
    return carve_make_error (err, ENOTSUP, "cgroup `%s`: %s is on cgroup v2, where a controller cannot move alone",
                             cg->path, controller);
  if (cg->dirs[i] == NULL || cg->rels[i] == NULL)
    return carve_make_error (err, ENOENT, "cgroup `%s`: no %s directory", cg->path, controller);
  return i;
}

/* What cgroup.c's cgroup_finish computes from rels[]: one path when it is
   the same on every hierarchy, else "KEY:PATH" lines.  */
static void
refresh_path (carve_cgroup_t cg)
{
  carve_cgroup_layout_t l = cg->layout;
  const char *first = NULL;
  bool same = true;
  size_t i;

  for (i = 0; i < l->n_hierarchies; i++)
    {
      if (cg->rels[i] == NULL)
        continue;
      if (first == NULL)
        first = cg->rels[i];
      else if (strcmp (first, cg->rels[i]) != 0)
        same = false;
    }
  free (cg->path);
  if (same)
    {
      cg->path = xstrdup (first ? first : "/");
      return;
    }
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

static int
read_pids (const char *dir, pid_t **v, size_t *n, carve_error_t *err)
{
  cleanup_free char *buf = NULL;
  char *line, *save = NULL;

  if (carve_cgroup_read (dir, "cgroup.procs", &buf, err) < 0)
    return -1;
  for (line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      long p;
      if (carve_parse_long (line, &p) < 0 || p <= 0)
        continue;
      *v = xrealloc (*v, sizeof (pid_t) * (*n + 1));
      (*v)[(*n)++] = (pid_t)p;
    }
  return 0;
}

int
carve_cgroup_evacuate_controller (carve_cgroup_t cg, const char *controller, pid_t **ret_pids, size_t *ret_n,
                                  carve_error_t *err)
{
  const struct carve_cgroup_hierarchy_s *h;
  cleanup_free pid_t *pids = NULL;
  size_t n = 0, i;
  int idx, attempt;

  idx = hierarchy_of (cg, controller, err);
  if (idx < 0)
    return -1;
  h = &cg->layout->hierarchies[idx];
  if (strcmp (cg->rels[idx], "/") == 0)
    return carve_make_error (err, EINVAL, "cgroup `%s`: the %s root cannot move", cg->path, controller);
  if (read_pids (cg->dirs[idx], &pids, &n, err) < 0)
    return carve_error_wrap (err, "move cgroup `%s`", cg->path);
  /* The hierarchy's root takes any task, whatever its CPUs.  */
  for (i = 0; i < n; i++)
    {
      carve_error_t e = NULL;
      if (carve_cgroup_writef (h->mount, "cgroup.procs", &e, "%d", (int)pids[i]) < 0)
        {
          if (e->status == ESRCH)
            {
              carve_error_release (&e);
              continue;
            }
          *err = e;
          return carve_error_wrap (err, "move cgroup `%s`", cg->path);
        }
    }
  for (attempt = 0;; attempt++)
    {
      struct timespec ts = { 0, 10 * 1000 * 1000 };
      if (rmdir (cg->dirs[idx]) == 0 || errno == ENOENT)
        break;
      if (errno != EBUSY || attempt == 5)
        return carve_make_error (err, errno, "move cgroup `%s`: rmdir `%s`", cg->path, cg->dirs[idx]);
      (void)nanosleep (&ts, NULL);
    }
  *ret_pids = steal_pointer (&pids);
  *ret_n = n;
  return 0;
}

int
carve_cgroup_move_controller (carve_cgroup_t cg, const char *controller, const char *new_path, const pid_t *pids,
                              size_t n, carve_error_t *err)
{
  const struct carve_cgroup_hierarchy_s *h;
  cleanup_free char *dir = NULL;
  size_t i;
  int idx;

  if (new_path == NULL || new_path[0] != '/' || strstr (new_path, "/..") || strchr (new_path, '\n'))
    return carve_make_error (err, EINVAL, "move cgroup `%s`: `%s` is not a clean absolute path", cg->path,
                             new_path ? new_path : "");
  idx = hierarchy_of (cg, controller, err);
  if (idx < 0)
    return -1;
  h = &cg->layout->hierarchies[idx];
  dir = xasprintf ("%s%s", h->mount, new_path);
  if (!carve_path_exists (dir))
    return carve_make_error (err, ENOENT, "move cgroup `%s`: `%s` does not exist", cg->path, dir);
  for (i = 0; i < n; i++)
    {
      carve_error_t e = NULL;
      if (carve_cgroup_writef (dir, "cgroup.procs", &e, "%d", (int)pids[i]) < 0)
        {
          if (e->status == ESRCH)
            {
              carve_error_release (&e);
              continue;
            }
          *err = e;
          return carve_error_wrap (err, "move cgroup `%s` to `%s`", cg->path, new_path);
        }
    }
  free (cg->rels[idx]);
  cg->rels[idx] = xstrdup (new_path);
  free (cg->dirs[idx]);
  cg->dirs[idx] = steal_pointer (&dir);
  refresh_path (cg);
  return 0;
}
