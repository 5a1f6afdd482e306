/* Finding process.args[0] as execvp(3) would (execpath.h).  */
#include <config.h>
#include "execpath.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/xalloc.h"

/* The value of NAME in a "KEY=VALUE" list; the last one wins, as with
   getenv on an environment built by appending.  */
static const char *
env_lookup (char *const *env, const char *name)
{
  const char *found = NULL;
  size_t len = strlen (name);
  size_t i;

  for (i = 0; env && env[i]; i++)
    if (strncmp (env[i], name, len) == 0 && env[i][len] == '=')
      found = env[i] + len + 1;
  return found;
}

/* 0 when PATH names something exec can run, else an errno: a directory or a
   file without any execute bit is EACCES, as with Go's exec.LookPath that
   runc uses.  */
static int
check_executable (const char *path)
{
  struct stat st;

  if (stat (path, &st) < 0)
    return errno;
  if (S_ISDIR (st.st_mode) || (st.st_mode & 0111) == 0)
    return EACCES;
  return 0;
}

char *
carve_exec_lookup (const char *file, char *const *env, carve_error_t *err)
{
  const char *path;
  const char *p;

  if (file == NULL || file[0] == '\0')
    {
      carve_make_error (err, 0, "exec: process.args[0] is empty");
      return NULL;
    }

  if (strchr (file, '/'))
    {
      int r = check_executable (file);
      if (r)
        {
          carve_make_error (err, r, "exec `%s`", file);
          return NULL;
        }
      return xstrdup (file);
    }

  path = env_lookup (env, "PATH");
  if (path == NULL)
    path = CARVE_DEFAULT_PATH;

  /* An empty element means the current directory, as in execvp.  */
  p = path;
  for (;;)
    {
      const char *end = strchrnul (p, ':');
      cleanup_free char *candidate = NULL;

      if (end == p)
        candidate = xasprintf ("./%s", file);
      else
        candidate = xasprintf ("%.*s/%s", (int) (end - p), p, file);

      if (check_executable (candidate) == 0)
        return steal_pointer (&candidate);

      if (*end == '\0')
        break;
      p = end + 1;
    }

  carve_make_error (err, 0, "exec `%s`: executable file not found in $PATH", file);
  return NULL;
}
