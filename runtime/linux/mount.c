/* config.json mounts (mount.h): their options and mounting them inside the
   rootfs with libmount.  */
#include <config.h>
#include "runtime/linux/mount.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmount.h>

#include "cleanup.h"
#include "fsutil.h"
#include "xalloc.h"
#include "runtime/linux/safepath.h"
#include "spec/spec.h"

/* statfs(2) f_flag bit; glibc 2.36 does not name it.  */
#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000
#endif

#define PROPAGATION_FLAGS (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)


/* --- options ------------------------------------------------------------- */

enum own_option_kind
{
  OWN_ATTR_SET,   /* mount_setattr attr_set */
  OWN_ATTR_CLR,   /* mount_setattr attr_clr */
  OWN_ATTR_ATIME, /* one of the exclusive atime modes */
  OWN_IDMAP,
  OWN_RIDMAP,
  OWN_TMPCOPYUP,
  OWN_NOOP,
  OWN_FLAG_SET,
  OWN_FLAG_CLR,
};

struct own_option_s
{
  const char *name;
  enum own_option_kind kind;
  uint64_t value;
};

/* What libmount's Linux map does not know: the runtime-spec's recursive
   (mount_setattr, Linux 5.12) options, idmap/ridmap, runc's tmpcopyup and
   "defaults".  The atime modes are exclusive: the kernel wants the whole
   MOUNT_ATTR__ATIME mask cleared and one mode set.  "ratime" and
   "rnostrictatime" give the kernel's default (relatime), "rnorelatime" the
   full atime updates (strictatime), as their non-recursive forms do.  */
static const struct own_option_s own_options[] = {
  { "rro", OWN_ATTR_SET, MOUNT_ATTR_RDONLY },
  { "rrw", OWN_ATTR_CLR, MOUNT_ATTR_RDONLY },
  { "rnosuid", OWN_ATTR_SET, MOUNT_ATTR_NOSUID },
  { "rsuid", OWN_ATTR_CLR, MOUNT_ATTR_NOSUID },
  { "rnodev", OWN_ATTR_SET, MOUNT_ATTR_NODEV },
  { "rdev", OWN_ATTR_CLR, MOUNT_ATTR_NODEV },
  { "rnoexec", OWN_ATTR_SET, MOUNT_ATTR_NOEXEC },
  { "rexec", OWN_ATTR_CLR, MOUNT_ATTR_NOEXEC },
  { "rnodiratime", OWN_ATTR_SET, MOUNT_ATTR_NODIRATIME },
  { "rdiratime", OWN_ATTR_CLR, MOUNT_ATTR_NODIRATIME },
  { "rnosymfollow", OWN_ATTR_SET, MOUNT_ATTR_NOSYMFOLLOW },
  { "rsymfollow", OWN_ATTR_CLR, MOUNT_ATTR_NOSYMFOLLOW },
  { "rrelatime", OWN_ATTR_ATIME, MOUNT_ATTR_RELATIME },
  { "rnorelatime", OWN_ATTR_ATIME, MOUNT_ATTR_STRICTATIME },
  { "rnoatime", OWN_ATTR_ATIME, MOUNT_ATTR_NOATIME },
  { "ratime", OWN_ATTR_ATIME, MOUNT_ATTR_RELATIME },
  { "rstrictatime", OWN_ATTR_ATIME, MOUNT_ATTR_STRICTATIME },
  { "rnostrictatime", OWN_ATTR_ATIME, MOUNT_ATTR_RELATIME },
  { "idmap", OWN_IDMAP, 0 },
  { "ridmap", OWN_RIDMAP, 0 },
  { "tmpcopyup", OWN_TMPCOPYUP, 0 },
  { "defaults", OWN_NOOP, 0 },
};

/* Consulted after libmount: versions before 2.38 lack these.  */
static const struct own_option_s fallback_options[] = {
  { "nosymfollow", OWN_FLAG_SET, MS_NOSYMFOLLOW },
  { "symfollow", OWN_FLAG_CLR, MS_NOSYMFOLLOW },
};

void
carve_mount_options_release (struct carve_mount_options_s *opts)
{
  free (opts->propagation);
  opts->propagation = NULL;
  opts->propagation_len = 0;
  free (opts->data);
  opts->data = NULL;
}

static void
options_cleanup (struct carve_mount_options_s *opts)
{
  carve_mount_options_release (opts);
}

#define cleanup_mount_options __attribute__ ((cleanup (options_cleanup)))

static void
set_flag (struct carve_mount_options_s *o, unsigned long f)
{
  o->flags_set |= f;
  o->flags_clear &= ~f;
}

static void
clear_flag (struct carve_mount_options_s *o, unsigned long f)
{
  o->flags_set &= ~f;
  o->flags_clear |= f;
}

static void
apply_own (struct carve_mount_options_s *o, const struct own_option_s *opt)
{
  switch (opt->kind)
    {
    case OWN_ATTR_SET:
      o->attr_set |= opt->value;
      o->attr_clr &= ~opt->value;
      break;
    case OWN_ATTR_CLR:
      o->attr_clr |= opt->value;
      o->attr_set &= ~opt->value;
      break;
    case OWN_ATTR_ATIME:
      o->attr_clr |= MOUNT_ATTR__ATIME;
      o->attr_set = (o->attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | opt->value;
      break;
    case OWN_IDMAP:
      o->idmap = true;
      o->idmap_recursive = false;
      break;
    case OWN_RIDMAP:
      o->idmap = true;
      o->idmap_recursive = true;
      break;
    case OWN_TMPCOPYUP:
      o->tmpcopyup = true;
      break;
    case OWN_NOOP:
      break;
    case OWN_FLAG_SET:
      set_flag (o, (unsigned long)opt->value);
      break;
    case OWN_FLAG_CLR:
      clear_flag (o, (unsigned long)opt->value);
      break;
    }
}

static const struct own_option_s *
find_own (const struct own_option_s *table, size_t n, const char *name)
{
  size_t i;
  for (i = 0; i < n; i++)
    if (strcmp (table[i].name, name) == 0)
      return &table[i];
  return NULL;
}

/* Looks NAME up in libmount's map of the kernel's generic mount flags.  */
static bool
apply_libmount (struct carve_mount_options_s *o, const char *name)
{
  const struct libmnt_optmap *map = mnt_get_builtin_optmap (MNT_LINUX_MAP);

  for (; map && map->name; map++)
    {
      unsigned long id = (unsigned long)map->id;

      if (strcmp (map->name, name) != 0)
        continue;
      if (id & PROPAGATION_FLAGS)
        {
          o->propagation = xrealloc (o->propagation, (o->propagation_len + 1) * sizeof (unsigned long));
          o->propagation[o->propagation_len++] = id;
        }
      else if (map->mask & MNT_INVERT)
        clear_flag (o, id);
      else
        set_flag (o, id);
      return true;
    }
  return false;
}

static void
append_data (struct carve_mount_options_s *o, const char *opt)
{
  char *joined = o->data ? xasprintf ("%s,%s", o->data, opt) : xstrdup (opt);
  free (o->data);
  o->data = joined;
}

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

char **
carve_mount_known_options (void)
{
  const struct libmnt_optmap *map = mnt_get_builtin_optmap (MNT_LINUX_MAP);
  char **names = NULL;
  size_t i;

  /* The same three tables, in the same order, as carve_mount_parse_options
     consults: a name is listed exactly when parse would not pass it on as
     filesystem data.  */
  for (i = 0; i < sizeof (own_options) / sizeof (own_options[0]); i++)
    carve_strv_append (&names, own_options[i].name);
  for (; map && map->name; map++)
    if (!carve_strv_contains (names, map->name))
      carve_strv_append (&names, map->name);
  for (i = 0; i < sizeof (fallback_options) / sizeof (fallback_options[0]); i++)
    if (!carve_strv_contains (names, fallback_options[i].name))
      carve_strv_append (&names, fallback_options[i].name);
  qsort (names, carve_strv_length (names), sizeof (char *), compare_names);
  return names;
}

int
carve_mount_parse_options (char *const *options, size_t n, struct carve_mount_options_s *ret, carve_error_t *err)
{
  const size_t n_own = sizeof (own_options) / sizeof (own_options[0]);
  const size_t n_fallback = sizeof (fallback_options) / sizeof (fallback_options[0]);
  size_t i;

  memset (ret, 0, sizeof (*ret));
  for (i = 0; i < n; i++)
    {
      const char *opt = options[i];
      const struct own_option_s *own;

      if (opt == NULL || *opt == '\0')
        return carve_make_error (err, 0, "options[%zu]: empty mount option", i);

      own = find_own (own_options, n_own, opt);
      if (own)
        {
          apply_own (ret, own);
          continue;
        }
      if (apply_libmount (ret, opt))
        continue;
      own = find_own (fallback_options, n_fallback, opt);
      if (own)
        {
          apply_own (ret, own);
          continue;
        }
      /* Not a generic flag: the filesystem's own option (mode=1777,
         size=64m, ...), passed on as data as runc does.  */
      if (ret->data == NULL)
        ret->data_index = i;
      append_data (ret, opt);
    }
  return 0;
}

/* --- mount primitives ---------------------------------------------------- */

/* The mount target is never given to mount(2) as a path inside the rootfs:
   that path would be resolved again, by the kernel, following symlinks that
   may point out of the rootfs.  Instead it is opened once with
   carve_safepath_open (scoped to the rootfs) and mount(2) gets
   /proc/self/fd/N, a magic link the kernel follows to exactly that
   dentry.  */
int
carve_mount_on_fd (const char *source, int targetfd, const char *fstype, unsigned long flags, const char *data)
{
  char target[CARVE_SAFEPATH_FD_PATH_MAX];
  return mount (source, carve_safepath_fd_path (targetfd, target), fstype, flags, data);
}

int
carve_mount_bind_remount (int targetfd, unsigned long flags_set, unsigned long flags_clear)
{
  struct statfs sfs;
  unsigned long keep = 0;

  if (fstatfs (targetfd, &sfs) < 0)
    return -1;
  /* In a user namespace the kernel refuses to drop these flags when the
     source mount has them (they are "locked"); keep what the mount has
     unless the user asked to clear it.  The atime flags are kept by the
     kernel itself when none is given.  */
  if (sfs.f_flags & ST_RDONLY)
    keep |= MS_RDONLY;
  if (sfs.f_flags & ST_NOSUID)
    keep |= MS_NOSUID;
  if (sfs.f_flags & ST_NODEV)
    keep |= MS_NODEV;
  if (sfs.f_flags & ST_NOEXEC)
    keep |= MS_NOEXEC;
  if (sfs.f_flags & ST_NOSYMFOLLOW)
    keep |= MS_NOSYMFOLLOW;
  keep &= ~flags_clear;

  flags_set &= ~(MS_BIND | MS_REC | MS_REMOUNT | PROPAGATION_FLAGS);
  return carve_mount_on_fd (NULL, targetfd, NULL, MS_BIND | MS_REMOUNT | flags_set | keep, NULL);
}

static int
apply_propagation (int fd, const struct carve_mount_options_s *o, carve_error_t *err)
{
  size_t i;
  for (i = 0; i < o->propagation_len; i++)
    if (carve_mount_on_fd (NULL, fd, NULL, o->propagation[i], NULL) < 0)
      return carve_make_error (err, errno, "set propagation %#lx", o->propagation[i]);
  return 0;
}

static int
apply_recursive_attrs (int fd, const struct carve_mount_options_s *o, carve_error_t *err)
{
  struct mount_attr attr = { .attr_set = o->attr_set, .attr_clr = o->attr_clr };

  if (o->attr_set == 0 && o->attr_clr == 0)
    return 0;
  if (mount_setattr (fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof (attr)) < 0)
    {
      if (errno == ENOSYS)
        return carve_make_error (err, errno, "recursive mount options need Linux 5.12 (mount_setattr)");
      return carve_make_error (err, errno, "mount_setattr");
    }
  return 0;
}

/* --- idmapped mounts ----------------------------------------------------- */

static char *
format_id_map (struct carve_spec_id_mapping_s *const *maps, size_t n)
{
  char *s = xstrdup ("");
  size_t i;
  for (i = 0; i < n; i++)
    {
      char *next = xasprintf ("%s%u %u %u\n", s, maps[i]->container_id, maps[i]->host_id, maps[i]->size);
      free (s);
      s = next;
    }
  return s;
}

/* PROC_PID is the child's directory name in the /proc we see.  */
static int
write_userns_maps (const char *proc_pid, const struct carve_spec_mount_s *m, carve_error_t *err)
{
  cleanup_free char *uid_map = format_id_map (m->uid_mappings, m->uid_mappings_len);
  cleanup_free char *gid_map = format_id_map (m->gid_mappings, m->gid_mappings_len);
  char path[64];

  snprintf (path, sizeof (path), "/proc/%s/uid_map", proc_pid);
  if (carve_write_file (path, uid_map, strlen (uid_map), err) < 0)
    return carve_error_wrap (err, "write uidMappings");
  snprintf (path, sizeof (path), "/proc/%s/gid_map", proc_pid);
  if (carve_write_file (path, gid_map, strlen (gid_map), err) < 0)
    return carve_error_wrap (err, "write gidMappings");
  return 0;
}

/* A user namespace holding the mount's uidMappings/gidMappings, for
   MOUNT_ATTR_IDMAP: a child unshares it and waits while we write its maps
   and open /proc/PID/ns/user; the namespace outlives the child through that
   descriptor.  The child names its own /proc entry: the /proc we see may
   belong to another PID namespace than the one fork() numbers in (the
   init of a new PID namespace still sees the host's /proc before
   pivot_root).  */
static int
make_userns (const struct carve_spec_mount_s *m, carve_error_t *err)
{
  int ready[2], hold[2];
  char path[64], proc_pid[32], c;
  ssize_t n;
  int fd = -1;
  pid_t pid;

  if (pipe2 (ready, O_CLOEXEC) < 0)
    return carve_make_error (err, errno, "pipe");
  if (pipe2 (hold, O_CLOEXEC) < 0)
    {
      (void)close (ready[0]);
      (void)close (ready[1]);
      return carve_make_error (err, errno, "pipe");
    }
  pid = fork ();
  if (pid < 0)
    {
      (void)close (ready[0]);
      (void)close (ready[1]);
      (void)close (hold[0]);
      (void)close (hold[1]);
      return carve_make_error (err, errno, "fork");
    }
  if (pid == 0)
    {
      (void)close (ready[0]);
      (void)close (hold[1]);
      if (unshare (CLONE_NEWUSER) < 0)
        _exit (1);
      n = readlink ("/proc/self", proc_pid, sizeof (proc_pid) - 1);
      if (n <= 0 || write (ready[1], proc_pid, (size_t)n) != n)
        _exit (1);
      /* Returns at EOF, when the parent is done with us.  */
      _exit (read (hold[0], &c, 1) < 0);
    }
  (void)close (ready[1]);
  (void)close (hold[0]);

  n = read (ready[0], proc_pid, sizeof (proc_pid) - 1);
  if (n <= 0)
    (void)carve_make_error (err, 0, "create a user namespace for the idmapping");
  else if ((proc_pid[n] = '\0', write_userns_maps (proc_pid, m, err)) == 0)
    {
      snprintf (path, sizeof (path), "/proc/%s/ns/user", proc_pid);
      fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        (void)carve_make_error (err, errno, "open `%s`", path);
    }
  (void)close (ready[0]);
  (void)close (hold[1]);
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
  return fd;
}

/* An idmapped mount is made on a detached copy of the source (open_tree),
   given the idmapping, then attached at the target.  */
static int
bind_idmapped (const char *source, int targetfd, const struct carve_spec_mount_s *m,
               const struct carve_mount_options_s *o, carve_error_t *err)
{
  cleanup_close int tree = -1;
  cleanup_close int userns = -1;
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };

  tree = open_tree (AT_FDCWD, source,
                    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((o->flags_set & MS_REC) ? AT_RECURSIVE : 0));
  if (tree < 0)
    return carve_make_error (err, errno, "open_tree `%s`", source);
  userns = make_userns (m, err);
  if (userns < 0)
    return -1;
  attr.userns_fd = (uint64_t)userns;
  if (mount_setattr (tree, "", AT_EMPTY_PATH | (o->idmap_recursive ? AT_RECURSIVE : 0), &attr, sizeof (attr)) < 0)
    return carve_make_error (err, errno, "idmap `%s`", source);
  if (move_mount (tree, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return carve_make_error (err, errno, "move_mount `%s`", source);
  return 0;
}

/* --- tmpcopyup ----------------------------------------------------------- */

static int copy_tree (int srcfd, int dstfd, carve_error_t *err);

static int
copy_file (int srcdir, int dstdir, const char *name, const struct stat *st, carve_error_t *err)
{
  cleanup_close int in = -1;
  cleanup_close int out = -1;
  char buf[65536];
  ssize_t r;

  in = openat (srcdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0)
    return carve_make_error (err, errno, "open `%s`", name);
  out = openat (dstdir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 07777);
  if (out < 0)
    return carve_make_error (err, errno, "create `%s`", name);
  while ((r = read (in, buf, sizeof (buf))) > 0)
    if (carve_write_all (out, buf, (size_t)r) < 0)
      return carve_make_error (err, errno, "write `%s`", name);
  if (r < 0)
    return carve_make_error (err, errno, "read `%s`", name);
  if (fchown (out, st->st_uid, st->st_gid) < 0 || fchmod (out, st->st_mode & 07777) < 0)
    return carve_make_error (err, errno, "chown `%s`", name);
  return 0;
}

static int
copy_entry (int srcfd, int dstfd, const char *name, carve_error_t *err)
{
  struct stat st;

  if (fstatat (srcfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return carve_make_error (err, errno, "stat `%s`", name);
  if (S_ISDIR (st.st_mode))
    {
      cleanup_close int sub_src = -1;
      cleanup_close int sub_dst = -1;

      if (mkdirat (dstfd, name, st.st_mode & 07777) < 0)
        return carve_make_error (err, errno, "mkdir `%s`", name);
      sub_src = openat (srcfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      sub_dst = openat (dstfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub_src < 0 || sub_dst < 0)
        return carve_make_error (err, errno, "open `%s`", name);
      if (copy_tree (sub_src, sub_dst, err) < 0)
        return carve_error_wrap (err, "%s", name);
      if (fchown (sub_dst, st.st_uid, st.st_gid) < 0 || fchmod (sub_dst, st.st_mode & 07777) < 0)
        return carve_make_error (err, errno, "chown `%s`", name);
      return 0;
    }
  if (S_ISREG (st.st_mode))
    return copy_file (srcfd, dstfd, name, &st, err);
  if (S_ISLNK (st.st_mode))
    {
      char target[PATH_MAX + 1];
      ssize_t len = readlinkat (srcfd, name, target, sizeof (target) - 1);
      if (len < 0)
        return carve_make_error (err, errno, "readlink `%s`", name);
      target[len] = '\0';
      if (symlinkat (target, dstfd, name) < 0)
        return carve_make_error (err, errno, "symlink `%s`", name);
    }
  else if (mknodat (dstfd, name, st.st_mode, st.st_rdev) < 0)
    return carve_make_error (err, errno, "mknod `%s`", name);
  if (fchownat (dstfd, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    return carve_make_error (err, errno, "chown `%s`", name);
  return 0;
}

static int
copy_tree (int srcfd, int dstfd, carve_error_t *err)
{
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  int fd;

  fd = openat (srcfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return carve_make_error (err, errno, "open directory");
  d = fdopendir (fd);
  if (d == NULL)
    {
      (void)close (fd);
      return carve_make_error (err, errno, "fdopendir");
    }
  while ((de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (copy_entry (srcfd, dstfd, de->d_name, err) < 0)
        return -1;
    }
  return 0;
}

/* --- cgroup mounts ------------------------------------------------------- */

/* The path of our own cgroup in the hierarchy whose /proc/self/cgroup
   controller field is CONTROLLERS ("" for cgroup v2).  */
static char *
own_cgroup_path (const char *cgroup_file, const char *controllers)
{
  cleanup_free char *copy = xstrdup (cgroup_file);
  char *line, *save = NULL;

  for (line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *ctrl = strchr (line, ':');
      char *path;
      if (ctrl == NULL)
        continue;
      ctrl++;
      path = strchr (ctrl, ':');
      if (path == NULL)
        continue;
      *path++ = '\0';
      if (strcmp (ctrl, controllers) == 0)
        return xstrdup (path);
    }
  return NULL;
}

/* true when every comma-separated item of LIST is an item of OPTSTR.  */
static bool
all_items_in (const char *list, const char *optstr)
{
  cleanup_free char *copy = xstrdup (list);
  char *item, *save = NULL;

  for (item = strtok_r (copy, ",", &save); item; item = strtok_r (NULL, ",", &save))
    {
      size_t len = strlen (item);
      const char *p = optstr;
      bool found = false;
      while (p && *p)
        {
          if (strncmp (p, item, len) == 0 && (p[len] == ',' || p[len] == '\0'))
            {
              found = true;
              break;
            }
          p = strchr (p, ',');
          if (p)
            p++;
        }
      if (!found)
        return false;
    }
  return true;
}

/* The /proc/self/cgroup controller field of the v1 hierarchy whose mount
   has fs options FSOPTS ("rw,cpu,cpuacct" -> "cpu,cpuacct").  */
static char *
hierarchy_of (const char *cgroup_file, const char *fsopts)
{
  cleanup_free char *copy = xstrdup (cgroup_file);
  char *line, *save = NULL;

  for (line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *ctrl = strchr (line, ':'), *end;
      if (ctrl == NULL)
        continue;
      ctrl++;
      end = strchr (ctrl, ':');
      if (end == NULL || end == ctrl)
        continue;
      *end = '\0';
      if (all_items_in (ctrl, fsopts))
        return xstrdup (ctrl);
    }
  return NULL;
}

static int
bind_cgroup_dir (int rootfd, const char *host, const char *dest, unsigned long flags, carve_error_t *err)
{
  cleanup_close int target = -1;
  cleanup_close int mnt = -1;

  if (carve_safepath_mkdir_p (rootfd, dest, 0755, &target, err) < 0)
    return -1;
  if (carve_mount_on_fd (host, target, NULL, MS_BIND | MS_REC, NULL) < 0)
    return carve_make_error (err, errno, "bind `%s`", host);
  mnt = carve_safepath_open (rootfd, dest, O_PATH | O_DIRECTORY, 0, err);
  if (mnt < 0)
    return -1;
  if (flags && carve_mount_bind_remount (mnt, flags, 0) < 0)
    return carve_make_error (err, errno, "remount `%s`", dest);
  return 0;
}

/* cgroup v1 (and hybrid) without a cgroup namespace, as runc does it: a
   tmpfs at the destination and, in it, each hierarchy mounted on the host
   under /sys/fs/cgroup bound from our own cgroup's directory there (so the
   container sees its own cgroup as the root), plus the symlinks of
   co-mounted controllers (cpu -> cpu,cpuacct).  */
static int
mount_cgroup_v1 (int rootfd, const char *dest, unsigned long flags, carve_error_t *err)
{
  struct libmnt_table *tb CARVE_CLEANUP (mnt_table) = NULL;
  struct libmnt_iter *it CARVE_CLEANUP (mnt_iter) = NULL;
  cleanup_free char *cgroup_file = NULL;
  cleanup_close int target = -1;
  cleanup_close int dirfd = -1;
  struct libmnt_fs *fs;

  if (carve_read_file ("/proc/self/cgroup", &cgroup_file, NULL, err) < 0)
    return -1;
  if (carve_safepath_mkdir_p (rootfd, dest, 0755, &target, err) < 0)
    return -1;
  if (carve_mount_on_fd ("tmpfs", target, "tmpfs", flags & ~MS_RDONLY, "mode=755") < 0)
    return carve_make_error (err, errno, "mount `tmpfs`");
  dirfd = carve_safepath_open (rootfd, dest, O_PATH | O_DIRECTORY, 0, err);
  if (dirfd < 0)
    return -1;

  tb = mnt_new_table_from_file ("/proc/self/mountinfo");
  it = mnt_new_iter (MNT_ITER_FORWARD);
  if (tb == NULL || it == NULL)
    return carve_make_error (err, errno ? errno : ENOMEM, "read `/proc/self/mountinfo`");
  while (mnt_table_next_fs (tb, it, &fs) == 0)
    {
      const char *fstype = mnt_fs_get_fstype (fs);
      const char *mp = mnt_fs_get_target (fs);
      cleanup_free char *ctrl = NULL;
      cleanup_free char *cgpath = NULL;
      cleanup_free char *host = NULL;
      cleanup_free char *sub = NULL;
      const char *name;

      if (fstype == NULL || mp == NULL || strncmp (mp, "/sys/fs/cgroup/", 15) != 0)
        continue;
      name = mp + 15;
      if (*name == '\0' || strchr (name, '/'))
        continue;
      if (strcmp (fstype, "cgroup2") == 0)
        ctrl = xstrdup ("");
      else if (strcmp (fstype, "cgroup") == 0)
        ctrl = hierarchy_of (cgroup_file, mnt_fs_get_fs_options (fs) ? mnt_fs_get_fs_options (fs) : "");
      else
        continue;
      if (ctrl == NULL)
        continue;
      cgpath = own_cgroup_path (cgroup_file, ctrl);
      if (cgpath == NULL)
        continue;
      host = carve_path_join (mp, cgpath);
      sub = carve_path_join (dest, name);
      if (bind_cgroup_dir (rootfd, host, sub, flags, err) < 0)
        return carve_error_wrap (err, "cgroup `%s`", name);

      if (strchr (name, ','))
        {
          cleanup_free char *copy = xstrdup (name);
          char *part, *save = NULL;
          for (part = strtok_r (copy, ",", &save); part; part = strtok_r (NULL, ",", &save))
            if (symlinkat (name, dirfd, part) < 0 && errno != EEXIST)
              return carve_make_error (err, errno, "symlink `%s/%s`", dest, part);
        }
    }
  if ((flags & MS_RDONLY) && carve_mount_bind_remount (dirfd, flags, 0) < 0)
    return carve_make_error (err, errno, "remount `%s` read-only", dest);
  return 0;
}

/* cgroup v2: a cgroup2 mount (works in a cgroup namespace); without one the
   kernel refuses (EPERM/EBUSY) and, as runc does, we bind our own cgroup's
   directory instead.  */
static int
mount_cgroup_v2 (int rootfd, const char *dest, unsigned long flags, const char *data, carve_error_t *err)
{
  cleanup_close int target = -1;
  cleanup_free char *cgroup_file = NULL;
  cleanup_free char *cgpath = NULL;
  cleanup_free char *host = NULL;

  if (carve_safepath_mkdir_p (rootfd, dest, 0755, &target, err) < 0)
    return -1;
  if (carve_mount_on_fd ("cgroup2", target, "cgroup2", flags, data) == 0)
    return 0;
  if (errno != EPERM && errno != EBUSY)
    return carve_make_error (err, errno, "mount `cgroup2`");
  if (carve_read_file ("/proc/self/cgroup", &cgroup_file, NULL, err) < 0)
    return -1;
  cgpath = own_cgroup_path (cgroup_file, "");
  if (cgpath == NULL)
    return carve_make_error (err, ENOENT, "find our cgroup v2 path");
  host = carve_path_join ("/sys/fs/cgroup", cgpath);
  return bind_cgroup_dir (rootfd, host, dest, flags, err);
}

static int
mount_cgroup (int rootfd, const struct carve_spec_mount_s *m, const struct carve_mount_options_s *o, carve_error_t *err)
{
  unsigned long flags = o->flags_set & ~(MS_BIND | MS_REC | MS_REMOUNT);
  struct statfs sfs;

  if (statfs ("/sys/fs/cgroup", &sfs) < 0)
    return carve_make_error (err, errno, "statfs `/sys/fs/cgroup`");
  if (sfs.f_type == CGROUP2_SUPER_MAGIC)
    return mount_cgroup_v2 (rootfd, m->destination, flags, o->data, err);
  return mount_cgroup_v1 (rootfd, m->destination, flags, err);
}

/* --- one mount ----------------------------------------------------------- */

/* A user namespace may not mount proc, sysfs or mqueue for a PID, network
   or IPC namespace it does not own: the case of a permeable container
   with a user namespace, which shares those of the host by design.  The
   host's own instance, bound recursively, is then the right view of them
   (runc does the same for sysfs).  Returns 0 with *RET_MNT the new mount,
   1 when it does not apply (errno of the failed mount kept), -1 on error.  */
static int
bind_host_instead (const char *type, int targetfd, const struct carve_mount_options_s *o, int *ret_mnt, int rootfd,
                   const char *dest, carve_error_t *err)
{
  static const struct
  {
    const char *type, *host;
  } fallbacks[] = { { "proc", "/proc" }, { "sysfs", "/sys" }, { "mqueue", "/dev/mqueue" } };
  int saved = errno;
  size_t i;

  if (saved != EPERM)
    return 1;
  for (i = 0; i < sizeof (fallbacks) / sizeof (fallbacks[0]); i++)
    if (strcmp (type, fallbacks[i].type) == 0)
      {
        cleanup_close int mnt = -1;

        if (carve_mount_on_fd (fallbacks[i].host, targetfd, NULL, MS_BIND | MS_REC, NULL) < 0)
          return carve_make_error (err, saved,
                                   "mount `%s` (a user namespace may not mount it for the host's namespaces, "
                                   "and binding the host's `%s` failed: %s)",
                                   type, fallbacks[i].host, strerror (errno));
        mnt = carve_safepath_open (rootfd, dest, O_PATH, 0, err);
        if (mnt < 0)
          return -1;
        if (((o->flags_set & ~(MS_BIND | MS_REC | MS_REMOUNT)) || o->flags_clear)
            && carve_mount_bind_remount (mnt, o->flags_set, o->flags_clear) < 0)
          return carve_make_error (err, errno, "remount the host's `%s`", fallbacks[i].host);
        *ret_mnt = steal_fd (&mnt);
        return 0;
      }
  errno = saved;
  return 1;
}

static bool
selinux_enabled (void)
{
  return access ("/sys/fs/selinux/enforce", F_OK) == 0;
}

/* DATA plus the SELinux context= option, for the filesystems that take
   one, as runc's label.FormatMountLabel.  */
static char *
data_with_label (const char *data, const char *type, const char *label)
{
  static const char *const no_context[] = { "proc", "sysfs", "mqueue", "cgroup", "cgroup2", "bind" };
  size_t i;

  if (label == NULL || *label == '\0' || type == NULL || !selinux_enabled ())
    return data ? xstrdup (data) : NULL;
  for (i = 0; i < sizeof (no_context) / sizeof (no_context[0]); i++)
    if (strcmp (type, no_context[i]) == 0)
      return data ? xstrdup (data) : NULL;
  return data ? xasprintf ("%s,context=\"%s\"", data, label) : xasprintf ("context=\"%s\"", label);
}

static int
apply_one (int rootfd, const struct carve_spec_mount_s *m, const char *mount_label, carve_error_t *err)
{
  cleanup_mount_options struct carve_mount_options_s o = { 0 };
  cleanup_close int target = -1;
  cleanup_close int mnt = -1;
  cleanup_close int copyup_src = -1;
  cleanup_free char *data = NULL;
  const char *type = m->type;
  bool has_maps = m->uid_mappings_len > 0 || m->gid_mappings_len > 0;
  bool bind;
  int r;

  if (m->destination == NULL || m->destination[0] == '\0')
    return carve_make_error (err, 0, "missing destination");
  if (carve_mount_parse_options (m->options, m->options_len, &o, err) < 0)
    return -1;

  /* type "bind" without bind/rbind: recursive, as crun does; a
     non-recursive bind would uncover what the source's submounts hide.  */
  if (type && strcmp (type, "bind") == 0 && !(o.flags_set & MS_BIND))
    o.flags_set |= MS_BIND | MS_REC;
  bind = (o.flags_set & MS_BIND) != 0;
  /* mount(2) ignores the data of a bind mount: an option that is no flag
     would be dropped without a word (runc does so).  */
  if (bind && o.data)
    return carve_make_error (err, 0, "options[%zu]: `%s` is not an option of a bind mount", o.data_index,
                             m->options[o.data_index]);

  /* Mappings without idmap/ridmap: the runtime-spec says the option
     SHOULD be there; take them as "idmap" rather than ignore them.  */
  if (has_maps && !o.idmap)
    o.idmap = true;
  if (o.idmap)
    {
      if (m->uid_mappings_len == 0 || m->gid_mappings_len == 0)
        return carve_make_error (err, 0, "idmap needs both uidMappings and gidMappings");
      if (!bind)
        return carve_make_error (err, 0, "idmap is supported on bind mounts only");
    }

  if (type && (strcmp (type, "cgroup") == 0 || strcmp (type, "cgroup2") == 0) && !bind)
    return mount_cgroup (rootfd, m, &o, err);

  if (bind)
    {
      struct stat st;
      if (m->source == NULL)
        return carve_make_error (err, 0, "bind mount without a source");
      if (stat (m->source, &st) < 0)
        return carve_make_error (err, errno, "stat source `%s`", m->source);
      if (S_ISDIR (st.st_mode))
        {
          if (carve_safepath_mkdir_p (rootfd, m->destination, 0755, &target, err) < 0)
            return -1;
        }
      else if (carve_safepath_create_file (rootfd, m->destination, 0644, &target, err) < 0)
        return -1;

      if (o.idmap)
        {
          if (bind_idmapped (m->source, target, m, &o, err) < 0)
            return -1;
        }
      else if (carve_mount_on_fd (m->source, target, NULL, MS_BIND | (o.flags_set & MS_REC), NULL) < 0)
        return carve_make_error (err, errno, "bind `%s`", m->source);

      /* From here on act on the new mount: TARGET still is the directory
         underneath it, so open the destination again.  */
      mnt = carve_safepath_open (rootfd, m->destination, O_PATH, 0, err);
      if (mnt < 0)
        return -1;
      /* A bind mount ignores every flag but MS_REC: the rest (ro, nosuid,
         ...) takes a remount.  */
      if (((o.flags_set & ~(MS_BIND | MS_REC | MS_REMOUNT)) || o.flags_clear)
          && carve_mount_bind_remount (mnt, o.flags_set, o.flags_clear) < 0)
        return carve_make_error (err, errno, "remount `%s`", m->source);
    }
  else
    {
      if (type == NULL || *type == '\0')
        return carve_make_error (err, 0, "missing type");
      if (carve_safepath_mkdir_p (rootfd, m->destination, 0755, &target, err) < 0)
        return -1;
      if (o.tmpcopyup && strcmp (type, "tmpfs") == 0)
        {
          copyup_src = openat (target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
          if (copyup_src < 0)
            return carve_make_error (err, errno, "open for tmpcopyup");
        }
      data = data_with_label (o.data, type, mount_label);
      if (carve_mount_on_fd (m->source ? m->source : type, target, type, o.flags_set & ~MS_REC, data) < 0
          && (r = bind_host_instead (type, target, &o, &mnt, rootfd, m->destination, err)) != 0)
        {
          if (r < 0)
            return -1;
          /* EINVAL is mostly an option the filesystem does not know: show
             the ones it got, the kernel only names it in its log.  */
          if (errno == EINVAL && o.data)
            return carve_make_error (err, errno, "mount `%s` with options `%s`", type, o.data);
          return carve_make_error (err, errno, "mount `%s`", type);
        }
      if (mnt < 0)
        mnt = carve_safepath_open (rootfd, m->destination, O_PATH, 0, err);
      if (mnt < 0)
        return -1;
      if (copyup_src >= 0)
        {
          cleanup_close int dst = openat (mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
          if (dst < 0)
            return carve_make_error (err, errno, "open for tmpcopyup");
          if (copy_tree (copyup_src, dst, err) < 0)
            return carve_error_wrap (err, "tmpcopyup");
        }
    }

  if (apply_propagation (mnt, &o, err) < 0)
    return -1;
  return apply_recursive_attrs (mnt, &o, err);
}

int
carve_mounts_apply (int rootfd, const char *rootfs, struct carve_spec_mount_s *const *mounts, size_t n,
                    const char *mount_label, carve_error_t *err)
{
  size_t i;

  (void)rootfs;
  for (i = 0; i < n; i++)
    if (apply_one (rootfd, mounts[i], mount_label, err) < 0)
      return carve_error_wrap (err, "mounts[%zu] `%s`", i, mounts[i]->destination ? mounts[i]->destination : "");
  return 0;
}

int
carve_mount_bind_shm (int rootfd, const char *rootfs, int job_tree, carve_error_t *err)
{
  cleanup_close int target = -1;

  if (carve_safepath_mkdir_p (rootfd, "/dev/shm", 01777, &target, err) < 0)
    return carve_error_wrap (err, "bind host /dev/shm into `%s`", rootfs);
  /* Only the job's tmpfs, never the host's: the tree was cloned from the
     job's directory by the parent, so no path is resolved here.  */
  if (job_tree >= 0)
    {
      if (move_mount (job_tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return carve_make_error (err, errno, "attach the job's /dev/shm onto `%s/dev/shm`", rootfs);
      return 0;
    }
  /* Recursive: a non-recursive bind would drop submounts of the host's
     /dev/shm and show what they cover.  */
  if (carve_mount_on_fd ("/dev/shm", target, NULL, MS_BIND | MS_REC, NULL) < 0)
    return carve_make_error (err, errno, "bind host `/dev/shm` onto `%s/dev/shm`", rootfs);
  return 0;
}
