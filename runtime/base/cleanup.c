/* The cleanup functions behind cleanup.h's attributes.  */
#include <config.h>
#include "cleanup.h"

#include <errno.h>
#include <unistd.h>

#include "xalloc.h"

void
carve_cleanup_freep (void *p)
{
  void **pp = (void **) p;
  free (*pp);
  *pp = NULL;
}

void
carve_cleanup_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      (void) close (*fd);
      errno = saved;
    }
  *fd = -1;
}

void
carve_cleanup_filep (FILE **f)
{
  if (*f)
    (void) fclose (*f);
  *f = NULL;
}

void
carve_cleanup_dirp (DIR **d)
{
  if (*d)
    (void) closedir (*d);
  *d = NULL;
}

void
carve_cleanup_strvp (char ***v)
{
  carve_strv_free (*v);
  *v = NULL;
}
