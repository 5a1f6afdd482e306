/* File, path and descriptor utilities.  Every descriptor is O_CLOEXEC.  */
#ifndef CARVE_BASE_FSUTIL_H
#define CARVE_BASE_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Reads the whole file into a NUL-terminated buffer.  DIRFD may be AT_FDCWD.
   Nothing carve reads is near CARVE_READ_FILE_MAX: a larger file fails
   with EFBIG.  */
#define CARVE_READ_FILE_MAX ((size_t)64 << 20)
int carve_read_file_at (int dirfd, const char *path, char **ret_buf, size_t *ret_len, carve_error_t *err);
/* The same with a bound of MAX bytes: "`PATH`: larger than N MiB" (EFBIG),
   before reading when PATH is a regular file, once MAX is passed when it is
   not.  carve_read_fd_max reads FD to its end the same way; NAME is what
   the messages call it.  */
int carve_read_file_max (int dirfd, const char *path, size_t max, char **ret_buf, size_t *ret_len,
                         carve_error_t *err);
int carve_read_fd_max (int fd, const char *name, size_t max, char **ret_buf, size_t *ret_len, carve_error_t *err);
int carve_read_file (const char *path, char **ret_buf, size_t *ret_len, carve_error_t *err);

/* Writes DATA with a single write(2) to an existing file (cgroup, proc and
   sysfs files want exactly one write).  */
int carve_write_file_at (int dirfd, const char *path, const char *data, size_t len, carve_error_t *err);
int carve_write_file (const char *path, const char *data, size_t len, carve_error_t *err);

/* Creates or replaces PATH atomically (temporary file, fsync, rename), so a
   reader or a `kill -9` never sees a half-written file.  */
int carve_write_file_atomic (const char *path, const char *data, size_t len, mode_t mode, carve_error_t *err);

/* mkdir -p; existing directories are fine.  */
int carve_mkdir_p (const char *path, mode_t mode, carve_error_t *err);

/* rm -rf that never crosses into another mount or follows a symlink.  */
int carve_rm_rf_at (int dirfd, const char *name, carve_error_t *err);
int carve_rm_rf (const char *path, carve_error_t *err);

/* Full write/read loops over EINTR and short counts.  */
int carve_write_all (int fd, const void *buf, size_t len);
ssize_t carve_read_all (int fd, void *buf, size_t len);

/* One sendmsg(2) of LEN bytes of DATA (at least one) with FD attached by
   SCM_RIGHTS when FD >= 0; retries EINTR, never raises SIGPIPE.  Returns
   the bytes sent (maybe fewer than LEN on a stream), -1 with errno.  */
ssize_t carve_send_with_fd (int sock, const void *data, size_t len, int fd);

/* pidfd_open(2) of PID, O_CLOEXEC as every pidfd; -1 with errno (ENOSYS
   before Linux 5.3: the caller falls back to polling or kill(2)).  */
int carve_pidfd_open (pid_t pid);

bool carve_path_exists (const char *path);

/* Joins two path components with exactly one '/'.  */
char *carve_path_join (const char *a, const char *b);

/* Parses a decimal integer of the whole string, no sign for the unsigned one.  */
int carve_parse_long (const char *s, long *ret);
int carve_parse_ulong (const char *s, unsigned long *ret);

#endif
