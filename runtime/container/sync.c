/* Messages between carve and the container's init (sync.h).  */
#include <config.h>
#include "sync.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "xalloc.h"

#define SYNC_MAX 4096

struct sync_header_s
{
  uint32_t type;
  uint32_t len;
};

int
carve_sync_send (int fd, enum carve_sync_type type, const char *payload, int pass_fd)
{
  struct sync_header_s h = { .type = (uint32_t) type, .len = payload ? (uint32_t) strnlen (payload, SYNC_MAX) : 0 };
  char buf[sizeof (h) + SYNC_MAX];

  /* One datagram: the header and the payload together.  */
  memcpy (buf, &h, sizeof (h));
  if (h.len)
    memcpy (buf + sizeof (h), payload, h.len);
  return carve_send_with_fd (fd, buf, sizeof (h) + h.len, pass_fd) < 0 ? -1 : 0;
}

static int
sync_recv (int fd, enum carve_sync_type *ret_type, char **ret_payload, int *ret_fd, bool eof_ok, carve_error_t *err)
{
  char buf[sizeof (struct sync_header_s) + SYNC_MAX + 1];
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct iovec iov = { buf, sizeof (buf) - 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof (u.buf) };
  struct sync_header_s h;
  struct cmsghdr *c;
  int passed = -1;
  ssize_t r;

  do
    r = recvmsg (fd, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return carve_make_error (err, errno, "read from the container's init");
  for (c = CMSG_FIRSTHDR (&msg); c; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      memcpy (&passed, CMSG_DATA (c), sizeof (int));
  if (r == 0)
    {
      if (eof_ok)
        return 1;
      return carve_make_error (err, 0, "the container's init exited during setup");
    }
  if ((size_t) r < sizeof (h))
    {
      if (passed >= 0)
        close (passed);
      return carve_make_error (err, 0, "short message from the container's init");
    }
  memcpy (&h, buf, sizeof (h));
  buf[r] = '\0';
  *ret_type = (enum carve_sync_type) h.type;
  if (ret_payload)
    *ret_payload = h.len ? xstrdup (buf + sizeof (h)) : NULL;
  if (ret_fd)
    *ret_fd = passed;
  else if (passed >= 0)
    close (passed);
  return 0;
}

int
carve_sync_recv (int fd, enum carve_sync_type *ret_type, char **ret_payload, int *ret_fd, carve_error_t *err)
{
  return sync_recv (fd, ret_type, ret_payload, ret_fd, false, err);
}

int
carve_sync_recv_or_eof (int fd, enum carve_sync_type *ret_type, char **ret_payload, int *ret_fd,
                        carve_error_t *err)
{
  return sync_recv (fd, ret_type, ret_payload, ret_fd, true, err);
}

int
carve_sync_expect (int fd, enum carve_sync_type type, carve_error_t *err)
{
  cleanup_free char *payload = NULL;
  enum carve_sync_type got;

  if (carve_sync_recv (fd, &got, &payload, NULL, err) < 0)
    return -1;
  if (got == CARVE_SYNC_ERROR)
    return carve_make_error (err, 0, "%s", payload ? payload : "the container's init failed");
  if (got != type)
    return carve_make_error (err, 0, "unexpected message %u from the container's init", (unsigned) got);
  return 0;
}
