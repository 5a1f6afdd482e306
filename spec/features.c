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

static const char *const hook_kinds[] = {
  "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop", NULL,
};

/* What carve implements beyond parsing, each checked against the code by
   tests/integration/features.bats.  AppArmor and SELinux: the exec labels
   (process.apparmorProfile, selinuxLabel, mountLabel); idmap: bind mounts
   with uidMappings/gidMappings (environment.bats); the systemd driver
   talks to the system bus only.  Intel RDT and moving network devices are
   not done, and create refuses a config that asks for them.  */
static const bool have_apparmor = true;
static const bool have_selinux = true;
static const bool have_intel_rdt = false;
static const bool have_idmap_mounts = true;
static const bool have_net_devices = false;
static const bool have_systemd = true;
static const bool have_systemd_user = false;
static const bool have_rdma = true;

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
carve_spec_emit_features (const struct carve_spec_features_s *f)
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
  carve_spec_gen_key_strv (g, "mountOptions", (const char *const *)f->mount_options);

  carve_spec_gen_str (g, "linux");
  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_strv (g, "namespaces", carve_spec_namespace_types);
  gen_capabilities (g);

  carve_spec_gen_str (g, "cgroup");
  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_bool (g, "v1", true);
  carve_spec_gen_key_bool (g, "v2", true);
  carve_spec_gen_key_bool (g, "systemd", have_systemd);
  carve_spec_gen_key_bool (g, "systemdUser", have_systemd_user);
  carve_spec_gen_key_bool (g, "rdma", have_rdma);
  (void)yajl_gen_map_close (g);

  carve_spec_gen_str (g, "seccomp");
  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_bool (g, "enabled", true);
  carve_spec_gen_key_strv (g, "actions", carve_spec_seccomp_actions);
  carve_spec_gen_key_strv (g, "operators", carve_spec_seccomp_operators);
  gen_seccomp_archs (g);
  carve_spec_gen_key_strv (g, "knownFlags", carve_spec_seccomp_flags);
  carve_spec_gen_key_strv (g, "supportedFlags", (const char *const *)f->seccomp_supported_flags);
  (void)yajl_gen_map_close (g);

  gen_enabled (g, "apparmor", have_apparmor);
  gen_enabled (g, "selinux", have_selinux);
  carve_spec_gen_str (g, "memoryPolicy");
  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_strv (g, "modes", carve_spec_mpol_modes);
  carve_spec_gen_key_strv (g, "flags", carve_spec_mpol_flags);
  (void)yajl_gen_map_close (g);
  carve_spec_gen_str (g, "intelRdt");
  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_bool (g, "enabled", have_intel_rdt);
  carve_spec_gen_key_bool (g, "schemata", have_intel_rdt);
  carve_spec_gen_key_bool (g, "monitoring", have_intel_rdt);
  (void)yajl_gen_map_close (g);
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
