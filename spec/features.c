/* `carve features`: what this build of carve recognises, in the shape of
   runc's output (features.md, features-linux.md; Go's json.MarshalIndent
   with a four-space indent, as runc prints it).  */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <seccomp.h>
#include <sys/capability.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/xalloc.h"
#include "spec/annotations.h"
#include "spec/emit.h"
#include "spec/spec.h"
#include "spec/validate.h"

/* The options carve's libmount-based mounter recognises: config.md's
   "Linux mount options" table, less `tmpcopyup`, `idmap` and `ridmap`,
   which carve does not implement.  */
static const char *const mount_options[] = {
  "async",          "atime",      "bind",         "defaults",    "dev",
  "diratime",       "dirsync",    "exec",         "iversion",    "lazytime",
  "loud",           "mand",       "noatime",      "nodev",       "nodiratime",
  "noexec",         "noiversion", "nolazytime",   "nomand",      "norelatime",
  "nostrictatime",  "nosuid",     "nosymfollow",  "private",     "ratime",
  "rbind",          "rdev",       "rdiratime",    "relatime",    "remount",
  "rexec",          "rnoatime",   "rnodiratime",  "rnoexec",     "rnorelatime",
  "rnostrictatime", "rnosuid",    "rnosymfollow", "ro",          "rprivate",
  "rrelatime",      "rro",        "rrw",          "rshared",     "rslave",
  "rstrictatime",   "rsuid",      "rsymfollow",   "runbindable", "rw",
  "shared",         "silent",     "slave",        "strictatime", "suid",
  "symfollow",      "sync",       "unbindable",   NULL,
};

static const char *const hook_kinds[] = {
  "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop", NULL,
};

/* What carve implements beyond parsing; flip when the feature lands.  */
static const bool have_apparmor = false;
static const bool have_selinux = false;
static const bool have_intel_rdt = false;
static const bool have_idmap_mounts = false;
static const bool have_net_devices = false;

/* Seccomp flags libseccomp 2.5 can set (WAIT_KILLABLE_RECV needs 2.6).  */
static const char *const seccomp_supported_flags[] = {
  "SECCOMP_FILTER_FLAG_TSYNC",
  "SECCOMP_FILTER_FLAG_LOG",
  "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
  NULL,
};

static void
gen_enabled (yajl_gen g, const char *key, bool enabled)
{
  carve_spec_gen_str (g, key);
  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_bool (g, "enabled", enabled);
  (void)yajl_gen_map_close (g);
}

static void
gen_capabilities (yajl_gen g)
{
  int i;

  carve_spec_gen_str (g, "capabilities");
  (void)yajl_gen_array_open (g);
  for (i = 0; i <= CAP_LAST_CAP; i++)
    {
      char *name = cap_to_name ((cap_value_t)i);
      cleanup_free char *upper = NULL;
      char *p;

      if (name == NULL)
        continue;
      upper = xstrdup (name);
      cap_free (name);
      /* libcap says "cap_chown"; an unknown value comes back as a number.  */
      if (strncmp (upper, "cap_", 4) != 0)
        continue;
      for (p = upper; *p; p++)
        *p = (char)toupper ((unsigned char)*p);
      carve_spec_gen_str (g, upper);
    }
  (void)yajl_gen_array_close (g);
}

static void
gen_seccomp_archs (yajl_gen g)
{
  const char *const *a;

  carve_spec_gen_str (g, "archs");
  (void)yajl_gen_array_open (g);
  for (a = carve_spec_seccomp_archs; *a; a++)
    {
      cleanup_free char *lower = xstrdup (*a + strlen ("SCMP_ARCH_"));
      char *p;

      for (p = lower; *p; p++)
        *p = (char)tolower ((unsigned char)*p);
      /* Only what the linked libseccomp knows.  */
      if (seccomp_arch_resolve_name (lower) != 0)
        carve_spec_gen_str (g, *a);
    }
  (void)yajl_gen_array_close (g);
}

char *
carve_spec_emit_features (void)
{
  const struct scmp_version *v = seccomp_version ();
  cleanup_free char *seccomp_ver = NULL;
  struct carve_spec_map_s annotations;
  char *keys[4], *values[4];
  yajl_gen g = carve_spec_gen_new ();

  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_str (g, "ociVersionMin", CARVE_SPEC_OCI_VERSION_MIN);
  carve_spec_gen_key_str (g, "ociVersionMax", CARVE_SPEC_OCI_VERSION_MAX);
  carve_spec_gen_key_strv (g, "hooks", hook_kinds);
  carve_spec_gen_key_strv (g, "mountOptions", mount_options);

  carve_spec_gen_str (g, "linux");
  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_strv (g, "namespaces", carve_spec_namespace_types);
  gen_capabilities (g);

  carve_spec_gen_str (g, "cgroup");
  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_bool (g, "v1", true);
  carve_spec_gen_key_bool (g, "v2", true);
  carve_spec_gen_key_bool (g, "systemd", false);
  carve_spec_gen_key_bool (g, "systemdUser", false);
  (void)yajl_gen_map_close (g);

  carve_spec_gen_str (g, "seccomp");
  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_bool (g, "enabled", true);
  carve_spec_gen_key_strv (g, "actions", carve_spec_seccomp_actions);
  carve_spec_gen_key_strv (g, "operators", carve_spec_seccomp_operators);
  gen_seccomp_archs (g);
  carve_spec_gen_key_strv (g, "knownFlags", carve_spec_seccomp_flags);
  carve_spec_gen_key_strv (g, "supportedFlags", seccomp_supported_flags);
  (void)yajl_gen_map_close (g);

  gen_enabled (g, "apparmor", have_apparmor);
  gen_enabled (g, "selinux", have_selinux);
  gen_enabled (g, "intelRdt", have_intel_rdt);
  carve_spec_gen_str (g, "mountExtensions");
  (void)yajl_gen_map_open (g);
  gen_enabled (g, "idmap", have_idmap_mounts);
  (void)yajl_gen_map_close (g);
  gen_enabled (g, "netDevices", have_net_devices);
  (void)yajl_gen_map_close (g);

  seccomp_ver = xasprintf ("%u.%u.%u", v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0);
  keys[0] = (char *)"io.github.carve.commit", values[0] = (char *)GIT_COMMIT;
  keys[1] = (char *)"io.github.carve.version", values[1] = (char *)PACKAGE_VERSION;
  keys[2] = (char *)"io.github.seccomp.libseccomp.version", values[2] = seccomp_ver;
  keys[3] = values[3] = NULL;
  annotations.keys = keys, annotations.values = values, annotations.len = 3;
  carve_spec_gen_str (g, "annotations");
  carve_spec_gen_map (g, &annotations);

  carve_spec_gen_key_strv (g, "potentiallyUnsafeConfigAnnotations", carve_annotation_names ());
  (void)yajl_gen_map_close (g);
  return carve_spec_gen_finish (g, "    ");
}
