/* config.json `mounts`: parsing their options and mounting them inside the
   container's rootfs, from the container's init in its own mount namespace,
   before pivot_root.  */
#ifndef CARVE_LINUX_MOUNT_H
#define CARVE_LINUX_MOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmount.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/error.h"

/* libmount's types, whose owner this module is.  */
CARVE_DEFINE_CLEANUP (mnt_table, struct libmnt_table *, mnt_unref_table)
CARVE_DEFINE_CLEANUP (mnt_iter, struct libmnt_iter *, mnt_free_iter)

struct carve_spec_mount_s;

/* What a mount's `options` mean.  Later options override earlier ones
   ("ro,rw" is rw).  */
struct carve_mount_options_s
{
  /* MS_* flags for mount(2), including MS_BIND and MS_REC (bind, rbind),
     excluding propagation.  FLAGS_CLEAR holds those explicitly cleared
     (rw, suid, dev, exec, ...): a bind mount keeps the flags of its source
     except these.  */
  unsigned long flags_set;
  unsigned long flags_clear;
  /* Propagation changes (MS_PRIVATE, MS_SLAVE|MS_REC, ...) in the order
     given, applied after the mount.  */
  unsigned long *propagation;
  size_t propagation_len;
  /* mount_setattr(AT_RECURSIVE) attributes (rro, rnosuid, ratime, ...).  */
  uint64_t attr_set;
  uint64_t attr_clr;
  /* idmap / ridmap: an idmapped mount (recursive with ridmap).  */
  bool idmap;
  bool idmap_recursive;
  /* tmpcopyup (runc's, for tmpfs): accepted and recorded; carve_mounts_apply
     copies the destination's previous contents into the new tmpfs.  */
  bool tmpcopyup;
  /* Everything else, comma-joined, for the filesystem (mode=755,size=64m);
     NULL when there is nothing.  DATA_INDEX is the index in OPTIONS of its
     first item (a bind mount takes no filesystem options: an error there).  */
  char *data;
  size_t data_index;
};

/* Parses OPTIONS[0..N) into *RET (which the caller releases with
   carve_mount_options_release, also on failure).  Options known to the
   kernel's generic mount flags (libmount's Linux map: ro, nosuid, noatime,
   bind, rprivate, ...) become flags; carve's own table adds the recursive
   attributes, idmap/ridmap, nosymfollow and tmpcopyup; anything else is
   filesystem data, as runc does.  An empty option fails naming its index.  */
int carve_mount_parse_options (char *const *options, size_t n, struct carve_mount_options_s *ret, carve_error_t *err);

void carve_mount_options_release (struct carve_mount_options_s *opts);

/* Every option name carve_mount_parse_options takes as a mount flag, a
   propagation, a recursive attribute or one of its own (idmap, tmpcopyup),
   sorted, for `features`: anything else is filesystem data.  A strv.  */
char **carve_mount_known_options (void);

/* Applies MOUNTS[0..N) in order inside the rootfs ROOTFD (opened after
   carve_rootfs_prepare; ROOTFS is its path, for context only).  Bind
   sources are host paths (relative ones from the current directory, the
   bundle); destinations are resolved inside the rootfs and created (a file
   when binding a file).  MOUNT_LABEL (may be NULL) is added as the SELinux
   `context=` of filesystems that take one when SELinux is enabled.  Errors
   name the mount: "mounts[3] `/data`: mount `tmpfs`: Invalid argument".  */
int carve_mounts_apply (int rootfd, const char *rootfs, struct carve_spec_mount_s *const *mounts, size_t n,
                        const char *mount_label, carve_error_t *err);

/* Permeable mode: binds the host's /dev/shm onto /dev/shm of the rootfs
   (after /dev is set up), so POSIX shared memory crosses containers; or,
   JOB_TREE >= 0, attaches that detached tree (a carve.job's own /dev/shm,
   hostmount.h) there instead.  */
int carve_mount_bind_shm (int rootfd, const char *rootfs, int job_tree, carve_error_t *err);

/* mount(2) onto the object TARGETFD refers to, through /proc/self/fd/N.
   Returns -1 with errno set (no error object: callers add context).  */
int carve_mount_on_fd (const char *source, int targetfd, const char *fstype, unsigned long flags, const char *data);

/* Remounts the bind mount TARGETFD is the root of with FLAGS_SET, keeping
   the flags it has now (nosuid, nodev, noexec, ro: the ones a user
   namespace locks) unless they are in FLAGS_CLEAR.  -1 with errno.  */
int carve_mount_bind_remount (int targetfd, unsigned long flags_set, unsigned long flags_clear);

#endif
