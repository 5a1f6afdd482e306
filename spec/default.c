/* `carve spec [--rootless]`: the starting config.json.  It is the document
   `runc spec` writes (runc 1.1, specconv.Example and ToRootless), field for
   field and in Go's order, with ociVersion 1.3.0 and hostname "carve";
   tab-indented and without a trailing newline, as runc writes it.  */
#include <config.h>

#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include "spec/emit.h"
#include "spec/spec.h"

static const char *const default_caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };

static const char *const masked_paths[] = { "/proc/acpi",
                                            "/proc/asound",
                                            "/proc/kcore",
                                            "/proc/keys",
                                            "/proc/latency_stats",
                                            "/proc/timer_list",
                                            "/proc/timer_stats",
                                            "/proc/sched_debug",
                                            "/sys/firmware",
                                            "/proc/scsi",
                                            NULL };

static const char *const readonly_paths[]
    = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL };

struct default_mount_s
{
  const char *destination, *type, *source;
  const char *const *options;
};

static void
gen_mount (yajl_gen g, const struct default_mount_s *m)
{
  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_str (g, "destination", m->destination);
  carve_spec_gen_key_str (g, "type", m->type);
  carve_spec_gen_key_str (g, "source", m->source);
  if (m->options)
    carve_spec_gen_key_strv (g, "options", m->options);
  (void)yajl_gen_map_close (g);
}

static void
gen_mounts (yajl_gen g, bool rootless)
{
  static const char *const dev_opts[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
  static const char *const pts_opts[]
      = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL };
  /* Rootless: no gid=5, the tty group is not mapped.  */
  static const char *const pts_opts_rootless[]
      = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", NULL };
  static const char *const shm_opts[] = { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL };
  static const char *const mqueue_opts[] = { "nosuid", "noexec", "nodev", NULL };
  static const char *const sys_opts[] = { "nosuid", "noexec", "nodev", "ro", NULL };
  /* Rootless: sysfs cannot be mounted without owning the network
     namespace, so the host's is bind-mounted.  */
  static const char *const sys_opts_rootless[] = { "rbind", "nosuid", "noexec", "nodev", "ro", NULL };
  static const char *const cgroup_opts[] = { "nosuid", "noexec", "nodev", "relatime", "ro", NULL };
  const struct default_mount_s mounts[] = {
    { "/proc", "proc", "proc", NULL },
    { "/dev", "tmpfs", "tmpfs", dev_opts },
    { "/dev/pts", "devpts", "devpts", rootless ? pts_opts_rootless : pts_opts },
    { "/dev/shm", "tmpfs", "shm", shm_opts },
    { "/dev/mqueue", "mqueue", "mqueue", mqueue_opts },
    rootless ? (struct default_mount_s){ "/sys", "none", "/sys", sys_opts_rootless }
             : (struct default_mount_s){ "/sys", "sysfs", "sysfs", sys_opts },
    { "/sys/fs/cgroup", "cgroup", "cgroup", cgroup_opts },
  };
  size_t i;

  carve_spec_gen_str (g, "mounts");
  (void)yajl_gen_array_open (g);
  for (i = 0; i < sizeof (mounts) / sizeof (mounts[0]); i++)
    gen_mount (g, &mounts[i]);
  (void)yajl_gen_array_close (g);
}

static void
gen_id_mapping (yajl_gen g, const char *key, uint32_t host_id)
{
  carve_spec_gen_str (g, key);
  (void)yajl_gen_array_open (g);
  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_uint (g, "containerID", 0);
  carve_spec_gen_key_uint (g, "hostID", host_id);
  carve_spec_gen_key_uint (g, "size", 1);
  (void)yajl_gen_map_close (g);
  (void)yajl_gen_array_close (g);
}

static void
gen_namespaces (yajl_gen g, bool rootless)
{
  static const char *const ns[] = { "pid", "network", "ipc", "uts", "mount", NULL };
  /* Rootless: no network namespace (nothing could configure it), and a
     user namespace last.  */
  static const char *const ns_rootless[] = { "pid", "ipc", "uts", "mount", "user", NULL };
  const char *const *p;

  carve_spec_gen_str (g, "namespaces");
  (void)yajl_gen_array_open (g);
  for (p = rootless ? ns_rootless : ns; *p; p++)
    {
      (void)yajl_gen_map_open (g);
      carve_spec_gen_key_str (g, "type", *p);
      (void)yajl_gen_map_close (g);
    }
  (void)yajl_gen_array_close (g);
}

char *
carve_spec_default_json (bool rootless, bool with_hostname)
{
  yajl_gen g = carve_spec_gen_new ();

  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_str (g, "ociVersion", CARVE_SPEC_OCI_VERSION_MAX);

  carve_spec_gen_str (g, "process");
  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_bool (g, "terminal", true);
  carve_spec_gen_str (g, "user");
  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_uint (g, "uid", 0);
  carve_spec_gen_key_uint (g, "gid", 0);
  (void)yajl_gen_map_close (g);
  {
    static const char *const args[] = { "sh", NULL };
    static const char *const env[]
        = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL };
    carve_spec_gen_key_strv (g, "args", args);
    carve_spec_gen_key_strv (g, "env", env);
  }
  carve_spec_gen_key_str (g, "cwd", "/");
  carve_spec_gen_str (g, "capabilities");
  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_strv (g, "bounding", default_caps);
  carve_spec_gen_key_strv (g, "effective", default_caps);
  carve_spec_gen_key_strv (g, "permitted", default_caps);
  /* runc 1.1 also lists these as ambient, which the kernel cannot grant
     without the inheritable set, so every run warned; runc 1.2 dropped
     the ambient list for that reason, and so does carve.  */
  (void)yajl_gen_map_close (g);
  carve_spec_gen_str (g, "rlimits");
  (void)yajl_gen_array_open (g);
  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_str (g, "type", "RLIMIT_NOFILE");
  carve_spec_gen_key_uint (g, "hard", 1024);
  carve_spec_gen_key_uint (g, "soft", 1024);
  (void)yajl_gen_map_close (g);
  (void)yajl_gen_array_close (g);
  carve_spec_gen_key_bool (g, "noNewPrivileges", true);
  (void)yajl_gen_map_close (g);

  carve_spec_gen_str (g, "root");
  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_str (g, "path", "rootfs");
  carve_spec_gen_key_bool (g, "readonly", true);
  (void)yajl_gen_map_close (g);

  if (with_hostname)
    carve_spec_gen_key_str (g, "hostname", "carve");
  gen_mounts (g, rootless);

  carve_spec_gen_str (g, "linux");
  (void)yajl_gen_map_open (g);
  if (rootless)
    {
      /* Map root in the container to whoever runs `carve spec`, as runc
         does; these two calls cannot fail.  */
      gen_id_mapping (g, "uidMappings", (uint32_t)geteuid ());
      gen_id_mapping (g, "gidMappings", (uint32_t)getegid ());
    }
  else
    {
      carve_spec_gen_str (g, "resources");
      (void)yajl_gen_map_open (g);
      carve_spec_gen_str (g, "devices");
      (void)yajl_gen_array_open (g);
      (void)yajl_gen_map_open (g);
      carve_spec_gen_key_bool (g, "allow", false);
      carve_spec_gen_key_str (g, "access", "rwm");
      (void)yajl_gen_map_close (g);
      (void)yajl_gen_array_close (g);
      (void)yajl_gen_map_close (g);
    }
  gen_namespaces (g, rootless);
  carve_spec_gen_key_strv (g, "maskedPaths", masked_paths);
  carve_spec_gen_key_strv (g, "readonlyPaths", readonly_paths);
  (void)yajl_gen_map_close (g);

  (void)yajl_gen_map_close (g);
  return carve_spec_gen_finish (g, "\t");
}
