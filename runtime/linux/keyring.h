/* The container's own session keyring.  */
#ifndef CARVE_LINUX_KEYRING_H
#define CARVE_LINUX_KEYRING_H

#include <stdbool.h>

#include "runtime/base/error.h"

/* Joins a new session keyring NAME (runc uses "_ses.<id>") so the container
   does not share the caller's, and makes it searchable by its possessor's
   uid (or by "other" when IN_USER_NAMESPACE, as runc does).  Kernels without
   keyrings (ENOSYS) and hosts that deny keyctl (EACCES, EPERM from a seccomp
   profile) are tolerated: the keyring is best-effort hardening.  */
int carve_session_keyring_join (const char *name, bool in_user_namespace, carve_error_t *err);

#endif
