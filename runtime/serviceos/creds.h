/* A forwarded call is made with the credentials of the thread that made
   it, so that it never succeeds where the native call would be refused.

   The worker thread that serves the call takes them on for the call and
   gives them back after: fsuid and fsgid, the supplementary groups, and
   the effective capabilities (the target's, within ours), by the raw
   system calls, which change the calling thread only (glibc's setgroups
   would change every thread of carve-serviceos).  The permitted set is
   never lowered, so the worker can always return to its own.  Order
   matters: the ids first (a change of fsuid away from 0 clears the file
   capabilities from the effective set, the kernel's rule), the
   capabilities last; back in the reverse order.

   Not emulated, so a forwarded call can only fail where the native one
   would succeed, never the other way round: a target in another user
   namespace gets no capability at all (its capabilities hold in its own
   namespace only); LSM labels (AppArmor, SELinux) are carve-serviceos's.  */
#ifndef CARVE_SERVICEOS_CREDS_H
#define CARVE_SERVICEOS_CREDS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define CARVE_SOS_GROUPS_MAX 65536

struct carve_sos_creds_s
{
  pid_t tgid;
  uid_t ruid, euid, suid, fsuid;
  gid_t rgid, egid, sgid, fsgid;
  size_t ngroups;
  gid_t *groups; /* malloc'd, may be NULL when ngroups is 0 */
  uint64_t cap_eff, cap_prm;
  mode_t umask;
  bool foreign_userns; /* another user namespace than carve-serviceos's */
};

/* Parses the text of /proc/TID/status into *RET: -EINVAL when a field is
   missing or malformed (pure; for the unit tests and the fuzzer).  */
int carve_sos_creds_parse (const char *status, struct carve_sos_creds_s *ret);

/* Reads thread TID's credentials through PROC_FD (the host's /proc):
   -ESRCH when it is gone.  */
int carve_sos_creds_read (int proc_fd, pid_t tid, struct carve_sos_creds_s *ret);
void carve_sos_creds_release (struct carve_sos_creds_s *c);

/* Records the calling thread's own credentials, to return to, and gives
   it its own root, working directory and umask (unshare CLONE_FS) so
   that it can chroot into a container's root.  Once per worker thread;
   -errno.  Also the user namespace of carve-serviceos, for
   carve_sos_creds_read (call once, from the main thread, first).  */
int carve_sos_creds_worker_init (void);
int carve_sos_creds_global_init (int proc_fd);

enum carve_sos_creds_mode
{
  CARVE_SOS_CREDS_FS,   /* fsuid, fsgid and effective capabilities: file access */
  CARVE_SOS_CREDS_REAL, /* access(2) without AT_EACCESS: the real ids, and the
                           capabilities only for a real uid 0 (the kernel's rule) */
};

/* Takes on C for the calling worker thread; SET_UMASK also its umask (for
   calls that create).  -errno, and then the thread is back to its own.  */
int carve_sos_creds_assume (const struct carve_sos_creds_s *c, enum carve_sos_creds_mode mode, bool set_umask);
/* Back to the worker's own credentials.  Aborts if that fails: a worker
   must never serve another call with a container's.  */
void carve_sos_creds_restore (void);

#endif
