/* carve.job (DESIGN.md): permeable containers with the same job name share
   a /dev/shm of their own instead of the host's.  The job's /dev/shm is a
   tmpfs that the job's first container mounts on JOBS/NAME in the host's
   mount namespace, JOBS being the directory `jobs` beside the node ledger
   (/run/carve/jobs with the default ledger), so it is the same for every
   --root a client passes.  It is a MOUNT setting in the ledger, with each
   container of the job among its users: recorded before the directory
   exists, removed (unmounted, rmdir) when the last of them is given back,
   and reclaimed with a create that was killed, as every other setting.  */
#ifndef CARVE_COMPUTE_JOB_H
#define CARVE_COMPUTE_JOB_H

#include "runtime/base/error.h"
#include "runtime/compute/ledger.h"

/* LEDGER_PATH's jobs directory's NAME (a name carve.job accepted).  */
char *carve_job_shm_dir (const char *ledger_path, const char *name);

/* Under L's lock: records that the partition OWNER uses job NAME's
   /dev/shm, commits, and makes it (or finds it made by an earlier
   container of the job).  *RET_DIR is its directory.  On failure the
   record stays with OWNER among its users, for the caller's release.  */
int carve_job_claim (carve_ledger_t l, const char *owner, const char *name, char **ret_dir, carve_error_t *err);

#endif
