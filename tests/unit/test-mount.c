/* Unit tests of runtime/linux/{mount,safepath,rootfs,devices,sysctl}.
   The kernel cases run in a child in its own mount namespace with "/" made
   rprivate first, so nothing they mount reaches the host.  */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/magic.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"
#include "runtime/linux/devices.h"
#include "runtime/linux/mount.h"
#include "runtime/linux/rootfs.h"
#include "runtime/linux/safepath.h"
#include "runtime/linux/sysctl.h"
#include "spec/spec.h"
#include "tests/unit/unit.h"

#define N_OF(a) (sizeof (a) / sizeof ((a)[0]))

/* --- option parser -------------------------------------------------------- */

static int
parse (char *const *opts, size_t n, struct carve_mount_options_s *o)
{
  cleanup_error carve_error_t err = NULL;
  int r = carve_mount_parse_options (opts, n, o, &err);
  if (r < 0)
    fprintf (stderr, "# %s\n", err->msg);
  return r;
}

static int
test_options_flags (void)
{
  char *opts[] = { "ro", "nosuid", "nodev", "noexec", "exec", "noatime", "sync", "remount" };
  struct carve_mount_options_s o;

  EXPECT (parse (opts, N_OF (opts), &o) == 0);
  EXPECT (o.flags_set == (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOATIME | MS_SYNCHRONOUS | MS_REMOUNT));
  EXPECT (o.flags_clear == MS_NOEXEC);
  EXPECT (o.data == NULL && o.propagation_len == 0 && o.attr_set == 0 && o.attr_clr == 0);
  carve_mount_options_release (&o);

  /* Later options win.  */
  {
    char *o2[] = { "ro", "rw", "nosuid", "suid", "nodev" };
    EXPECT (parse (o2, N_OF (o2), &o) == 0);
    EXPECT (o.flags_set == MS_NODEV);
    EXPECT (o.flags_clear == (MS_RDONLY | MS_NOSUID));
    carve_mount_options_release (&o);
  }
  {
    char *o3[] = { "nosymfollow", "defaults" };
    EXPECT (parse (o3, N_OF (o3), &o) == 0);
    EXPECT (o.flags_set == MS_NOSYMFOLLOW);
    EXPECT (o.data == NULL);
    carve_mount_options_release (&o);
  }
  return 0;
}

static int
test_options_bind (void)
{
  struct carve_mount_options_s o;
  char *bind[] = { "bind" };
  char *rbind[] = { "rbind", "ro" };

  EXPECT (parse (bind, 1, &o) == 0);
  EXPECT (o.flags_set == MS_BIND);
  carve_mount_options_release (&o);
  EXPECT (parse (rbind, 2, &o) == 0);
  EXPECT (o.flags_set == (MS_BIND | MS_REC | MS_RDONLY));
  carve_mount_options_release (&o);
  return 0;
}

static int
test_options_propagation (void)
{
  char *opts[] = { "rprivate", "shared", "rslave", "unbindable", "runbindable", "private", "slave", "rshared" };
  const unsigned long want[] = { MS_PRIVATE | MS_REC,    MS_SHARED,  MS_SLAVE | MS_REC, MS_UNBINDABLE,
                                 MS_UNBINDABLE | MS_REC, MS_PRIVATE, MS_SLAVE,          MS_SHARED | MS_REC };
  struct carve_mount_options_s o;
  size_t i;

  EXPECT (parse (opts, N_OF (opts), &o) == 0);
  EXPECT (o.propagation_len == N_OF (want));
  for (i = 0; i < N_OF (want); i++)
    EXPECT (o.propagation[i] == want[i]);
  EXPECT (o.flags_set == 0 && o.flags_clear == 0);
  carve_mount_options_release (&o);
  return 0;
}

static int
test_options_recursive (void)
{
  struct carve_mount_options_s o;
  char *a[] = { "rro", "rnosuid", "rnodev", "rnoexec", "rnodiratime", "rnosymfollow", "rsuid" };
  char *b[] = { "rro", "rrw", "rexec", "rdev", "rdiratime", "rsymfollow" };
  char *c[] = { "rnoatime", "rstrictatime" };
  char *d[] = { "rrelatime" };

  EXPECT (parse (a, N_OF (a), &o) == 0);
  EXPECT (
      o.attr_set
      == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW));
  EXPECT (o.attr_clr == MOUNT_ATTR_NOSUID);
  EXPECT (o.flags_set == 0);
  carve_mount_options_release (&o);

  EXPECT (parse (b, N_OF (b), &o) == 0);
  EXPECT (o.attr_set == 0);
  EXPECT (
      o.attr_clr
      == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODEV | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW));
  carve_mount_options_release (&o);

  /* atime modes are exclusive: the whole mask cleared, the last one set.  */
  EXPECT (parse (c, N_OF (c), &o) == 0);
  EXPECT (o.attr_clr == MOUNT_ATTR__ATIME);
  EXPECT (o.attr_set == MOUNT_ATTR_STRICTATIME);
  carve_mount_options_release (&o);
  EXPECT (parse (d, N_OF (d), &o) == 0);
  EXPECT (o.attr_clr == MOUNT_ATTR__ATIME);
  EXPECT (o.attr_set == MOUNT_ATTR_RELATIME);
  carve_mount_options_release (&o);
  return 0;
}

static int
test_options_idmap_copyup (void)
{
  struct carve_mount_options_s o;
  char *a[] = { "rbind", "idmap", "tmpcopyup" };
  char *b[] = { "ridmap" };

  EXPECT (parse (a, N_OF (a), &o) == 0);
  EXPECT (o.idmap && !o.idmap_recursive && o.tmpcopyup);
  EXPECT (o.data == NULL);
  carve_mount_options_release (&o);
  EXPECT (parse (b, N_OF (b), &o) == 0);
  EXPECT (o.idmap && o.idmap_recursive && !o.tmpcopyup);
  carve_mount_options_release (&o);
  return 0;
}

static int
test_options_data (void)
{
  struct carve_mount_options_s o;
  char *a[] = { "nosuid", "mode=755", "size=65536k", "newinstance", "ptmxmode=0666", "x-unknown" };

  EXPECT (parse (a, N_OF (a), &o) == 0);
  EXPECT_STR (o.data, "mode=755,size=65536k,newinstance,ptmxmode=0666,x-unknown");
  EXPECT (o.flags_set == MS_NOSUID);
  carve_mount_options_release (&o);
  return 0;
}

static int
test_options_empty_fails (void)
{
  cleanup_error carve_error_t err = NULL;
  struct carve_mount_options_s o;
  char *a[] = { "ro", "", "nosuid" };

  EXPECT (carve_mount_parse_options (a, N_OF (a), &o, &err) < 0);
  EXPECT_CONTAINS (err->msg, "options[1]");
  EXPECT_CONTAINS (err->msg, "empty");
  carve_mount_options_release (&o);
  return 0;
}

/* --- sysctl --------------------------------------------------------------- */

static int
test_sysctl_keys (void)
{
  static const char *const good[] = { "net.ipv4.ip_forward", "kernel.shmmax", "fs.mqueue.msg_max",
                                      "net/ipv4/conf/eth0.1/forwarding", "vm.overcommit_memory" };
  static const char *const bad[]
      = { "",          "..",         "net..ipv4", ".net.ipv4", "net.ipv4.", "net/../../etc/passwd", "/etc/passwd",
          "net//ipv4", "net/./ipv4", "a/" };
  size_t i;

  for (i = 0; i < N_OF (good); i++)
    {
      cleanup_error carve_error_t err = NULL;
      if (carve_sysctl_validate_key (good[i], &err) < 0)
        {
          fprintf (stderr, "# `%s` refused: %s\n", good[i], err->msg);
          return -1;
        }
    }
  for (i = 0; i < N_OF (bad); i++)
    {
      cleanup_error carve_error_t err = NULL;
      if (carve_sysctl_validate_key (bad[i], &err) == 0)
        {
          fprintf (stderr, "# `%s` accepted\n", bad[i]);
          return -1;
        }
    }
  /* The error names the key, through carve_sysctl_apply too.  */
  {
    cleanup_error carve_error_t err = NULL;
    char *keys[] = { "net/../../etc/passwd" };
    char *values[] = { "x" };
    struct carve_spec_map_s map = { keys, values, 1 };
    EXPECT (carve_sysctl_apply (&map, &err) < 0);
    EXPECT_CONTAINS (err->msg, "net/../../etc/passwd");
  }
  return 0;
}

static int
test_sysctl_namespaced (void)
{
  int flag = 0;

  EXPECT (carve_sysctl_is_namespaced ("kernel.shmmax", &flag) && flag == CLONE_NEWIPC);
  EXPECT (carve_sysctl_is_namespaced ("kernel.msgmnb", &flag) && flag == CLONE_NEWIPC);
  EXPECT (carve_sysctl_is_namespaced ("kernel.sem", &flag) && flag == CLONE_NEWIPC);
  EXPECT (carve_sysctl_is_namespaced ("fs.mqueue.queues_max", &flag) && flag == CLONE_NEWIPC);
  EXPECT (carve_sysctl_is_namespaced ("net.ipv4.ip_forward", &flag) && flag == CLONE_NEWNET);
  EXPECT (carve_sysctl_is_namespaced ("net/ipv4/conf/eth0.1/forwarding", &flag) && flag == CLONE_NEWNET);
  EXPECT (carve_sysctl_is_namespaced ("kernel.hostname", &flag) && flag == CLONE_NEWUTS);
  EXPECT (carve_sysctl_is_namespaced ("kernel.domainname", NULL));
  flag = 0;
  EXPECT (!carve_sysctl_is_namespaced ("kernel.pid_max", &flag) && flag == 0);
  EXPECT (!carve_sysctl_is_namespaced ("vm.swappiness", &flag));
  EXPECT (!carve_sysctl_is_namespaced ("fs.file-max", &flag));
  EXPECT (!carve_sysctl_is_namespaced ("kernel.hostnamex", &flag));
  return 0;
}

/* linux.sysctl against the namespaces a container owns.  */
static int
test_sysctl_plan (void)
{
  char *keys[] = { "kernel.shmmax", "net.ipv4.ip_forward", "kernel.domainname", NULL };
  char *values[] = { "1", "2", "3", NULL };
  struct carve_spec_map_s map = { keys, values, 3 };
  struct carve_spec_map_s *apply = NULL;

  /* Every namespace owned: everything applies.  */
  {
    cleanup_error carve_error_t err = NULL;
    cleanup_strv char **warnings = NULL;
    EXPECT (carve_sysctl_plan (&map, CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS, false, &apply, &warnings, &err)
            == 0);
    EXPECT (apply != NULL && apply->len == 3 && warnings == NULL);
    EXPECT_STR (apply->keys[1], "net.ipv4.ip_forward");
    EXPECT_STR (apply->values[1], "2");
    free (apply->keys);
    free (apply->values);
    free (apply);
  }
  /* Permeable, IPC owned by nobody but the host: one warning per key left
     out, naming it and the namespace.  */
  {
    cleanup_error carve_error_t err = NULL;
    cleanup_strv char **warnings = NULL;
    EXPECT (carve_sysctl_plan (&map, CLONE_NEWNET, true, &apply, &warnings, &err) == 0);
    EXPECT (apply != NULL && apply->len == 1);
    EXPECT_STR (apply->keys[0], "net.ipv4.ip_forward");
    EXPECT (warnings && warnings[0] && warnings[1] && !warnings[2]);
    EXPECT_CONTAINS (warnings[0], "`kernel.shmmax` ignored: the container shares the host's ipc namespace");
    EXPECT_CONTAINS (warnings[1], "`kernel.domainname` ignored: the container shares the host's uts namespace");
    free (apply->keys);
    free (apply->values);
    free (apply);
  }
  /* oci mode: the same is an error, as with runc.  */
  {
    cleanup_error carve_error_t err = NULL;
    EXPECT (carve_sysctl_plan (&map, CLONE_NEWNET | CLONE_NEWUTS, false, &apply, NULL, &err) < 0);
    EXPECT_STR (err->msg, "linux.sysctl: `kernel.shmmax` is not allowed in the host's ipc namespace");
  }
  /* A key of no namespace, and kernel.hostname: errors in both modes.  */
  {
    char *k[] = { "vm.swappiness", NULL }, *v[] = { "10", NULL };
    struct carve_spec_map_s m = { k, v, 1 };
    cleanup_error carve_error_t err = NULL;
    EXPECT (carve_sysctl_plan (&m, ~0ULL, true, &apply, NULL, &err) < 0);
    EXPECT_STR (err->msg, "linux.sysctl: `vm.swappiness` is not in a separate kernel namespace");
  }
  {
    char *k[] = { "kernel.hostname", NULL }, *v[] = { "x", NULL };
    struct carve_spec_map_s m = { k, v, 1 };
    cleanup_error carve_error_t err = NULL;
    EXPECT (carve_sysctl_plan (&m, CLONE_NEWUTS, false, &apply, NULL, &err) < 0);
    EXPECT_CONTAINS (err->msg, "`kernel.hostname` conflicts with the `hostname` field");
  }
  return 0;
}

/* --- safepath (no mounts) ------------------------------------------------- */

static char *
make_tmpdir (void)
{
  char tmpl[] = "/tmp/carve-test-mount-XXXXXX";
  if (mkdtemp (tmpl) == NULL)
    return NULL;
  return xstrdup (tmpl);
}

static int
same_file (int fd, const char *path)
{
  struct stat a, b;
  if (fstat (fd, &a) < 0 || stat (path, &b) < 0)
    return 0;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

typedef int (*open_fn) (int, const char *, int, mode_t, carve_error_t *);

static int
check_scoped (open_fn fn, int rootfd, const char *dir)
{
  cleanup_free char *marker = xasprintf ("%s/etc/marker", dir);
  cleanup_free char *rootdir = xasprintf ("%s", dir);
  static const char *const paths[] = { "/evil/marker",         "evil/marker",         "/up/etc/marker",
                                       "/../../../etc/marker", "/loop/../etc/marker", "/etc/self-abs" };
  size_t i;

  for (i = 0; i < N_OF (paths); i++)
    {
      cleanup_error carve_error_t err = NULL;
      cleanup_close int fd = fn (rootfd, paths[i], O_RDONLY, 0, &err);
      if (fd < 0)
        {
          fprintf (stderr, "# open `%s`: %s\n", paths[i], err->msg);
          return -1;
        }
      if (!same_file (fd, marker))
        {
          fprintf (stderr, "# `%s` did not resolve inside the rootfs\n", paths[i]);
          return -1;
        }
    }
  {
    /* /etc/hostname exists on the host but not in the rootfs.  */
    cleanup_error carve_error_t err = NULL;
    EXPECT (fn (rootfd, "/evil/hostname", O_RDONLY, 0, &err) < 0);
    EXPECT (err->status == ENOENT);
  }
  {
    cleanup_error carve_error_t err = NULL;
    cleanup_close int fd = fn (rootfd, "/", O_PATH, 0, &err);
    EXPECT (fd >= 0 && same_file (fd, rootdir));
  }
  return 0;
}

static int
build_tree (const char *dir)
{
  cleanup_free char *etc = xasprintf ("%s/etc", dir);
  cleanup_free char *marker = xasprintf ("%s/etc/marker", dir);
  cleanup_free char *evil = xasprintf ("%s/evil", dir);
  cleanup_free char *up = xasprintf ("%s/up", dir);
  cleanup_free char *loop = xasprintf ("%s/loop", dir);
  cleanup_free char *self_abs = xasprintf ("%s/etc/self-abs", dir);
  cleanup_free char *dang = xasprintf ("%s/dang", dir);
  int fd;

  if (mkdir (etc, 0755) < 0)
    return -1;
  fd = open (marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return -1;
  (void)close (fd);
  if (symlink ("/etc", evil) < 0 || symlink ("../../..", up) < 0 || symlink ("/evil/..", loop) < 0
      || symlink ("/evil/marker", self_abs) < 0 || symlink ("/made/by/link", dang) < 0)
    return -1;
  return 0;
}

static int
test_safepath (void)
{
  cleanup_free char *dir = make_tmpdir ();
  cleanup_close int rootfd = -1;
  int r = -1;

  EXPECT (dir != NULL);
  if (build_tree (dir) < 0)
    goto out;
  rootfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    goto out;
  if (check_scoped (carve_safepath_open, rootfd, dir) < 0 || check_scoped (carve_safepath_open_walk, rootfd, dir) < 0)
    goto out;

  {
    /* mkdir_p through the outside-pointing symlink lands inside.  */
    cleanup_error carve_error_t err = NULL;
    cleanup_free char *inside = xasprintf ("%s/etc/carve-new/sub", dir);
    cleanup_free char *made = xasprintf ("%s/made/by/link/x", dir);
    cleanup_close int fd = -1;

    if (carve_safepath_mkdir_p (rootfd, "/evil/carve-new/sub", 0755, &fd, &err) < 0)
      {
        fprintf (stderr, "# %s\n", err->msg);
        goto out;
      }
    if (!same_file (fd, inside) || access ("/etc/carve-new", F_OK) == 0)
      goto out;
    /* A dangling absolute symlink gets its target made inside.  */
    if (carve_safepath_mkdir_p (rootfd, "/dang/x", 0755, NULL, &err) < 0 || access (made, F_OK) < 0)
      {
        fprintf (stderr, "# dangling: %s\n", err ? err->msg : "not created inside");
        goto out;
      }
  }
  {
    cleanup_error carve_error_t err = NULL;
    cleanup_free char *inside = xasprintf ("%s/etc/carve-file", dir);
    cleanup_close int fd = -1;
    if (carve_safepath_create_file (rootfd, "/evil/carve-file", 0644, &fd, &err) < 0 || !same_file (fd, inside)
        || access ("/etc/carve-file", F_OK) == 0)
      goto out;
  }
  r = 0;
out:
  {
    cleanup_error carve_error_t err = NULL;
    (void)carve_rm_rf (dir, &err);
  }
  return r;
}

/* --- kernel cases, in a private mount namespace ---------------------------- */

#define CHECK(cond)                                                                                                    \
  do                                                                                                                   \
    {                                                                                                                  \
      if (!(cond))                                                                                                     \
        {                                                                                                              \
          fprintf (stderr, "# %s:%d: expected %s (errno %s)\n", __FILE__, __LINE__, #cond, strerror (errno));          \
          _exit (1);                                                                                                   \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

/* CALL takes `&e`, the child's error variable.  */
#define CHECK_OK(call)                                                                                                 \
  do                                                                                                                   \
    {                                                                                                                  \
      if ((call) < 0)                                                                                                  \
        {                                                                                                              \
          fprintf (stderr, "# %s:%d: %s: %s\n", __FILE__, __LINE__, #call, e ? e->msg : "?");                          \
          _exit (1);                                                                                                   \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

static void
touch (const char *path, mode_t mode)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC, mode);
  CHECK (fd >= 0);
  CHECK (write (fd, "hello", 5) == 5);
  (void)close (fd);
}

static bool
is_fs (const char *path, long magic)
{
  struct statfs s;
  return statfs (path, &s) == 0 && (long)s.f_type == magic;
}

static bool
can_create (const char *path)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return false;
  (void)close (fd);
  (void)unlink (path);
  return true;
}

static void
kernel_child (const char *dir)
{
  cleanup_free char *rootfs = xasprintf ("%s/rootfs", dir);
  cleanup_free char *host = xasprintf ("%s/host", dir);
  cleanup_free char *host_sub = xasprintf ("%s/host/sub", dir);
  cleanup_free char *host_hello = xasprintf ("%s/host/hello", dir);
  cleanup_free char *host_file = xasprintf ("%s/hostfile", dir);
  cleanup_free char *idsrc = xasprintf ("%s/idsrc", dir);
  cleanup_free char *idfile = xasprintf ("%s/idsrc/owned-by-root", dir);
  cleanup_free char *p = NULL;
  int rootfd;
  carve_error_t e = NULL;

  CHECK (unshare (CLONE_NEWNS) == 0);
  /* Before anything else: nothing mounted below may reach the host.  */
  CHECK (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);

  /* The host side: a directory with a submount (for rro), a file, and a
     tmpfs with a root-owned file (for the idmapped mount).  */
  CHECK (mkdir (rootfs, 0755) == 0);
  CHECK (build_tree (rootfs) == 0);
  p = xasprintf ("%s/opt", rootfs);
  CHECK (mkdir (p, 0755) == 0);
  free (p);
  p = xasprintf ("%s/opt/keep", rootfs);
  touch (p, 0640);
  CHECK (mkdir (host, 0755) == 0);
  CHECK (mkdir (host_sub, 0755) == 0);
  CHECK (mount ("tmpfs", host_sub, "tmpfs", 0, "size=1m") == 0);
  touch (host_hello, 0644);
  touch (host_file, 0644);
  CHECK (mkdir (idsrc, 0755) == 0);
  CHECK (mount ("tmpfs", idsrc, "tmpfs", 0, "size=1m") == 0);
  touch (idfile, 0644);
  CHECK (chown (idfile, 0, 0) == 0);

  CHECK_OK (carve_rootfs_prepare (rootfs, NULL, &e));
  rootfd = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  CHECK (rootfd >= 0);

  {
    struct carve_spec_id_mapping_s map = { .container_id = 0, .host_id = 1000, .size = 1 };
    struct carve_spec_id_mapping_s *maps[] = { &map, NULL };
    struct carve_spec_mount_s m_dev
        = { "/dev", "tmpfs", (char *[]){ "nosuid", "strictatime", "mode=755", "size=65536k", NULL },
            4,      "tmpfs", NULL,
            0,      NULL,    0 };
    struct carve_spec_mount_s m_proc = { "/proc", "proc", NULL, 0, "proc", NULL, 0, NULL, 0 };
    struct carve_spec_mount_s m_data
        = { "/data", "tmpfs", (char *[]){ "size=1m", "mode=700", NULL }, 2, "tmpfs", NULL, 0, NULL, 0 };
    struct carve_spec_mount_s m_bound
        = { "/bound", host, (char *[]){ "rbind", "ro", NULL }, 2, "bind", NULL, 0, NULL, 0 };
    struct carve_spec_mount_s m_rro
        = { "/rro", host, (char *[]){ "rbind", "rro", "rprivate", NULL }, 3, NULL, NULL, 0, NULL, 0 };
    struct carve_spec_mount_s m_evil = { "/evil/via-link", "tmpfs", NULL, 0, "tmpfs", NULL, 0, NULL, 0 };
    struct carve_spec_mount_s m_file
        = { "/sub/file-bind", host_file, (char *[]){ "bind", NULL }, 1, NULL, NULL, 0, NULL, 0 };
    struct carve_spec_mount_s m_copyup
        = { "/opt", "tmpfs", (char *[]){ "tmpcopyup", NULL }, 1, "tmpfs", NULL, 0, NULL, 0 };
    struct carve_spec_mount_s m_idmap
        = { "/idmapped", idsrc, (char *[]){ "rbind", "idmap", NULL }, 2, "bind", maps, 1, maps, 1 };
    struct carve_spec_mount_s m_cgroup = { "/sys/fs/cgroup",
                                           "cgroup",
                                           (char *[]){ "nosuid", "noexec", "nodev", "relatime", "ro", NULL },
                                           5,
                                           "cgroup",
                                           NULL,
                                           0,
                                           NULL,
                                           0 };
    struct carve_spec_mount_s *mounts[]
        = { &m_dev, &m_proc, &m_data, &m_bound, &m_rro, &m_evil, &m_file, &m_copyup, &m_idmap, &m_cgroup };
    CHECK_OK (carve_mounts_apply (rootfd, rootfs, mounts, N_OF (mounts), NULL, &e));
  }
  /* The mount through rootfs/evil -> /etc went to rootfs/etc.  */
  CHECK (access ("/etc/via-link", F_OK) < 0 && errno == ENOENT);
  free (p);
  p = xasprintf ("%s/etc/via-link", rootfs);
  CHECK (is_fs (p, TMPFS_MAGIC));

  {
    /* Errors name the mount.  */
    struct carve_spec_mount_s bad = { "/bad", "nosuchfs", NULL, 0, "nosuchfs", NULL, 0, NULL, 0 };
    struct carve_spec_mount_s *v[] = { &bad };
    CHECK (carve_mounts_apply (rootfd, rootfs, v, 1, NULL, &e) < 0);
    CHECK (strstr (e->msg, "mounts[0] `/bad`: mount `nosuchfs`") != NULL);
    carve_error_release (&e);
  }

  {
    struct carve_spec_linux_device_s fifo
        = { .type = "p", .path = "/dev/myfifo", .has_file_mode = true, .file_mode = 0600 };
    struct carve_spec_linux_device_s zero = { .type = "c",
                                              .path = "/dev/extra/zero",
                                              .has_major = true,
                                              .major = 1,
                                              .has_minor = true,
                                              .minor = 5,
                                              .has_uid = true,
                                              .uid = 1234 };
    struct carve_spec_linux_device_s *devs[] = { &fifo, &zero };
    CHECK_OK (carve_devices_setup (rootfd, devs, N_OF (devs), false, &e));
  }
  {
    /* A device path that exists as a directory fails, naming it.  */
    struct carve_spec_linux_device_s clash
        = { .type = "c", .path = "/dev/pts", .has_major = true, .major = 1, .has_minor = true, .minor = 3 };
    struct carve_spec_linux_device_s *devs[] = { &clash };
    CHECK (carve_devices_setup (rootfd, devs, 1, false, &e) < 0);
    CHECK (strstr (e->msg, "/dev/pts") != NULL && strstr (e->msg, "not a character device") != NULL);
    carve_error_release (&e);
  }
  CHECK_OK (carve_mount_bind_shm (rootfd, rootfs, -1, &e));
  (void)close (rootfd);

  CHECK_OK (carve_rootfs_pivot (rootfs, false, &e));

  /* From inside.  */
  {
    struct stat st;
    char buf[64];
    ssize_t n;

    CHECK (access ("/etc/marker", F_OK) == 0);
    CHECK (access ("/bound/hello", R_OK) == 0);
    CHECK (!can_create ("/bound/new") && errno == EROFS);
    /* Plain "ro" on an rbind leaves submounts writable; rro does not.  */
    CHECK (can_create ("/bound/sub/new"));
    CHECK (!can_create ("/rro/sub/new") && errno == EROFS);
    CHECK (is_fs ("/data", TMPFS_MAGIC) && can_create ("/data/x"));
    CHECK (is_fs ("/etc/via-link", TMPFS_MAGIC));
    CHECK (stat ("/sub/file-bind", &st) == 0 && S_ISREG (st.st_mode) && st.st_size == 5);
    CHECK (is_fs ("/opt", TMPFS_MAGIC) && stat ("/opt/keep", &st) == 0 && (st.st_mode & 07777) == 0640);
    CHECK (stat ("/idmapped/owned-by-root", &st) == 0 && st.st_uid == 1000 && st.st_gid == 1000);
    CHECK (is_fs ("/sys/fs/cgroup", TMPFS_MAGIC) && !can_create ("/sys/fs/cgroup/x"));
    CHECK (stat ("/sys/fs/cgroup/memory", &st) == 0 && S_ISDIR (st.st_mode));
    CHECK (!can_create ("/sys/fs/cgroup/memory/x") && errno == EROFS);

    CHECK (stat ("/dev/null", &st) == 0 && S_ISCHR (st.st_mode) && st.st_rdev == makedev (1, 3)
           && (st.st_mode & 07777) == 0666);
    CHECK (stat ("/dev/tty", &st) == 0 && st.st_rdev == makedev (5, 0));
    CHECK (stat ("/dev/myfifo", &st) == 0 && S_ISFIFO (st.st_mode) && (st.st_mode & 07777) == 0600);
    CHECK (stat ("/dev/extra/zero", &st) == 0 && st.st_rdev == makedev (1, 5) && st.st_uid == 1234);
    n = readlink ("/dev/ptmx", buf, sizeof (buf) - 1);
    CHECK (n == 8 && memcmp (buf, "pts/ptmx", 8) == 0);
    n = readlink ("/dev/stderr", buf, sizeof (buf) - 1);
    CHECK (n == 15 && memcmp (buf, "/proc/self/fd/2", 15) == 0);
    CHECK (stat ("/dev/shm", &st) == 0 && S_ISDIR (st.st_mode));
    CHECK (is_fs ("/proc", PROC_SUPER_MAGIC));
  }

  {
    char *masked[] = { "/data", "/bound/hello", "/no/such/path" };
    char *ro[] = { "/etc", "/nowhere" };
    struct stat st;

    CHECK_OK (carve_paths_mask (masked, N_OF (masked), &e));
    CHECK_OK (carve_paths_readonly (ro, N_OF (ro), &e));
    CHECK (access ("/data/x", F_OK) < 0 && !can_create ("/data/y"));
    CHECK (stat ("/bound/hello", &st) == 0 && S_ISCHR (st.st_mode));
    CHECK (!can_create ("/etc/new") && errno == EROFS);
    CHECK (!can_create ("/etc/via-link/new") && errno == EROFS);
  }

  CHECK (can_create ("/rootfile"));
  CHECK_OK (carve_rootfs_finalize (true, "rprivate", &e));
  CHECK (!can_create ("/rootfile") && errno == EROFS);
  _exit (0);
}

/* --no-pivot (MS_MOVE + chroot) and devices bound from the host, as in a
   user namespace.  */
static void
no_pivot_child (const char *dir)
{
  cleanup_free char *rootfs = xasprintf ("%s/rootfs", dir);
  cleanup_free char *devdir = xasprintf ("%s/rootfs/dev", dir);
  carve_error_t e = NULL;
  struct stat st;
  int rootfd;

  CHECK (unshare (CLONE_NEWNS) == 0);
  CHECK (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
  CHECK (mkdir (rootfs, 0755) == 0);
  CHECK (build_tree (rootfs) == 0);
  CHECK (mkdir (devdir, 0755) == 0);
  CHECK (mount ("tmpfs", devdir, "tmpfs", 0, "size=1m") == 0);

  CHECK_OK (carve_rootfs_prepare (rootfs, "rprivate", &e));
  rootfd = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  CHECK (rootfd >= 0);
  CHECK_OK (carve_devices_setup (rootfd, NULL, 0, true, &e));
  (void)close (rootfd);
  CHECK_OK (carve_rootfs_pivot (rootfs, true, &e));

  CHECK (access ("/etc/marker", F_OK) == 0);
  CHECK (access ("/etc/hostname", F_OK) < 0 && errno == ENOENT);
  CHECK (access ("/evil/hostname", F_OK) < 0);
  CHECK (stat ("/dev/null", &st) == 0 && S_ISCHR (st.st_mode) && st.st_rdev == makedev (1, 3));
  CHECK (stat ("/dev/urandom", &st) == 0 && st.st_rdev == makedev (1, 9));
  _exit (0);
}

static bool
host_mountinfo_mentions (const char *dir)
{
  cleanup_error carve_error_t err = NULL;
  cleanup_free char *info = NULL;
  if (carve_read_file ("/proc/self/mountinfo", &info, NULL, &err) < 0)
    return true;
  return strstr (info, dir) != NULL;
}

static int
run_in_namespace (void (*child) (const char *))
{
  cleanup_free char *dir = NULL;
  int status = -1;
  pid_t pid;

  if (geteuid () != 0)
    {
      fprintf (stderr, "# needs root\n");
      return 77;
    }
  dir = make_tmpdir ();
  EXPECT (dir != NULL);
  fflush (NULL);
  pid = fork ();
  EXPECT (pid >= 0);
  if (pid == 0)
    child (dir);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  /* Nothing of what the child mounted may be visible here.  */
  EXPECT (!host_mountinfo_mentions (dir));
  {
    cleanup_error carve_error_t err = NULL;
    EXPECT (carve_rm_rf (dir, &err) == 0);
  }
  EXPECT (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  return 0;
}

/* What `features` lists as mount options is exactly what parse takes as
   one: each listed name is no filesystem data, and the options of
   config.md that carve implements are all there.  */
static int
test_known_options (void)
{
  cleanup_strv char **known = carve_mount_known_options ();
  const char *must[] = { "rnodev", "tmpcopyup", "idmap", "ridmap", "defaults", "nosymfollow", "rshared", "remount" };
  size_t i;

  EXPECT (known != NULL && carve_strv_length (known) > 50);
  for (i = 0; known[i]; i++)
    {
      struct carve_mount_options_s o;
      cleanup_error carve_error_t err = NULL;
      char *one[] = { known[i], NULL };

      EXPECT (carve_mount_parse_options (one, 1, &o, &err) == 0);
      if (o.data != NULL)
        fprintf (stderr, "# `%s` is listed but parsed as data\n", known[i]);
      EXPECT (o.data == NULL);
      carve_mount_options_release (&o);
      /* Sorted, no duplicates.  */
      EXPECT (i == 0 || strcmp (known[i - 1], known[i]) < 0);
    }
  for (i = 0; i < sizeof (must) / sizeof (must[0]); i++)
    EXPECT (carve_strv_contains (known, must[i]));
  /* And what is not listed is the filesystem's.  */
  EXPECT (!carve_strv_contains (known, "size=1m") && !carve_strv_contains (known, "mode"));
  return 0;
}

static int
test_kernel_rootfs (void)
{
  return run_in_namespace (kernel_child);
}

static int
test_kernel_no_pivot (void)
{
  return run_in_namespace (no_pivot_child);
}

UNIT_MAIN (UNIT_CASE (test_options_flags), UNIT_CASE (test_options_bind), UNIT_CASE (test_options_propagation),
           UNIT_CASE (test_options_recursive), UNIT_CASE (test_options_idmap_copyup), UNIT_CASE (test_options_data),
           UNIT_CASE (test_options_empty_fails), UNIT_CASE (test_known_options), UNIT_CASE (test_sysctl_keys), UNIT_CASE (test_sysctl_namespaced),
           UNIT_CASE (test_sysctl_plan),
           UNIT_CASE (test_safepath), UNIT_CASE (test_kernel_rootfs), UNIT_CASE (test_kernel_no_pivot))
