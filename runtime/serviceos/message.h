/* What arrives on carve-serviceos's socket, parsed and checked (pure: no
   system call).  Two kinds of message, each one JSON object followed by
   EOF:

   - the container process state of the runtime-spec's seccomp agent
     protocol (config-linux.md, "The Container Process State"), with the
     descriptors named in its "fds" array attached by SCM_RIGHTS;
     "seccompFd" is the listener;
   - a control request of carve-serviceos's own, {"command": "status"},
     with no descriptor, answered on the same connection.  */
#ifndef CARVE_SERVICEOS_MESSAGE_H
#define CARVE_SERVICEOS_MESSAGE_H

#include <stddef.h>

#include "runtime/base/error.h"

/* A message larger than this is refused (a container state is a few
   kilobytes; annotations can make it more).  */
#define CARVE_SOS_MESSAGE_MAX (1024 * 1024)

enum carve_sos_message_kind
{
  CARVE_SOS_MESSAGE_PROCESS_STATE,
  CARVE_SOS_MESSAGE_STATUS,
};

struct carve_sos_message_s
{
  enum carve_sos_message_kind kind;
  /* The process state.  */
  char *oci_version;
  int pid;                /* the container process, as the runtime sees it */
  char *metadata;         /* listenerMetadata, or NULL */
  char *container_id;     /* state.id */
  char *container_status; /* state.status, or NULL */
  char *bundle;           /* state.bundle, or NULL */
  size_t seccomp_fd_index; /* where "seccompFd" is among the descriptors */
};

/* Parses BUF (LEN bytes, not NUL-terminated) that came with NFDS
   descriptors.  A bad message fails with one line saying what is wrong
   ("process state: fds: names 2 descriptors, 1 received").  */
int carve_sos_message_parse (const char *buf, size_t len, size_t nfds, struct carve_sos_message_s *ret,
                             carve_error_t *err);
void carve_sos_message_release (struct carve_sos_message_s *m);

#endif
