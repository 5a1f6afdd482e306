/* Unit tests of runtime/compute: the node ledger (storage, corruption,
   reboot, liveness, many processes claiming at once, restoring), the CPU
   topology and count choice, the cpuset partition on fake v1 and v2 trees
   and kernel-noise eviction on a fake /proc/irq and workqueue tree.  */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "cpumask.h"
#include "error.h"
#include "fsutil.h"
#include "kfile.h"
#include "runtime/compute/compute.h"
#include "runtime/compute/cpus.h"
#include "runtime/linux/cgroup.h"
#include "runtime/compute/ledger.h"
#include "runtime/compute/noise.h"
#include "runtime/compute/topology.h"
#include "spec/json.h"
#include "tests/unit/unit.h"
#include "xalloc.h"

/* --- fake trees ---------------------------------------------------------- */

static char *tmp_dirs[64];
static size_t n_tmp_dirs;

__attribute__ ((destructor)) static void
remove_tmp_dirs (void)
{
  size_t i;
  for (i = 0; i < n_tmp_dirs; i++)
    {
      carve_error_t err = NULL;
      if (carve_rm_rf (tmp_dirs[i], &err) < 0)
        carve_error_release (&err);
      free (tmp_dirs[i]);
    }
}

static char *
make_tmp (void)
{
  char tmpl[] = "/tmp/carve-compute-test-XXXXXX";
  char *d = mkdtemp (tmpl);

  if (d == NULL)
    {
      fprintf (stderr, "# mkdtemp: %s\n", strerror (errno));
      exit (1);
    }
  if (n_tmp_dirs < 64)
    tmp_dirs[n_tmp_dirs++] = xstrdup (d);
  return xstrdup (d);
}

static void
put (const char *dir, const char *file, const char *content)
{
  cleanup_free char *path = carve_path_join (dir, file);
  cleanup_free char *parent = NULL;
  carve_error_t err = NULL;
  char *slash;
  int fd;

  parent = xstrdup (path);
  slash = strrchr (parent, '/');
  *slash = '\0';
  (void)carve_mkdir_p (parent, 0755, &err);
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

/* The file's content without its trailing newline.  */
static char *
get (const char *dir, const char *file)
{
  cleanup_free char *path = carve_path_join (dir, file);
  carve_error_t err = NULL;
  char *buf = NULL;
  size_t len = 0;

  if (carve_read_file (path, &buf, &len, &err) < 0)
    {
      carve_error_release (&err);
      return xstrdup ("(missing)");
    }
  while (len > 0 && buf[len - 1] == '\n')
    buf[--len] = '\0';
  return buf;
}

static carve_cpumask_t
mask (const char *list)
{
  carve_cpumask_t m;
  carve_error_t err = NULL;
  if (carve_cpumask_parse_list (list, &m, &err) < 0)
    {
      fprintf (stderr, "# bad list %s\n", list);
      exit (1);
    }
  return m;
}

static bool
strv_has (char **v, const char *needle)
{
  for (; v && *v; v++)
    if (strstr (*v, needle))
      return true;
  return false;
}

/* --- ledger -------------------------------------------------------------- */

static int
test_ledger_roundtrip (void)
{
  cleanup_free char *dir = make_tmp ();
  cleanup_free char *path = carve_path_join (dir, "sub/ledger");
  cleanup_free char *file = carve_path_join (dir, "knob");
  carve_ledger_t l = NULL;
  struct carve_ledger_partition_s *p;
  struct carve_ledger_setting_s *s;
  carve_error_t err = NULL;
  struct stat st;

  put (dir, "knob", "7\n");
  EXPECT (carve_ledger_open (path, &l, &err) == 0);
  EXPECT (l->n_partitions == 0 && l->n_settings == 0);
  p = carve_ledger_add (l, "/run/x", "c1");
  EXPECT_STR (p->key, "/run/x/c1");
  EXPECT (p->creator == getpid ());
  p->cpus = mask ("2-3,5");
  p->exclusive = true;
  p->evict = true;
  p->cpuset_dir = xstrdup ("/sys/fs/cgroup/cpuset/carve.compute/c1");
  p->memory = 4194304;
  p->memory_units = 2;
  p->memory_nodes = mask ("0");
  p->hugepage_size = 2097152;
  p->hugepages = xcalloc (1, sizeof (*p->hugepages));
  p->hugepages[0].node = 0;
  p->hugepages[0].pages = 2;
  p->n_hugepages = 1;
  s = carve_ledger_record_file (l, p->key, file, &err);
  EXPECT (s != NULL);
  EXPECT_STR (s->original, "7");
  s->derive = CARVE_LEDGER_MINUS_OWNED;
  /* A second record only adds the user.  */
  EXPECT (carve_ledger_record_file (l, "/run/y/c2", file, &err) == s);
  EXPECT (s->n_users == 2);
  EXPECT (carve_ledger_record_cgroup_dir (l, p->key, "/sys/fs/cgroup/cpuset/carve.compute", &err) != NULL);
  EXPECT (carve_ledger_commit (l, &err) == 0);
  carve_ledger_close (l);
  l = NULL;

  EXPECT (stat (path, &st) == 0 && (st.st_mode & 0777) == 0600);
  EXPECT (carve_ledger_open (path, &l, &err) == 0);
  EXPECT (l->n_partitions == 1 && l->n_settings == 2);
  p = carve_ledger_find (l, "/run/x", "c1");
  EXPECT (p != NULL);
  {
    carve_cpumask_t want = mask ("2-3,5");
    EXPECT (carve_cpumask_equal (&p->cpus, &want));
  }
  EXPECT (p->exclusive && p->evict && !p->load_balance);
  EXPECT_STR (p->cpuset_dir, "/sys/fs/cgroup/cpuset/carve.compute/c1");
  EXPECT (p->memory == 4194304 && p->memory_units == 2 && p->hugepage_size == 2097152);
  EXPECT (p->n_hugepages == 1 && p->hugepages[0].pages == 2);
  s = carve_ledger_find_setting (l, CARVE_LEDGER_FILE, file);
  EXPECT (s && s->derive == CARVE_LEDGER_MINUS_OWNED && s->n_users == 2);
  EXPECT (carve_ledger_setting_used_by (s, "/run/y/c2"));
  /* Removing a partition takes it off every setting.  */
  carve_ledger_remove (l, p);
  EXPECT (l->n_partitions == 0);
  EXPECT (s->n_users == 1 && !carve_ledger_setting_used_by (s, "/run/x/c1"));
  carve_ledger_close (l);
  return 0;
}

static int
test_ledger_corrupt_and_reboot (void)
{
  cleanup_free char *dir = make_tmp ();
  cleanup_free char *path = carve_path_join (dir, "ledger");
  carve_ledger_t l = NULL;
  carve_error_t err = NULL;

  put (dir, "ledger", "{ \"version\": 1, \"boot_id\": ");
  EXPECT (carve_ledger_open (path, &l, &err) < 0);
  EXPECT_CONTAINS (err->msg, path);
  EXPECT_CONTAINS (err->msg, "corrupt");
  carve_error_release (&err);

  /* Valid JSON, but a partition without its root, written in this boot.  */
  {
    cleanup_free char *boot = get ("/proc/sys/kernel/random", "boot_id");
    cleanup_free char *doc = xasprintf ("{ \"version\": 1, \"boot_id\": \"%s\", \"partitions\": [ { \"id\": \"a\" } ], "
                                        "\"settings\": [] }",
                                        boot);
    put (dir, "ledger", doc);
    EXPECT (carve_ledger_open (path, &l, &err) < 0);
    EXPECT_CONTAINS (err->msg, "corrupt");
    EXPECT_CONTAINS (err->msg, "root or id");
    carve_error_release (&err);
  }

  /* Another boot: nothing of it is true any more.  */
  put (dir, "ledger",
       "{ \"version\": 1, \"boot_id\": \"not-this-boot\", \"partitions\": [ { \"root\": \"/r\", \"id\": \"a\", "
       "\"cpus\": \"1\", \"exclusive\": true } ], \"settings\": [ { \"kind\": \"file\", \"path\": \"/nonexistent\", "
       "\"original\": \"1\", \"users\": [ \"/r/a\" ] } ] }");
  EXPECT (carve_ledger_open (path, &l, &err) == 0);
  EXPECT (l->n_partitions == 0 && l->n_settings == 0);
  carve_ledger_close (l);
  return 0;
}

/* A ledger written by carve before version 2 (its own names for the
   cgroup, the cpuset and kernel-thread eviction) is still read.  */
static int
test_ledger_version1 (void)
{
  cleanup_free char *dir = make_tmp ();
  cleanup_free char *path = carve_path_join (dir, "ledger");
  cleanup_free char *boot = get ("/proc/sys/kernel/random", "boot_id");
  cleanup_free char *doc = NULL;
  carve_ledger_t l = NULL;
  carve_error_t err = NULL;
  struct carve_ledger_partition_s *p;

  doc = xasprintf ("{ \"version\": 1, \"boot_id\": \"%s\", \"partitions\": [ { \"root\": \"/r\", \"id\": \"a\", "
                   "\"creator\": 1, \"creator_start\": 2, \"cgroup_path\": \"/a\", \"cpus\": \"1\", "
                   "\"exclusive\": true, \"evict\": true, \"cpuset_dir\": \"/cs/a\" } ], \"settings\": [] }",
                   boot);
  put (dir, "ledger", doc);
  EXPECT (carve_ledger_open (path, &l, &err) == 0);
  EXPECT (l->n_partitions == 1);
  p = l->partitions[0];
  EXPECT_STR (p->cgroup_path, "/a");
  EXPECT_STR (p->cpuset_dir, "/cs/a");
  EXPECT (p->evict && p->exclusive);
  /* Written back as version 2.  */
  EXPECT (carve_ledger_commit (l, &err) == 0);
  carve_ledger_close (l);
  {
    cleanup_free char *text = get (dir, "ledger");
    EXPECT_CONTAINS (text, "\"version\": 2");
    EXPECT_CONTAINS (text, "\"kthreads\": \"evict\"");
    EXPECT_CONTAINS (text, "\"cpuset\": \"/cs/a\"");
  }
  return 0;
}

static int
test_ledger_liveness (void)
{
  cleanup_free char *dir = make_tmp ();
  cleanup_free char *path = carve_path_join (dir, "ledger");
  cleanup_free char *root = carve_path_join (dir, "root");
  carve_ledger_t l = NULL;
  struct carve_ledger_partition_s *p;
  carve_error_t err = NULL;
  pid_t child;
  int status;

  EXPECT (carve_ledger_open (path, &l, &err) == 0);
  p = carve_ledger_add (l, root, "c");
  /* Its creator (this process) runs.  */
  EXPECT (carve_ledger_partition_live (p, "/proc"));

  /* A dead creator and no container: stale.  */
  child = fork ();
  if (child == 0)
    _exit (0);
  EXPECT (waitpid (child, &status, 0) == child);
  p->creator = child;
  EXPECT (!carve_ledger_partition_live (p, "/proc"));
  /* The same PID started at another time is another process.  */
  p->creator = getpid ();
  p->creator_start += 1;
  EXPECT (!carve_ledger_partition_live (p, "/proc"));

  /* state.json alone is a create killed half-way (create saves it early).  */
  put (root, "c/state.json", "{}");
  EXPECT (!carve_ledger_partition_live (p, "/proc"));
  /* With config.json the create completed: the container exists.  */
  put (root, "c/config.json", "{}");
  EXPECT (carve_ledger_partition_live (p, "/proc"));
  carve_ledger_close (l);
  return 0;
}

/* Many processes claim at once; each takes the first free of 4 CPUs under
   the lock.  Exactly 4 succeed, each with its own CPU.  */
static int
test_ledger_concurrent_claims (void)
{
  cleanup_free char *dir = make_tmp ();
  cleanup_free char *path = carve_path_join (dir, "ledger");
  enum
  {
    N = 12,
    CPUS = 4
  };
  pid_t kids[N];
  int i, ok = 0;
  carve_ledger_t l = NULL;
  carve_error_t err = NULL;
  carve_cpumask_t seen;

  for (i = 0; i < N; i++)
    {
      kids[i] = fork ();
      if (kids[i] < 0)
        return -1;
      if (kids[i] == 0)
        {
          carve_ledger_t cl = NULL;
          carve_error_t e = NULL;
          carve_cpumask_t owned;
          struct carve_ledger_partition_s *p;
          cleanup_free char *id = xasprintf ("c%d", i);
          size_t k;
          int cpu;

          if (carve_ledger_open (path, &cl, &e) < 0)
            _exit (2);
          carve_cpumask_zero (&owned);
          for (k = 0; k < cl->n_partitions; k++)
            carve_cpumask_or (&owned, &owned, &cl->partitions[k]->cpus);
          for (cpu = 0; cpu < CPUS && carve_cpumask_test (&owned, (unsigned)cpu); cpu++)
            ;
          /* Widen the window a racing claim would need.  */
          usleep (2000);
          if (cpu == CPUS)
            _exit (1);
          p = carve_ledger_add (cl, "/run/t", id);
          carve_cpumask_set (&p->cpus, (unsigned)cpu);
          p->exclusive = true;
          if (carve_ledger_commit (cl, &e) < 0)
            _exit (2);
          carve_ledger_close (cl);
          _exit (0);
        }
    }
  for (i = 0; i < N; i++)
    {
      int status = 0;
      EXPECT (waitpid (kids[i], &status, 0) == kids[i]);
      EXPECT (WIFEXITED (status) && WEXITSTATUS (status) != 2);
      if (WEXITSTATUS (status) == 0)
        ok++;
    }
  EXPECT (ok == CPUS);
  EXPECT (carve_ledger_open (path, &l, &err) == 0);
  EXPECT (l->n_partitions == CPUS);
  carve_cpumask_zero (&seen);
  for (i = 0; i < (int)l->n_partitions; i++)
    {
      EXPECT (carve_cpumask_count (&l->partitions[i]->cpus) == 1);
      EXPECT (!carve_cpumask_intersects (&seen, &l->partitions[i]->cpus));
      carve_cpumask_or (&seen, &seen, &l->partitions[i]->cpus);
    }
  carve_ledger_close (l);
  return 0;
}

static int
test_ledger_restore (void)
{
  cleanup_free char *dir = make_tmp ();
  cleanup_free char *path = carve_path_join (dir, "ledger");
  cleanup_free char *knob = carve_path_join (dir, "knob");
  cleanup_free char *empty = carve_path_join (dir, "empty");
  cleanup_free char *cgdir = carve_path_join (dir, "cg/made");
  cleanup_free char *v = NULL;
  cleanup_strv char **warnings = NULL;
  struct carve_ledger_partition_s *p, *q;
  struct carve_ledger_setting_s *s;
  carve_ledger_t l = NULL;
  carve_error_t err = NULL;

  put (dir, "knob", "orig\n");
  put (dir, "empty", "\n");
  put (dir, "cg/cgroup.procs", "");
  EXPECT (mkdir (cgdir, 0755) == 0);
  EXPECT (carve_ledger_open (path, &l, &err) == 0);
  p = carve_ledger_add (l, "/r", "p");
  q = carve_ledger_add (l, "/r", "q");
  EXPECT (carve_ledger_record_file (l, p->key, knob, &err) != NULL);
  EXPECT (carve_ledger_record_file (l, q->key, knob, &err) != NULL);
  EXPECT (carve_ledger_record_file (l, p->key, empty, &err) != NULL);
  EXPECT (carve_ledger_record_cgroup_dir (l, p->key, cgdir, &err) != NULL);
  /* A file gone meanwhile (its cgroup removed) restores to nothing.  */
  put (dir, "gone", "x");
  {
    cleanup_free char *gone = carve_path_join (dir, "gone");
    EXPECT (carve_ledger_record_file (l, p->key, gone, &err) != NULL);
    EXPECT (unlink (gone) == 0);
  }
  EXPECT (carve_ledger_commit (l, &err) == 0);
  EXPECT (carve_kfile_write (knob, "changed", &err) == 0);
  EXPECT (carve_kfile_write (empty, "0-3", &err) == 0);

  carve_ledger_remove (l, p);
  EXPECT (carve_ledger_has_unused (l));
  carve_ledger_restore_unused (l, &warnings);
  EXPECT (warnings == NULL || warnings[0] == NULL);
  /* q still needs the knob.  */
  v = get (dir, "knob");
  EXPECT_STR (v, "changed");
  free (v);
  v = get (dir, "empty");
  EXPECT_STR (v, "");
  EXPECT (!carve_path_exists (cgdir));
  EXPECT (l->n_settings == 1);
  s = carve_ledger_find_setting (l, CARVE_LEDGER_FILE, knob);
  EXPECT (s && s->n_users == 1);

  carve_ledger_remove (l, q);
  carve_ledger_restore_unused (l, &warnings);
  free (v);
  v = get (dir, "knob");
  EXPECT_STR (v, "orig");
  EXPECT (l->n_settings == 0);
  carve_ledger_close (l);
  return 0;
}

/* A MOUNT setting: kept through a commit and a reload, restored by
   unmounting and removing its directory once its last user leaves, and
   done when the directory is gone already (a delete killed after it).  */
static int
test_ledger_mount (void)
{
  cleanup_free char *dir = make_tmp ();
  cleanup_free char *path = carve_path_join (dir, "ledger");
  cleanup_free char *shm = carve_path_join (dir, "jobs/a");
  cleanup_free char *gone = carve_path_join (dir, "jobs/b");
  cleanup_strv char **warnings = NULL;
  struct carve_ledger_partition_s *p, *q;
  struct carve_ledger_setting_s *s;
  carve_ledger_t l = NULL;
  carve_error_t err = NULL;

  EXPECT (carve_ledger_open (path, &l, &err) == 0);
  p = carve_ledger_add (l, "/r", "p");
  q = carve_ledger_add (l, "/r", "q");
  s = carve_ledger_record_mount (l, p->key, shm);
  EXPECT (s != NULL && s->kind == CARVE_LEDGER_MOUNT);
  EXPECT (carve_ledger_record_mount (l, q->key, shm) == s && s->n_users == 2);
  EXPECT (carve_ledger_record_mount (l, p->key, gone) != NULL);
  EXPECT (carve_ledger_derived_value (l, s, NULL, 0) == NULL);
  EXPECT (carve_ledger_commit (l, &err) == 0);
  carve_ledger_close (l);
  l = NULL;

  EXPECT (carve_ledger_open (path, &l, &err) == 0);
  s = carve_ledger_find_setting (l, CARVE_LEDGER_MOUNT, shm);
  EXPECT (s && s->n_users == 2 && s->original == NULL);
  /* A plain directory here (no privileges to mount in a unit test): the
     restore finds nothing mounted and removes it.  */
  EXPECT (carve_mkdir_p (shm, 0700, &err) == 0);
  carve_ledger_remove (l, carve_ledger_find (l, "/r", "p"));
  carve_ledger_restore_unused (l, &warnings);
  EXPECT (warnings == NULL || warnings[0] == NULL);
  EXPECT (carve_path_exists (shm) && l->n_settings == 1);
  carve_ledger_remove (l, carve_ledger_find (l, "/r", "q"));
  carve_ledger_restore_unused (l, &warnings);
  EXPECT (warnings == NULL || warnings[0] == NULL);
  EXPECT (!carve_path_exists (shm) && l->n_settings == 0);
  carve_ledger_close (l);
  return 0;
}

static int
test_ledger_affinity (void)
{
  cleanup_free char *dir = make_tmp ();
  cleanup_free char *path = carve_path_join (dir, "ledger");
  cleanup_strv char **warnings = NULL;
  struct carve_ledger_partition_s *p;
  struct carve_ledger_setting_s *s;
  carve_ledger_t l = NULL;
  carve_error_t err = NULL;
  cpu_set_t set, before;
  int status, first = -1, i;
  pid_t child;

  CPU_ZERO (&before);
  EXPECT (sched_getaffinity (0, sizeof (before), &before) == 0);
  if (CPU_COUNT (&before) < 2)
    return 77;
  for (i = 0; i < CPU_SETSIZE && first < 0; i++)
    if (CPU_ISSET (i, &before))
      first = i;
  child = fork ();
  if (child == 0)
    {
      pause ();
      _exit (0);
    }
  EXPECT (carve_ledger_open (path, &l, &err) == 0);
  p = carve_ledger_add (l, "/r", "p");
  s = carve_ledger_record_affinity (l, p->key, child, &err);
  EXPECT (s != NULL && s->pid == child && s->start_time != 0);
  CPU_ZERO (&set);
  CPU_SET (first, &set);
  EXPECT (sched_setaffinity (child, sizeof (set), &set) == 0);
  carve_ledger_remove (l, p);
  carve_ledger_restore_unused (l, &warnings);
  EXPECT (warnings == NULL || warnings[0] == NULL);
  CPU_ZERO (&set);
  EXPECT (sched_getaffinity (child, sizeof (set), &set) == 0);
  kill (child, SIGKILL);
  waitpid (child, &status, 0);
  EXPECT (CPU_EQUAL (&set, &before));
  carve_ledger_close (l);
  return 0;
}

static int
test_ledger_derived (void)
{
  cleanup_free char *dir = make_tmp ();
  cleanup_free char *path = carve_path_join (dir, "ledger");
  cleanup_free char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e2 = NULL;
  struct carve_ledger_partition_s *p, *q;
  struct carve_ledger_setting_s *s;
  carve_ledger_t l = NULL;
  carve_error_t err = NULL;
  carve_cpumask_t online = mask ("0-7");

  put (dir, "cpus", "0-7\n");
  put (dir, "irq", "ff\n");
  put (dir, "irq2", "c0\n");
  put (dir, "excl", "\n");
  EXPECT (carve_ledger_open (path, &l, &err) == 0);
  p = carve_ledger_add (l, "/r", "p");
  p->cpus = mask ("6-7");
  p->exclusive = true;
  p->evict = true;
  q = carve_ledger_add (l, "/r", "q");
  q->cpus = mask ("2");
  q->exclusive = true;
  q->evict = false;

  a = carve_path_join (dir, "cpus");
  s = carve_ledger_record_file (l, p->key, a, &err);
  s->derive = CARVE_LEDGER_MINUS_OWNED;
  b = carve_ledger_derived_value (l, s, &online, 8);
  EXPECT_STR (b, "0-1,3-5");

  free (a);
  a = carve_path_join (dir, "irq");
  s = carve_ledger_record_file (l, p->key, a, &err);
  s->derive = CARVE_LEDGER_MINUS_EVICTED;
  s->hex = true;
  c = carve_ledger_derived_value (l, s, &online, 8);
  EXPECT_STR (c, "3f");

  /* Only on evicted CPUs: everything else online instead.  */
  free (a);
  a = carve_path_join (dir, "irq2");
  s = carve_ledger_record_file (l, p->key, a, &err);
  s->derive = CARVE_LEDGER_MINUS_EVICTED;
  s->hex = true;
  d = carve_ledger_derived_value (l, s, &online, 8);
  EXPECT_STR (d, "3f");

  free (a);
  a = carve_path_join (dir, "excl");
  s = carve_ledger_record_file (l, p->key, a, &err);
  s->derive = CARVE_LEDGER_PLUS_USERS;
  e2 = carve_ledger_derived_value (l, s, &online, 8);
  EXPECT_STR (e2, "6-7");

  /* enforce writes them all.  */
  EXPECT (carve_ledger_enforce (l, &online, 8, CARVE_LEDGER_ALL, true, NULL, &err) == 0);
  free (b);
  b = get (dir, "cpus");
  EXPECT_STR (b, "0-1,3-5");
  free (c);
  c = get (dir, "irq");
  EXPECT_STR (c, "3f");
  free (e2);
  e2 = get (dir, "excl");
  EXPECT_STR (e2, "6-7");
  carve_ledger_close (l);
  return 0;
}

/* --- topology ------------------------------------------------------------ */

static char *
fake_sys (void)
{
  char *root = make_tmp ();
  int c;

  put (root, "devices/system/cpu/online", "0-7\n");
  put (root, "devices/system/cpu/possible", "0-7\n");
  for (c = 0; c < 8; c++)
    {
      cleanup_free char *f = xasprintf ("devices/system/cpu/cpu%d/topology/core_cpus_list", c);
      cleanup_free char *v = xasprintf ("%d-%d\n", c & ~1, (c & ~1) + 1);
      put (root, f, v);
    }
  put (root, "devices/system/node/node0/cpulist", "0-3\n");
  put (root, "devices/system/node/node1/cpulist", "4-7\n");
  return root;
}

static int
test_topology_pick (void)
{
  cleanup_free char *root = fake_sys ();
  carve_topology_t t = NULL;
  carve_error_t err = NULL;
  carve_cpumask_t avail = mask ("1-7"), got, want;

  EXPECT (carve_topology_read (root, &t, &err) == 0);
  EXPECT (t->nr_cpus == 8 && t->n_cores == 4 && t->n_nodes == 2);
  /* A whole core first.  */
  EXPECT (carve_topology_pick (t, &avail, 2, &got));
  want = mask ("2-3");
  EXPECT (carve_cpumask_equal (&got, &want));
  /* Three fit node 0: its whole core and the CPU whose sibling is taken.  */
  EXPECT (carve_topology_pick (t, &avail, 3, &got));
  want = mask ("1-3");
  EXPECT (carve_cpumask_equal (&got, &want));
  /* Four fit node 1 only.  */
  EXPECT (carve_topology_pick (t, &avail, 4, &got));
  want = mask ("4-7");
  EXPECT (carve_cpumask_equal (&got, &want));
  /* Five need both nodes.  */
  EXPECT (carve_topology_pick (t, &avail, 5, &got));
  EXPECT (carve_cpumask_count (&got) == 5 && carve_cpumask_subset (&got, &avail));
  EXPECT (!carve_topology_pick (t, &avail, 8, &got));
  carve_topology_free (t);

  /* No topology files: each CPU is a core, one node.  */
  {
    cleanup_free char *bare = make_tmp ();
    put (bare, "devices/system/cpu/online", "0-3\n");
    EXPECT (carve_topology_read (bare, &t, &err) == 0);
    EXPECT (t->n_cores == 4 && t->n_nodes == 1 && t->nr_cpus == 4);
    avail = mask ("1-3");
    EXPECT (carve_topology_pick (t, &avail, 2, &got));
    want = mask ("1-2");
    EXPECT (carve_cpumask_equal (&got, &want));
    carve_topology_free (t);
  }
  return 0;
}

/* --- cpuset v1 ----------------------------------------------------------- */

static void
cpuset_dir (const char *dir, const char *cpus, const char *procs)
{
  put (dir, "cpuset.cpus", cpus);
  put (dir, "cpuset.mems", "0");
  put (dir, "cpuset.cpu_exclusive", "0");
  put (dir, "cpuset.sched_load_balance", "1");
  put (dir, "cgroup.procs", procs);
  put (dir, "tasks", procs);
}

static int
test_cpuset_v1 (void)
{
  cleanup_free char *root = make_tmp ();
  cleanup_free char *mount = carve_path_join (root, "cpuset");
  cleanup_free char *proc = carve_path_join (root, "proc");
  cleanup_free char *ledger = carve_path_join (root, "ledger");
  cleanup_free char *docker = NULL, *inner = NULL, *busy = NULL, *compute = NULL, *sos = NULL, *name = NULL;
  cleanup_free char *mine = NULL, *path = NULL, *v = NULL;
  cleanup_strv char **warnings = NULL;
  struct carve_cpuset_env_s env = { .mount = mount, .v2 = false, .proc = proc, .online = mask ("0-3"), .nr_cpus = 4 };
  struct carve_ledger_partition_s *p;
  carve_ledger_t l = NULL;
  carve_error_t err = NULL;

  cpuset_dir (mount, "0-3", "100\n200\n");
  /* 100 is a user task, 200 a kernel thread (PF_KTHREAD).  */
  put (proc, "100/stat", "100 (sshd) S 1 100 100 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 500 0 0\n");
  put (proc, "200/stat", "200 (kswapd0) S 2 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0\n");
  docker = carve_path_join (mount, "docker");
  inner = carve_path_join (docker, "abc");
  cpuset_dir (docker, "0-3", "");
  cpuset_dir (inner, "0-3", "300\n");
  /* Not overlapping: left alone.  */
  busy = carve_path_join (mount, "other");
  cpuset_dir (busy, "0", "400\n");
  /* The kernel makes these directories' files; the fake tree has them
     ready.  */
  compute = carve_path_join (mount, CARVE_CPUSET_COMPUTE);
  sos = carve_path_join (mount, CARVE_CPUSET_SERVICEOS);
  cpuset_dir (compute, "", "");
  cpuset_dir (sos, "", "");

  EXPECT (carve_ledger_open (ledger, &l, &err) == 0);
  p = carve_ledger_add (l, "/run/carve", "job");
  p->cpus = mask ("2-3");
  p->exclusive = true;
  name = carve_cpuset_v1_name (p);
  mine = carve_path_join (compute, name);
  cpuset_dir (mine, "", "");

  EXPECT (carve_cpuset_v1_prepare (&env, l, p, &path, &warnings, &err) == 0);
  {
    cleanup_free char *want = xasprintf ("/carve.compute/%s", name);
    EXPECT_STR (path, want);
  }
  /* What runtime/linux's cgroup creation does with the placement.  */
  EXPECT (carve_cgroup_make_partition (mine, false, &p->cpus, p->load_balance, &err) == 0);
  v = get (docker, "cpuset.cpus");
  EXPECT_STR (v, "0-1");
  free (v);
  v = get (inner, "cpuset.cpus");
  EXPECT_STR (v, "0-1");
  free (v);
  v = get (busy, "cpuset.cpus");
  EXPECT_STR (v, "0");
  free (v);
  v = get (sos, "cpuset.cpus");
  EXPECT_STR (v, "0-1");
  free (v);
  v = get (compute, "cpuset.cpus");
  EXPECT_STR (v, "2-3");
  free (v);
  v = get (compute, "cpuset.cpu_exclusive");
  EXPECT_STR (v, "1");
  free (v);
  v = get (compute, "cpuset.sched_load_balance");
  EXPECT_STR (v, "0");
  free (v);
  v = get (mine, "cpuset.cpus");
  EXPECT_STR (v, "2-3");
  free (v);
  v = get (mine, "cpuset.sched_load_balance");
  EXPECT_STR (v, "0");
  free (v);
  v = get (mount, "cpuset.sched_load_balance");
  EXPECT_STR (v, "0");
  free (v);
  /* The user task went to the ServiceOS, the kernel thread did not.  */
  v = get (sos, "cgroup.procs");
  EXPECT_STR (v, "100");
  free (v);
  EXPECT (p->cpuset_dir && strcmp (p->cpuset_dir, mine) == 0);
  /* All recorded, and on disk.  */
  {
    carve_ledger_t again = NULL;
    carve_ledger_close (l);
    l = NULL;
    EXPECT (carve_ledger_open (ledger, &again, &err) == 0);
    l = again;
    p = carve_ledger_find (l, "/run/carve", "job");
    EXPECT (p != NULL);
    EXPECT (l->n_settings == 5);
  }

  /* The container goes: everything grows back.  */
  carve_ledger_remove (l, p);
  carve_cpuset_v1_refresh (&env, l, &warnings);
  carve_ledger_restore_unused (l, &warnings);
  v = get (docker, "cpuset.cpus");
  EXPECT_STR (v, "0-3");
  free (v);
  v = get (inner, "cpuset.cpus");
  EXPECT_STR (v, "0-3");
  free (v);
  v = get (mount, "cpuset.sched_load_balance");
  EXPECT_STR (v, "1");
  free (v);
  v = get (sos, "cpuset.cpus");
  EXPECT_STR (v, "0-3");
  EXPECT (l->n_settings == 0);
  carve_ledger_close (l);
  return 0;
}

static int
test_cpuset_v1_refuses_busy (void)
{
  cleanup_free char *root = make_tmp ();
  cleanup_free char *mount = carve_path_join (root, "cpuset");
  cleanup_free char *ledger = carve_path_join (root, "ledger");
  cleanup_free char *pinned = NULL, *path = NULL, *v = NULL;
  cleanup_strv char **warnings = NULL;
  struct carve_cpuset_env_s env = { .mount = mount, .proc = root, .online = mask ("0-3"), .nr_cpus = 4 };
  struct carve_ledger_partition_s *p;
  carve_ledger_t l = NULL;
  carve_error_t err = NULL;

  cpuset_dir (mount, "0-3", "");
  pinned = carve_path_join (mount, "pinned");
  cpuset_dir (pinned, "3", "42\n");
  EXPECT (carve_ledger_open (ledger, &l, &err) == 0);
  p = carve_ledger_add (l, "/run/carve", "job");
  p->cpus = mask ("3");
  p->exclusive = true;
  EXPECT (carve_cpuset_v1_prepare (&env, l, p, &path, &warnings, &err) < 0);
  EXPECT_CONTAINS (err->msg, pinned);
  EXPECT_CONTAINS (err->msg, "has tasks");
  carve_error_release (&err);
  /* Nothing changed, nothing recorded.  */
  v = get (pinned, "cpuset.cpus");
  EXPECT_STR (v, "3");
  EXPECT (l->n_settings == 0);
  carve_ledger_close (l);
  return 0;
}

/* --- cpuset v2 ----------------------------------------------------------- */

static int
test_cpuset_v2 (void)
{
  cleanup_free char *root = make_tmp ();
  cleanup_free char *mount = carve_path_join (root, "cgroup");
  cleanup_free char *ledger = carve_path_join (root, "ledger");
  cleanup_free char *a = NULL, *b = NULL, *c = NULL, *v = NULL;
  cleanup_strv char **warnings = NULL;
  struct carve_cpuset_env_s env = { .mount = mount, .v2 = true, .proc = root, .online = mask ("0-3"), .nr_cpus = 4 };
  struct carve_ledger_partition_s *p;
  carve_ledger_t l = NULL;
  carve_error_t err = NULL;

  a = carve_path_join (mount, "kubepods");
  b = carve_path_join (a, "pod1");
  c = carve_path_join (b, "ctr");
  put (a, "cpuset.cpus.exclusive", "\n");
  put (b, "cpuset.cpus.exclusive", "0\n");
  put (c, "cpuset.cpus.exclusive", "\n");
  put (c, "cpuset.cpus.partition", "member\n");
  put (c, "cpuset.cpus", "2-3\n");

  EXPECT (carve_ledger_open (ledger, &l, &err) == 0);
  p = carve_ledger_add (l, "/run/carve", "job");
  p->cpus = mask ("2-3");
  p->exclusive = true;
  EXPECT (carve_cpuset_v2_apply (&env, l, p, c, &err) == 0);
  v = get (a, "cpuset.cpus.exclusive");
  EXPECT_STR (v, "2-3");
  free (v);
  v = get (b, "cpuset.cpus.exclusive");
  EXPECT_STR (v, "0,2-3");
  free (v);
  v = get (c, "cpuset.cpus.exclusive");
  EXPECT_STR (v, "2-3");
  free (v);
  v = get (c, "cpuset.cpus.partition");
  EXPECT_STR (v, "isolated");
  free (v);
  EXPECT (l->n_settings == 2);

  carve_ledger_remove (l, p);
  (void)carve_ledger_enforce (l, &env.online, 4, CARVE_LEDGER_ALL, false, &warnings, NULL);
  carve_ledger_restore_unused (l, &warnings);
  v = get (a, "cpuset.cpus.exclusive");
  EXPECT_STR (v, "");
  free (v);
  v = get (b, "cpuset.cpus.exclusive");
  EXPECT_STR (v, "0");
  EXPECT (l->n_settings == 0);

  /* Load balanced: a root partition.  */
  p = carve_ledger_add (l, "/run/carve", "job2");
  p->cpus = mask ("2-3");
  p->exclusive = true;
  p->load_balance = true;
  EXPECT (carve_cpuset_v2_apply (&env, l, p, c, &err) == 0);
  free (v);
  v = get (c, "cpuset.cpus.partition");
  EXPECT_STR (v, "root");
  carve_ledger_close (l);
  return 0;
}

/* --- noise --------------------------------------------------------------- */

static int
test_noise (void)
{
  cleanup_free char *root = make_tmp ();
  cleanup_free char *proc = carve_path_join (root, "proc");
  cleanup_free char *sys = carve_path_join (root, "sys");
  cleanup_free char *irq = carve_path_join (proc, "irq");
  cleanup_free char *wq = carve_path_join (sys, "devices/virtual/workqueue");
  cleanup_free char *ledger = carve_path_join (root, "ledger");
  cleanup_free char *v = NULL, *target = NULL, *link = NULL;
  cleanup_strv char **warnings = NULL;
  struct carve_noise_env_s env = { .proc = proc, .sys = sys, .online = mask ("0-3"), .nr_cpus = 4 };
  struct carve_noise_summary_s sum;
  struct carve_ledger_partition_s *p, *q;
  carve_ledger_t l = NULL;
  carve_error_t err = NULL;

  put (irq, "24/smp_affinity", "f\n");
  put (irq, "25/smp_affinity", "c\n");
  put (irq, "26/smp_affinity", "1\n"); /* already off: untouched */
  put (irq, "default_smp_affinity", "f\n");
  /* An IRQ that refuses a new affinity (a write through a symlink fails
     as the virtio disk's EPERM does).  */
  put (root, "refusing", "f\n");
  target = carve_path_join (root, "refusing");
  link = carve_path_join (irq, "36/smp_affinity");
  put (irq, "36/placeholder", "");
  EXPECT (symlink (target, link) == 0);
  put (wq, "cpumask", "f\n");
  put (wq, "writeback/cpumask", "f\n");
  put (wq, "power/control", "auto\n");
  put (proc, "sys/kernel/timer_migration", "0\n");

  EXPECT (carve_ledger_open (ledger, &l, &err) == 0);
  p = carve_ledger_add (l, "/run/carve", "job");
  p->cpus = mask ("2-3");
  p->exclusive = p->evict = true;
  EXPECT (carve_noise_evict (&env, l, p, &warnings, &err) == 0);
  EXPECT (strv_has (warnings, "irq 36: smp_affinity refused"));
  v = get (irq, "24/smp_affinity");
  EXPECT_STR (v, "3");
  free (v);
  v = get (irq, "25/smp_affinity");
  EXPECT_STR (v, "3");
  free (v);
  v = get (irq, "26/smp_affinity");
  EXPECT_STR (v, "1");
  free (v);
  v = get (irq, "default_smp_affinity");
  EXPECT_STR (v, "3");
  free (v);
  v = get (wq, "cpumask");
  EXPECT_STR (v, "3");
  free (v);
  v = get (wq, "writeback/cpumask");
  EXPECT_STR (v, "3");
  free (v);
  v = get (proc, "sys/kernel/timer_migration");
  EXPECT_STR (v, "1");
  free (v);
  v = get (root, "refusing");
  EXPECT_STR (v, "f");
  free (v);

  carve_noise_summary (l, p->key, &sum);
  EXPECT (sum.workqueues == 2 && sum.timer_migration && sum.kthreads == 0);
  EXPECT (carve_strv_length (sum.irqs) == 3);
  EXPECT (!carve_strv_contains (sum.irqs, "36"));
  /* What refused is the partition's, for `carve node`.  */
  EXPECT (carve_strv_length (sum.irqs_unmoved) == 1 && strcmp (sum.irqs_unmoved[0], "36") == 0);
  carve_noise_summary_release (&sum);
  /* The refused IRQ is not in the ledger: nothing to restore there.  */
  {
    cleanup_free char *refused = carve_path_join (irq, "36/smp_affinity");
    EXPECT (carve_ledger_find_setting (l, CARVE_LEDGER_FILE, refused) == NULL);
  }
  /* And it is on disk: another carve (`carve node`) reads it back.  */
  EXPECT (carve_ledger_commit (l, &err) == 0);
  carve_ledger_close (l);
  l = NULL;
  EXPECT (carve_ledger_open (ledger, &l, &err) == 0);
  p = carve_ledger_find (l, "/run/carve", "job");
  EXPECT (p != NULL);
  EXPECT (carve_strv_length (p->irqs_unmoved) == 1 && strcmp (p->irqs_unmoved[0], "36") == 0);

  /* A second evicting partition: the union goes.  */
  q = carve_ledger_add (l, "/run/carve", "job2");
  q->cpus = mask ("1");
  q->exclusive = q->evict = true;
  EXPECT (carve_noise_evict (&env, l, q, &warnings, &err) == 0);
  v = get (irq, "24/smp_affinity");
  EXPECT_STR (v, "1");
  free (v);
  v = get (irq, "26/smp_affinity");
  EXPECT_STR (v, "1");
  free (v);

  /* The first leaves: the masks follow the one left.  */
  carve_ledger_remove (l, p);
  (void)carve_ledger_enforce (l, &env.online, 4, CARVE_LEDGER_ALL, false, &warnings, NULL);
  carve_ledger_restore_unused (l, &warnings);
  v = get (irq, "24/smp_affinity");
  EXPECT_STR (v, "d");
  free (v);
  v = get (irq, "25/smp_affinity");
  EXPECT_STR (v, "c");
  free (v);
  v = get (wq, "cpumask");
  EXPECT_STR (v, "d");
  free (v);
  v = get (proc, "sys/kernel/timer_migration");
  EXPECT_STR (v, "1");
  free (v);

  /* The last leaves: every original is back.  */
  carve_ledger_remove (l, q);
  carve_ledger_restore_unused (l, &warnings);
  v = get (irq, "24/smp_affinity");
  EXPECT_STR (v, "f");
  free (v);
  v = get (irq, "default_smp_affinity");
  EXPECT_STR (v, "f");
  free (v);
  v = get (wq, "writeback/cpumask");
  EXPECT_STR (v, "f");
  free (v);
  v = get (proc, "sys/kernel/timer_migration");
  EXPECT_STR (v, "0");
  EXPECT (l->n_settings == 0);
  carve_ledger_close (l);
  return 0;
}

/* The forwarded calls and carve-serviceos's socket survive the state
   round trip (exec reads them back), and a forward list without a socket
   is refused.  */
static int
test_plan_forward_roundtrip (void)
{
  cleanup_yajl_gen yajl_gen g = yajl_gen_alloc (NULL);
  cleanup_yajl_val yajl_val v = NULL;
  cleanup_yajl_val yajl_val bad = NULL;
  cleanup_error carve_error_t err = NULL;
  cleanup_free char *text = NULL;
  struct carve_compute_plan_s plan;
  carve_compute_plan_t back = NULL;
  char *fwd[] = { "openat", "mkdir", NULL };
  const unsigned char *buf;
  size_t len;
  char errbuf[128];

  memset (&plan, 0, sizeof (plan));
  plan.syscalls_forward = fwd;
  plan.serviceos_socket = (char *)"/run/x/sos.sock";
  yajl_gen_map_open (g);
  carve_compute_plan_gen (g, &plan);
  yajl_gen_map_close (g);
  yajl_gen_get_buf (g, &buf, &len);
  text = xstrndup ((const char *)buf, len);
  v = yajl_tree_parse (text, errbuf, sizeof (errbuf));
  EXPECT (v != NULL);
  EXPECT (carve_compute_plan_load (v, &back, &err) == 0);
  EXPECT (back->syscalls_forward && carve_strv_length (back->syscalls_forward) == 2);
  EXPECT_STR (back->syscalls_forward[1], "mkdir");
  EXPECT_STR (back->serviceos_socket, "/run/x/sos.sock");
  carve_compute_plan_free (back);
  back = NULL;

  bad = yajl_tree_parse ("{\"syscalls_forward\": [\"openat\"]}", errbuf, sizeof (errbuf));
  EXPECT (bad != NULL);
  EXPECT (carve_compute_plan_load (bad, &back, &err) < 0);
  EXPECT_CONTAINS (err->msg, "compute.serviceos_socket: missing");
  return 0;
}

UNIT_MAIN (UNIT_CASE (test_ledger_roundtrip), UNIT_CASE (test_ledger_corrupt_and_reboot), UNIT_CASE (test_ledger_version1),
           UNIT_CASE (test_ledger_liveness), UNIT_CASE (test_ledger_concurrent_claims), UNIT_CASE (test_ledger_restore),
           UNIT_CASE (test_ledger_mount), UNIT_CASE (test_ledger_affinity), UNIT_CASE (test_ledger_derived), UNIT_CASE (test_topology_pick),
           UNIT_CASE (test_cpuset_v1), UNIT_CASE (test_cpuset_v1_refuses_busy), UNIT_CASE (test_cpuset_v2),
           UNIT_CASE (test_noise), UNIT_CASE (test_plan_forward_roundtrip))
