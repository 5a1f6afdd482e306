/* Parsing carve-serviceos's messages (message.h) with yajl.  */
#include <config.h>
#include "message.h"

#include <limits.h>
#include <string.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/xalloc.h"
#include "spec/json.h"

static yajl_val
field (yajl_val obj, const char *key)
{
  const char *path[] = { key, NULL };
  return yajl_tree_get (obj, path, yajl_t_any);
}

/* An optional string field: *RET is NULL when it is absent.  */
static int
opt_string (yajl_val obj, const char *key, const char *where, char **ret, carve_error_t *err)
{
  yajl_val v = field (obj, key);

  *ret = NULL;
  if (v == NULL)
    return 0;
  if (!YAJL_IS_STRING (v))
    return carve_make_error (err, 0, "%s%s: not a string", where, key);
  *ret = xstrdup (v->u.string);
  return 0;
}

static int
req_string (yajl_val obj, const char *key, const char *where, char **ret, carve_error_t *err)
{
  if (opt_string (obj, key, where, ret, err) < 0)
    return -1;
  if (*ret == NULL)
    return carve_make_error (err, 0, "%s%s: missing", where, key);
  if (**ret == '\0')
    return carve_make_error (err, 0, "%s%s: empty", where, key);
  return 0;
}

static int
parse_fds (yajl_val obj, size_t nfds, struct carve_sos_message_s *m, carve_error_t *err)
{
  yajl_val fds = field (obj, "fds");
  bool found = false;
  size_t i;

  if (fds == NULL)
    return carve_make_error (err, 0, "process state: fds: missing (the listener is `seccompFd`)");
  if (!YAJL_IS_ARRAY (fds))
    return carve_make_error (err, 0, "process state: fds: not an array");
  /* config-linux.md: the index of a name is the index of the descriptor
     in SCM_RIGHTS; a count that differs means the two do not match.  */
  if (fds->u.array.len != nfds)
    return carve_make_error (err, 0, "process state: fds: names %zu descriptor%s, %zu received", fds->u.array.len,
                             fds->u.array.len == 1 ? "" : "s", nfds);
  for (i = 0; i < fds->u.array.len; i++)
    {
      yajl_val v = fds->u.array.values[i];
      if (!YAJL_IS_STRING (v))
        return carve_make_error (err, 0, "process state: fds[%zu]: not a string", i);
      if (strcmp (v->u.string, "seccompFd") == 0)
        {
          if (found)
            return carve_make_error (err, 0, "process state: fds[%zu]: `seccompFd` named twice", i);
          found = true;
          m->seccomp_fd_index = i;
        }
    }
  if (!found)
    return carve_make_error (err, 0, "process state: fds: no `seccompFd`");
  return 0;
}

static int
parse_process_state (yajl_val obj, size_t nfds, struct carve_sos_message_s *m, carve_error_t *err)
{
  yajl_val pid = field (obj, "pid"), state = field (obj, "state");

  m->kind = CARVE_SOS_MESSAGE_PROCESS_STATE;
  if (req_string (obj, "ociVersion", "process state: ", &m->oci_version, err) < 0)
    return -1;
  if (strncmp (m->oci_version, "1.", 2) != 0)
    return carve_make_error (err, 0, "process state: ociVersion: `%s` is not a 1.x version", m->oci_version);
  if (pid == NULL)
    return carve_make_error (err, 0, "process state: pid: missing");
  if (!YAJL_IS_INTEGER (pid) || YAJL_GET_INTEGER (pid) <= 0 || YAJL_GET_INTEGER (pid) > INT_MAX)
    return carve_make_error (err, 0, "process state: pid: not a process id");
  m->pid = (int)YAJL_GET_INTEGER (pid);
  if (opt_string (obj, "metadata", "process state: ", &m->metadata, err) < 0)
    return -1;
  if (state == NULL)
    return carve_make_error (err, 0, "process state: state: missing");
  if (!YAJL_IS_OBJECT (state))
    return carve_make_error (err, 0, "process state: state: not an object");
  if (req_string (state, "id", "process state: state.", &m->container_id, err) < 0
      || opt_string (state, "status", "process state: state.", &m->container_status, err) < 0
      || opt_string (state, "bundle", "process state: state.", &m->bundle, err) < 0)
    return -1;
  return parse_fds (obj, nfds, m, err);
}

static int
parse_control (yajl_val obj, size_t nfds, struct carve_sos_message_s *m, carve_error_t *err)
{
  yajl_val cmd = field (obj, "command");

  if (!YAJL_IS_STRING (cmd))
    return carve_make_error (err, 0, "control request: command: not a string");
  if (nfds > 0)
    return carve_make_error (err, 0, "control request: %zu descriptor%s attached, none expected", nfds,
                             nfds == 1 ? "" : "s");
  if (strcmp (cmd->u.string, "status") != 0)
    return carve_make_error (err, 0, "control request: command: unknown command `%s`", cmd->u.string);
  m->kind = CARVE_SOS_MESSAGE_STATUS;
  return 0;
}

int
carve_sos_message_parse (const char *buf, size_t len, size_t nfds, struct carve_sos_message_s *ret,
                         carve_error_t *err)
{
  cleanup_yajl_val yajl_val obj = NULL;
  cleanup_free char *text = NULL;
  struct carve_sos_message_s m;
  char errbuf[256] = "";
  int r;

  memset (ret, 0, sizeof (*ret));
  if (len == 0)
    return carve_make_error (err, 0, "empty message");
  if (len > CARVE_SOS_MESSAGE_MAX)
    return carve_make_error (err, 0, "message of %zu bytes, more than %d", len, CARVE_SOS_MESSAGE_MAX);
  if (memchr (buf, '\0', len) != NULL)
    return carve_make_error (err, 0, "message holds a NUL byte");
  text = xstrndup (buf, len);
  obj = yajl_tree_parse (text, errbuf, sizeof (errbuf));
  if (obj == NULL)
    {
      char *nl = strchr (errbuf, '\n');
      if (nl)
        *nl = '\0';
      return carve_make_error (err, 0, "not JSON%s%s", errbuf[0] ? ": " : "", errbuf);
    }
  if (!YAJL_IS_OBJECT (obj))
    return carve_make_error (err, 0, "not a JSON object");

  memset (&m, 0, sizeof (m));
  if (field (obj, "command") != NULL)
    r = parse_control (obj, nfds, &m, err);
  else
    r = parse_process_state (obj, nfds, &m, err);
  if (r < 0)
    {
      carve_sos_message_release (&m);
      return -1;
    }
  *ret = m;
  return 0;
}

void
carve_sos_message_release (struct carve_sos_message_s *m)
{
  free (m->oci_version);
  free (m->metadata);
  free (m->container_id);
  free (m->container_status);
  free (m->bundle);
  memset (m, 0, sizeof (*m));
}
