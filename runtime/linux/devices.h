/* Device nodes in the container's /dev: the runtime-spec's default devices
   and linux.devices.  */
#ifndef CARVE_LINUX_DEVICES_H
#define CARVE_LINUX_DEVICES_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/base/error.h"

struct carve_spec_linux_device_s;

/* Creates, inside the rootfs ROOTFD (before pivot, after /dev is mounted):
   the default devices of config-linux.md (/dev/null, zero, full, random,
   urandom, tty, mode 0666 owned by root), the symlinks /dev/ptmx ->
   pts/ptmx, /dev/fd -> /proc/self/fd, /dev/stdin, stdout, stderr ->
   /proc/self/fd/0..2, the directories /dev/pts and /dev/shm, then
   DEVICES[0..N) (linux.devices, with their type, major, minor, fileMode,
   uid and gid).  BIND_FROM_HOST (in a user namespace, where mknod is
   refused): bind the host's node of the same path onto an empty file
   instead.  A node that exists with the same type and number is kept (its
   mode and owner set); with another number it is replaced; a path that
   exists as another type fails, naming it.  */
int carve_devices_setup (int rootfd, struct carve_spec_linux_device_s *const *devices, size_t n, bool bind_from_host,
                         carve_error_t *err);

/* Every path carve_devices_setup may make for DEVICES[0..N), NULL-ended:
   a create that fails removes what of them it made.  */
char **carve_devices_paths (struct carve_spec_linux_device_s *const *devices, size_t n);

#endif
