/* Unit tests of the cgroup library: fake trees for pure v1, hybrid and pure
   v2 in temporary directories, and a few quick checks against the real
   kernel in uniquely named cgroups that are always removed.  */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fsutil.h"
#include "runtime/linux/cgroup-bpf.h"
#include "runtime/linux/cgroup-internal.h"
#include "runtime/linux/cgroup.h"
#include "spec/spec.h"
#include "tests/unit/unit.h"
#include "xalloc.h"

/* --- fake trees ---------------------------------------------------------- */

static void
put (const char *dir, const char *file, const char *content)
{
  cleanup_free char *path = carve_path_join (dir, file);
  carve_error_t err = NULL;
  int fd;

  (void)carve_mkdir_p (dir, 0755, &err);
  carve_error_release (&err);
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      fprintf (stderr, "# cannot create %s: %s\n", path, strerror (errno));
      exit (1);
    }
  if (carve_write_all (fd, content, strlen (content)) < 0)
    exit (1);
  close (fd);
}

static char *
get (const char *dir, const char *file)
{
  cleanup_free char *path = carve_path_join (dir, file);
  carve_error_t err = NULL;
  char *buf = NULL;

  if (carve_read_file (path, &buf, NULL, &err) < 0)
    {
      carve_error_release (&err);
      return xstrdup ("(missing)");
    }
  return buf;
}

static void
rm_tree (const char *dir)
{
  carve_error_t err = NULL;
  if (carve_rm_rf (dir, &err) < 0)
    carve_error_release (&err);
}

/* Every fake node, removed at exit even when a case fails early.  */
static char *fake_roots[64];
static size_t n_fake_roots;

__attribute__ ((destructor)) static void
remove_fake_roots (void)
{
  size_t i;
  for (i = 0; i < n_fake_roots; i++)
    rm_tree (fake_roots[i]);
}

/* Files a controller's directory has, with the root's content.  */
static const char *const v1_files[][2] = {
  { "cpu", "cpu.shares=1024 cpu.cfs_period_us=100000 cpu.cfs_quota_us=-1 cpu.cfs_burst_us=0 cpu.rt_period_us=1000000 "
           "cpu.rt_runtime_us=0 cpu.idle=0 cpu.stat=" },
  { "cpuacct", "cpuacct.usage=0 cpuacct.usage_percpu= cpuacct.stat=" },
  { "cpuset", "cpuset.cpus=0-3 cpuset.mems=0" },
  { "memory", "memory.limit_in_bytes=9223372036854771712 memory.memsw.limit_in_bytes=9223372036854771712 "
              "memory.soft_limit_in_bytes=9223372036854771712 memory.kmem.limit_in_bytes=9223372036854771712 "
              "memory.kmem.tcp.limit_in_bytes=9223372036854771712 memory.swappiness=60 memory.oom_control= "
              "memory.use_hierarchy=1 memory.usage_in_bytes=0 memory.stat=" },
  { "pids", "pids.max=max pids.current=0" },
  { "blkio", "blkio.weight=500 blkio.leaf_weight=500 blkio.weight_device= blkio.leaf_weight_device= "
             "blkio.throttle.read_bps_device= blkio.throttle.write_bps_device= blkio.throttle.read_iops_device= "
             "blkio.throttle.write_iops_device=" },
  { "devices", "devices.allow= devices.deny=" },
  { "freezer", "freezer.state=THAWED" },
  { "hugetlb", "hugetlb.2MB.limit_in_bytes=0 hugetlb.1GB.limit_in_bytes=0" },
  { "net_cls", "net_cls.classid=0" },
  { "net_prio", "net_prio.ifpriomap=" },
  { "rdma", "rdma.max=" },
  { NULL, NULL },
};

static const char *const v2_files
    = "cgroup.procs= cgroup.subtree_control= cgroup.freeze=0 cpu.weight=100 cpu.max=max_100000 cpu.max.burst=0 "
      "cpu.idle=0 cpuset.cpus= cpuset.mems= memory.max=max memory.swap.max=max memory.low=0 memory.high=max "
      "memory.current=0 pids.max=max io.weight=default_100 io.max= hugetlb.2MB.max=max hugetlb.2MB.rsvd.max=max "
      "hugetlb.1GB.max=max rdma.max=";

/* Creates "name=value" files (a '_' in a value is a space) in DIR.  */
static void
put_files (const char *dir, const char *spec, bool empty)
{
  cleanup_free char *copy = xstrdup (spec);
  char *tok, *save = NULL;

  for (tok = strtok_r (copy, " ", &save); tok; tok = strtok_r (NULL, " ", &save))
    {
      char *eq = strchr (tok, '='), *p;
      *eq = '\0';
      for (p = eq + 1; *p; p++)
        if (*p == '_')
          *p = ' ';
      put (dir, tok, empty ? "" : eq + 1);
    }
}

static const char *
v1_files_of (const char *ctrl)
{
  size_t i;
  for (i = 0; v1_files[i][0]; i++)
    if (strcmp (v1_files[i][0], ctrl) == 0)
      return v1_files[i][1];
  return "";
}

/* Fills the directory of a v1 hierarchy holding CTRLS (comma-separated).  */
static void
put_v1_dir (const char *dir, const char *ctrls, bool root)
{
  cleanup_free char *copy = xstrdup (ctrls);
  char *tok, *save = NULL;

  put (dir, "cgroup.procs", "");
  for (tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    put_files (dir, v1_files_of (tok), !root && strcmp (tok, "cpuset") == 0);
}

enum fake_kind
{
  FAKE_V1,
  FAKE_HYBRID,
  FAKE_V2,
};

static const char *const v1_mounts[]
    = { "cpu,cpuacct", "cpuset", "memory", "pids", "blkio", "devices", "freezer", "net_cls,net_prio", "rdma", NULL };

/* Builds a fake node in a new temporary directory: mountinfo, /proc/cgroups,
   /proc/self/cgroup and the hierarchies' root directories.  */
static char *
fake_node (enum fake_kind kind, carve_cgroup_layout_t *ret)
{
  char tmpl[] = "/tmp/carve-cgroup-test-XXXXXX";
  char *made = mkdtemp (tmpl);
  char *root;
  cleanup_free char *mi = xstrdup ("22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
                                   "25 22 0:22 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n");
  cleanup_free char *pc = xstrdup ("#subsys_name\thierarchy\tnum_cgroups\tenabled\n");
  cleanup_free char *self = xstrdup ("");
  cleanup_free char *mi_path = NULL, *pc_path = NULL, *proc = NULL;
  carve_error_t err = NULL;
  int id = 1, i;

  if (made == NULL)
    {
      fprintf (stderr, "# mkdtemp: %s\n", strerror (errno));
      exit (1);
    }
  root = xstrdup (made);

  if (kind != FAKE_V2)
    {
      for (i = 0; v1_mounts[i]; i++, id++)
        {
          cleanup_free char *dir = xasprintf ("%s/sys/fs/cgroup/%s", root, v1_mounts[i]);
          cleanup_free char *ctrls = xstrdup (v1_mounts[i]);
          char *tok, *save = NULL, *next;

          next = xasprintf ("%s%d 25 0:%d / /sys/fs/cgroup/%s rw,nosuid - cgroup cgroup rw,%s\n", mi, 30 + id, 30 + id,
                            v1_mounts[i], v1_mounts[i]);
          free (mi);
          mi = next;
          for (tok = strtok_r (ctrls, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
            {
              next = xasprintf ("%s%s\t%d\t1\t1\n", pc, tok, id);
              free (pc);
              pc = next;
            }
          /* carve itself sits in /user.slice on the memory hierarchy only.  */
          next = xasprintf ("%s%d:%s:%s\n", self, id, v1_mounts[i],
                            strcmp (v1_mounts[i], "memory") == 0 ? "/user.slice" : "/");
          free (self);
          self = next;
          put_v1_dir (dir, v1_mounts[i], true);
        }
      /* A named hierarchy, as systemd leaves on v1 nodes.  */
      {
        cleanup_free char *dir = xasprintf ("%s/sys/fs/cgroup/systemd", root);
        char *next = xasprintf ("%s40 25 0:40 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n", mi);
        free (mi);
        mi = next;
        next = xasprintf ("%s%d:name=systemd:/\n", self, id++);
        free (self);
        self = next;
        put (dir, "cgroup.procs", "");
      }
    }
  if (kind == FAKE_V1 || kind == FAKE_V2)
    {
      /* hugetlb is on v1 only in the pure v1 node.  */
      if (kind == FAKE_V1)
        {
          cleanup_free char *dir = xasprintf ("%s/sys/fs/cgroup/hugetlb", root);
          char *next = xasprintf ("%s41 25 0:41 / /sys/fs/cgroup/hugetlb rw - cgroup cgroup rw,hugetlb\n", mi);
          free (mi);
          mi = next;
          next = xasprintf ("%shugetlb\t%d\t1\t1\n", pc, id);
          free (pc);
          pc = next;
          next = xasprintf ("%s%d:hugetlb:/\n", self, id++);
          free (self);
          self = next;
          put_v1_dir (dir, "hugetlb", true);
        }
    }
  if (kind == FAKE_HYBRID)
    {
      cleanup_free char *dir = xasprintf ("%s/sys/fs/cgroup/unified", root);
      char *next = xasprintf ("%s42 25 0:42 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n"
                              "43 22 0:43 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
                              mi);
      free (mi);
      mi = next;
      next = xasprintf ("%shugetlb\t0\t1\t1\n", pc);
      free (pc);
      pc = next;
      next = xasprintf ("%s0::/\n", self);
      free (self);
      self = next;
      put (dir, "cgroup.controllers", "hugetlb\n");
      put_files (dir, v2_files, false);
    }
  if (kind == FAKE_V2)
    {
      cleanup_free char *dir = xasprintf ("%s/sys/fs/cgroup", root);
      char *next = xasprintf ("%s45 22 0:45 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n", mi);
      free (mi);
      /* The tmpfs line is not there on v2 nodes, but is harmless.  */
      mi = next;
      free (self);
      self = xstrdup ("0::/user.slice/session-1.scope\n");
      put (dir, "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
      put_files (dir, v2_files, false);
    }

  if (n_fake_roots < 64)
    fake_roots[n_fake_roots++] = xstrdup (root);
  mi_path = xasprintf ("%s/mountinfo", root);
  put (root, "mountinfo", mi);
  proc = xasprintf ("%s/proc/self", root);
  put (proc, "cgroup", self);
  if (kind != FAKE_V2)
    put (root, "cgroups", pc);
  /* A pure v2 kernel may have no /proc/cgroups at all.  */
  pc_path = xasprintf ("%s/cgroups", root);
  if (carve_cgroup_layout_detect (mi_path, pc_path, root, ret, &err) < 0)
    {
      fprintf (stderr, "# detect: %s\n", err->msg);
      carve_error_release (&err);
      *ret = NULL;
    }
  return root;
}

/* Makes the container's directories exist with their controller files, as
   the kernel would (relative to each hierarchy root).  */
static void
precreate (carve_cgroup_layout_t l, const char *rel_v1, const char *rel_v2)
{
  size_t i;

  for (i = 0; i < l->n_hierarchies; i++)
    {
      const struct carve_cgroup_hierarchy_s *h = &l->hierarchies[i];
      cleanup_free char *dir = xasprintf ("%s%s", h->mount, h->v2 ? rel_v2 : rel_v1);
      if (h->v2)
        put_files (dir, v2_files, false);
      else
        put_v1_dir (dir, h->key, false);
    }
}

/* --- detection ----------------------------------------------------------- */

static int
test_detect_v1 (void)
{
  cleanup_cgroup_layout carve_cgroup_layout_t l = NULL;
  cleanup_free char *root = fake_node (FAKE_V1, &l);
  const struct carve_cgroup_hierarchy_s *h;
  int r = -1;

  if (l == NULL)
    goto out;
  EXPECT (l->mode == CARVE_CGROUP_MODE_V1);
  EXPECT (l->v2_index == -1);
  /* 9 controller mounts, name=systemd and hugetlb.  */
  EXPECT (l->n_hierarchies == 11);
  h = carve_cgroup_layout_find (l, "cpuacct");
  EXPECT (h != NULL && !h->v2);
  EXPECT_STR (h->key, "cpu,cpuacct");
  EXPECT (h->id == 1);
  h = carve_cgroup_layout_find (l, "io");
  EXPECT (h != NULL);
  EXPECT_CONTAINS (h->mount, "/sys/fs/cgroup/blkio");
  EXPECT (strncmp (h->mount, root, strlen (root)) == 0);
  EXPECT (carve_cgroup_layout_find (l, "hugetlb") != NULL);
  EXPECT (carve_cgroup_layout_find (l, "misc") == NULL);
  h = carve_cgroup_layout_find (l, "net_prio");
  EXPECT (h != NULL);
  EXPECT_STR (h->key, "net_cls,net_prio");
  r = 0;
out:
  rm_tree (root);
  return r;
}

static int
test_detect_hybrid (void)
{
  cleanup_cgroup_layout carve_cgroup_layout_t l = NULL;
  cleanup_free char *root = fake_node (FAKE_HYBRID, &l);
  const struct carve_cgroup_hierarchy_s *h;
  int r = -1;

  if (l == NULL)
    goto out;
  EXPECT (l->mode == CARVE_CGROUP_MODE_HYBRID);
  EXPECT (l->v2_index >= 0);
  /* The cgroup2 tree mounted twice counts once.  */
  EXPECT (l->n_hierarchies == 11);
  h = carve_cgroup_layout_find (l, "hugetlb");
  EXPECT (h != NULL && h->v2);
  EXPECT_CONTAINS (h->mount, "/sys/fs/cgroup/unified");
  h = carve_cgroup_layout_find (l, "memory");
  EXPECT (h != NULL && !h->v2);
  /* v1 devices and freezer win over the v2 core features.  */
  EXPECT (!carve_cgroup_layout_find (l, "devices")->v2);
  EXPECT (!carve_cgroup_layout_find (l, "freezer")->v2);
  r = 0;
out:
  rm_tree (root);
  return r;
}

static int
test_detect_v2 (void)
{
  cleanup_cgroup_layout carve_cgroup_layout_t l = NULL;
  cleanup_free char *root = fake_node (FAKE_V2, &l);
  const struct carve_cgroup_hierarchy_s *h;
  int r = -1;

  if (l == NULL)
    goto out;
  EXPECT (l->mode == CARVE_CGROUP_MODE_V2);
  EXPECT (l->n_hierarchies == 1);
  h = carve_cgroup_layout_find (l, "blkio");
  EXPECT (h != NULL && h->v2);
  EXPECT (carve_cgroup_layout_find (l, "cpuacct") == h);
  EXPECT (carve_cgroup_layout_find (l, "devices") == h);
  EXPECT (carve_cgroup_layout_find (l, "freezer") == h);
  EXPECT (carve_cgroup_layout_find (l, "net_cls") == NULL);
  EXPECT (carve_cgroup_layout_find (l, "rdma") == h);
  r = 0;
out:
  rm_tree (root);
  return r;
}

static int
test_detect_host (void)
{
  cleanup_cgroup_layout carve_cgroup_layout_t l = NULL;
  cleanup_free char *pc = NULL;
  carve_error_t err = NULL;
  const struct carve_cgroup_hierarchy_s *h;
  char *line;

  if (carve_cgroup_layout_detect_host (&l, &err) < 0)
    {
      fprintf (stderr, "# no cgroups on this machine: %s\n", err->msg);
      carve_error_release (&err);
      return 77;
    }
  EXPECT (l->n_hierarchies > 0);
  /* Every enabled controller of /proc/cgroups with a hierarchy id is found
     on v1; hugetlb with id 0 is found on v2 when the v2 tree lists it.  */
  if (carve_read_file ("/proc/cgroups", &pc, NULL, &err) < 0)
    {
      carve_error_release (&err);
      return 0;
    }
  for (line = strtok (pc, "\n"); line; line = strtok (NULL, "\n"))
    {
      char name[64];
      int hier, num, enabled;
      if (line[0] == '#' || sscanf (line, "%63s %d %d %d", name, &hier, &num, &enabled) != 4 || !enabled)
        continue;
      h = carve_cgroup_layout_find (l, name);
      if (hier > 0)
        {
          EXPECT (h != NULL && !h->v2);
          EXPECT (h->id == hier);
        }
      else if (h != NULL && strcmp (name, "devices") != 0 && strcmp (name, "freezer") != 0)
        EXPECT (h->v2);
    }
  return 0;
}

/* --- path resolution ----------------------------------------------------- */

static int
test_paths_v1 (void)
{
  cleanup_cgroup_layout carve_cgroup_layout_t l = NULL;
  cleanup_free char *root = fake_node (FAKE_V1, &l);
  cleanup_cgroup carve_cgroup_t abs = NULL, rel = NULL, absent = NULL, reopened = NULL, escape = NULL;
  cleanup_free char *want = NULL, *cpus = NULL;
  carve_error_t err = NULL;
  int r = -1;

  if (l == NULL)
    goto out;
  /* Absolute: below every hierarchy's root.  */
  precreate (l, "/a", "/a");
  precreate (l, "/a/b", "/a/b");
  if (carve_cgroup_create (l, "/a/b", "ctr", false, NULL, 0, &abs, &err) < 0)
    {
      fprintf (stderr, "# %s\n", err->msg);
      goto out;
    }
  EXPECT_STR (carve_cgroup_path (abs), "/a/b");
  want = xasprintf ("%s/sys/fs/cgroup/memory/a/b", root);
  EXPECT_STR (carve_cgroup_dir (abs, "memory"), want);
  EXPECT (carve_path_exists (want));
  /* The new cpuset got its parent's cpus and mems.  */
  cpus = get (carve_cgroup_dir (abs, "cpuset"), "cpuset.cpus");
  EXPECT_STR (cpus, "0-3");

  /* Relative: below carve's own cgroup of each hierarchy.  */
  precreate (l, "/x", "/x");
  precreate (l, "/x/ctr", "/x/ctr");
  {
    cleanup_free char *d = xasprintf ("%s/sys/fs/cgroup/memory/user.slice/x/ctr", root);
    put_v1_dir (d, "memory", false);
  }
  if (carve_cgroup_create (l, "x/ctr", "ctr", false, NULL, 0, &rel, &err) < 0)
    {
      fprintf (stderr, "# %s\n", err->msg);
      goto out;
    }
  free (want);
  want = xasprintf ("%s/sys/fs/cgroup/memory/user.slice/x/ctr", root);
  EXPECT_STR (carve_cgroup_dir (rel, "memory"), want);
  free (want);
  want = xasprintf ("%s/sys/fs/cgroup/pids/x/ctr", root);
  EXPECT_STR (carve_cgroup_dir (rel, "pids"), want);
  EXPECT_CONTAINS (carve_cgroup_path (rel), "memory:/user.slice/x/ctr");
  EXPECT_CONTAINS (carve_cgroup_path (rel), "cpu,cpuacct:/x/ctr");

  /* What the state store keeps opens the same directories.  */
  if (carve_cgroup_open (l, carve_cgroup_path (rel), &reopened, &err) < 0)
    goto out;
  EXPECT_STR (carve_cgroup_dir (reopened, "memory"), carve_cgroup_dir (rel, "memory"));
  EXPECT_STR (carve_cgroup_dir (reopened, "cpuset"), carve_cgroup_dir (rel, "cpuset"));
  EXPECT_STR (carve_cgroup_path (reopened), carve_cgroup_path (rel));

  /* Absent: the container id, relative.  */
  precreate (l, "/ctr2", "/ctr2");
  if (carve_cgroup_create (l, NULL, "ctr2", false, NULL, 0, &absent, &err) < 0)
    {
      fprintf (stderr, "# %s\n", err->msg);
      goto out;
    }
  free (want);
  want = xasprintf ("%s/sys/fs/cgroup/freezer/ctr2", root);
  EXPECT_STR (carve_cgroup_dir (absent, "freezer"), want);

  /* ".." does not climb out of the own cgroup.  */
  precreate (l, "/etc", "/etc");
  if (carve_cgroup_open (l, "memory:/user.slice/../../../etc\ncpu,cpuacct:/etc", &escape, &err) < 0)
    goto out;
  free (want);
  want = xasprintf ("%s/sys/fs/cgroup/memory/etc", root);
  EXPECT_STR (carve_cgroup_dir (escape, "memory"), want);
  r = 0;
out:
  if (err)
    fprintf (stderr, "# %s\n", err->msg);
  carve_error_release (&err);
  rm_tree (root);
  return r;
}

static int
test_paths_v2_and_systemd (void)
{
  cleanup_cgroup_layout carve_cgroup_layout_t l = NULL;
  cleanup_free char *root = fake_node (FAKE_V2, &l);
  cleanup_cgroup carve_cgroup_t rel = NULL, sd = NULL, fail = NULL;
  cleanup_free char *want = NULL, *sub = NULL, *sdpath = NULL, *sdrun = NULL;
  carve_error_t err = NULL;
  int r = -1;

  if (l == NULL)
    goto out;
  if (carve_cgroup_create (l, "pod/ctr", "ctr", false, NULL, 0, &rel, &err) < 0)
    goto out;
  /* Below the parent of carve's own cgroup, as runc's fs2: carve's own
     holds processes, which cgroup v2 forbids beside children.  */
  EXPECT_STR (carve_cgroup_path (rel), "/user.slice/pod/ctr");
  /* Controllers were enabled in the ancestors for the child.  */
  want = xasprintf ("%s/sys/fs/cgroup/user.slice", root);
  sub = get (want, "cgroup.subtree_control");
  EXPECT_STR (sub, "(missing)");
  free (sub);
  sub = get (l->hierarchies[0].mount, "cgroup.subtree_control");
  /* Each controller is written alone (the file keeps the last one).  */
  EXPECT_STR (sub, "+misc");

  /* --systemd-cgroup without systemd: a clear error.  */
  EXPECT (carve_cgroup_create (l, "system.slice:carve:abc", "abc", true, NULL, 0, &fail, &err) < 0);
  EXPECT_CONTAINS (err->msg, "systemd is not running");
  carve_error_release (&err);
  EXPECT (carve_cgroup_create (l, "not-systemd", "abc", true, NULL, 0, &fail, &err) < 0);
  EXPECT_CONTAINS (err->msg, "slice:prefix:name");
  carve_error_release (&err);

  EXPECT (carve_cgroup_systemd_path ("a-b.slice:p:n", "id", &sdpath, &err) == 0);
  EXPECT_STR (sdpath, "/a.slice/a-b.slice/p-n.scope");
  free (sdpath);
  sdpath = NULL;
  EXPECT (carve_cgroup_systemd_path (NULL, "id", &sdpath, &err) == 0);
  EXPECT_STR (sdpath, "/system.slice/carve-id.scope");

  /* With systemd running, the unit's place: systemd makes it (the
     driver's D-Bus side runs in the VM lane's tests), carve knows where.  */
  sdrun = xasprintf ("%s/run/systemd/system", root);
  EXPECT (carve_mkdir_p (sdrun, 0755, &err) == 0);
  free (sdpath);
  sdpath = NULL;
  if (carve_cgroup_resolve (l, "machine.slice:carve:abc", "abc", true, NULL, &sdpath, &err) < 0)
    goto out;
  EXPECT_STR (sdpath, "/machine.slice/carve-abc.scope");
  {
    cleanup_free char *slice = NULL, *unit = NULL, *path = NULL;
    EXPECT (carve_cgroup_systemd_unit ("machine.slice::ctr", "x", &slice, &unit, &path, &err) == 0);
    EXPECT_STR (slice, "machine.slice");
    EXPECT_STR (unit, "ctr.scope");
    EXPECT_STR (path, "/machine.slice/ctr.scope");
  }
  EXPECT (carve_cgroup_systemd_path ("system.slice:carve:a/b", "x", &sdpath, &err) < 0);
  EXPECT_CONTAINS (err->msg, "a systemd unit name holds only");
  carve_error_release (&err);
  EXPECT (carve_cgroup_systemd_path ("system.slice:carve:a b", "x", &sdpath, &err) < 0);
  carve_error_release (&err);
  EXPECT (carve_cgroup_systemd_path ("nonslice:carve:x", "x", &sdpath, &err) < 0);
  EXPECT_CONTAINS (err->msg, "is not a slice name");
  carve_error_release (&err);
  /* No process, no scope: the cgroup is systemd's to make.  */
  EXPECT (carve_cgroup_create (l, "machine.slice:carve:abc", "abc", true, NULL, 0, &sd, &err) < 0);
  EXPECT_CONTAINS (err->msg, "a scope needs a process");
  carve_error_release (&err);
  r = 0;
out:
  if (err)
    fprintf (stderr, "# %s\n", err->msg);
  carve_error_release (&err);
  rm_tree (root);
  return r;
}

/* --- resources ----------------------------------------------------------- */

struct full_res_s
{
  struct carve_spec_linux_resources_s res;
  struct carve_spec_cpu_s cpu;
  struct carve_spec_memory_s mem;
  struct carve_spec_pids_s pids;
  struct carve_spec_block_io_s bio;
  struct carve_spec_weight_device_s wd;
  struct carve_spec_weight_device_s *wdv[2];
  struct carve_spec_throttle_device_s rbps, wbps, riops, wiops;
  struct carve_spec_throttle_device_s *rbpsv[2], *wbpsv[2], *riopsv[2], *wiopsv[2];
  struct carve_spec_hugepage_limit_s hp;
  struct carve_spec_hugepage_limit_s *hpv[2];
  struct carve_spec_network_s net;
  struct carve_spec_interface_priority_s prio;
  struct carve_spec_interface_priority_s *priov[2];
  struct carve_spec_rdma_s rdma;
  struct carve_spec_rdma_s *rdmav[2];
  struct carve_spec_device_cgroup_s dev[3];
  struct carve_spec_device_cgroup_s *devv[4];
};

static void
full_resources (struct full_res_s *f, bool v1)
{
  memset (f, 0, sizeof (*f));
  f->cpu = (struct carve_spec_cpu_s){ .has_shares = true,
                                      .shares = 1024,
                                      .has_quota = true,
                                      .quota = 50000,
                                      .has_period = true,
                                      .period = 100000,
                                      .has_burst = true,
                                      .burst = 1000,
                                      .cpus = (char *)"0-1",
                                      .mems = (char *)"0",
                                      .has_idle = true,
                                      .idle = 0 };
  if (v1)
    {
      f->cpu.has_realtime_runtime = f->cpu.has_realtime_period = true;
      f->cpu.realtime_runtime = 950000;
      f->cpu.realtime_period = 1000000;
    }
  f->mem = (struct carve_spec_memory_s){ .has_limit = true,
                                         .limit = 1073741824,
                                         .has_reservation = true,
                                         .reservation = 536870912,
                                         .has_swap = true,
                                         .swap = 2147483648,
                                         .has_kernel = true,
                                         .kernel = 268435456,
                                         .has_kernel_tcp = true,
                                         .kernel_tcp = 134217728,
                                         .has_swappiness = true,
                                         .swappiness = 10,
                                         .has_disable_oom_killer = true,
                                         .disable_oom_killer = true };
  f->pids.limit = 100;
  f->wd = (struct carve_spec_weight_device_s){
    .major = 8, .minor = 0, .has_weight = true, .weight = 300, .has_leaf_weight = true, .leaf_weight = 200
  };
  f->wdv[0] = &f->wd;
  f->rbps = (struct carve_spec_throttle_device_s){ .major = 8, .minor = 0, .has_rate = true, .rate = 1048576 };
  f->wbps = (struct carve_spec_throttle_device_s){ .major = 8, .minor = 16, .has_rate = true, .rate = 2097152 };
  f->riops = (struct carve_spec_throttle_device_s){ .major = 8, .minor = 0, .has_rate = true, .rate = 300 };
  f->wiops = (struct carve_spec_throttle_device_s){ .major = 8, .minor = 0, .has_rate = true, .rate = 400 };
  f->rbpsv[0] = &f->rbps;
  f->wbpsv[0] = &f->wbps;
  f->riopsv[0] = &f->riops;
  f->wiopsv[0] = &f->wiops;
  f->bio = (struct carve_spec_block_io_s){ .has_weight = true,
                                           .weight = 500,
                                           .has_leaf_weight = true,
                                           .leaf_weight = 400,
                                           .weight_device = f->wdv,
                                           .weight_device_len = 1,
                                           .throttle_read_bps_device = f->rbpsv,
                                           .throttle_read_bps_device_len = 1,
                                           .throttle_write_bps_device = f->wbpsv,
                                           .throttle_write_bps_device_len = 1,
                                           .throttle_read_iops_device = f->riopsv,
                                           .throttle_read_iops_device_len = 1,
                                           .throttle_write_iops_device = f->wiopsv,
                                           .throttle_write_iops_device_len = 1 };
  f->hp = (struct carve_spec_hugepage_limit_s){ .page_size = (char *)"2MB", .limit = 4194304 };
  f->hpv[0] = &f->hp;
  f->prio = (struct carve_spec_interface_priority_s){ .name = (char *)"eth0", .priority = 5 };
  f->priov[0] = &f->prio;
  f->net = (struct carve_spec_network_s){
    .has_class_id = true, .class_id = 1048577, .priorities = f->priov, .priorities_len = 1
  };
  f->rdma = (struct carve_spec_rdma_s){
    .device = (char *)"mlx5_0", .has_hca_handles = true, .hca_handles = 3, .has_hca_objects = true, .hca_objects = 10000
  };
  f->rdmav[0] = &f->rdma;
  f->dev[0] = (struct carve_spec_device_cgroup_s){ .allow = false, .access = (char *)"rwm" };
  f->dev[1] = (struct carve_spec_device_cgroup_s){ .allow = true,
                                                   .type = (char *)"c",
                                                   .has_major = true,
                                                   .major = 1,
                                                   .has_minor = true,
                                                   .minor = 3,
                                                   .access = (char *)"rwm" };
  f->dev[2] = (struct carve_spec_device_cgroup_s){
    .allow = true, .type = (char *)"c", .has_major = true, .major = 136, .access = (char *)"rw"
  };
  f->devv[0] = &f->dev[0];
  f->devv[1] = &f->dev[1];
  f->devv[2] = &f->dev[2];
  f->res.cpu = &f->cpu;
  f->res.memory = &f->mem;
  f->res.pids = &f->pids;
  f->res.block_io = &f->bio;
  f->res.hugepage_limits = f->hpv;
  f->res.hugepage_limits_len = 1;
  if (v1)
    f->res.network = &f->net;
  f->res.rdma = f->rdmav;
  f->res.rdma_len = 1;
  if (v1)
    {
      f->res.devices = f->devv;
      f->res.devices_len = 3;
    }
}

#define EXPECT_FILE(ctrl, file, value)                                                                                 \
  do                                                                                                                   \
    {                                                                                                                  \
      cleanup_free char *_v = get (carve_cgroup_dir (cg, ctrl), file);                                                 \
      EXPECT_STR (_v, value);                                                                                          \
    }                                                                                                                  \
  while (0)

static int
test_apply_v1 (void)
{
  cleanup_cgroup_layout carve_cgroup_layout_t l = NULL;
  cleanup_free char *root = fake_node (FAKE_V1, &l);
  cleanup_cgroup carve_cgroup_t cg = NULL;
  struct full_res_s f;
  struct carve_spec_linux_resources_s upd;
  struct carve_spec_memory_s mem2;
  carve_error_t err = NULL;
  int r = -1;

  if (l == NULL)
    goto out;
  precreate (l, "/ctr", "/ctr");
  if (carve_cgroup_create (l, "/ctr", "ctr", false, NULL, 0, &cg, &err) < 0)
    goto out;
  full_resources (&f, true);
  if (carve_cgroup_apply_resources (cg, &f.res, &err) < 0)
    goto out;
  EXPECT_FILE ("cpu", "cpu.shares", "1024");
  EXPECT_FILE ("cpu", "cpu.cfs_period_us", "100000");
  EXPECT_FILE ("cpu", "cpu.cfs_quota_us", "50000");
  EXPECT_FILE ("cpu", "cpu.cfs_burst_us", "1000");
  EXPECT_FILE ("cpu", "cpu.rt_period_us", "1000000");
  EXPECT_FILE ("cpu", "cpu.rt_runtime_us", "950000");
  EXPECT_FILE ("cpu", "cpu.idle", "0");
  EXPECT_FILE ("cpuset", "cpuset.cpus", "0-1");
  EXPECT_FILE ("cpuset", "cpuset.mems", "0");
  EXPECT_FILE ("memory", "memory.limit_in_bytes", "1073741824");
  EXPECT_FILE ("memory", "memory.memsw.limit_in_bytes", "2147483648");
  EXPECT_FILE ("memory", "memory.soft_limit_in_bytes", "536870912");
  EXPECT_FILE ("memory", "memory.kmem.limit_in_bytes", "268435456");
  EXPECT_FILE ("memory", "memory.kmem.tcp.limit_in_bytes", "134217728");
  EXPECT_FILE ("memory", "memory.swappiness", "10");
  EXPECT_FILE ("memory", "memory.oom_control", "1");
  EXPECT_FILE ("pids", "pids.max", "100");
  EXPECT_FILE ("blkio", "blkio.weight", "500");
  EXPECT_FILE ("blkio", "blkio.leaf_weight", "400");
  EXPECT_FILE ("blkio", "blkio.weight_device", "8:0 300");
  EXPECT_FILE ("blkio", "blkio.leaf_weight_device", "8:0 200");
  EXPECT_FILE ("blkio", "blkio.throttle.read_bps_device", "8:0 1048576");
  EXPECT_FILE ("blkio", "blkio.throttle.write_bps_device", "8:16 2097152");
  EXPECT_FILE ("blkio", "blkio.throttle.read_iops_device", "8:0 300");
  EXPECT_FILE ("blkio", "blkio.throttle.write_iops_device", "8:0 400");
  EXPECT_FILE ("hugetlb", "hugetlb.2MB.limit_in_bytes", "4194304");
  EXPECT_FILE ("net_cls", "net_cls.classid", "1048577");
  EXPECT_FILE ("net_prio", "net_prio.ifpriomap", "eth0 5");
  EXPECT (carve_cgroup_ignored_resources (l, &f.res) == NULL);
  EXPECT_FILE ("rdma", "rdma.max", "mlx5_0 hca_handle=3 hca_object=10000");
  /* deny "a" first, then the rules in order: the files keep the last.  */
  EXPECT_FILE ("devices", "devices.deny", "a");
  EXPECT_FILE ("devices", "devices.allow", "c 136:* rw");

  /* update: only what is present is written.  */
  memset (&upd, 0, sizeof (upd));
  mem2 = (struct carve_spec_memory_s){ .has_limit = true, .limit = -1 };
  upd.memory = &mem2;
  if (carve_cgroup_apply_resources (cg, &upd, &err) < 0)
    goto out;
  EXPECT_FILE ("memory", "memory.limit_in_bytes", "-1");
  EXPECT_FILE ("memory", "memory.memsw.limit_in_bytes", "-1");
  EXPECT_FILE ("cpu", "cpu.shares", "1024");

  /* checkBeforeUpdate refuses a limit below the usage.  */
  {
    cleanup_free char *d = xstrdup (carve_cgroup_dir (cg, "memory"));
    put (d, "memory.usage_in_bytes", "2000000\n");
  }
  mem2 = (struct carve_spec_memory_s){
    .has_limit = true, .limit = 1000000, .has_check_before_update = true, .check_before_update = true
  };
  EXPECT (carve_cgroup_apply_resources (cg, &upd, &err) < 0);
  EXPECT_CONTAINS (err->msg, "below the usage 2000000");
  carve_error_release (&err);
  EXPECT_FILE ("memory", "memory.limit_in_bytes", "-1");

  /* unified needs cgroup v2.  */
  {
    struct carve_spec_map_s m;
    char *k[] = { (char *)"memory.high" }, *v[] = { (char *)"1G" };
    m = (struct carve_spec_map_s){ .keys = k, .values = v, .len = 1 };
    memset (&upd, 0, sizeof (upd));
    upd.unified = &m;
    EXPECT (carve_cgroup_apply_resources (cg, &upd, &err) < 0);
    EXPECT_CONTAINS (err->msg, "linux.resources.unified: `memory.high` needs cgroup v2");
    carve_error_release (&err);
  }
  r = 0;
out:
  if (err)
    fprintf (stderr, "# %s\n", err->msg);
  carve_error_release (&err);
  rm_tree (root);
  return r;
}

static int
test_apply_v2 (void)
{
  cleanup_cgroup_layout carve_cgroup_layout_t l = NULL;
  cleanup_free char *root = fake_node (FAKE_V2, &l);
  cleanup_cgroup carve_cgroup_t cg = NULL;
  struct full_res_s f;
  struct carve_spec_linux_resources_s upd;
  struct carve_spec_cpu_s cpu2;
  struct carve_spec_map_s m;
  char *k[] = { (char *)"memory.high", (char *)"cgroup.max.depth" }, *v[] = { (char *)"900M", (char *)"3" };
  carve_error_t err = NULL;
  int r = -1;

  if (l == NULL)
    goto out;
  precreate (l, "/ctr", "/ctr");
  {
    cleanup_free char *d = xasprintf ("%s/sys/fs/cgroup/ctr", root);
    put (d, "cgroup.max.depth", "max");
  }
  if (carve_cgroup_create (l, "/ctr", "ctr", false, NULL, 0, &cg, &err) < 0)
    goto out;
  full_resources (&f, false);
  m = (struct carve_spec_map_s){ .keys = k, .values = v, .len = 2 };
  f.res.unified = &m;
  if (carve_cgroup_apply_resources (cg, &f.res, &err) < 0)
    goto out;
  /* runc: weight = 1 + (shares - 2) * 9999 / 262142.  */
  EXPECT_FILE ("cpu", "cpu.weight", "39");
  EXPECT_FILE ("cpu", "cpu.max", "50000 100000");
  EXPECT_FILE ("cpu", "cpu.max.burst", "1000");
  EXPECT_FILE ("cpu", "cpu.idle", "0");
  EXPECT_FILE ("cpuset", "cpuset.cpus", "0-1");
  EXPECT_FILE ("cpuset", "cpuset.mems", "0");
  EXPECT_FILE ("memory", "memory.max", "1073741824");
  /* swap is memory+swap on v1: v2 gets the difference.  */
  EXPECT_FILE ("memory", "memory.swap.max", "1073741824");
  EXPECT_FILE ("memory", "memory.low", "536870912");
  EXPECT_FILE ("memory", "memory.high", "900M");
  EXPECT_FILE ("memory", "cgroup.max.depth", "3");
  EXPECT_FILE ("pids", "pids.max", "100");
  /* 300 -> 1 + (300 - 10) * 9999 / 990 */
  EXPECT_FILE ("io", "io.weight", "8:0 2930");
  EXPECT_FILE ("io", "io.max", "8:0 wiops=400");
  EXPECT_FILE ("hugetlb", "hugetlb.2MB.max", "4194304");
  EXPECT_FILE ("hugetlb", "hugetlb.2MB.rsvd.max", "4194304");
  EXPECT_FILE ("rdma", "rdma.max", "mlx5_0 hca_handle=3 hca_object=10000");

  /* update with a period alone keeps the quota.  */
  memset (&upd, 0, sizeof (upd));
  cpu2 = (struct carve_spec_cpu_s){ .has_period = true, .period = 20000 };
  upd.cpu = &cpu2;
  if (carve_cgroup_apply_resources (cg, &upd, &err) < 0)
    goto out;
  EXPECT_FILE ("cpu", "cpu.max", "50000 20000");
  cpu2 = (struct carve_spec_cpu_s){ .has_quota = true, .quota = -1 };
  if (carve_cgroup_apply_resources (cg, &upd, &err) < 0)
    goto out;
  EXPECT_FILE ("cpu", "cpu.max", "max");

  /* Realtime does not exist on v2: a clear error.  */
  cpu2 = (struct carve_spec_cpu_s){ .has_realtime_runtime = true, .realtime_runtime = 1000 };
  EXPECT (carve_cgroup_apply_resources (cg, &upd, &err) < 0);
  EXPECT_CONTAINS (err->msg, "no realtime");
  carve_error_release (&err);
  /* Neither do net_cls and net_prio: as runc's fs2, the network section is
     left aside, and the caller is given the line to warn with.  */
  memset (&upd, 0, sizeof (upd));
  EXPECT (carve_cgroup_ignored_resources (l, &upd) == NULL);
  upd.network = &f.net;
  f.net = (struct carve_spec_network_s){ .has_class_id = true, .class_id = 1 };
  EXPECT (carve_cgroup_apply_resources (cg, &upd, &err) == 0);
  EXPECT (carve_cgroup_ignored_resources (l, &upd) != NULL);
  EXPECT_CONTAINS (carve_cgroup_ignored_resources (l, &upd), "linux.resources.network ignored");
  {
    cleanup_free char *cls = xasprintf ("%s/sys/fs/cgroup/ctr/net_cls.classid", root);
    EXPECT (access (cls, F_OK) < 0);
  }

  /* A value refused is reported with the file and the value: a directory
     where the file should be makes the kernel's refusal here.  */
  {
    cleanup_free char *bad = xasprintf ("%s/sys/fs/cgroup/ctr/pids.max", root);
    struct carve_spec_pids_s p = { .limit = 7 };
    (void)unlink (bad);
    (void)mkdir (bad, 0755);
    memset (&upd, 0, sizeof (upd));
    upd.pids = &p;
    EXPECT (carve_cgroup_apply_resources (cg, &upd, &err) < 0);
    EXPECT_CONTAINS (err->msg, "linux.resources.pids");
    EXPECT_CONTAINS (err->msg, "pids.max");
    carve_error_release (&err);
  }
  r = 0;
out:
  if (err)
    fprintf (stderr, "# %s\n", err->msg);
  carve_error_release (&err);
  rm_tree (root);
  return r;
}

static int
test_unified_hybrid (void)
{
  cleanup_cgroup_layout carve_cgroup_layout_t l = NULL;
  cleanup_free char *root = fake_node (FAKE_HYBRID, &l);
  cleanup_cgroup carve_cgroup_t cg = NULL;
  struct carve_spec_linux_resources_s res;
  struct carve_spec_hugepage_limit_s hp = { .page_size = (char *)"1GB", .limit = 1073741824 };
  struct carve_spec_hugepage_limit_s *hpv[] = { &hp, NULL };
  struct carve_spec_map_s m;
  char *k[] = { (char *)"memory.high" }, *v[] = { (char *)"1G" };
  char *k2[] = { (char *)"hugetlb.2MB.max" }, *v2[] = { (char *)"2097152" };
  carve_error_t err = NULL;
  int r = -1;

  if (l == NULL)
    goto out;
  precreate (l, "/ctr", "/ctr");
  if (carve_cgroup_create (l, "/ctr", "ctr", false, NULL, 0, &cg, &err) < 0)
    goto out;
  memset (&res, 0, sizeof (res));
  m = (struct carve_spec_map_s){ .keys = k, .values = v, .len = 1 };
  res.unified = &m;
  EXPECT (carve_cgroup_apply_resources (cg, &res, &err) < 0);
  EXPECT_CONTAINS (err->msg, "linux.resources.unified: `memory.high` needs the v2 memory controller, which is on a v1 "
                             "hierarchy on this node");
  carve_error_release (&err);

  /* hugetlb is driven on the v2 tree that holds it.  */
  m = (struct carve_spec_map_s){ .keys = k2, .values = v2, .len = 1 };
  res.hugepage_limits = hpv;
  res.hugepage_limits_len = 1;
  if (carve_cgroup_apply_resources (cg, &res, &err) < 0)
    goto out;
  EXPECT_CONTAINS (carve_cgroup_dir (cg, "hugetlb"), "/sys/fs/cgroup/unified/ctr");
  EXPECT_FILE ("hugetlb", "hugetlb.1GB.max", "1073741824");
  EXPECT_FILE ("hugetlb", "hugetlb.2MB.max", "2097152");
  r = 0;
out:
  if (err)
    fprintf (stderr, "# %s\n", err->msg);
  carve_error_release (&err);
  rm_tree (root);
  return r;
}

/* --- processes and statistics on fake trees ------------------------------ */

static int
test_pids_kill_fake (void)
{
  cleanup_cgroup_layout carve_cgroup_layout_t l = NULL;
  cleanup_free char *root = fake_node (FAKE_V2, &l);
  cleanup_cgroup carve_cgroup_t cg = NULL;
  cleanup_free char *procs = NULL, *sub = NULL;
  carve_error_t err = NULL;
  pid_t *v = NULL, child;
  size_t n = 0;
  int status = 0, r = -1;

  if (l == NULL)
    goto out;
  precreate (l, "/ctr", "/ctr");
  if (carve_cgroup_create (l, "/ctr", "ctr", false, NULL, 0, &cg, &err) < 0)
    goto out;
  child = fork ();
  if (child < 0)
    goto out;
  if (child == 0)
    {
      for (;;)
        pause ();
      _exit (0);
    }
  /* The container's cgroup and an exec --cgroup sub-cgroup.  */
  procs = xasprintf ("%d\n%d\n", (int)child, (int)child);
  put (carve_cgroup_dir (cg, "pids"), "cgroup.procs", procs);
  sub = xasprintf ("%s/sub", carve_cgroup_dir (cg, "pids"));
  put (sub, "cgroup.procs", "999999\n");
  if (carve_cgroup_pids (cg, &v, &n, &err) < 0)
    {
      kill (child, SIGKILL);
      waitpid (child, NULL, 0);
      goto out;
    }
  if (!(n == 2 && v[0] == child && v[1] == 999999))
    {
      fprintf (stderr, "# %zu pids\n", n);
      kill (child, SIGKILL);
      waitpid (child, NULL, 0);
      free (v);
      goto out;
    }
  free (v);
  if (carve_cgroup_kill_all (cg, SIGKILL, &err) < 0)
    {
      kill (child, SIGKILL);
      waitpid (child, NULL, 0);
      goto out;
    }
  EXPECT (waitpid (child, &status, 0) == child);
  EXPECT (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
  /* exec --cgroup: a sub-cgroup below the container's.  */
  precreate (l, "/ctr/sub1", "/ctr/sub1");
  if (carve_cgroup_enter (cg, 4242, "sub1", &err) < 0)
    goto out;
  {
    cleanup_free char *subdir = xasprintf ("%s/sub1", carve_cgroup_dir (cg, "pids"));
    cleanup_free char *got = get (subdir, "cgroup.procs");
    EXPECT_STR (got, "4242");
  }
  /* The freeze went through the fake cgroup.freeze and was undone.  */
  {
    cleanup_free char *fz = get (carve_cgroup_dir (cg, "freezer"), "cgroup.freeze");
    EXPECT_STR (fz, "0");
  }
  r = 0;
out:
  if (err)
    fprintf (stderr, "# %s\n", err->msg);
  carve_error_release (&err);
  rm_tree (root);
  return r;
}

static int
test_stats_fake (void)
{
  cleanup_cgroup_layout carve_cgroup_layout_t l2 = NULL, l1 = NULL;
  cleanup_free char *root2 = fake_node (FAKE_V2, &l2);
  cleanup_free char *root1 = fake_node (FAKE_V1, &l1);
  cleanup_cgroup carve_cgroup_t cg = NULL, cg1 = NULL;
  struct carve_cgroup_stats_s s;
  carve_error_t err = NULL;
  const char *d;
  uint64_t oom = 0;
  int r = -1;

  memset (&s, 0, sizeof (s));
  if (l2 == NULL || l1 == NULL)
    goto out;
  precreate (l2, "/ctr", "/ctr");
  if (carve_cgroup_open (l2, "/ctr", &cg, &err) < 0)
    goto out;
  d = carve_cgroup_dir (cg, "memory");
  put (d, "cpu.stat", "usage_usec 100\nuser_usec 60\nsystem_usec 40\nnr_periods 5\nnr_throttled 2\nthrottled_usec 7\n");
  put (d, "memory.current", "4096\n");
  put (d, "memory.max", "max\n");
  put (d, "memory.swap.current", "1024\n");
  put (d, "memory.swap.max", "max\n");
  put (d, "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\n");
  put (d, "memory.stat", "anon 100\nfile 200\nkernel 300\nsock 4\n");
  put (d, "pids.current", "3\n");
  put (d, "pids.max", "50\n");
  put (d, "io.stat", "8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n");
  put (d, "hugetlb.2MB.current", "2097152\n");
  put (d, "hugetlb.2MB.events", "max 1\n");
  if (carve_cgroup_stats (cg, &s, &err) < 0)
    goto out;
  EXPECT (s.cpu.total == 100000 && s.cpu.user == 60000 && s.cpu.kernel == 40000);
  EXPECT (s.cpu.periods == 5 && s.cpu.throttled_periods == 2 && s.cpu.throttled_time == 7000);
  EXPECT (s.memory.usage.usage == 4096 && s.memory.usage.failcnt == 3 && s.memory.usage.limit == UINT64_MAX);
  EXPECT (s.memory.swap.usage == 4096 + 1024);
  EXPECT (s.memory.cache == 200 && s.memory.kernel.usage == 300 && s.memory.raw_len == 4);
  EXPECT_STR (s.memory.raw_keys[0], "anon");
  EXPECT (s.pids.current == 3 && s.pids.limit == 50);
  EXPECT (s.blkio.io_service_bytes_recursive.len == 3 && s.blkio.io_serviced_recursive.len == 3);
  EXPECT_STR (s.blkio.io_service_bytes_recursive.entries[1].op, "Write");
  EXPECT (s.blkio.io_service_bytes_recursive.entries[1].value == 20);
  EXPECT (s.hugetlb_len >= 2);
  {
    size_t i;
    bool seen = false;
    for (i = 0; i < s.hugetlb_len; i++)
      if (strcmp (s.hugetlb[i].page_size, "2MB") == 0)
        {
          EXPECT (s.hugetlb[i].usage == 2097152 && s.hugetlb[i].failcnt == 1);
          seen = true;
        }
    EXPECT (seen);
  }
  EXPECT (carve_cgroup_oom_count (cg, &oom, &err) == 0);
  EXPECT (oom == 2);
  carve_cgroup_stats_release (&s);

  /* v1: cpuacct, memory files, blkio lines, oom_control.  */
  precreate (l1, "/ctr", "/ctr");
  if (carve_cgroup_open (l1, "/ctr", &cg1, &err) < 0)
    goto out;
  put (carve_cgroup_dir (cg1, "cpuacct"), "cpuacct.usage", "123456\n");
  put (carve_cgroup_dir (cg1, "cpuacct"), "cpuacct.usage_percpu", "100000 23456 \n");
  put (carve_cgroup_dir (cg1, "memory"), "memory.usage_in_bytes", "8192\n");
  put (carve_cgroup_dir (cg1, "memory"), "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n");
  put (carve_cgroup_dir (cg1, "blkio"), "blkio.io_service_bytes_recursive", "8:0 Read 10\n8:0 Write 5\nTotal 15\n");
  if (carve_cgroup_stats (cg1, &s, &err) < 0)
    goto out;
  EXPECT (s.cpu.total == 123456 && s.cpu.percpu_len == 2 && s.cpu.percpu[1] == 23456);
  EXPECT (s.memory.usage.usage == 8192);
  EXPECT (s.memory.usage.limit == 9223372036854771712ULL);
  EXPECT (s.blkio.io_service_bytes_recursive.len == 2);
  EXPECT_STR (s.blkio.io_service_bytes_recursive.entries[0].op, "Read");
  EXPECT (carve_cgroup_oom_count (cg1, &oom, &err) == 0);
  EXPECT (oom == 4);
  r = 0;
out:
  carve_cgroup_stats_release (&s);
  if (err)
    fprintf (stderr, "# %s\n", err->msg);
  carve_error_release (&err);
  rm_tree (root2);
  rm_tree (root1);
  return r;
}

/* What `events` adds: cpuset statistics, per-CPU kernel/user time, and a
   swap limit that stays "max" when memory.max is.  */
static int
test_stats_cpuset_fake (void)
{
  cleanup_cgroup_layout carve_cgroup_layout_t l2 = NULL, l1 = NULL;
  cleanup_free char *root2 = fake_node (FAKE_V2, &l2);
  cleanup_free char *root1 = fake_node (FAKE_V1, &l1);
  cleanup_cgroup carve_cgroup_t cg = NULL, cg1 = NULL;
  struct carve_cgroup_stats_s s;
  carve_error_t err = NULL;
  const char *d;
  int r = -1;

  memset (&s, 0, sizeof (s));
  if (l2 == NULL || l1 == NULL)
    goto out;

  precreate (l1, "/ctr", "/ctr");
  if (carve_cgroup_open (l1, "/ctr", &cg1, &err) < 0)
    goto out;
  d = carve_cgroup_dir (cg1, "cpuset");
  put (d, "cpuset.cpus", "0-2,5\n");
  put (d, "cpuset.mems", "0\n");
  put (d, "cpuset.cpu_exclusive", "1\n");
  put (d, "cpuset.sched_load_balance", "0\n");
  put (d, "cpuset.sched_relax_domain_level", "-1\n");
  put (d, "cpuset.memory_pressure", "7\n");
  put (carve_cgroup_dir (cg1, "cpuacct"), "cpuacct.usage_all", "cpu user system\n0 100 200\n1 300 400\n");
  if (carve_cgroup_stats (cg1, &s, &err) < 0)
    goto out;
  EXPECT_STR (s.cpuset.cpus, "0-2,5");
  EXPECT_STR (s.cpuset.mems, "0");
  EXPECT (s.cpuset.cpu_exclusive == 1 && s.cpuset.sched_load_balance == 0 && s.cpuset.memory_pressure == 7);
  EXPECT (s.cpuset.sched_relax_domain_level == -1);
  EXPECT (s.cpu.percpu_user_len == 2 && s.cpu.percpu_kernel_len == 2);
  EXPECT (s.cpu.percpu_user[0] == 100 && s.cpu.percpu_user[1] == 300);
  EXPECT (s.cpu.percpu_kernel[0] == 200 && s.cpu.percpu_kernel[1] == 400);
  carve_cgroup_stats_release (&s);

  /* A malformed relax level names the file.  */
  put (d, "cpuset.sched_relax_domain_level", "x\n");
  EXPECT (carve_cgroup_stats (cg1, &s, &err) < 0);
  EXPECT_CONTAINS (err->msg, "cpuset.sched_relax_domain_level`: `x` is not a number");
  carve_error_release (&err);

  /* v2: the effective sets; memory.max "max" keeps the swap limit "max".  */
  precreate (l2, "/ctr", "/ctr");
  if (carve_cgroup_open (l2, "/ctr", &cg, &err) < 0)
    goto out;
  d = carve_cgroup_dir (cg, "cpuset");
  put (d, "cpuset.cpus.effective", "1\n");
  put (d, "cpuset.mems.effective", "0\n");
  put (d, "memory.max", "max\n");
  put (d, "memory.swap.max", "1048576\n");
  if (carve_cgroup_stats (cg, &s, &err) < 0)
    goto out;
  EXPECT_STR (s.cpuset.cpus, "1");
  EXPECT_STR (s.cpuset.mems, "0");
  EXPECT (s.cpuset.cpu_exclusive == 0 && s.cpu.percpu_user_len == 0);
  EXPECT (s.memory.usage.limit == UINT64_MAX && s.memory.swap.limit == UINT64_MAX);
  carve_cgroup_stats_release (&s);
  put (d, "memory.max", "1048576\n");
  if (carve_cgroup_stats (cg, &s, &err) < 0)
    goto out;
  EXPECT (s.memory.swap.limit == 2097152);
  r = 0;
out:
  carve_cgroup_stats_release (&s);
  if (err)
    fprintf (stderr, "# %s\n", err->msg);
  carve_error_release (&err);
  rm_tree (root2);
  rm_tree (root1);
  return r;
}

/* A bad unified key fails before anything is written (what `update` needs
   to leave the cgroup as it was); messages name the cgroup on one line.  */
static int
test_unified_checked_first (void)
{
  cleanup_cgroup_layout carve_cgroup_layout_t l = NULL;
  cleanup_free char *root = fake_node (FAKE_HYBRID, &l);
  cleanup_cgroup carve_cgroup_t cg = NULL;
  struct carve_spec_linux_resources_s res;
  struct carve_spec_pids_s pids = { .limit = 42 };
  struct carve_spec_map_s m;
  char *k[] = { (char *)"pids.max" }, *v[] = { (char *)"7" };
  cleanup_free char *before = NULL, *after = NULL;
  carve_error_t err = NULL;
  int r = -1;

  if (l == NULL)
    goto out;
  /* Relative: the memory hierarchy puts it below /user.slice.  */
  precreate (l, "/ctr", "/ctr");
  if (carve_cgroup_create (l, "ctr", "ctr", false, NULL, 0, &cg, &err) < 0)
    goto out;
  EXPECT (strchr (carve_cgroup_path (cg), '\n') != NULL);
  EXPECT_STR (carve_cgroup_name (cg), "/ctr, /user.slice/ctr");
  memset (&res, 0, sizeof (res));
  m = (struct carve_spec_map_s){ .keys = k, .values = v, .len = 1 };
  res.pids = &pids;
  res.unified = &m;
  before = get (carve_cgroup_dir (cg, "pids"), "pids.max");
  EXPECT (carve_cgroup_apply_resources (cg, &res, &err) < 0);
  EXPECT_CONTAINS (err->msg, "apply cgroup `/ctr, /user.slice/ctr`: linux.resources.unified: `pids.max` needs the "
                             "v2 pids controller");
  EXPECT (strchr (err->msg, '\n') == NULL);
  carve_error_release (&err);
  after = get (carve_cgroup_dir (cg, "pids"), "pids.max");
  EXPECT_STR (before, after);
  r = 0;
out:
  if (err)
    fprintf (stderr, "# %s\n", err->msg);
  carve_error_release (&err);
  rm_tree (root);
  return r;
}

/* create saves carve_cgroup_resolve's path before the cgroup exists: it must
   be the path the cgroup then has, and nothing may be created.  */
static int
test_resolve_matches_create (void)
{
  cleanup_cgroup_layout carve_cgroup_layout_t l = NULL;
  cleanup_free char *root = fake_node (FAKE_HYBRID, &l);
  cleanup_cgroup carve_cgroup_t cg = NULL;
  cleanup_free char *path = NULL, *dir = NULL;
  carve_error_t err = NULL;
  int r = -1;

  if (l == NULL)
    goto out;
  if (carve_cgroup_resolve (l, NULL, "job", false, NULL, &path, &err) < 0)
    goto out;
  dir = xasprintf ("%s/sys/fs/cgroup/memory/user.slice/job", root);
  EXPECT (access (dir, F_OK) < 0);
  /* The kernel's files of the v1 cpuset directory, which create fills.  */
  precreate (l, "/job", "/job");
  if (carve_cgroup_create (l, NULL, "job", false, NULL, 0, &cg, &err) < 0)
    goto out;
  EXPECT_STR (path, carve_cgroup_path (cg));
  EXPECT (access (dir, F_OK) == 0);
  EXPECT (carve_cgroup_resolve (l, "a:b", "job", true, NULL, &path, &err) < 0);
  carve_error_release (&err);
  r = 0;
out:
  if (err)
    fprintf (stderr, "# %s\n", err->msg);
  carve_error_release (&err);
  rm_tree (root);
  return r;
}

/* pause and resume on pure v1 (freezer.state) and pure v2 (cgroup.freeze,
   settled through cgroup.events); an update-like partial apply on v2
   writes the fields given and nothing else.  */
static int
test_freeze_and_update_fake (void)
{
  cleanup_cgroup_layout carve_cgroup_layout_t l2 = NULL, l1 = NULL;
  cleanup_free char *root2 = fake_node (FAKE_V2, &l2);
  cleanup_free char *root1 = fake_node (FAKE_V1, &l1);
  cleanup_cgroup carve_cgroup_t cg = NULL, cg1 = NULL;
  struct carve_spec_linux_resources_s res;
  struct carve_spec_memory_s mem;
  carve_error_t err = NULL;
  bool frozen = true;
  const char *d;
  int r = -1;

  if (l2 == NULL || l1 == NULL)
    goto out;
  precreate (l1, "/ctr", "/ctr");
  if (carve_cgroup_open (l1, "/ctr", &cg1, &err) < 0)
    goto out;
  d = carve_cgroup_dir (cg1, "freezer");
  if (carve_cgroup_is_frozen (cg1, &frozen, &err) < 0)
    goto out;
  EXPECT (!frozen);
  if (carve_cgroup_freeze (cg1, true, &err) < 0 || carve_cgroup_is_frozen (cg1, &frozen, &err) < 0)
    goto out;
  EXPECT (frozen);
  {
    cleanup_free char *st = get (d, "freezer.state");
    EXPECT_STR (st, "FROZEN");
  }
  if (carve_cgroup_freeze (cg1, false, &err) < 0 || carve_cgroup_is_frozen (cg1, &frozen, &err) < 0)
    goto out;
  EXPECT (!frozen);

  precreate (l2, "/ctr", "/ctr");
  if (carve_cgroup_open (l2, "/ctr", &cg, &err) < 0)
    goto out;
  d = carve_cgroup_dir (cg, "freezer");
  put (d, "cgroup.events", "populated 1\nfrozen 1\n");
  if (carve_cgroup_freeze (cg, true, &err) < 0 || carve_cgroup_is_frozen (cg, &frozen, &err) < 0)
    goto out;
  EXPECT (frozen);
  {
    cleanup_free char *fz = get (d, "cgroup.freeze");
    EXPECT_STR (fz, "1");
  }
  put (d, "cgroup.events", "populated 1\nfrozen 0\n");
  if (carve_cgroup_freeze (cg, false, &err) < 0 || carve_cgroup_is_frozen (cg, &frozen, &err) < 0)
    goto out;
  EXPECT (!frozen);

  /* `update --memory 64M --memory-swap 96M`: memory.max and the swap above
     it; the other memory files keep what they had.  */
  memset (&res, 0, sizeof (res));
  memset (&mem, 0, sizeof (mem));
  mem.has_limit = mem.has_swap = true;
  mem.limit = 67108864;
  mem.swap = 100663296;
  res.memory = &mem;
  d = carve_cgroup_dir (cg, "memory");
  put (d, "memory.low", "12345\n");
  if (carve_cgroup_apply_resources (cg, &res, &err) < 0)
    goto out;
  {
    cleanup_free char *max = get (d, "memory.max"), *swap = get (d, "memory.swap.max"), *low = get (d, "memory.low");
    cleanup_free char *pids = get (d, "pids.max");
    EXPECT_STR (max, "67108864");
    EXPECT_STR (swap, "33554432");
    EXPECT_STR (low, "12345\n");
    EXPECT_STR (pids, "max");
  }
  r = 0;
out:
  if (err)
    fprintf (stderr, "# %s\n", err->msg);
  carve_error_release (&err);
  rm_tree (root2);
  rm_tree (root1);
  return r;
}

/* --- the device program ------------------------------------------------- */

static int
test_bpf_program (void)
{
  struct full_res_s f;
  struct bpf_insn *p = NULL;
  size_t len = 0, i;
  int exits = 0;

  full_resources (&f, true);
  carve_cgroup_bpf_devices_program (f.devv, 3, &p, &len);
  /* 6 loads, then rules last to first: "c 136:* rw" (type, 3 access, major,
     verdict: 7), "c 1:3 rwm" (type, major, minor, verdict: 5), deny all
     (verdict: 2), which matches everything: no default deny after it.  */
  EXPECT (len == 6 + 7 + 5 + 2);
  EXPECT (p[6].code == (BPF_JMP | BPF_JNE | BPF_K) && p[6].imm == BPF_DEVCG_DEV_CHAR && p[6].off == 6);
  EXPECT (p[10].imm == 136);
  EXPECT (p[11].imm == 1 && p[11].code == (BPF_ALU64 | BPF_MOV | BPF_K));
  EXPECT (p[len - 2].imm == 0 && p[len - 1].code == (BPF_JMP | BPF_EXIT));
  EXPECT (p[2].code == (BPF_LDX | BPF_MEM | BPF_W) && p[3].imm == 16 && p[4].off == 4 && p[5].off == 8);
  for (i = 0; i < len; i++)
    {
      if (p[i].code == (BPF_JMP | BPF_EXIT))
        exits++;
      /* Every jump lands inside the program, on a rule's start.  */
      if ((p[i].code & 0x07) == BPF_JMP && p[i].code != (BPF_JMP | BPF_EXIT))
        EXPECT (i + 1 + (size_t)p[i].off < len);
    }
  EXPECT (exits == 3);
  free (p);

  /* Without a catch-all rule the program ends denying.  */
  carve_cgroup_bpf_devices_program (f.devv + 1, 2, &p, &len);
  EXPECT (len == 6 + 7 + 5 + 2);
  EXPECT (p[6].imm == BPF_DEVCG_DEV_CHAR && p[10].imm == 136);
  EXPECT (p[len - 2].code == (BPF_ALU64 | BPF_MOV | BPF_K) && p[len - 2].imm == 0);
  free (p);
  return 0;
}

/* --- the real kernel ----------------------------------------------------- */

static int
test_real_lifecycle (void)
{
  cleanup_cgroup_layout carve_cgroup_layout_t l = NULL;
  cleanup_cgroup carve_cgroup_t cg = NULL, again = NULL;
  cleanup_free char *path = xasprintf ("/carve-unit-%d", (int)getpid ());
  cleanup_free char *memdir = NULL;
  carve_error_t err = NULL;
  pid_t child, *v = NULL;
  size_t n = 0;
  bool frozen = false;
  int status = 0, r = -1;

  if (geteuid () != 0)
    {
      fprintf (stderr, "# needs root to create cgroups\n");
      return 77;
    }
  if (carve_cgroup_layout_detect_host (&l, &err) < 0)
    {
      fprintf (stderr, "# %s\n", err->msg);
      carve_error_release (&err);
      return 77;
    }
  child = fork ();
  if (child < 0)
    return -1;
  if (child == 0)
    {
      for (;;)
        pause ();
      _exit (0);
    }
  if (carve_cgroup_create (l, path, "unit", false, NULL, child, &cg, &err) < 0)
    {
      fprintf (stderr, "# cannot create a cgroup here: %s\n", err->msg);
      carve_error_release (&err);
      kill (child, SIGKILL);
      waitpid (child, NULL, 0);
      return 77;
    }
  memdir = xstrdup (carve_cgroup_dir (cg, "memory") ? carve_cgroup_dir (cg, "memory") : "");
  if (carve_cgroup_pids (cg, &v, &n, &err) < 0)
    goto out;
  if (!(n == 1 && v[0] == child))
    {
      fprintf (stderr, "# %zu pids in the cgroup\n", n);
      goto out;
    }
  if (carve_cgroup_freeze (cg, true, &err) < 0 || carve_cgroup_is_frozen (cg, &frozen, &err) < 0)
    goto out;
  if (!frozen)
    {
      fprintf (stderr, "# not frozen\n");
      goto out;
    }
  if (carve_cgroup_freeze (cg, false, &err) < 0 || carve_cgroup_is_frozen (cg, &frozen, &err) < 0)
    goto out;
  if (frozen)
    goto out;

  /* A value the kernel refuses names the file and the value.  */
  {
    struct carve_spec_linux_resources_s res;
    struct carve_spec_cpu_s cpu = { .cpus = (char *)"4095" };
    memset (&res, 0, sizeof (res));
    res.cpu = &cpu;
    if (carve_cgroup_layout_find (l, "cpuset") != NULL)
      {
        if (carve_cgroup_apply_resources (cg, &res, &err) == 0)
          {
            fprintf (stderr, "# cpuset.cpus 4095 accepted\n");
            goto out;
          }
        if (strstr (err->msg, "write `4095` to `") == NULL || strstr (err->msg, "cpuset.cpus") == NULL)
          goto out;
        carve_error_release (&err);
      }
  }

  if (carve_cgroup_kill_all (cg, SIGKILL, &err) < 0)
    goto out;
  if (waitpid (child, &status, 0) != child || !WIFSIGNALED (status))
    {
      child = 0;
      goto out;
    }
  child = 0;
  /* Re-opened from the kept path, as `delete` does.  */
  if (carve_cgroup_open (l, carve_cgroup_path (cg), &again, &err) < 0)
    goto out;
  if (carve_cgroup_destroy (again, &err) < 0)
    goto out;
  if (memdir[0] && carve_path_exists (memdir))
    {
      fprintf (stderr, "# %s still there\n", memdir);
      goto out;
    }
  /* Already gone is fine.  */
  if (carve_cgroup_destroy (again, &err) < 0)
    goto out;
  r = 0;
out:
  free (v);
  if (err)
    fprintf (stderr, "# %s\n", err->msg);
  carve_error_release (&err);
  if (child > 0)
    {
      kill (child, SIGKILL);
      waitpid (child, NULL, 0);
    }
  if (cg)
    {
      (void)carve_cgroup_freeze (cg, false, &err);
      carve_error_release (&err);
      (void)carve_cgroup_destroy (cg, &err);
      carve_error_release (&err);
    }
  return r;
}

static int
test_real_bpf (void)
{
  cleanup_cgroup_layout carve_cgroup_layout_t l = NULL;
  cleanup_free char *dir = NULL;
  struct full_res_s f;
  carve_error_t err = NULL;
  size_t n = 0;
  int r = -1;

  if (geteuid () != 0)
    {
      fprintf (stderr, "# needs root for bpf(2)\n");
      return 77;
    }
  if (carve_cgroup_layout_detect_host (&l, &err) < 0 || l->v2_index < 0)
    {
      fprintf (stderr, "# no cgroup2 tree on this machine\n");
      carve_error_release (&err);
      return 77;
    }
  dir = xasprintf ("%s/carve-unit-bpf-%d", l->hierarchies[l->v2_index].mount, (int)getpid ());
  if (mkdir (dir, 0755) < 0)
    {
      fprintf (stderr, "# mkdir %s: %s\n", dir, strerror (errno));
      return 77;
    }
  full_resources (&f, true);
  if (carve_cgroup_bpf_devices_apply (dir, f.devv, 3, &err) < 0)
    {
      if (err->status == EPERM)
        {
          fprintf (stderr, "# bpf not permitted: %s\n", err->msg);
          r = 77;
        }
      goto out;
    }
  if (carve_cgroup_bpf_devices_count (dir, &n, &err) < 0 || n != 1)
    goto out;
  /* An update replaces the program, it does not stack a second one.  */
  if (carve_cgroup_bpf_devices_apply (dir, f.devv + 1, 2, &err) < 0)
    goto out;
  if (carve_cgroup_bpf_devices_count (dir, &n, &err) < 0 || n != 1)
    {
      fprintf (stderr, "# %zu programs attached\n", n);
      goto out;
    }
  r = 0;
out:
  if (err)
    fprintf (stderr, "# %s\n", err->msg);
  carve_error_release (&err);
  if (rmdir (dir) < 0)
    {
      fprintf (stderr, "# rmdir %s: %s\n", dir, strerror (errno));
      r = -1;
    }
  return r;
}

/* A compute partition's placement: the cpuset cgroup below the node's
   partition, made exclusive before the process enters; every other
   controller at the cgroupsPath; resolve says the same path.  */
static int
test_placement_v1 (void)
{
  cleanup_cgroup_layout carve_cgroup_layout_t l = NULL;
  cleanup_free char *root = fake_node (FAKE_V1, &l);
  cleanup_cgroup carve_cgroup_t cg = NULL;
  cleanup_free char *path = NULL;
  struct carve_cgroup_placement_s where = { .cpuset_path = "/carve.compute/job-1", .load_balance = false };
  carve_error_t err = NULL;
  int r = -1;

  if (l == NULL)
    goto out;
  carve_cpumask_set (&where.cpus, 1);
  precreate (l, "/ctr", "/ctr");
  precreate (l, "/carve.compute", "/carve.compute");
  precreate (l, "/carve.compute/job-1", "/carve.compute/job-1");
  {
    /* The kernel's cpuset flags, which the fake tree lacks.  */
    cleanup_free char *dir = xasprintf ("%s/sys/fs/cgroup/cpuset/carve.compute/job-1", root);
    put (dir, "cpuset.cpu_exclusive", "0");
    put (dir, "cpuset.sched_load_balance", "1");
  }
  if (carve_cgroup_resolve (l, "/ctr", "ctr", false, &where, &path, &err) < 0
      || carve_cgroup_create (l, "/ctr", "ctr", false, &where, 0, &cg, &err) < 0)
    goto out;
  EXPECT_STR (path, carve_cgroup_path (cg));
  EXPECT_CONTAINS (carve_cgroup_path (cg), "cpuset:/carve.compute/job-1");
  EXPECT_CONTAINS (carve_cgroup_path (cg), "memory:/ctr");
  EXPECT_FILE ("cpuset", "cpuset.cpus", "1");
  EXPECT_FILE ("cpuset", "cpuset.cpu_exclusive", "1");
  EXPECT_FILE ("cpuset", "cpuset.sched_load_balance", "0");
  {
    cleanup_free char *want = xasprintf ("%s/sys/fs/cgroup/memory/ctr", root);
    EXPECT_STR (carve_cgroup_dir (cg, "memory"), want);
  }
  r = 0;
out:
  if (err)
    fprintf (stderr, "# %s\n", err->msg);
  carve_error_release (&err);
  rm_tree (root);
  return r;
}

UNIT_MAIN (UNIT_CASE (test_detect_v1), UNIT_CASE (test_placement_v1), UNIT_CASE (test_detect_hybrid), UNIT_CASE (test_detect_v2),
           UNIT_CASE (test_detect_host), UNIT_CASE (test_paths_v1), UNIT_CASE (test_paths_v2_and_systemd),
           UNIT_CASE (test_apply_v1), UNIT_CASE (test_apply_v2), UNIT_CASE (test_unified_hybrid),
           UNIT_CASE (test_pids_kill_fake), UNIT_CASE (test_stats_fake), UNIT_CASE (test_stats_cpuset_fake),
           UNIT_CASE (test_unified_checked_first), UNIT_CASE (test_resolve_matches_create),
           UNIT_CASE (test_freeze_and_update_fake), UNIT_CASE (test_bpf_program), UNIT_CASE (test_real_lifecycle),
           UNIT_CASE (test_real_bpf))
