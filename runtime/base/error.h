/* carve's error type: made at the source, wrapped with context on the way up,
   printed once by runtime/cli.  */
#ifndef CARVE_BASE_ERROR_H
#define CARVE_BASE_ERROR_H

#include <stdarg.h>

typedef struct carve_error_s
{
  int status; /* an errno value, or 0 */
  char *msg;
} *carve_error_t;

/* Sets *ERR (which must be NULL) to a new error.  When STATUS is not 0 the
   message gets ": strerror(STATUS)" appended.  Always returns -1 so that
   callers can write `return carve_make_error (err, errno, "...")`.  */
int carve_make_error (carve_error_t *err, int status, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Prefixes the message of *ERR with "CONTEXT: ".  Returns -1.  */
int carve_error_wrap (carve_error_t *err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* Frees *ERR and sets it to NULL; accepts NULL.  */
void carve_error_release (carve_error_t *err);

/* For `__attribute__ ((cleanup))`.  */
void carve_error_cleanup (carve_error_t *err);
#define cleanup_error __attribute__ ((cleanup (carve_error_cleanup)))

#endif
