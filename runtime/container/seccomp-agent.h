/* Loading a process's seccomp filter and handing its user notification
   listener to the seccomp agent at linux.seccomp.listenerPath
   (config-linux.md), shared by the init and `exec`.

   The process never makes a system call between the load and the moment
   the runtime holds the listener (crun issue 1002): it reserves the
   descriptor number the listener will get, tells the runtime over the sync
   socket (CARVE_SYNC_SECCOMP), loads, and goes on; the runtime takes the
   listener out of it with pidfd_getfd(2) and connects to the agent itself,
   from the host's mount namespace, where listenerPath is.  Only where
   pidfd_getfd is unavailable does the process send the listener over the
   sync socket after the load (CARVE_SYNC_SECCOMP_FD), which hangs if that
   sendmsg is itself in the notify list.  */
#ifndef CARVE_CONTAINER_SECCOMP_AGENT_H
#define CARVE_CONTAINER_SECCOMP_AGENT_H

#include <sys/types.h>

#include "error.h"
#include "runtime/linux/seccomp.h"

/* In the process: loads S; with a listener, hands it over through SYNC_FD
   as above.  */
int carve_container_seccomp_load (int sync_fd, const carve_seccomp_t *s, carve_error_t *err);

/* In the runtime, on CARVE_SYNC_SECCOMP from process PID (PAYLOAD, the
   slot): takes the listener and sends it to S's agent with the container
   process state (pid PID, STATE_JSON as the state: status `creating` for
   the init, `running` for an exec'd process).  */
int carve_container_seccomp_serve (int sync_fd, pid_t pid, const char *payload, const carve_seccomp_t *s,
                                   const char *state_json, carve_error_t *err);

#endif
