/* The sd_notify proxy behind NOTIFY_SOCKET, as runc does it: carve binds a
   datagram socket in the container's state directory, the container's
   process is pointed at it, and `start` waits for the process's READY=1
   and passes it on to the host's NOTIFY_SOCKET (systemd, conmon, ...).  */
#ifndef CARVE_LINUX_NOTIFY_H
#define CARVE_LINUX_NOTIFY_H

#include <sys/types.h>

#include "error.h"

/* Creates an AF_UNIX SOCK_DGRAM socket bound at PATH (which must not
   exist) and makes the socket file mode 0777, so that a container process
   running as any user can send to it.  */
int carve_notify_socket_create (const char *path, int *ret_fd, carve_error_t *err);

/* Reads datagrams from FD until one holds a line `READY=1`, then sends
   "READY=1\nMAINPID=<MAIN_PID>\n" (no MAINPID when MAIN_PID <= 0) to
   HOST_SOCKET, a path or an abstract name starting with '@', and performs
   the sd_notify BARRIER=1 handshake, waiting at most 30 s for it as runc
   does (a receiver that does not implement it is not an error).
   When MAIN_PID > 0 and that process exits first, gives up like runc.
   TIMEOUT_MS < 0 waits forever.  Returns 1 when READY=1 was forwarded, 0
   when MAIN_PID exited before sending it, < 0 on error (ETIMEDOUT on
   timeout).  */
int carve_notify_forward_ready (int fd, const char *host_socket, pid_t main_pid, int timeout_ms, carve_error_t *err);

#endif
