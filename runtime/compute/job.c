/* A job's own /dev/shm (job.h).  */
#include <config.h>

#include "runtime/compute/job.h"

#include <string.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/fault.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"
#include "runtime/linux/hostmount.h"
#include "spec/annotations.h"

char *
carve_job_shm_dir (const char *ledger_path, const char *name)
{
  const char *slash = strrchr (ledger_path, '/');
  cleanup_free char *dir = slash == NULL || slash == ledger_path ? xstrdup ("") : xstrndup (ledger_path, (size_t)(slash - ledger_path));

  return xasprintf ("%s/jobs/%s", dir, name);
}

int
carve_job_claim (carve_ledger_t l, const char *owner, const char *name, char **ret_dir, carve_error_t *err)
{
  cleanup_free char *dir = carve_job_shm_dir (l->path, name);

  /* On disk before the directory exists: whoever comes after a kill -9
     from here on finds what to unmount and remove.  */
  (void)carve_ledger_record_mount (l, owner, dir);
  if (carve_ledger_commit (l, err) < 0)
    return -1;
  carve_fault_point ("compute:job-recorded");
  /* Another container of the job may have made it; one killed after the
     record may have left it half-made: either way, under the lock, make
     sure it is a tmpfs now.  */
  if (carve_hostmount_tmpfs (dir, err) < 0)
    return carve_error_wrap (err, "%s: `%s`: the job's /dev/shm", carve_annotation_jpath (CARVE_ANNOTATION_JOB), name);
  carve_fault_point ("compute:job-mounted");
  *ret_dir = steal_pointer (&dir);
  return 0;
}
