/* Serving one seccomp listener: its notifications are received by the
   thread that owns the listener and each is handed to a worker of a
   shared pool, which computes the answer (forward.h) and sends it.  So a
   call that blocks (an open of a FIFO, a slow NFS stat) holds one worker
   only: the same listener's other threads, and every other container,
   are served by the others.  The pool grows when no worker is idle, up
   to CARVE_SOS_WORKERS_MAX, and idle workers beyond the first few leave
   after a while.  */
#ifndef CARVE_SERVICEOS_NOTIFY_H
#define CARVE_SERVICEOS_NOTIFY_H

#include "stats.h"

#define CARVE_SOS_WORKERS_MAX 512

/* Once, before any listener: PROC_FD is the host's /proc, kept open.
   -errno.  */
int carve_sos_notify_init (int proc_fd);

/* Serves LISTENER (taken over, closed when done) of container STATS until
   every process using its filter has gone.  Runs in the calling thread.  */
void carve_sos_notify_serve (int listener, struct carve_sos_container_s *stats);

#endif
