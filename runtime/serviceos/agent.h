/* carve-serviceos's side of the seccomp agent protocol (config-linux.md,
   linux.seccomp.listenerPath): one thread per connection, which reads
   one message (message.h) with its descriptors, and then either answers
   a status request or becomes the thread that serves the listener it
   was sent (notify.h) for as long as the process lives.

   A connection that sends nothing is dropped after
   CARVE_SOS_RECV_TIMEOUT_MS; at most CARVE_SOS_PENDING_MAX connections
   may be waiting for their message at once, more are closed unread (a
   flood); a malformed message or a descriptor that is not a seccomp
   listener is logged (rate limited) and dropped.  None of these touches
   another connection.  */
#ifndef CARVE_SERVICEOS_AGENT_H
#define CARVE_SERVICEOS_AGENT_H

#define CARVE_SOS_RECV_TIMEOUT_MS 5000
#define CARVE_SOS_PENDING_MAX 128
#define CARVE_SOS_FDS_MAX 16

/* What status reports about the daemon itself.  */
void carve_sos_agent_init (const char *socket_path, const char *cpus, long long started_ms);

/* Serves connection CONN (taken over) in a thread of its own.  */
void carve_sos_agent_accept (int conn);

#endif
