/* Kernel files: the one reader and writer of the settings files that
   sysfs, procfs and cgroupfs expose (cpuset.cpus, smp_affinity,
   nr_hugepages, ...).  Every module that changes a node setting or a cgroup
   file goes through these two, so the kernel sees the same kind of write
   whoever makes it.  */
#ifndef CARVE_BASE_KFILE_H
#define CARVE_BASE_KFILE_H

#include "error.h"

/* Writes VALUE to PATH as the kernel wants it: one write(2) of the whole
   value; O_TRUNC, because the fake trees of the unit tests (and a few
   kernel files) are regular files; O_NOFOLLOW, because a kernel file is
   never a symlink and a symlink there is someone redirecting root's write.
   An empty VALUE is written as "\n" (the only way to empty cpuset.cpus).
   The error names the value and the file.  */
int carve_kfile_write (const char *path, const char *value, carve_error_t *err);

/* Reads PATH whole, without its trailing newlines and spaces (what the
   kernel appends).  */
int carve_kfile_read (const char *path, char **ret, carve_error_t *err);

#endif
