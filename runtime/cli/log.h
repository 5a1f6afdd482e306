/* Where carve's messages go: stderr, and the `--log` file in runc's text or
   JSON line format, which containerd and conmon read.  Only runtime/cli
   prints.  */
#ifndef CARVE_CLI_LOG_H
#define CARVE_CLI_LOG_H

#include <stdbool.h>

#include "error.h"

enum carve_log_level
{
  CARVE_LOG_DEBUG,
  CARVE_LOG_INFO,
  CARVE_LOG_WARNING,
  CARVE_LOG_ERROR,
};

/* FORMAT is "text" or "json".  PATH may be NULL (stderr only).  */
int carve_log_init (const char *path, const char *format, bool debug, carve_error_t *err);
void carve_log (enum carve_log_level level, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* Logs ERR at error level and releases it.  */
void carve_log_error (carve_error_t *err);
/* A warning callback for the library (container ctx->warn).  */
void carve_log_warning_cb (void *data, const char *msg);

#endif
