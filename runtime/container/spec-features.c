/* `spec` and `features` (container.h): what carve says without a
   container, the default config.json and the features document.  */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "internal.h"
#include "runtime/linux/mount.h"
#include "runtime/linux/seccomp.h"
#include "spec/node-config.h"
#include "spec/spec.h"

int
carve_container_spec (const struct carve_context_s *ctx, const char *bundle, bool rootless, carve_error_t *err)
{
  cleanup_free char *path = carve_path_join (bundle, "config.json");
  cleanup_free char *json = NULL;
  cleanup_close int fd = -1;
  CARVE_CLEANUP (node_config) carve_node_config_t node = NULL;
  bool permeable;

  if (ctx->isolation)
    permeable = strcmp (ctx->isolation, "permeable") == 0;
  else
    {
      if (carve_node_config_load (&node, err) < 0)
        return -1;
      permeable = strcmp (node->isolation, "permeable") == 0;
    }
  /* Nothing the default mode then ignores: in permeable mode the hostname
     would only be a warning at every create.  */
  json = carve_spec_default_json (rootless, !permeable);
  /* O_EXCL: never overwrite an existing config, as runc refuses to.  */
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      if (errno == EEXIST)
        return carve_make_error (err, 0, "file `%s` exists: remove it first", path);
      return carve_make_error (err, errno, "create `%s`", path);
    }
  if (carve_write_all (fd, json, strlen (json)) < 0)
    return carve_make_error (err, errno, "write `%s`", path);
  return 0;
}

int
carve_container_features (char **ret_json, carve_error_t *err)
{
  cleanup_strv char **mount_options = carve_mount_known_options ();
  cleanup_strv char **seccomp_flags = carve_seccomp_supported_flags ();
  struct carve_spec_features_s f = { .mount_options = mount_options, .seccomp_supported_flags = seccomp_flags };

  (void)err;
  *ret_json = carve_spec_emit_features (&f);
  return 0;
}
