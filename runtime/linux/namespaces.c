/* Namespaces (namespaces.h): names and clone flags, joining by path, the
   id mappings of a new user namespace.  */
#include <config.h>
#include "namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"

#ifndef CLONE_NEWTIME
#  define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#  define CLONE_NEWCGROUP 0x02000000
#endif

/* In the order an `exec` joins them: see carve_namespaces_of_pid.  */
static const struct
{
  const char *type;
  const char *proc_name;
  int flag;
} namespace_kinds[] = {
  { "user", "user", CLONE_NEWUSER },       { "ipc", "ipc", CLONE_NEWIPC },
  { "uts", "uts", CLONE_NEWUTS },          { "network", "net", CLONE_NEWNET },
  { "pid", "pid", CLONE_NEWPID },          { "cgroup", "cgroup", CLONE_NEWCGROUP },
  { "time", "time", CLONE_NEWTIME },       { "mount", "mnt", CLONE_NEWNS },
};

#define N_KINDS (sizeof namespace_kinds / sizeof namespace_kinds[0])

int
carve_namespace_type_to_flag (const char *type)
{
  size_t i;

  for (i = 0; type && i < N_KINDS; i++)
    if (strcmp (namespace_kinds[i].type, type) == 0)
      return namespace_kinds[i].flag;
  return -1;
}

const char *
carve_namespace_proc_name (const char *type)
{
  size_t i;

  for (i = 0; type && i < N_KINDS; i++)
    if (strcmp (namespace_kinds[i].type, type) == 0)
      return namespace_kinds[i].proc_name;
  return NULL;
}

static int
join_fd (int fd, const char *type, const char *path, carve_error_t *err)
{
  int flag = carve_namespace_type_to_flag (type);

  if (flag < 0)
    return carve_make_error (err, 0, "join namespace: unknown namespace type `%s`", type ? type : "");
  /* The flag makes setns check that PATH really is a TYPE namespace, so a
     wrong path cannot silently join another kind.  */
  if (setns (fd, flag) < 0)
    return carve_make_error (err, errno, "join %s namespace `%s`", type, path);
  return 0;
}

int
carve_namespace_join (const char *type, const char *path, carve_error_t *err)
{
  cleanup_close int fd = -1;

  if (carve_namespace_type_to_flag (type) < 0)
    return carve_make_error (err, 0, "join namespace: unknown namespace type `%s`", type ? type : "");
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return carve_make_error (err, errno, "join %s namespace: open `%s`", type, path);
  return join_fd (fd, type, path, err);
}

/* "container host size\n" for each mapping, in one buffer.  */
static char *
format_mappings (struct carve_spec_id_mapping_s *const *m, size_t n)
{
  char *buf = xstrdup ("");
  size_t i;

  for (i = 0; i < n; i++)
    {
      char *next = xasprintf ("%s%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", buf, m[i]->container_id, m[i]->host_id,
                              m[i]->size);
      free (buf);
      buf = next;
    }
  return buf;
}

static int
write_proc_file (pid_t pid, const char *name, const char *data, carve_error_t *err)
{
  /* PID 0 is the caller itself, whose PID in /proc may not be the one
     getpid() sees (a new PID namespace with the host's /proc).  */
  cleanup_free char *path = pid > 0 ? xasprintf ("/proc/%d/%s", (int) pid, name) : xasprintf ("/proc/self/%s", name);

  return carve_write_file (path, data, strlen (data), err);
}

int
carve_userns_write_mappings (pid_t pid, struct carve_spec_id_mapping_s *const *uid_mappings, size_t n_uid,
                             struct carve_spec_id_mapping_s *const *gid_mappings, size_t n_gid, bool deny_setgroups,
                             carve_error_t *err)
{
  cleanup_free char *uids = format_mappings (uid_mappings, n_uid);
  cleanup_free char *gids = format_mappings (gid_mappings, n_gid);

  if (n_uid > 0 && write_proc_file (pid, "uid_map", uids, err) < 0)
    return carve_error_wrap (err, "linux.uidMappings");
  /* An unprivileged writer may only write gid_map after setgroups is denied,
     otherwise the mapped process could drop supplementary groups that
     protect files with negative group permissions.  */
  if (deny_setgroups && write_proc_file (pid, "setgroups", "deny", err) < 0)
    return carve_error_wrap (err, "linux.gidMappings");
  if (n_gid > 0 && write_proc_file (pid, "gid_map", gids, err) < 0)
    return carve_error_wrap (err, "linux.gidMappings");
  return 0;
}

int
carve_timens_write_offsets (pid_t pid, const struct carve_spec_time_offsets_s *time_offsets, carve_error_t *err)
{
  cleanup_free char *buf = xstrdup ("");
  const struct
  {
    const char *clock;
    const struct carve_spec_time_offset_s *off;
  } clocks[] = { { "monotonic", time_offsets->monotonic }, { "boottime", time_offsets->boottime } };
  size_t i;

  for (i = 0; i < sizeof clocks / sizeof clocks[0]; i++)
    {
      const struct carve_spec_time_offset_s *o = clocks[i].off;
      char *next;

      if (o == NULL)
        continue;
      next = xasprintf ("%s%s %" PRId64 " %" PRIu32 "\n", buf, clocks[i].clock, o->has_secs ? o->secs : 0,
                        o->has_nanosecs ? o->nanosecs : 0);
      free (buf);
      buf = next;
    }
  if (buf[0] == '\0')
    return 0;
  if (write_proc_file (pid, "timens_offsets", buf, err) < 0)
    return carve_error_wrap (err, "linux.timeOffsets");
  return 0;
}

void
carve_ns_paths_free (struct carve_ns_path_s *v, size_t n)
{
  size_t i;

  if (v == NULL)
    return;
  for (i = 0; i < n; i++)
    free (v[i].path);
  free (v);
}

int
carve_namespaces_of_pid (pid_t pid, struct carve_ns_path_s **ret, size_t *ret_len, carve_error_t *err)
{
  struct carve_ns_path_s *v = xcalloc (N_KINDS, sizeof *v);
  size_t n = 0, i;

  for (i = 0; i < N_KINDS; i++)
    {
      cleanup_free char *mine = xasprintf ("/proc/self/ns/%s", namespace_kinds[i].proc_name);
      char *theirs = xasprintf ("/proc/%d/ns/%s", (int) pid, namespace_kinds[i].proc_name);
      struct stat st_mine, st_theirs;

      if (stat (theirs, &st_theirs) < 0)
        {
          int e = errno;
          /* A kind this kernel lacks (time before 5.6, cgroup before 4.6)
             cannot differ.  */
          if (e == ENOENT && stat (mine, &st_mine) < 0 && errno == ENOENT)
            {
              free (theirs);
              continue;
            }
          carve_make_error (err, e, "stat `%s`", theirs);
          free (theirs);
          carve_ns_paths_free (v, n);
          return -1;
        }
      if (stat (mine, &st_mine) == 0 && st_mine.st_dev == st_theirs.st_dev && st_mine.st_ino == st_theirs.st_ino)
        {
          free (theirs);
          continue;
        }
      v[n].type = namespace_kinds[i].type;
      v[n].path = theirs;
      n++;
    }

  *ret = v;
  *ret_len = n;
  return 0;
}

int
carve_namespaces_join_paths (const struct carve_ns_path_s *v, size_t n, carve_error_t *err)
{
  cleanup_free int *fds = xcalloc (n ? n : 1, sizeof *fds);
  size_t i;
  int r = 0;

  for (i = 0; i < n; i++)
    fds[i] = -1;
  for (i = 0; i < n && r == 0; i++)
    {
      fds[i] = open (v[i].path, O_RDONLY | O_CLOEXEC);
      if (fds[i] < 0)
        r = carve_make_error (err, errno, "join %s namespace: open `%s`", v[i].type, v[i].path);
    }
  for (i = 0; i < n && r == 0; i++)
    r = join_fd (fds[i], v[i].type, v[i].path, err);
  for (i = 0; i < n; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  return r;
}
