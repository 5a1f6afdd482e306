/* Mounts carve makes in the host's mount namespace for the node, not for
   one container: a job's private /dev/shm (runtime/compute/job.h).  Each is
   a tmpfs on a directory carve made, recorded in the node ledger before
   the directory exists, and removed (unmounted, rmdir) when its last user
   leaves.  */
#ifndef CARVE_LINUX_HOSTMOUNT_H
#define CARVE_LINUX_HOSTMOUNT_H

#include <stdbool.h>

#include "runtime/base/error.h"

/* Whether PATH is the root of a mount (not following a last symlink).  */
bool carve_hostmount_is_mounted (const char *path);

/* Makes DIR (mode 0700, its parent too) and mounts a tmpfs on it as the
   host's /dev/shm is (mode 1777, nosuid, nodev), private, so nothing
   mounted in it or on copies of it propagates.  A tmpfs already there is
   kept: the same job's earlier container made it.  */
int carve_hostmount_tmpfs (const char *dir, carve_error_t *err);

/* A detached copy of the mount tree at DIR (open_tree OPEN_TREE_CLONE, with
   its submounts, O_CLOEXEC), which a process in another mount namespace
   can attach with move_mount (carve_mount_bind_shm).  -1 on failure.  */
int carve_hostmount_clone (const char *dir, carve_error_t *err);

/* Unmounts everything mounted on DIR (lazily: a host process still inside
   does not keep it in the namespace) and removes it.  A DIR that is gone is
   done.  */
int carve_hostmount_remove (const char *dir, carve_error_t *err);

#endif
