/* Taking on a target thread's credentials in a worker thread (creds.h).  */
#include <config.h>
#include "creds.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "runtime/base/xalloc.h"

/* carve-serviceos's own: the permitted set it never lowers, and its user
   namespace.  */
static uint64_t own_permitted;
static dev_t own_userns_dev;
static ino_t own_userns_ino;

/* The worker thread's own groups, to return to.  */
static __thread gid_t *own_groups;
static __thread int own_ngroups;
static __thread bool assumed;

static const char *
find_line (const char *status, const char *key)
{
  size_t klen = strlen (key);
  const char *p = status;

  while (p && *p)
    {
      if (strncmp (p, key, klen) == 0)
        return p + klen;
      p = strchr (p, '\n');
      if (p)
        p++;
    }
  return NULL;
}

/* "Uid:\t0\t0\t0\t0": four decimal ids.  */
static int
parse_ids (const char *status, const char *key, unsigned long v[4])
{
  const char *p = find_line (status, key);
  char *end;
  int i;

  if (p == NULL)
    return -EINVAL;
  for (i = 0; i < 4; i++)
    {
      while (*p == ' ' || *p == '\t')
        p++;
      errno = 0;
      v[i] = strtoul (p, &end, 10);
      if (end == p || errno != 0 || v[i] > 0xfffffffful)
        return -EINVAL;
      p = end;
    }
  return 0;
}

static int
parse_hex (const char *status, const char *key, uint64_t *ret)
{
  const char *p = find_line (status, key);
  char *end;

  if (p == NULL)
    return -EINVAL;
  while (*p == ' ' || *p == '\t')
    p++;
  errno = 0;
  *ret = strtoull (p, &end, 16);
  if (end == p || errno != 0)
    return -EINVAL;
  return 0;
}

static int
parse_groups (const char *status, struct carve_sos_creds_s *c)
{
  const char *p = find_line (status, "Groups:");
  size_t cap = 0;
  char *end;

  if (p == NULL)
    return -EINVAL;
  for (;;)
    {
      unsigned long g;
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '\n' || *p == '\0')
        return 0;
      errno = 0;
      g = strtoul (p, &end, 10);
      if (end == p || errno != 0 || g > 0xfffffffful || c->ngroups >= CARVE_SOS_GROUPS_MAX)
        return -EINVAL;
      if (c->ngroups == cap)
        {
          cap = cap ? cap * 2 : 16;
          c->groups = xrealloc (c->groups, cap * sizeof (gid_t));
        }
      c->groups[c->ngroups++] = (gid_t)g;
      p = end;
    }
}

int
carve_sos_creds_parse (const char *status, struct carve_sos_creds_s *ret)
{
  struct carve_sos_creds_s c;
  unsigned long u[4], g[4], tgid[4];
  uint64_t mask;
  int r;

  memset (&c, 0, sizeof (c));
  if (parse_ids (status, "Uid:", u) < 0 || parse_ids (status, "Gid:", g) < 0
      || parse_hex (status, "CapEff:", &c.cap_eff) < 0 || parse_hex (status, "CapPrm:", &c.cap_prm) < 0)
    return -EINVAL;
  /* Tgid: one number; parse_ids wants four, so read it by hand.  */
  {
    const char *p = find_line (status, "Tgid:");
    char *end;
    if (p == NULL)
      return -EINVAL;
    tgid[0] = strtoul (p, &end, 10);
    if (end == p || tgid[0] == 0 || tgid[0] > 0x7fffffff)
      return -EINVAL;
  }
  /* Umask: since Linux 4.7; older kernels: the common default.  */
  if (find_line (status, "Umask:") == NULL)
    mask = 022;
  else
    {
      char *end;
      const char *p = find_line (status, "Umask:");
      mask = strtoull (p, &end, 8);
      if (end == p || mask > 0777)
        return -EINVAL;
    }
  r = parse_groups (status, &c);
  if (r < 0)
    {
      free (c.groups);
      return r;
    }
  c.tgid = (pid_t)tgid[0];
  c.ruid = (uid_t)u[0];
  c.euid = (uid_t)u[1];
  c.suid = (uid_t)u[2];
  c.fsuid = (uid_t)u[3];
  c.rgid = (gid_t)g[0];
  c.egid = (gid_t)g[1];
  c.sgid = (gid_t)g[2];
  c.fsgid = (gid_t)g[3];
  c.umask = (mode_t)mask;
  *ret = c;
  return 0;
}

int
carve_sos_creds_read (int proc_fd, pid_t tid, struct carve_sos_creds_s *ret)
{
  char path[64], buf[8192];
  struct stat st;
  ssize_t n;
  int fd, r;

  snprintf (path, sizeof (path), "%d/status", (int)tid);
  fd = openat (proc_fd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -ESRCH;
  n = read (fd, buf, sizeof (buf) - 1);
  close (fd);
  if (n <= 0)
    return -ESRCH;
  buf[n] = '\0';
  r = carve_sos_creds_parse (buf, ret);
  if (r < 0)
    return r;
  snprintf (path, sizeof (path), "%d/ns/user", (int)tid);
  if (fstatat (proc_fd, path, &st, 0) < 0)
    {
      carve_sos_creds_release (ret);
      return -ESRCH;
    }
  ret->foreign_userns = st.st_ino != own_userns_ino || st.st_dev != own_userns_dev;
  return 0;
}

void
carve_sos_creds_release (struct carve_sos_creds_s *c)
{
  free (c->groups);
  c->groups = NULL;
  c->ngroups = 0;
}

static int
capget_own (uint64_t *ret_eff, uint64_t *ret_prm)
{
  struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct d[2];

  if (syscall (SYS_capget, &h, d) < 0)
    return -errno;
  *ret_eff = (uint64_t)d[0].effective | ((uint64_t)d[1].effective << 32);
  *ret_prm = (uint64_t)d[0].permitted | ((uint64_t)d[1].permitted << 32);
  return 0;
}

/* capset of this thread: EFF as effective, our own permitted kept.  */
static int
capset_effective (uint64_t eff)
{
  struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct d[2];

  memset (d, 0, sizeof (d));
  eff &= own_permitted;
  d[0].effective = (uint32_t)eff;
  d[1].effective = (uint32_t)(eff >> 32);
  d[0].permitted = (uint32_t)own_permitted;
  d[1].permitted = (uint32_t)(own_permitted >> 32);
  return syscall (SYS_capset, &h, d) < 0 ? -errno : 0;
}

int
carve_sos_creds_global_init (int proc_fd)
{
  struct stat st;
  uint64_t eff;
  int r;

  r = capget_own (&eff, &own_permitted);
  if (r < 0)
    return r;
  if (fstatat (proc_fd, "self/ns/user", &st, 0) < 0)
    return -errno;
  own_userns_dev = st.st_dev;
  own_userns_ino = st.st_ino;
  return 0;
}

int
carve_sos_creds_worker_init (void)
{
  int n;

  /* A root, working directory and umask of this thread's own: it chroots
     into the containers it serves, which must not move the others.  */
  if (unshare (CLONE_FS) < 0)
    return -errno;
  n = getgroups (0, NULL);
  if (n < 0)
    return -errno;
  own_groups = xcalloc ((size_t)n + 1, sizeof (gid_t));
  own_ngroups = getgroups (n, own_groups);
  if (own_ngroups < 0)
    return -errno;
  return 0;
}

int
carve_sos_creds_assume (const struct carve_sos_creds_s *c, enum carve_sos_creds_mode mode, bool set_umask)
{
  uid_t uid = mode == CARVE_SOS_CREDS_REAL ? c->ruid : c->fsuid;
  gid_t gid = mode == CARVE_SOS_CREDS_REAL ? c->rgid : c->fsgid;
  uint64_t eff = c->cap_eff;
  int r;

  if (mode == CARVE_SOS_CREDS_REAL)
    eff = c->ruid == 0 ? c->cap_prm : 0;
  /* Capabilities held in another user namespace mean nothing here.  */
  if (c->foreign_userns)
    eff = 0;

  assumed = true;
  if (syscall (SYS_setgroups, c->ngroups, c->groups) < 0)
    {
      r = -errno;
      carve_sos_creds_restore ();
      return r;
    }
  /* setfsuid/setfsgid report no error: check that they took.  */
  (void)syscall (SYS_setfsgid, gid);
  (void)syscall (SYS_setfsuid, uid);
  if ((gid_t)syscall (SYS_setfsgid, -1) != gid || (uid_t)syscall (SYS_setfsuid, -1) != uid)
    {
      carve_sos_creds_restore ();
      return -EPERM;
    }
  r = capset_effective (eff);
  if (r < 0)
    {
      carve_sos_creds_restore ();
      return r;
    }
  if (set_umask)
    umask (c->umask);
  return 0;
}

void
carve_sos_creds_restore (void)
{
  if (!assumed)
    return;
  /* Capabilities first: setgroups needs CAP_SETGID, setfsuid CAP_SETUID.  */
  if (capset_effective (own_permitted) < 0 || syscall (SYS_setfsuid, 0) < 0 || syscall (SYS_setfsgid, 0) < 0
      || syscall (SYS_setgroups, (size_t)own_ngroups, own_groups) < 0)
    {
      carve_sos_log (CARVE_SOS_LOG_ERROR, "a worker cannot return to its own credentials: %s", strerror (errno));
      abort ();
    }
  if ((uid_t)syscall (SYS_setfsuid, -1) != 0 || (gid_t)syscall (SYS_setfsgid, -1) != 0)
    {
      carve_sos_log (CARVE_SOS_LOG_ERROR, "a worker cannot return to its own fsuid");
      abort ();
    }
  assumed = false;
}
