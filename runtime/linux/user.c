/* The credential chokepoint (user.h): process.user, groups, capabilities,
   no_new_privs, dropped in the one order that works.  */
#include <config.h>
#include "user.h"

#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"

#ifndef PR_CAP_AMBIENT
#  define PR_CAP_AMBIENT 47
#  define PR_CAP_AMBIENT_RAISE 2
#  define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

bool
carve_setgroups_denied (void)
{
  cleanup_free char *buf = NULL;
  cleanup_error carve_error_t err = NULL;
  size_t len = 0;

  if (carve_read_file ("/proc/self/setgroups", &buf, &len, &err) < 0)
    return false;
  return strncmp (buf, "deny", 4) == 0;
}

char *
carve_user_home (uid_t uid)
{
  cleanup_free char *buf = NULL;
  cleanup_error carve_error_t err = NULL;
  char *line, *save = NULL;

  if (carve_read_file ("/etc/passwd", &buf, NULL, &err) < 0)
    return xstrdup ("/");
  for (line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      /* name:password:uid:gid:gecos:home:shell */
      char *field[7] = { NULL };
      char *p = line;
      unsigned long v;
      int n;

      for (n = 0; n < 7 && p; n++)
        {
          field[n] = p;
          p = strchr (p, ':');
          if (p)
            *p++ = '\0';
        }
      if (n < 6 || carve_parse_ulong (field[2], &v) < 0 || v != (unsigned long) uid)
        continue;
      return xstrdup (field[5][0] ? field[5] : "/");
    }
  return xstrdup ("/");
}

char **
carve_user_env_with_home (char *const *env, uid_t uid)
{
  cleanup_free char *home = NULL, *var = NULL;
  char **ret;
  size_t i;

  for (i = 0; env && env[i]; i++)
    if (strncmp (env[i], "HOME=", 5) == 0)
      return NULL;
  home = carve_user_home (uid);
  var = xasprintf ("HOME=%s", home);
  ret = carve_strv_dup (env ? env : (char *[]){ NULL });
  carve_strv_append (&ret, var);
  return ret;
}

int
carve_userns_become_root (carve_error_t *err)
{
  if (!carve_setgroups_denied () && setgroups (0, NULL) < 0)
    return carve_make_error (err, errno, "user namespace: setgroups");
  if (setresgid (0, 0, 0) < 0)
    return carve_make_error (err, errno, "user namespace: setresgid 0 (is gid 0 in linux.gidMappings?)");
  if (setresuid (0, 0, 0) < 0)
    return carve_make_error (err, errno, "user namespace: setresuid 0 (is uid 0 in linux.uidMappings?)");
  return 0;
}

static int
drop_bounding (uint64_t keep, int last_cap, carve_error_t *err)
{
  int c;

  for (c = 0; c <= last_cap; c++)
    {
      if (keep & CARVE_CAP_BIT (c))
        continue;
      if (prctl (PR_CAPBSET_READ, c, 0, 0, 0) != 1)
        continue; /* already gone, or unknown to this kernel */
      if (prctl (PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
        {
          cleanup_free char *name = carve_cap_name (c);
          return carve_make_error (err, errno, "process.capabilities.bounding: drop `%s`", name);
        }
    }
  return 0;
}

static int
set_ids (const struct carve_spec_user_s *user, carve_error_t *err)
{
  /* Supplementary groups first: once the gid and uid are not 0 any more,
     setgroups needs CAP_SETGID, which the effective set no longer holds.
     Where setgroups is denied (a user namespace mapped without privilege)
     they are skipped as runc does: the process keeps the groups it has,
     which that namespace could not have mapped anyway.  */
  _Static_assert (sizeof (gid_t) == sizeof (uint32_t), "gid_t is 32 bits");
  if (!carve_setgroups_denied ()
      && setgroups (user->additional_gids_len, (const gid_t *) user->additional_gids) < 0)
    return carve_make_error (err, errno, "process.user.additionalGids: setgroups");

  if (setresgid (user->gid, user->gid, user->gid) < 0)
    return carve_make_error (err, errno, "process.user.gid: setresgid %u", (unsigned) user->gid);
  if (setresuid (user->uid, user->uid, user->uid) < 0)
    return carve_make_error (err, errno, "process.user.uid: setresuid %u", (unsigned) user->uid);
  return 0;
}

static int
set_caps (const struct carve_caps_s *caps, int last_cap, carve_error_t *err)
{
  cleanup_cap cap_t c = cap_init ();
  cap_value_t v;

  if (c == NULL)
    carve_oom ();
  for (v = 0; v <= last_cap; v++)
    {
      if (caps->effective & CARVE_CAP_BIT (v))
        cap_set_flag (c, CAP_EFFECTIVE, 1, &v, CAP_SET);
      if (caps->permitted & CARVE_CAP_BIT (v))
        cap_set_flag (c, CAP_PERMITTED, 1, &v, CAP_SET);
      if (caps->inheritable & CARVE_CAP_BIT (v))
        cap_set_flag (c, CAP_INHERITABLE, 1, &v, CAP_SET);
    }
  if (cap_set_proc (c) < 0)
    return carve_make_error (err, errno, "process.capabilities: capset");

  /* Ambient capabilities need to be in permitted and inheritable, so they
     come after capset.  */
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
    {
      /* Kernels before 4.3 have no ambient set: fine while none is asked.  */
      if (errno != EINVAL || caps->ambient)
        return carve_make_error (err, errno, "process.capabilities.ambient: clear");
    }
  for (v = 0; v <= last_cap; v++)
    if ((caps->ambient & CARVE_CAP_BIT (v)) && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, v, 0, 0) < 0)
      {
        cleanup_free char *name = carve_cap_name (v);
        return carve_make_error (err, errno, "process.capabilities.ambient: raise `%s`", name);
      }
  return 0;
}

/* The order is what makes this safe and possible:
   1. PR_SET_KEEPCAPS, so the permitted set survives leaving uid 0;
   2. shrink the bounding set, which needs CAP_SETPCAP still effective;
   3. setgroups, then setresgid, then setresuid: each needs CAP_SETGID or
      CAP_SETUID, lost from the effective set once the uid is not 0, and the
      uid goes last so nothing can switch it back;
   4. clear keepcaps, so a later setuid by the program behaves normally;
   5. capset effective/permitted/inheritable to exactly the configured sets
      (only ever a subset of what is held: no way to gain), then raise the
      ambient ones, which must already be permitted and inheritable;
   6. umask;
   7. no_new_privs last: it forbids nothing carve still does, and the caller
      loads seccomp (which an unprivileged filter needs it for) and execs.  */
int
carve_process_drop_privileges (const struct carve_spec_user_s *user, const struct carve_caps_s *caps,
                               bool no_new_privileges, carve_error_t *err)
{
  static const struct carve_caps_s no_caps;
  int last_cap = carve_caps_last_cap ();

  if (caps == NULL)
    caps = &no_caps;

  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return carve_make_error (err, errno, "prctl PR_SET_KEEPCAPS");
  if (drop_bounding (caps->bounding, last_cap, err) < 0)
    return -1;
  if (user && set_ids (user, err) < 0)
    return -1;
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return carve_make_error (err, errno, "prctl PR_SET_KEEPCAPS");
  if (set_caps (caps, last_cap, err) < 0)
    return -1;

  umask (user && user->has_umask ? (mode_t) user->umask : 0022);

  if (no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return carve_make_error (err, errno, "process.noNewPrivileges: prctl PR_SET_NO_NEW_PRIVS");
  return 0;
}
