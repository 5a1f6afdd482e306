/* The seccomp listener's way from the container's process to the seccomp
   agent (seccomp-agent.h).  */
#include <config.h>
#include "seccomp-agent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "sync.h"
#include "xalloc.h"

/* How long the runtime waits for a process between its two last system
   calls (close and seccomp) before it gives up.  */
#define TAKE_TIMEOUT_MS 10000

int
carve_container_seccomp_load (int sync_fd, const carve_seccomp_t *s, carve_error_t *err)
{
  cleanup_free char *mode = NULL;
  enum carve_sync_type type;
  char slot_str[16];
  int slot = -1, fd = -1;

  if (!carve_seccomp_has_notify (s))
    return carve_seccomp_load (s, NULL, err);

  if (carve_seccomp_slot_reserve (&slot, err) < 0)
    return -1;
  snprintf (slot_str, sizeof (slot_str), "%d", slot);
  if (carve_sync_send (sync_fd, CARVE_SYNC_SECCOMP, slot_str, -1) < 0)
    {
      close (slot);
      return carve_make_error (err, errno, "seccomp: tell carve where the listener goes");
    }
  if (carve_sync_recv (sync_fd, &type, &mode, NULL, err) < 0 || type != CARVE_SYNC_GO)
    {
      close (slot);
      return err && *err ? -1 : carve_make_error (err, 0, "seccomp: unexpected message %u from carve", (unsigned)type);
    }

  /* From the load on, every system call may be trapped.  */
  if (carve_seccomp_load_at (s, slot, &fd, err) < 0)
    return -1;
  if (mode && strcmp (mode, "take") == 0)
    {
      char ack[64];

      /* The runtime copies it out of our descriptor table; until it has,
         the listener must stay there, so wait for its word before going
         on to execve, which closes it.  Whatever the read returns: if the
         filter traps it, the agent that answers got the listener already.  */
      (void)!read (sync_fd, ack, sizeof (ack));
      return 0;
    }
  if (carve_sync_send (sync_fd, CARVE_SYNC_SECCOMP_FD, NULL, fd) < 0)
    return carve_make_error (err, errno, "seccomp: send the listener to carve");
  close (fd);
  return 0;
}

/* After the load: the listener (1) or the process's own word on why it
   has none (an error).  */
static int
receive_listener (int sync_fd, int pidfd, int slot, bool take, int *ret_fd, carve_error_t *err)
{
  cleanup_free char *payload = NULL;
  enum carve_sync_type type;
  int fd = -1, r;

  if (take)
    {
      r = carve_seccomp_take_listener (pidfd, slot, sync_fd, TAKE_TIMEOUT_MS, ret_fd, err);
      if (r != 0)
        return r;
    }
  if (carve_sync_recv (sync_fd, &type, &payload, &fd, err) < 0)
    return -1;
  if (type == CARVE_SYNC_SECCOMP_FD && fd >= 0 && !take)
    {
      *ret_fd = fd;
      return 1;
    }
  if (fd >= 0)
    close (fd);
  if (type == CARVE_SYNC_ERROR)
    return carve_make_error (err, 0, "%s", payload ? payload : "load seccomp filter");
  return carve_make_error (err, 0, "seccomp: unexpected message %u instead of the listener", (unsigned)type);
}

int
carve_container_seccomp_serve (int sync_fd, pid_t pid, const char *payload, const carve_seccomp_t *s,
                               const char *state_json, carve_error_t *err)
{
  cleanup_close int pidfd = -1;
  cleanup_close int listener = -1;
  cleanup_free char *process_state = NULL;
  const char *path = carve_seccomp_listener_path (s);
  long slot;
  bool take;

  if (payload == NULL || carve_parse_long (payload, &slot) < 0 || slot < 0 || slot > 0x7fffffff)
    return carve_make_error (err, 0, "seccomp: bad listener slot from the container's process");
  if (path == NULL)
    return carve_make_error (err, 0, "linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY rules");

  pidfd = carve_pidfd_open (pid);
  take = carve_seccomp_can_take (pidfd, (int)slot);
  if (carve_sync_send (sync_fd, CARVE_SYNC_GO, take ? "take" : "send", -1) < 0)
    return carve_make_error (err, errno, "seccomp: resume the container's process");
  if (receive_listener (sync_fd, pidfd, (int)slot, take, &listener, err) < 0)
    return -1;

  process_state = carve_seccomp_emit_process_state ((int)pid, carve_seccomp_listener_metadata (s), state_json, err);
  if (process_state == NULL)
    return -1;
  /* runtime.md: a failed send is an error, and create fails.  */
  if (carve_seccomp_send_listener (path, listener, process_state, err) < 0)
    return carve_error_wrap (err, "%s", carve_seccomp_listener_source (s));
  if (take && carve_sync_send (sync_fd, CARVE_SYNC_GO, NULL, -1) < 0)
    return carve_make_error (err, errno, "seccomp: resume the container's process");
  return 0;
}
