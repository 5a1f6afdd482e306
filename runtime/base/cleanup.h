/* Scope-bound cleanup (`__attribute__ ((cleanup))`) and explicit ownership
   transfer.  Initialise every such variable (`= NULL`, `= -1`).  */
#ifndef CARVE_BASE_CLEANUP_H
#define CARVE_BASE_CLEANUP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

void carve_cleanup_freep (void *p);
void carve_cleanup_closep (int *fd);
void carve_cleanup_filep (FILE **f);
void carve_cleanup_dirp (DIR **d);
void carve_cleanup_strvp (char ***v);

#define cleanup_free __attribute__ ((cleanup (carve_cleanup_freep)))
#define cleanup_close __attribute__ ((cleanup (carve_cleanup_closep)))
#define cleanup_file __attribute__ ((cleanup (carve_cleanup_filep)))
#define cleanup_dir __attribute__ ((cleanup (carve_cleanup_dirp)))
#define cleanup_strv __attribute__ ((cleanup (carve_cleanup_strvp)))

/* Declares `cleanup_NAME` for a library type, in the module that owns it:
   CARVE_DEFINE_CLEANUP (yajl, yajl_val, yajl_tree_free) gives
   `cleanup_yajl yajl_val v = NULL;`.  */
#define CARVE_DEFINE_CLEANUP(name, type, func)                                                                        \
  static inline void carve_cleanup_##name##p (type *p)                                                                 \
  {                                                                                                                    \
    if (*p)                                                                                                            \
      func (*p);                                                                                                       \
  }

#define CARVE_CLEANUP(name) __attribute__ ((cleanup (carve_cleanup_##name##p)))

/* Moves ownership out of a cleanup variable.  */
#define steal_pointer(pp)                                                                                              \
  ({                                                                                                                   \
    __typeof__ (*(pp)) _stolen = *(pp);                                                                                \
    *(pp) = NULL;                                                                                                      \
    _stolen;                                                                                                           \
  })

#define steal_fd(fdp)                                                                                                  \
  ({                                                                                                                   \
    int _stolen_fd = *(fdp);                                                                                           \
    *(fdp) = -1;                                                                                                       \
    _stolen_fd;                                                                                                        \
  })

#endif
