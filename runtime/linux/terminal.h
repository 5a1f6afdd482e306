/* Pseudo-terminals for `process.terminal`, and the `--console-socket`
   protocol that hands the pty master to the caller (conmon,
   containerd-shim, recvtty).  */
#ifndef CARVE_LINUX_TERMINAL_H
#define CARVE_LINUX_TERMINAL_H

#include <termios.h>

#include "error.h"

/* Opens a new pty pair from /dev/ptmx of the current mount namespace (so,
   called inside the container, the pty belongs to the container's devpts).
   Both descriptors are O_NOCTTY|O_CLOEXEC.  */
int carve_terminal_open_pty (int *ret_master, int *ret_slave, carve_error_t *err);

/* Sets the window size of the terminal FD (TIOCSWINSZ).  */
int carve_terminal_set_size (int fd, unsigned rows, unsigned cols, carve_error_t *err);

/* Makes SLAVE_FD the controlling terminal of the calling process (starting a
   new session when it does not lead one already) and its stdin, stdout and
   stderr.  SLAVE_FD is closed unless it is one of 0, 1, 2.  Meant for the
   container's init just before it executes the process.  */
int carve_terminal_become_controlling (int slave_fd, carve_error_t *err);

/* The name sent along with the master, as runc sends it.  */
#define CARVE_CONSOLE_SOCKET_NAME "/dev/ptmx"

/* Connects to the AF_UNIX SOCK_STREAM socket at SOCKET_PATH and sends
   MASTER_FD the way runc does (libcontainer/utils SendFile): one sendmsg
   whose data is the file's name, "/dev/ptmx", carrying exactly one
   SCM_RIGHTS descriptor.  */
int carve_console_socket_send (const char *socket_path, int master_fd, carve_error_t *err);

/* Receives one descriptor sent as above on the connected socket SOCKFD.
   The descriptor is O_CLOEXEC; *RET_NAME is the name sent with it.  A
   message with no descriptor or more than one is an error (any extra
   descriptors are closed).  */
int carve_console_socket_recv (int sockfd, int *ret_fd, char **ret_name, carve_error_t *err);

/* Puts the terminal FD in raw mode; its previous settings go to RET_SAVED
   (may be NULL) for carve_terminal_restore.  */
int carve_terminal_make_raw (int fd, struct termios *ret_saved, carve_error_t *err);
void carve_terminal_restore (int fd, const struct termios *saved);

/* One round of a copy loop: reads what FROM has (one read) and writes all of
   it to TO, waiting for TO to drain when it is non-blocking.  Returns the
   number of bytes moved, 0 at end of file, or -1 with errno set (EAGAIN when
   FROM has nothing to read).  EIO from a pty master, which means every
   slave descriptor was closed, counts as end of file.  */
int carve_terminal_copy (int from, int to);

#endif
