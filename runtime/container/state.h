/* The state store: one directory per container under --root, holding
   state.json (what later commands need), config.json (the bundle's config
   as it was at create, for the poststop hooks) and, until `start`, the
   exec fifo.  */
#ifndef CARVE_CONTAINER_STATE_H
#define CARVE_CONTAINER_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "pgroup.h"
#include "spec/spec.h"

/* In the state directory, while a hook of create runs: its process group
   (runtime/base/pgroup.h), which delete and the reclaim of a killed create
   end.  */
#define CARVE_STATE_HOOK_RECORD CARVE_PGROUP_HOOK_FILE

struct carve_state_s
{
  char *id;
  pid_t pid;
  /* The init's start time (field 22 of /proc/PID/stat): a PID reused by
     another process never makes a stopped container look alive.  */
  unsigned long long pid_start;
  char *bundle;
  char *rootfs;
  char *created; /* RFC 3339 with nanoseconds, UTC */
  char *cgroup_path; /* carve_cgroup_path(), NULL when none */
  char *systemd_unit; /* --systemd-cgroup: the scope unit, NULL for the cgroupfs driver */
  char *isolation;   /* permeable or oci */
  char *oci_version; /* config.json's ociVersion */
  char *notify_socket_host; /* the host's NOTIFY_SOCKET at create, or NULL */
  struct carve_spec_map_s *annotations;
  /* What create ignored or could not do while the container still started
     as asked (a setting the mode ignores, an IRQ that cannot be moved):
     said in --log and with --debug, and kept here for `carve state`.  */
  char **warnings;
  /* What create's compute plan decided that later commands need (exec's
     scheduler and system call lists, update's CPUs); NULL for a container
     made before carve kept it.  Owned.  */
  struct carve_compute_plan_s *compute;
};

/* `^[A-Za-z0-9_+.-]+$`, not "." or "..", as runc.  */
int carve_state_validate_id (const char *id, carve_error_t *err);

/* Creates <root>/<id>, locked (flock) through *RET_LOCK until the caller
   closes it, which it does once state.json is saved; fails naming the id
   when it exists.  A directory a killed create left (no state.json, no
   lock) is taken back first.  */
int carve_state_dir_create (const char *root, const char *id, char **ret_dir, int *ret_lock, carve_error_t *err);

/* True when DIR has no state.json and no create holds its lock: a create
   killed before it saved its state left it, and it may be removed.  */
bool carve_state_dir_abandoned (const char *dir);
char *carve_state_dir (const char *root, const char *id);

int carve_state_save (const char *dir, const struct carve_state_s *st, carve_error_t *err);
/* Loads <root>/<id>/state.json: "container `id` does not exist" when absent.  */
int carve_state_load (const char *root, const char *id, struct carve_state_s **ret, carve_error_t *err);
/* The same from BUF (NUL-terminated), the content of PATH, which messages
   name; the fuzz target reads state files this way.  */
int carve_state_parse (const char *id, const char *path, const char *buf, struct carve_state_s **ret,
                       carve_error_t *err);
void carve_state_free (struct carve_state_s *st);
CARVE_DEFINE_CLEANUP (state, struct carve_state_s *, carve_state_free)

/* The process start time of PID, 0 when it is gone or a zombie.  */
unsigned long long carve_state_pid_start_time (pid_t pid);
/* True when ST's init is the same, still running process.  */
bool carve_state_init_alive (const struct carve_state_s *st);

/* The current time as runc prints `created`.  */
char *carve_state_now_rfc3339 (void);

#endif
