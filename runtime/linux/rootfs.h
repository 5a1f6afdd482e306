/* The container's root filesystem: making it the root of the container's
   mount namespace (pivot_root, or chroot with --no-pivot), and the
   read-only, masked and read-only paths the config asks for.  Called by the
   container's init, in its own mount namespace, in this order:
   carve_rootfs_prepare, (mounts, devices), carve_rootfs_pivot,
   carve_rootfs_finalize, carve_paths_mask / carve_paths_readonly.  */
#ifndef CARVE_LINUX_ROOTFS_H
#define CARVE_LINUX_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/base/error.h"

/* linux.rootfsPropagation (shared, slave, private, unbindable, also with
   the "r" prefix) -> MS_* flags; NULL or "" gives 0.  */
int carve_rootfs_propagation_flags (const char *propagation, unsigned long *ret_flags, carve_error_t *err);

/* Makes "/" recursively slave (or ROOTFS_PROPAGATION when given) so that
   nothing mounted from now on propagates to the host, makes the mount
   holding ROOTFS private if it is shared (pivot_root refuses a shared
   parent), and binds ROOTFS onto itself so it is a mount point.  Open the
   rootfs descriptor for carve_mounts_apply after this.  */
int carve_rootfs_prepare (const char *rootfs, const char *rootfs_propagation, carve_error_t *err);

/* Makes ROOTFS the root: pivot_root(".", ".") inside it, then detaches the
   old root (made recursively slave first, so the detach does not propagate
   to the host).  NO_PIVOT (runc's --no-pivot, for a rootfs on a ramfs):
   MS_MOVE of ROOTFS onto "/" and chroot; the host's mounts then stay in the
   namespace, hidden under the new root.  Leaves the cwd at the new "/".  */
int carve_rootfs_pivot (const char *rootfs, bool no_pivot, carve_error_t *err);

/* After pivot and all mounts: remounts "/" read-only when READONLY
   (root.readonly), then sets ROOTFS_PROPAGATION (NULL or "" for none) on
   "/".  */
int carve_rootfs_finalize (bool readonly, const char *rootfs_propagation, carve_error_t *err);

/* linux.maskedPaths, after pivot: /dev/null bound over files, an empty
   read-only tmpfs over directories; missing paths are ignored.  Needs /proc
   and a real /dev/null (1:3) in the container.  */
int carve_paths_mask (char *const *paths, size_t n, carve_error_t *err);

/* linux.readonlyPaths, after pivot: each path bound onto itself
   recursively and made read-only, submounts included; missing paths are
   ignored.  */
int carve_paths_readonly (char *const *paths, size_t n, carve_error_t *err);

#endif
