/* `carve-serviceos status` in text: the status document (stats.h,
   carve_sos_stats_json) as a table, one line per container and system
   call.  */
#ifndef CARVE_SERVICEOS_STATUS_H
#define CARVE_SERVICEOS_STATUS_H

#include <stdio.h>

#include "spec/json.h"

void carve_sos_status_print_text (yajl_val doc, FILE *out);

#endif
