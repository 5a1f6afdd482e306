/* linux.sysctl (sysctl.h): which keys a container's namespaces own, and
   writing them.  */
#include <config.h>
#include "runtime/linux/sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "xalloc.h"
#include "runtime/linux/safepath.h"
#include "spec/spec.h"

int
carve_sysctl_validate_key (const char *key, carve_error_t *err)
{
  char sep = strchr (key, '/') ? '/' : '.';
  const char *p = key;

  if (*key == '\0')
    return carve_make_error (err, 0, "empty sysctl key");
  /* Each component between separators must be a plain name: an empty one
     ("a..b", "/a", "a/") or "." or ".." could leave /proc/sys.  */
  for (;;)
    {
      const char *end = strchr (p, sep);
      size_t len = end ? (size_t)(end - p) : strlen (p);

      if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
        return carve_make_error (err, 0, "`%s`: invalid key", key);
      if (end == NULL)
        break;
      p = end + 1;
    }
  return 0;
}

static char *
key_to_path (const char *key)
{
  char *path = xstrdup (key), *p;

  if (strchr (key, '/'))
    return path;
  for (p = path; *p; p++)
    if (*p == '.')
      *p = '/';
  return path;
}

int
carve_sysctl_apply (const struct carve_spec_map_s *sysctl, carve_error_t *err)
{
  cleanup_close int procfd = -1;
  size_t i;

  if (sysctl == NULL || sysctl->len == 0)
    return 0;
  procfd = open ("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (procfd < 0)
    return carve_make_error (err, errno, "open `/proc/sys`");

  for (i = 0; i < sysctl->len; i++)
    {
      const char *key = sysctl->keys[i];
      const char *value = sysctl->values[i] ? sysctl->values[i] : "";
      cleanup_free char *path = NULL;
      cleanup_close int fd = -1;
      size_t len = strlen (value);

      if (carve_sysctl_validate_key (key, err) < 0)
        return -1;
      path = key_to_path (key);
      /* Resolved beneath /proc/sys (RESOLVE_IN_ROOT), whatever the key.  */
      fd = carve_safepath_open (procfd, path, O_WRONLY, 0, err);
      if (fd < 0)
        return carve_error_wrap (err, "`%s` = `%s`", key, value);
      /* A /proc/sys file takes its value in one write.  */
      if (write (fd, value, len) != (ssize_t)len)
        return carve_make_error (err, errno ? errno : EIO, "`%s` = `%s`: write", key, value);
    }
  return 0;
}

bool
carve_sysctl_is_namespaced (const char *key, int *ret_clone_flag)
{
  static const char *const ipc_prefixes[] = { "kernel.msg", "kernel.sem", "kernel.shm", "fs.mqueue." };
  cleanup_free char *k = xstrdup (key);
  int flag = 0;
  char *p;
  size_t i;

  for (p = k; *p; p++)
    if (*p == '/')
      *p = '.';
  for (i = 0; i < sizeof (ipc_prefixes) / sizeof (ipc_prefixes[0]); i++)
    if (strncmp (k, ipc_prefixes[i], strlen (ipc_prefixes[i])) == 0)
      flag = CLONE_NEWIPC;
  if (strncmp (k, "net.", 4) == 0)
    flag = CLONE_NEWNET;
  if (strcmp (k, "kernel.hostname") == 0 || strcmp (k, "kernel.domainname") == 0)
    flag = CLONE_NEWUTS;
  if (flag == 0)
    return false;
  if (ret_clone_flag)
    *ret_clone_flag = flag;
  return true;
}

static const char *
namespace_name (int flag)
{
  switch (flag)
    {
    case CLONE_NEWIPC:
      return "ipc";
    case CLONE_NEWNET:
      return "network";
    default:
      return "uts";
    }
}

int
carve_sysctl_plan (const struct carve_spec_map_s *sysctl, uint64_t owned, bool permeable,
                   struct carve_spec_map_s **ret_apply, char ***ret_warnings, carve_error_t *err)
{
  struct carve_spec_map_s *out = NULL;
  size_t i;

  *ret_apply = NULL;
  if (sysctl == NULL || sysctl->len == 0)
    return 0;
  out = xzalloc (sizeof (*out));
  out->keys = xcalloc (sysctl->len + 1, sizeof (char *));
  out->values = xcalloc (sysctl->len + 1, sizeof (char *));
  for (i = 0; i < sysctl->len; i++)
    {
      const char *key = sysctl->keys[i];
      int flag = 0;

      if (carve_sysctl_validate_key (key, err) < 0)
        {
          carve_error_wrap (err, "linux.sysctl");
          goto fail;
        }
      /* A key no namespace holds is the whole node's: writing it from a
         container would change the host and nothing would restore it.
         runc refuses it too.  */
      if (!carve_sysctl_is_namespaced (key, &flag))
        {
          carve_make_error (err, 0, "linux.sysctl: `%s` is not in a separate kernel namespace", key);
          goto fail;
        }
      if ((owned & (uint64_t) flag) == 0)
        {
          /* Permeable mode shares these namespaces with the host by
             design: the setting is dropped, loudly.  In oci mode the
             config forgot the namespace, which runc refuses.  */
          if (!permeable)
            {
              carve_make_error (err, 0, "linux.sysctl: `%s` is not allowed in the host's %s namespace", key,
                                namespace_name (flag));
              goto fail;
            }
          if (ret_warnings)
            {
              cleanup_free char *w
                  = xasprintf ("linux.sysctl: `%s` ignored: the container shares the host's %s namespace "
                               "(permeable mode)",
                               key, namespace_name (flag));
              carve_strv_append (ret_warnings, w);
            }
          continue;
        }
      if (flag == CLONE_NEWUTS && strcmp (key, "kernel.domainname") != 0 && strcmp (key, "kernel/domainname") != 0)
        {
          /* As runc: the hostname field sets it; two sources would race.  */
          carve_make_error (err, 0, "linux.sysctl: `%s` conflicts with the `hostname` field", key);
          goto fail;
        }
      out->keys[out->len] = sysctl->keys[i];
      out->values[out->len] = sysctl->values[i];
      out->len++;
    }
  *ret_apply = out;
  return 0;

fail:
  free (out->keys);
  free (out->values);
  free (out);
  return -1;
}
