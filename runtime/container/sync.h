/* Messages between carve (the parent) and the container's init while it is
   being set up, over a SOCK_SEQPACKET socketpair: one message per
   datagram, optionally carrying one descriptor.  */
#ifndef CARVE_CONTAINER_SYNC_H
#define CARVE_CONTAINER_SYNC_H

#include <stddef.h>

#include "error.h"

enum carve_sync_type
{
  CARVE_SYNC_GO = 1,        /* parent -> child: continue */
  CARVE_SYNC_ERROR,         /* child -> parent: payload is the message */
  CARVE_SYNC_CREATE_HOOKS,  /* child -> parent: run prestart and createRuntime now */
  CARVE_SYNC_PTY,           /* child -> parent: the pty master, for a foreground run */
  CARVE_SYNC_READY,         /* child -> parent: waiting on the exec fifo */
  CARVE_SYNC_SECCOMP,       /* child -> parent: payload is the listener's slot (seccomp-agent.h) */
  CARVE_SYNC_SECCOMP_FD,    /* child -> parent: the listener, when the parent cannot take it */
};

int carve_sync_send (int fd, enum carve_sync_type type, const char *payload, int pass_fd);
/* Receives one message; *RET_PAYLOAD (NUL-terminated, may be NULL) and
   *RET_FD (-1 when none) belong to the caller.  EOF is an error: the other
   side died.  */
int carve_sync_recv (int fd, enum carve_sync_type *ret_type, char **ret_payload, int *ret_fd, carve_error_t *err);
/* As carve_sync_recv, but the other side closing the socket (its execve
   closed it) returns 1 instead of an error.  */
int carve_sync_recv_or_eof (int fd, enum carve_sync_type *ret_type, char **ret_payload, int *ret_fd,
                            carve_error_t *err);

/* Waits for TYPE; a CARVE_SYNC_ERROR becomes *ERR.  */
int carve_sync_expect (int fd, enum carve_sync_type type, carve_error_t *err);

#endif
