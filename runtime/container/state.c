/* The state store (state.h): one directory per container under --root.  */
#include <config.h>
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "procstat.h"
#include "xalloc.h"
#include "runtime/compute/compute.h"
#include "spec/json.h"

int
carve_state_validate_id (const char *id, carve_error_t *err)
{
  const char *p;

  if (id == NULL || *id == '\0' || strcmp (id, ".") == 0 || strcmp (id, "..") == 0 || strlen (id) > 1024)
    return carve_make_error (err, 0, "invalid container id `%s`", id ? id : "");
  for (p = id; *p; p++)
    {
      char c = *p;
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '+'
            || c == '-' || c == '.'))
        return carve_make_error (err, 0, "invalid container id `%s`: only letters, digits and `_+-.` are allowed",
                                 id);
    }
  return 0;
}

char *
carve_state_dir (const char *root, const char *id)
{
  return carve_path_join (root, id);
}

bool
carve_state_dir_abandoned (const char *dir)
{
  cleanup_free char *state = carve_path_join (dir, "state.json");
  cleanup_close int fd = -1;

  if (carve_path_exists (state))
    return false;
  fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return false;
  /* The create that made it holds the lock until it saved its state: a
     lock we can take is a create that is gone.  */
  return flock (fd, LOCK_EX | LOCK_NB) == 0;
}

int
carve_state_dir_create (const char *root, const char *id, char **ret_dir, int *ret_lock, carve_error_t *err)
{
  cleanup_free char *dir = NULL, *tmp = NULL;
  cleanup_close int fd = -1;
  int attempt;

  if (carve_state_validate_id (id, err) < 0)
    return -1;
  if (carve_mkdir_p (root, 0711, err) < 0)
    return carve_error_wrap (err, "state directory");
  dir = carve_state_dir (root, id);
  /* Made under a name no id can have, locked, then renamed into place
     without replacing anything (RENAME_NOREPLACE): the rename is the
     atomic claim on the id, and from the first moment the id's directory
     exists it is locked by its create, so that nobody takes it for one a
     killed create left behind.  */
  tmp = carve_path_join (root, "#creating-XXXXXX");
  if (mkdtemp (tmp) == NULL)
    return carve_make_error (err, errno, "mkdir `%s`", tmp);
  fd = open (tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 || flock (fd, LOCK_EX) < 0 || chmod (tmp, 0711) < 0)
    {
      int saved = errno;
      (void) rmdir (tmp);
      return carve_make_error (err, saved, "lock `%s`", tmp);
    }
  for (attempt = 0;; attempt++)
    {
      carve_error_t ignored = NULL;

      if (renameat2 (AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_NOREPLACE) == 0)
        break;
      if (errno != EEXIST || attempt > 0 || !carve_state_dir_abandoned (dir))
        {
          int saved = errno;
          (void) rmdir (tmp);
          if (saved == EEXIST)
            return carve_make_error (err, 0, "container `%s` already exists", id);
          return carve_make_error (err, saved, "rename `%s` to `%s`", tmp, dir);
        }
      /* Left by a create killed before it saved its state (nothing else
         of it can exist: its init died with it): the id is free.  */
      (void) carve_rm_rf (dir, &ignored);
      carve_error_release (&ignored);
    }
  *ret_dir = steal_pointer (&dir);
  *ret_lock = steal_fd (&fd);
  return 0;
}

static void
gen_string (yajl_gen g, const char *key, const char *value)
{
  yajl_gen_string (g, (const unsigned char *) key, strlen (key));
  if (value)
    yajl_gen_string (g, (const unsigned char *) value, strlen (value));
  else
    yajl_gen_null (g);
}

static void
gen_integer (yajl_gen g, const char *key, long long value)
{
  yajl_gen_string (g, (const unsigned char *) key, strlen (key));
  yajl_gen_integer (g, value);
}

int
carve_state_save (const char *dir, const struct carve_state_s *st, carve_error_t *err)
{
  cleanup_yajl_gen yajl_gen g = yajl_gen_alloc (NULL);
  cleanup_free char *path = carve_path_join (dir, "state.json");
  const unsigned char *buf;
  size_t len, i;

  if (g == NULL)
    carve_oom ();
  yajl_gen_map_open (g);
  gen_string (g, "id", st->id);
  gen_integer (g, "pid", st->pid);
  gen_integer (g, "pid_start", (long long) st->pid_start);
  gen_string (g, "bundle", st->bundle);
  gen_string (g, "rootfs", st->rootfs);
  gen_string (g, "created", st->created);
  gen_string (g, "cgroup_path", st->cgroup_path);
  gen_string (g, "systemd_unit", st->systemd_unit);
  gen_string (g, "isolation", st->isolation);
  gen_string (g, "oci_version", st->oci_version);
  gen_string (g, "notify_socket_host", st->notify_socket_host);
  yajl_gen_string (g, (const unsigned char *) "annotations", strlen ("annotations"));
  yajl_gen_map_open (g);
  for (i = 0; st->annotations && i < st->annotations->len; i++)
    gen_string (g, st->annotations->keys[i], st->annotations->values[i]);
  yajl_gen_map_close (g);
  if (st->warnings && st->warnings[0])
    {
      yajl_gen_string (g, (const unsigned char *) "warnings", strlen ("warnings"));
      yajl_gen_array_open (g);
      for (i = 0; st->warnings[i]; i++)
        yajl_gen_string (g, (const unsigned char *) st->warnings[i], strlen (st->warnings[i]));
      yajl_gen_array_close (g);
    }
  if (st->compute)
    {
      yajl_gen_string (g, (const unsigned char *) "compute", strlen ("compute"));
      yajl_gen_map_open (g);
      carve_compute_plan_gen (g, st->compute);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
  yajl_gen_get_buf (g, &buf, &len);
  return carve_write_file_atomic (path, (const char *) buf, len, 0600, err);
}

static char *
tree_string (yajl_val root, const char *key)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (root, path, yajl_t_string);
  return v ? xstrdup (YAJL_GET_STRING (v)) : NULL;
}

static long long
tree_integer (yajl_val root, const char *key)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (root, path, yajl_t_number);
  return v && YAJL_IS_INTEGER (v) ? YAJL_GET_INTEGER (v) : 0;
}

int
carve_state_load (const char *root, const char *id, struct carve_state_s **ret, carve_error_t *err)
{
  cleanup_free char *dir = NULL, *path = NULL, *buf = NULL;

  if (carve_state_validate_id (id, err) < 0)
    return -1;
  dir = carve_state_dir (root, id);
  path = carve_path_join (dir, "state.json");
  if (carve_read_file (path, &buf, NULL, err) < 0)
    {
      if ((*err)->status == ENOENT)
        {
          carve_error_release (err);
          return carve_make_error (err, 0, "container `%s` does not exist", id);
        }
      return -1;
    }
  return carve_state_parse (id, path, buf, ret, err);
}

int
carve_state_parse (const char *id, const char *path, const char *buf, struct carve_state_s **ret, carve_error_t *err)
{
  cleanup_yajl_val yajl_val tree = NULL;
  CARVE_CLEANUP (state) struct carve_state_s *st = NULL;
  const char *ann_path[] = { "annotations", NULL };
  const char *compute_path[] = { "compute", NULL };
  char errbuf[256];
  yajl_val ann, compute;

  tree = yajl_tree_parse (buf, errbuf, sizeof (errbuf));
  if (tree == NULL || !YAJL_IS_OBJECT (tree))
    return carve_make_error (err, 0, "container `%s`: corrupt state file `%s`", id, path);

  st = xzalloc (sizeof (*st));
  st->id = tree_string (tree, "id");
  st->pid = (pid_t) tree_integer (tree, "pid");
  st->pid_start = (unsigned long long) tree_integer (tree, "pid_start");
  st->bundle = tree_string (tree, "bundle");
  st->rootfs = tree_string (tree, "rootfs");
  st->created = tree_string (tree, "created");
  st->cgroup_path = tree_string (tree, "cgroup_path");
  st->systemd_unit = tree_string (tree, "systemd_unit");
  st->isolation = tree_string (tree, "isolation");
  st->oci_version = tree_string (tree, "oci_version");
  st->notify_socket_host = tree_string (tree, "notify_socket_host");
  {
    const char *warn_path[] = { "warnings", NULL };
    yajl_val w = yajl_tree_get (tree, warn_path, yajl_t_array);
    size_t k;

    for (k = 0; w && k < YAJL_GET_ARRAY (w)->len; k++)
      if (YAJL_IS_STRING (YAJL_GET_ARRAY (w)->values[k]))
        carve_strv_append (&st->warnings, YAJL_GET_STRING (YAJL_GET_ARRAY (w)->values[k]));
  }
  ann = yajl_tree_get (tree, ann_path, yajl_t_object);
  if (ann && YAJL_GET_OBJECT (ann)->len > 0)
    {
      size_t i, n = YAJL_GET_OBJECT (ann)->len;
      st->annotations = xzalloc (sizeof (*st->annotations));
      st->annotations->keys = xcalloc (n + 1, sizeof (char *));
      st->annotations->values = xcalloc (n + 1, sizeof (char *));
      for (i = 0; i < n; i++)
        {
          yajl_val v = YAJL_GET_OBJECT (ann)->values[i];
          st->annotations->keys[st->annotations->len] = xstrdup (YAJL_GET_OBJECT (ann)->keys[i]);
          st->annotations->values[st->annotations->len] = xstrdup (YAJL_IS_STRING (v) ? YAJL_GET_STRING (v) : "");
          st->annotations->len++;
        }
    }
  compute = yajl_tree_get (tree, compute_path, yajl_t_object);
  if (compute && carve_compute_plan_load (compute, &st->compute, err) < 0)
    return carve_error_wrap (err, "container `%s`: corrupt state file `%s`", id, path);
  if (st->id == NULL || st->bundle == NULL)
    return carve_make_error (err, 0, "container `%s`: corrupt state file `%s`", id, path);
  *ret = steal_pointer (&st);
  return 0;
}

void
carve_state_free (struct carve_state_s *st)
{
  if (st == NULL)
    return;
  free (st->id);
  free (st->bundle);
  free (st->rootfs);
  free (st->created);
  free (st->cgroup_path);
  free (st->systemd_unit);
  free (st->isolation);
  free (st->oci_version);
  free (st->notify_socket_host);
  carve_strv_free (st->warnings);
  carve_compute_plan_free (st->compute);
  if (st->annotations)
    {
      carve_strv_free (st->annotations->keys);
      carve_strv_free (st->annotations->values);
      free (st->annotations);
    }
  free (st);
}

unsigned long long
carve_state_pid_start_time (pid_t pid)
{
  return carve_procstat_start_time ("/proc", pid);
}

bool
carve_state_init_alive (const struct carve_state_s *st)
{
  unsigned long long start;

  if (st->pid <= 0)
    return false;
  start = carve_state_pid_start_time (st->pid);
  return start != 0 && start == st->pid_start;
}

char *
carve_state_now_rfc3339 (void)
{
  struct timespec now;
  struct tm tm;
  char base[64], frac[16];
  long ns;
  int digits = 9;

  clock_gettime (CLOCK_REALTIME, &now);
  gmtime_r (&now.tv_sec, &tm);
  strftime (base, sizeof (base), "%Y-%m-%dT%H:%M:%S", &tm);
  /* Go's RFC3339Nano drops trailing zeros of the fraction (and the dot
     when it is zero).  */
  ns = now.tv_nsec;
  if (ns == 0)
    return xasprintf ("%sZ", base);
  while (ns % 10 == 0)
    {
      ns /= 10;
      digits--;
    }
  snprintf (frac, sizeof (frac), "%0*ld", digits, ns);
  return xasprintf ("%s.%sZ", base, frac);
}
