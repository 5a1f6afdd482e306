/* The systemd cgroup driver (--systemd-cgroup), as runc's and crun's: the
   container's cgroup is a transient scope unit that systemd creates, owns
   and removes, asked for over D-Bus (sd-bus, org.freedesktop.systemd1),
   with Delegate=yes so that carve may write the cgroup's files; resources
   systemd has properties for are set as the unit's properties, so that
   systemd keeps them when it rewrites its cgroups.  carve never creates a
   systemd unit's cgroup directory itself.  */
#ifndef CARVE_LINUX_CGROUP_SYSTEMD_H
#define CARVE_LINUX_CGROUP_SYSTEMD_H

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/base/error.h"

struct carve_spec_linux_resources_s;

/* Whether systemd runs as this node's init (/run/systemd/system below
   ROOT_PREFIX, "" on the real machine), as sd_booted(3) checks.  */
bool carve_systemd_running (const char *root_prefix);

/* Starts the transient scope UNIT in SLICE holding PID, Delegate=yes, with
   accounting on, and waits until systemd's job for it is done.  A unit of
   that name that exists already, a slice systemd refuses or no systemd
   fail naming the unit; a failed job leaves no unit behind.  */
int carve_systemd_start_scope (const char *unit, const char *slice, pid_t pid, const char *description,
                               carve_error_t *err);

/* Sets on UNIT (runtime, not persistent) the properties systemd has for
   what RES holds: CPUWeight, CPUQuotaPerSecUSec and CPUQuotaPeriodUSec,
   AllowedCPUs, AllowedMemoryNodes, MemoryMax, MemoryLow, MemorySwapMax,
   TasksMax, IOWeight.  Nothing to do when RES holds none of them.  */
int carve_systemd_set_resources (const char *unit, const struct carve_spec_linux_resources_s *res,
                                 carve_error_t *err);

/* Stops UNIT and waits for it; forgets it if it failed.  A unit that is
   gone already is fine.  */
int carve_systemd_stop_unit (const char *unit, carve_error_t *err);

#endif
