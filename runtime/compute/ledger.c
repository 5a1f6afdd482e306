/* The node ledger (ledger.h): storage, lock, liveness and the undo of
   recorded settings.  */
#include <config.h>

#include "runtime/compute/ledger.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "runtime/base/fsutil.h"
#include "runtime/base/fault.h"
#include "runtime/base/kfile.h"
#include "runtime/base/procstat.h"
#include "runtime/base/xalloc.h"
#include "runtime/linux/affinity.h"
#include "runtime/linux/hostmount.h"
#include "spec/emit.h"
#include "spec/json.h"

/* Version 2 names the partition fields as `carve node` does (cgroup,
   cpuset, kthreads); version 1 (cgroup_path, cpuset_dir, evict) is still
   read, so a node upgraded under running compute containers keeps them.  */
#define LEDGER_VERSION 2

/* Start time of a live (not zombie) task, 0 when it is gone.  */
static unsigned long long
live_start_time (const char *proc_root, pid_t pid)
{
  return carve_procstat_start_time (proc_root, pid);
}

/* --- values ------------------------------------------------------------- */

static char *
read_value (const char *path, carve_error_t *err)
{
  char *v = NULL;
  return carve_kfile_read (path, &v, err) < 0 ? NULL : v;
}

static char *
read_boot_id (void)
{
  carve_error_t e = NULL;
  char *id = read_value ("/proc/sys/kernel/random/boot_id", &e);

  if (id == NULL)
    {
      carve_error_release (&e);
      return xstrdup ("");
    }
  return id;
}

/* --- objects ------------------------------------------------------------ */

static void
partition_free (struct carve_ledger_partition_s *p)
{
  if (p == NULL)
    return;
  free (p->root);
  free (p->id);
  free (p->key);
  free (p->cgroup_path);
  free (p->cpuset_dir);
  free (p->hugepages);
  carve_strv_free (p->irqs_unmoved);
  free (p);
}

static void
setting_free (struct carve_ledger_setting_s *s)
{
  size_t i;

  if (s == NULL)
    return;
  free (s->path);
  free (s->original);
  for (i = 0; i < s->n_users; i++)
    free (s->users[i]);
  free (s->users);
  free (s);
}

static void
drop_all (carve_ledger_t l)
{
  size_t i;

  for (i = 0; i < l->n_partitions; i++)
    partition_free (l->partitions[i]);
  free (l->partitions);
  l->partitions = NULL;
  l->n_partitions = 0;
  for (i = 0; i < l->n_settings; i++)
    setting_free (l->settings[i]);
  free (l->settings);
  l->settings = NULL;
  l->n_settings = 0;
}

void
carve_ledger_close (carve_ledger_t l)
{
  if (l == NULL)
    return;
  drop_all (l);
  if (l->lock_fd >= 0)
    close (l->lock_fd);
  free (l->path);
  free (l->recovered);
  free (l->boot_id);
  free (l);
}

static char *
make_key (const char *root, const char *id)
{
  size_t n = strlen (root);
  /* "/" as the root gives "/ID", not "//ID".  */
  if (n > 0 && root[n - 1] == '/')
    return xasprintf ("%s%s", root, id);
  return xasprintf ("%s/%s", root, id);
}

static void
add_partition (carve_ledger_t l, struct carve_ledger_partition_s *p)
{
  l->partitions = xrealloc (l->partitions, sizeof (*l->partitions) * (l->n_partitions + 1));
  l->partitions[l->n_partitions++] = p;
}

static void
add_setting (carve_ledger_t l, struct carve_ledger_setting_s *s)
{
  l->settings = xrealloc (l->settings, sizeof (*l->settings) * (l->n_settings + 1));
  l->settings[l->n_settings++] = s;
}

static void
setting_add_user (struct carve_ledger_setting_s *s, const char *owner)
{
  if (carve_ledger_setting_used_by (s, owner))
    return;
  s->users = xrealloc (s->users, sizeof (char *) * (s->n_users + 1));
  s->users[s->n_users++] = xstrdup (owner);
}

bool
carve_ledger_setting_used_by (const struct carve_ledger_setting_s *s, const char *owner)
{
  size_t i;
  for (i = 0; i < s->n_users; i++)
    if (strcmp (s->users[i], owner) == 0)
      return true;
  return false;
}

/* --- reading ------------------------------------------------------------ */

static const char *const kind_names[] = { "file", "affinity", "cgroup_dir", "mount" };
static const char *const derive_names[] = { "fixed", "minus_owned", "minus_evicted", "plus_users" };

static int
corrupt (carve_error_t *err, const char *path, const char *what)
{
  return carve_make_error (err, EINVAL, "ledger `%s` is corrupt: %s", path, what);
}

static yajl_val
field (yajl_val obj, const char *name)
{
  const char *p[] = { name, NULL };
  return yajl_tree_get (obj, p, yajl_t_any);
}

/* Optional string: absent or null gives NULL; another type is an error.  */
static int
get_str (yajl_val obj, const char *name, char **ret)
{
  yajl_val v = field (obj, name);
  *ret = NULL;
  if (v == NULL || YAJL_IS_NULL (v))
    return 0;
  if (!YAJL_IS_STRING (v))
    return -1;
  *ret = xstrdup (YAJL_GET_STRING (v));
  return 0;
}

static int
get_u64 (yajl_val obj, const char *name, uint64_t *ret)
{
  yajl_val v = field (obj, name);
  *ret = 0;
  if (v == NULL)
    return 0;
  if (!YAJL_IS_INTEGER (v) || YAJL_GET_INTEGER (v) < 0)
    return -1;
  *ret = (uint64_t)YAJL_GET_INTEGER (v);
  return 0;
}

static int
get_bool (yajl_val obj, const char *name, bool *ret)
{
  yajl_val v = field (obj, name);
  *ret = false;
  if (v == NULL)
    return 0;
  if (!YAJL_IS_TRUE (v) && !YAJL_IS_FALSE (v))
    return -1;
  *ret = YAJL_IS_TRUE (v);
  return 0;
}

static int
get_mask (yajl_val obj, const char *name, carve_cpumask_t *ret)
{
  cleanup_free char *s = NULL;
  carve_error_t e = NULL;

  carve_cpumask_zero (ret);
  if (get_str (obj, name, &s) < 0)
    return -1;
  if (s == NULL)
    return 0;
  if (carve_cpumask_parse_list (s, ret, &e) < 0)
    {
      carve_error_release (&e);
      return -1;
    }
  return 0;
}

static int
load_partition (yajl_val o, uint64_t version, struct carve_ledger_partition_s **ret, const char **ret_what)
{
  struct carve_ledger_partition_s *p = xzalloc (sizeof (*p));
  cleanup_free char *kthreads = NULL;
  bool v1 = version == 1;
  yajl_val hp;
  uint64_t u;

  *ret_what = "a partition is not an object";
  if (!YAJL_IS_OBJECT (o))
    goto bad;
  *ret_what = "a partition lacks its root or id";
  if (get_str (o, "root", &p->root) < 0 || get_str (o, "id", &p->id) < 0 || p->root == NULL || p->id == NULL)
    goto bad;
  p->key = make_key (p->root, p->id);
  *ret_what = "a partition has a bad field";
  if (get_u64 (o, "creator", &u) < 0 || u > INT_MAX)
    goto bad;
  p->creator = (pid_t)u;
  if (get_u64 (o, "creator_start", &u) < 0)
    goto bad;
  p->creator_start = u;
  if (get_str (o, v1 ? "cgroup_path" : "cgroup", &p->cgroup_path) < 0 || get_mask (o, "cpus", &p->cpus) < 0
      || get_bool (o, "exclusive", &p->exclusive) < 0 || get_bool (o, "load_balance", &p->load_balance) < 0
      || (v1 ? get_bool (o, "evict", &p->evict) : get_str (o, "kthreads", &kthreads)) < 0
      || get_str (o, v1 ? "cpuset_dir" : "cpuset", &p->cpuset_dir) < 0 || get_u64 (o, "memory", &p->memory) < 0 || get_u64 (o, "memory_units", &p->memory_units) < 0
      || get_mask (o, "memory_nodes", &p->memory_nodes) < 0 || get_u64 (o, "hugepage_size", &p->hugepage_size) < 0)
    goto bad;
  if (!v1)
    {
      if (kthreads == NULL || (strcmp (kthreads, "evict") != 0 && strcmp (kthreads, "keep") != 0))
        goto bad;
      p->evict = strcmp (kthreads, "evict") == 0;
    }
  /* Absent in a ledger an older carve wrote: none.  */
  hp = field (o, "irqs_unmoved");
  if (hp && !YAJL_IS_NULL (hp))
    {
      size_t i;
      if (!YAJL_IS_ARRAY (hp))
        goto bad;
      for (i = 0; i < hp->u.array.len; i++)
        {
          if (!YAJL_IS_STRING (hp->u.array.values[i]))
            goto bad;
          carve_strv_append (&p->irqs_unmoved, YAJL_GET_STRING (hp->u.array.values[i]));
        }
    }
  hp = field (o, "hugepages");
  if (hp && !YAJL_IS_NULL (hp))
    {
      size_t i;
      if (!YAJL_IS_ARRAY (hp))
        goto bad;
      p->hugepages = xcalloc (hp->u.array.len + 1, sizeof (*p->hugepages));
      for (i = 0; i < hp->u.array.len; i++)
        {
          yajl_val e = hp->u.array.values[i];
          uint64_t node, pages;
          if (!YAJL_IS_OBJECT (e) || get_u64 (e, "node", &node) < 0 || get_u64 (e, "pages", &pages) < 0
              || node > INT_MAX)
            goto bad;
          p->hugepages[i].node = (int)node;
          p->hugepages[i].pages = pages;
        }
      p->n_hugepages = hp->u.array.len;
    }
  *ret = p;
  return 0;

bad:
  partition_free (p);
  return -1;
}

static int
load_setting (yajl_val o, struct carve_ledger_setting_s **ret, const char **ret_what)
{
  struct carve_ledger_setting_s *s = xzalloc (sizeof (*s));
  cleanup_free char *kind = NULL, *derive = NULL;
  yajl_val users;
  uint64_t u;
  size_t i;

  *ret_what = "a setting is not an object";
  if (!YAJL_IS_OBJECT (o))
    goto bad;
  *ret_what = "a setting has a bad field";
  if (get_str (o, "kind", &kind) < 0 || kind == NULL || get_str (o, "path", &s->path) < 0 || s->path == NULL
      || get_str (o, "original", &s->original) < 0 || get_str (o, "derive", &derive) < 0
      || get_bool (o, "hex", &s->hex) < 0)
    goto bad;
  for (i = 0; i < sizeof (kind_names) / sizeof (kind_names[0]); i++)
    if (strcmp (kind, kind_names[i]) == 0)
      break;
  if (i == sizeof (kind_names) / sizeof (kind_names[0]))
    goto bad;
  s->kind = (enum carve_ledger_setting_kind)i;
  s->derive = CARVE_LEDGER_FIXED;
  if (derive)
    {
      for (i = 0; i < sizeof (derive_names) / sizeof (derive_names[0]); i++)
        if (strcmp (derive, derive_names[i]) == 0)
          break;
      if (i == sizeof (derive_names) / sizeof (derive_names[0]))
        goto bad;
      s->derive = (enum carve_ledger_derive)i;
    }
  if (get_u64 (o, "pid", &u) < 0 || u > INT_MAX)
    goto bad;
  s->pid = (pid_t)u;
  if (get_u64 (o, "start_time", &u) < 0)
    goto bad;
  s->start_time = u;
  if ((s->kind == CARVE_LEDGER_FILE || s->kind == CARVE_LEDGER_AFFINITY) && s->original == NULL)
    goto bad;
  if (s->kind == CARVE_LEDGER_AFFINITY && s->pid <= 0)
    goto bad;
  users = field (o, "users");
  if (users == NULL || !YAJL_IS_ARRAY (users))
    goto bad;
  for (i = 0; i < users->u.array.len; i++)
    {
      yajl_val v = users->u.array.values[i];
      if (!YAJL_IS_STRING (v))
        goto bad;
      setting_add_user (s, YAJL_GET_STRING (v));
    }
  *ret = s;
  return 0;

bad:
  setting_free (s);
  return -1;
}

static int
load (carve_ledger_t l, const char *buf, carve_error_t *err)
{
  cleanup_yajl_val yajl_val tree = NULL;
  char errbuf[256] = "";
  yajl_val v, parts, sets;
  uint64_t version = 0;
  const char *what = NULL;
  const char *boot;
  size_t i;

  tree = yajl_tree_parse (buf, errbuf, sizeof (errbuf));
  if (tree == NULL)
    {
      char *nl = strchr (errbuf, '\n');
      if (nl)
        *nl = '\0';
      return corrupt (err, l->path, errbuf[0] ? errbuf : "not JSON");
    }
  if (!YAJL_IS_OBJECT (tree))
    return corrupt (err, l->path, "not a JSON object");
  if (get_u64 (tree, "version", &version) < 0 || (version != LEDGER_VERSION && version != 1))
    return corrupt (err, l->path, "unknown version");
  v = field (tree, "boot_id");
  boot = v && YAJL_IS_STRING (v) ? YAJL_GET_STRING (v) : NULL;
  if (boot == NULL)
    return corrupt (err, l->path, "no boot_id");
  /* Written before the last reboot: every partition and setting it names
     went away with the kernel that had them.  */
  if (strcmp (boot, l->boot_id) != 0)
    return 0;

  parts = field (tree, "partitions");
  sets = field (tree, "settings");
  if (parts == NULL || !YAJL_IS_ARRAY (parts) || sets == NULL || !YAJL_IS_ARRAY (sets))
    return corrupt (err, l->path, "no partitions or settings array");
  for (i = 0; i < parts->u.array.len; i++)
    {
      struct carve_ledger_partition_s *p = NULL;
      if (load_partition (parts->u.array.values[i], version, &p, &what) < 0)
        {
          drop_all (l);
          return corrupt (err, l->path, what);
        }
      add_partition (l, p);
    }
  for (i = 0; i < sets->u.array.len; i++)
    {
      struct carve_ledger_setting_s *s = NULL;
      if (load_setting (sets->u.array.values[i], &s, &what) < 0)
        {
          drop_all (l);
          return corrupt (err, l->path, what);
        }
      add_setting (l, s);
    }
  return 0;
}

/* The ledger is the only record of what to restore on this node: a
   corrupt one (a disk error, a hand edit) falls back to the copy before
   the last commit, which may lack that commit's change but nothing older;
   the next commit writes a good ledger again.  When both are unreadable,
   nothing that needs the ledger goes on (delete keeps the container), and
   the error says so instead of inviting anyone to remove it.  */
static int
load_previous (carve_ledger_t l, carve_error_t *err)
{
  cleanup_free char *prev = xasprintf ("%s.prev", l->path), *buf = NULL;
  carve_error_t e = NULL;

  drop_all (l);
  if (carve_read_file (prev, &buf, NULL, &e) < 0 || load (l, buf, &e) < 0)
    {
      cleanup_free char *first = xstrdup ((*err)->msg);
      drop_all (l);
      carve_error_release (&e);
      carve_error_release (err);
      return carve_make_error (err, EINVAL,
                               "%s, and so is its previous copy `%s`: carve gives back no partition it cannot "
                               "account for; repair the ledger (carve(8), NODE LEDGER)",
                               first, prev);
    }
  l->recovered = xasprintf ("%s; carve goes on from its previous copy `%s`", (*err)->msg, prev);
  carve_error_release (err);
  return 0;
}

int
carve_ledger_open (const char *path, carve_ledger_t *ret, carve_error_t *err)
{
  cleanup_ledger carve_ledger_t l = NULL;
  cleanup_free char *lock_path = NULL, *dir = NULL, *buf = NULL;
  carve_error_t e = NULL;
  const char *slash;

  if (path == NULL || path[0] != '/')
    return carve_make_error (err, EINVAL, "ledger `%s`: not an absolute path", path ? path : "");
  l = xzalloc (sizeof (*l));
  l->lock_fd = -1;
  l->path = xstrdup (path);
  l->boot_id = read_boot_id ();

  slash = strrchr (path, '/');
  dir = slash == path ? xstrdup ("/") : xstrndup (path, (size_t)(slash - path));
  if (carve_mkdir_p (dir, 0700, err) < 0)
    return carve_error_wrap (err, "ledger `%s`", path);
  lock_path = xasprintf ("%s.lock", path);
  l->lock_fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (l->lock_fd < 0)
    return carve_make_error (err, errno, "ledger: open `%s`", lock_path);
  while (flock (l->lock_fd, LOCK_EX) < 0)
    if (errno != EINTR)
      return carve_make_error (err, errno, "ledger: lock `%s`", lock_path);

  if (carve_read_file (path, &buf, NULL, &e) < 0)
    {
      if (e->status != ENOENT)
        {
          *err = e;
          return carve_error_wrap (err, "ledger");
        }
      carve_error_release (&e);
    }
  else if (load (l, buf, err) < 0 && load_previous (l, err) < 0)
    return -1;
  *ret = steal_pointer (&l);
  return 0;
}

int
carve_ledger_parse (const char *path, const char *boot_id, const char *buf, carve_ledger_t *ret, carve_error_t *err)
{
  cleanup_ledger carve_ledger_t l = xzalloc (sizeof (*l));

  l->lock_fd = -1;
  l->path = xstrdup (path);
  l->boot_id = xstrdup (boot_id);
  if (load (l, buf, err) < 0)
    return -1;
  *ret = steal_pointer (&l);
  return 0;
}

/* --- writing ------------------------------------------------------------ */

void
carve_ledger_gen_partition (yajl_gen g, const struct carve_ledger_partition_s *p, bool with_creator)
{
  size_t i;

  carve_spec_gen_key_str_or_null (g, "root", p->root);
  carve_spec_gen_key_str_or_null (g, "id", p->id);
  if (with_creator)
    {
      carve_spec_gen_key_uint (g, "creator", (uint64_t)p->creator);
      carve_spec_gen_key_uint (g, "creator_start", p->creator_start);
    }
  carve_spec_gen_key_str_or_null (g, "cgroup", p->cgroup_path);
  carve_spec_gen_key_cpumask (g, "cpus", &p->cpus);
  carve_spec_gen_key_bool (g, "exclusive", p->exclusive);
  carve_spec_gen_key_bool (g, "load_balance", p->load_balance);
  carve_spec_gen_key_str_or_null (g, "kthreads", p->evict ? "evict" : "keep");
  carve_spec_gen_key_str_or_null (g, "cpuset", p->cpuset_dir);
  carve_spec_gen_key_uint (g, "memory", p->memory);
  carve_spec_gen_key_uint (g, "memory_units", p->memory_units);
  carve_spec_gen_key_cpumask (g, "memory_nodes", &p->memory_nodes);
  carve_spec_gen_key_uint (g, "hugepage_size", p->hugepage_size);
  carve_spec_gen_str (g, "hugepages");
  yajl_gen_array_open (g);
  for (i = 0; i < p->n_hugepages; i++)
    {
      yajl_gen_map_open (g);
      carve_spec_gen_key_uint (g, "node", (uint64_t)p->hugepages[i].node);
      carve_spec_gen_key_uint (g, "pages", p->hugepages[i].pages);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  /* `carve node` shows these beside the IRQs that moved.  */
  if (with_creator)
    {
      carve_spec_gen_str (g, "irqs_unmoved");
      yajl_gen_array_open (g);
      for (i = 0; p->irqs_unmoved && p->irqs_unmoved[i]; i++)
        carve_spec_gen_str (g, p->irqs_unmoved[i]);
      yajl_gen_array_close (g);
    }
}

static void
gen_setting (yajl_gen g, const struct carve_ledger_setting_s *s)
{
  size_t i;

  yajl_gen_map_open (g);
  carve_spec_gen_key_str_or_null (g, "kind", kind_names[s->kind]);
  carve_spec_gen_key_str_or_null (g, "path", s->path);
  if (s->kind == CARVE_LEDGER_AFFINITY)
    {
      carve_spec_gen_key_uint (g, "pid", (uint64_t)s->pid);
      carve_spec_gen_key_uint (g, "start_time", s->start_time);
    }
  carve_spec_gen_key_str_or_null (g, "original", s->original);
  carve_spec_gen_key_str_or_null (g, "derive", derive_names[s->derive]);
  carve_spec_gen_key_bool (g, "hex", s->hex);
  carve_spec_gen_str (g, "users");
  yajl_gen_array_open (g);
  for (i = 0; i < s->n_users; i++)
    carve_spec_gen_str (g, s->users[i]);
  yajl_gen_array_close (g);
  yajl_gen_map_close (g);
}

/* LEDGER.prev becomes what LEDGER is now, atomically (a hard link renamed
   into place), before LEDGER is replaced: at every moment both are
   complete files.  A ledger that is not readable is not kept.  */
static void
keep_previous (carve_ledger_t l)
{
  cleanup_free char *prev = xasprintf ("%s.prev", l->path);
  cleanup_free char *tmp = xasprintf ("%s.prev.tmp", l->path);

  if (l->recovered)
    return;
  (void)unlink (tmp);
  if (link (l->path, tmp) < 0)
    return;
  if (rename (tmp, prev) < 0)
    (void)unlink (tmp);
}

int
carve_ledger_commit (carve_ledger_t l, carve_error_t *err)
{
  cleanup_yajl_gen yajl_gen g = yajl_gen_alloc (NULL);
  const unsigned char *buf = NULL;
  size_t len = 0, i;

  if (g == NULL)
    carve_oom ();
  yajl_gen_config (g, yajl_gen_beautify, 1);
  yajl_gen_map_open (g);
  carve_spec_gen_key_uint (g, "version", LEDGER_VERSION);
  carve_spec_gen_key_str_or_null (g, "boot_id", l->boot_id);
  carve_spec_gen_str (g, "partitions");
  yajl_gen_array_open (g);
  for (i = 0; i < l->n_partitions; i++)
    {
      yajl_gen_map_open (g);
      carve_ledger_gen_partition (g, l->partitions[i], true);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  carve_spec_gen_str (g, "settings");
  yajl_gen_array_open (g);
  for (i = 0; i < l->n_settings; i++)
    gen_setting (g, l->settings[i]);
  yajl_gen_array_close (g);
  yajl_gen_map_close (g);
  if (yajl_gen_get_buf (g, &buf, &len) != yajl_gen_status_ok)
    return carve_make_error (err, EINVAL, "ledger `%s`: cannot encode it", l->path);
  keep_previous (l);
  if (carve_write_file_atomic (l->path, (const char *)buf, len, 0600, err) < 0)
    return carve_error_wrap (err, "ledger");
  free (l->recovered);
  l->recovered = NULL;
  return 0;
}

/* --- partitions ----------------------------------------------------------- */

struct carve_ledger_partition_s *
carve_ledger_find (carve_ledger_t l, const char *root, const char *id)
{
  cleanup_free char *key = make_key (root, id);
  size_t i;

  for (i = 0; i < l->n_partitions; i++)
    if (strcmp (l->partitions[i]->key, key) == 0)
      return l->partitions[i];
  return NULL;
}

struct carve_ledger_partition_s *
carve_ledger_add (carve_ledger_t l, const char *root, const char *id)
{
  struct carve_ledger_partition_s *p = xzalloc (sizeof (*p));

  p->root = xstrdup (root);
  p->id = xstrdup (id);
  p->key = make_key (root, id);
  p->creator = getpid ();
  p->creator_start = live_start_time ("/proc", p->creator);
  add_partition (l, p);
  return p;
}

void
carve_ledger_remove (carve_ledger_t l, struct carve_ledger_partition_s *p)
{
  size_t i, j, k;

  for (i = 0; i < l->n_settings; i++)
    {
      struct carve_ledger_setting_s *s = l->settings[i];
      for (j = 0, k = 0; j < s->n_users; j++)
        {
          if (strcmp (s->users[j], p->key) == 0)
            free (s->users[j]);
          else
            s->users[k++] = s->users[j];
        }
      s->n_users = k;
    }
  for (i = 0; i < l->n_partitions; i++)
    if (l->partitions[i] == p)
      {
        memmove (&l->partitions[i], &l->partitions[i + 1], sizeof (*l->partitions) * (l->n_partitions - i - 1));
        l->n_partitions--;
        break;
      }
  partition_free (p);
}

bool
carve_ledger_partition_live (const struct carve_ledger_partition_s *p, const char *proc_root)
{
  cleanup_free char *dir = make_key (p->root, p->id);
  cleanup_free char *state = carve_path_join (dir, "state.json");
  cleanup_free char *config = carve_path_join (dir, "config.json");
  unsigned long long start;

  /* The create is still running: whatever it holds is in use.  */
  start = live_start_time (proc_root, p->creator);
  if (start != 0 && start == p->creator_start)
    return true;
  /* create writes config.json once its init is ready and no longer dies
     with it: from then on the container exists until `delete`, even
     stopped.  */
  return carve_path_exists (state) && carve_path_exists (config);
}

/* --- settings ----------------------------------------------------------- */

struct carve_ledger_setting_s *
carve_ledger_find_setting (carve_ledger_t l, enum carve_ledger_setting_kind kind, const char *path)
{
  size_t i;
  for (i = 0; i < l->n_settings; i++)
    if (l->settings[i]->kind == kind && strcmp (l->settings[i]->path, path) == 0)
      return l->settings[i];
  return NULL;
}

struct carve_ledger_setting_s *
carve_ledger_record_file (carve_ledger_t l, const char *owner, const char *path, carve_error_t *err)
{
  struct carve_ledger_setting_s *s = carve_ledger_find_setting (l, CARVE_LEDGER_FILE, path);
  char *orig;

  if (s == NULL)
    {
      orig = read_value (path, err);
      if (orig == NULL)
        return NULL;
      s = xzalloc (sizeof (*s));
      s->kind = CARVE_LEDGER_FILE;
      s->path = xstrdup (path);
      s->original = orig;
      add_setting (l, s);
    }
  setting_add_user (s, owner);
  return s;
}

struct carve_ledger_setting_s *
carve_ledger_record_affinity (carve_ledger_t l, const char *owner, pid_t pid, carve_error_t *err)
{
  cleanup_free char *path = xasprintf ("/proc/%d", (int)pid);
  struct carve_ledger_setting_s *s;
  unsigned long long start;
  carve_cpumask_t m;

  start = live_start_time ("/proc", pid);
  s = carve_ledger_find_setting (l, CARVE_LEDGER_AFFINITY, path);
  /* A setting for an earlier task with the same PID is stale: that task
     is gone, nothing of it is left to restore.  */
  if (s && s->start_time != start)
    {
      carve_ledger_forget (l, s);
      s = NULL;
    }
  if (s == NULL)
    {
      if (start == 0)
        {
          carve_make_error (err, ESRCH, "task %d", (int)pid);
          return NULL;
        }
      if (carve_cpu_affinity_get (pid, &m, err) < 0)
        return NULL;
      s = xzalloc (sizeof (*s));
      s->kind = CARVE_LEDGER_AFFINITY;
      s->path = steal_pointer (&path);
      s->pid = pid;
      s->start_time = start;
      s->original = carve_cpumask_format_list (&m);
      add_setting (l, s);
    }
  setting_add_user (s, owner);
  return s;
}

struct carve_ledger_setting_s *
carve_ledger_record_cgroup_dir (carve_ledger_t l, const char *owner, const char *path, carve_error_t *err)
{
  struct carve_ledger_setting_s *s = carve_ledger_find_setting (l, CARVE_LEDGER_CGROUP_DIR, path);

  (void)err;
  if (s == NULL)
    {
      s = xzalloc (sizeof (*s));
      s->kind = CARVE_LEDGER_CGROUP_DIR;
      s->path = xstrdup (path);
      add_setting (l, s);
    }
  setting_add_user (s, owner);
  return s;
}

struct carve_ledger_setting_s *
carve_ledger_record_mount (carve_ledger_t l, const char *owner, const char *path)
{
  struct carve_ledger_setting_s *s = carve_ledger_find_setting (l, CARVE_LEDGER_MOUNT, path);

  if (s == NULL)
    {
      s = xzalloc (sizeof (*s));
      s->kind = CARVE_LEDGER_MOUNT;
      s->path = xstrdup (path);
      add_setting (l, s);
    }
  setting_add_user (s, owner);
  return s;
}

void
carve_ledger_forget (carve_ledger_t l, struct carve_ledger_setting_s *s)
{
  size_t i;

  for (i = 0; i < l->n_settings; i++)
    if (l->settings[i] == s)
      {
        memmove (&l->settings[i], &l->settings[i + 1], sizeof (*l->settings) * (l->n_settings - i - 1));
        l->n_settings--;
        setting_free (s);
        return;
      }
}

bool
carve_ledger_has_unused (carve_ledger_t l)
{
  size_t i;
  for (i = 0; i < l->n_settings; i++)
    if (l->settings[i]->n_users == 0)
      return true;
  return false;
}

/* --- restoring ------------------------------------------------------------ */

/* Moves every task of the cgroup DIR to its parent (v1 "tasks" catches
   threads that sit apart from their process).  */
static void
move_tasks_up (const char *dir)
{
  static const char *const files[] = { "cgroup.procs", "tasks" };
  cleanup_free char *parent = xstrdup (dir);
  char *slash = strrchr (parent, '/');
  size_t f;
  int round;

  if (slash == NULL || slash == parent)
    return;
  *slash = '\0';
  for (round = 0; round < 8; round++)
    {
      bool any = false;
      for (f = 0; f < 2; f++)
        {
          cleanup_free char *path = carve_path_join (dir, files[f]);
          cleanup_free char *to = carve_path_join (parent, files[f]);
          cleanup_free char *buf = NULL;
          carve_error_t e = NULL;
          char *line, *save = NULL;

          if (carve_read_file (path, &buf, NULL, &e) < 0)
            {
              carve_error_release (&e);
              continue;
            }
          for (line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
            {
              any = true;
              if (carve_kfile_write (to, line, &e) < 0)
                carve_error_release (&e);
            }
        }
      if (!any)
        return;
    }
}

static bool
has_subdirs (const char *dir)
{
  cleanup_dir DIR *d = opendir (dir);
  struct dirent *de;

  while (d && (de = readdir (d)))
    if (de->d_type == DT_DIR && strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
      return true;
  return false;
}

/* Moves DIR's tasks to its parent and removes it.  Sub-cgroups that others
   made in it meanwhile (a tool running in carve.serviceos places its
   cgroups there) keep it: it is left to them, never removed under them,
   and the restore says so.  */
static int
remove_cgroup_dir (const char *dir, carve_error_t *err)
{
  int attempt;

  if (!carve_path_exists (dir))
    return 0;
  move_tasks_up (dir);
  for (attempt = 0;; attempt++)
    {
      struct timespec ts = { 0, 10 * 1000 * 1000 };
      if (rmdir (dir) == 0 || errno == ENOENT)
        return 0;
      if (errno == EBUSY && has_subdirs (dir))
        return carve_make_error (err, EBUSY,
                                 "cgroup `%s` stays: it holds cgroups another tool made in it, which carve leaves as "
                                 "they are",
                                 dir);
      if (errno != EBUSY || attempt == 5)
        return carve_make_error (err, errno, "rmdir `%s`", dir);
      (void)nanosleep (&ts, NULL);
      move_tasks_up (dir);
    }
}

/* 0 restored (or nothing left to restore), -1 refused.  */
static int
restore_one (const struct carve_ledger_setting_s *s, carve_error_t *err)
{
  switch (s->kind)
    {
    case CARVE_LEDGER_FILE:
      if (!carve_path_exists (s->path))
        return 0;
      return carve_kfile_write (s->path, s->original, err);

    case CARVE_LEDGER_AFFINITY:
      {
        carve_cpumask_t m;
        /* A task that is gone (or a new one with its PID) is left alone.  */
        if (live_start_time ("/proc", s->pid) != s->start_time)
          return 0;
        if (carve_cpumask_parse_list (s->original, &m, err) < 0)
          return -1;
        if (carve_cpu_affinity_set_mask (s->pid, &m, err) < 0)
          {
            if ((*err)->status == ESRCH)
              {
                carve_error_release (err);
                return 0;
              }
            return -1;
          }
        return 0;
      }

    case CARVE_LEDGER_CGROUP_DIR:
      return remove_cgroup_dir (s->path, err);

    case CARVE_LEDGER_MOUNT:
      return carve_hostmount_remove (s->path, err);
    }
  return 0;
}

void
carve_ledger_restore_unused (carve_ledger_t l, char ***warnings)
{
  size_t n = 0, i;
  struct carve_ledger_setting_s **pending;
  carve_error_t *errs;
  bool progress = true;

  pending = xcalloc (l->n_settings + 1, sizeof (*pending));
  for (i = l->n_settings; i > 0; i--)
    if (l->settings[i - 1]->n_users == 0)
      pending[n++] = l->settings[i - 1];
  errs = xcalloc (n + 1, sizeof (*errs));

  /* Each pass tries what is left, in reverse order of recording; a pass
     that restored something lets the next retry what the kernel refused
     (a cpuset can only grow after its parent did).  */
  while (progress)
    {
      progress = false;
      for (i = 0; i < n; i++)
        {
          if (pending[i] == NULL)
            continue;
          carve_error_release (&errs[i]);
          if (i == n / 2)
            carve_fault_point ("compute:restoring");
          if (restore_one (pending[i], &errs[i]) == 0)
            {
              carve_ledger_forget (l, pending[i]);
              pending[i] = NULL;
              progress = true;
            }
        }
    }
  for (i = 0; i < n; i++)
    {
      if (pending[i] == NULL)
        continue;
      {
        cleanup_free char *msg = xasprintf ("restore: %s", errs[i]->msg);
        carve_strv_append (warnings, msg);
      }
      carve_error_release (&errs[i]);
      /* Kept no longer: a restore that keeps failing would warn at every
         command forever.  */
      carve_ledger_forget (l, pending[i]);
    }
  free (errs);
  free (pending);
}

/* --- derived settings ------------------------------------------------------ */

static int
parse_value (const struct carve_ledger_setting_s *s, const char *v, carve_cpumask_t *ret, carve_error_t *err)
{
  if (s->hex)
    return carve_cpumask_parse_hex (v, ret, err);
  return carve_cpumask_parse_list (v, ret, err);
}

char *
carve_ledger_derived_value (carve_ledger_t l, const struct carve_ledger_setting_s *s, const carve_cpumask_t *online,
                            unsigned nr_cpus)
{
  carve_cpumask_t orig, cpus, target;
  carve_error_t e = NULL;
  size_t i;

  if (s->derive == CARVE_LEDGER_FIXED || s->kind == CARVE_LEDGER_CGROUP_DIR || s->kind == CARVE_LEDGER_MOUNT
      || s->original == NULL)
    return NULL;
  if (parse_value (s, s->original, &orig, &e) < 0)
    {
      carve_error_release (&e);
      return NULL;
    }
  carve_cpumask_zero (&cpus);
  for (i = 0; i < l->n_partitions; i++)
    {
      const struct carve_ledger_partition_s *p = l->partitions[i];
      if ((s->derive == CARVE_LEDGER_MINUS_OWNED && p->exclusive)
          || (s->derive == CARVE_LEDGER_MINUS_EVICTED && p->evict)
          || (s->derive == CARVE_LEDGER_PLUS_USERS && carve_ledger_setting_used_by (s, p->key)))
        carve_cpumask_or (&cpus, &cpus, &p->cpus);
    }
  switch (s->derive)
    {
    case CARVE_LEDGER_MINUS_OWNED:
      carve_cpumask_andnot (&target, &orig, &cpus);
      break;
    case CARVE_LEDGER_MINUS_EVICTED:
      carve_cpumask_andnot (&target, &orig, &cpus);
      if (carve_cpumask_empty (&target))
        carve_cpumask_andnot (&target, online, &cpus);
      if (carve_cpumask_empty (&target))
        target = orig;
      break;
    case CARVE_LEDGER_PLUS_USERS:
      carve_cpumask_or (&target, &orig, &cpus);
      break;
    case CARVE_LEDGER_FIXED:
      return NULL;
    }
  if (s->hex)
    return carve_cpumask_format_hex (&target, nr_cpus ? nr_cpus : 1);
  return carve_cpumask_format_list (&target);
}

static size_t
path_depth (const char *p)
{
  size_t n = 0;
  for (; *p; p++)
    n += *p == '/';
  return n;
}

struct pending_s
{
  struct carve_ledger_setting_s *s;
  char *value;
  carve_cpumask_t target;
  bool grow; /* gains a CPU (it may lose others too) */
};

static int
cmp_shallow (const void *a, const void *b)
{
  const struct pending_s *x = a, *y = b;
  size_t dx = path_depth (x->s->path), dy = path_depth (y->s->path);
  return (dx > dy) - (dx < dy);
}

static int
cmp_deep (const void *a, const void *b)
{
  return cmp_shallow (b, a);
}

int
carve_ledger_enforce (carve_ledger_t l, const carve_cpumask_t *online, unsigned nr_cpus, int passes, bool strict,
                      char ***warnings, carve_error_t *err)
{
  struct pending_s *v = xcalloc (l->n_settings + 1, sizeof (*v));
  size_t n = 0, i, pass;
  int r = 0;

  for (i = 0; i < l->n_settings; i++)
    {
      struct carve_ledger_setting_s *s = l->settings[i];
      carve_cpumask_t cur, target;
      carve_error_t e = NULL;
      char *value;

      if (s->n_users == 0 || s->derive == CARVE_LEDGER_FIXED)
        continue;
      value = carve_ledger_derived_value (l, s, online, nr_cpus);
      if (value == NULL)
        continue;
      if (parse_value (s, value, &target, &e) < 0)
        {
          carve_error_release (&e);
          free (value);
          continue;
        }
      if (s->kind == CARVE_LEDGER_AFFINITY)
        {
          if (live_start_time ("/proc", s->pid) != s->start_time || carve_cpu_affinity_get (s->pid, &cur, NULL) < 0)
            {
              free (value);
              continue;
            }
        }
      else
        {
          cleanup_free char *now = read_value (s->path, &e);
          if (now == NULL || parse_value (s, now, &cur, &e) < 0)
            {
              /* The file is gone with its cgroup, or reads what carve
                 cannot parse: write the target anyway and let the kernel
                 say.  */
              if (e && e->status == ENOENT)
                {
                  carve_error_release (&e);
                  free (value);
                  continue;
                }
              carve_error_release (&e);
              carve_cpumask_zero (&cur);
            }
        }
      if (carve_cpumask_equal (&cur, &target))
        {
          free (value);
          continue;
        }
      v[n].s = s;
      v[n].value = value;
      v[n].target = target;
      {
        carve_cpumask_t extra;
        carve_cpumask_andnot (&extra, &target, &cur);
        v[n].grow = !carve_cpumask_empty (&extra);
      }
      n++;
    }

  for (pass = 0; pass < 2 && r == 0; pass++)
    {
      bool grow = pass == 1;
      if (!(passes & (grow ? CARVE_LEDGER_GROW : CARVE_LEDGER_SHRINK)))
        continue;
      qsort (v, n, sizeof (*v), grow ? cmp_shallow : cmp_deep);
      for (i = 0; i < n; i++)
        {
          carve_error_t e = NULL;
          int w;

          if (v[i].grow != grow || v[i].value == NULL)
            continue;
          if (v[i].s->kind == CARVE_LEDGER_AFFINITY)
            {
              w = carve_cpu_affinity_set_mask (v[i].s->pid, &v[i].target, &e);
              if (w < 0 && e->status == ESRCH)
                {
                  carve_error_release (&e);
                  w = 0;
                }
            }
          else
            {
              w = carve_kfile_write (v[i].s->path, v[i].value, &e);
              if (w < 0 && e->status == ENOENT)
                {
                  carve_error_release (&e);
                  w = 0;
                }
            }
          free (v[i].value);
          v[i].value = NULL;
          if (w == 0)
            continue;
          if (strict)
            {
              *err = e;
              r = -1;
              break;
            }
          carve_strv_append (warnings, e->msg);
          carve_error_release (&e);
        }
    }
  for (i = 0; i < n; i++)
    free (v[i].value);
  free (v);
  return r;
}
