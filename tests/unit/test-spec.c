/* Unit tests of spec/: config.json, process.json and resources parsing,
   the value helpers, and the JSON carve prints.  */
#include <config.h>

#include <sched.h>
#include <stdio.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/error.h"
#include "runtime/base/fsutil.h"
#include "runtime/base/xalloc.h"
#include "spec/annotations.h"
#include "spec/spec.h"
#include "tests/unit/unit.h"

#ifndef CARVE_TEST_SRCDIR
#define CARVE_TEST_SRCDIR "."
#endif

#define MINIMAL_HEAD "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}"

static bool
starts_with (const char *s, const char *prefix)
{
  return strncmp (s, prefix, strlen (prefix)) == 0;
}

static char *
corpus_file (const char *name)
{
  cleanup_free char *path = xasprintf ("%s/tests/fuzz/corpus-spec/%s", CARVE_TEST_SRCDIR, name);
  carve_error_t err = NULL;
  char *buf = NULL;
  size_t len;

  if (carve_read_file (path, &buf, &len, &err) < 0)
    {
      fprintf (stderr, "# %s\n", err->msg);
      carve_error_release (&err);
      return NULL;
    }
  return buf;
}

/* Parses JSON as config.json and expects an error message exactly MSG.  */
static int
expect_reject (const char *json, const char *msg)
{
  carve_error_t err = NULL;
  carve_spec_t spec = carve_spec_parse (json, strlen (json), &err);

  if (spec != NULL)
    {
      fprintf (stderr, "# accepted: %s\n", json);
      carve_spec_free (spec);
      return -1;
    }
  if (err == NULL || strcmp (err->msg, msg) != 0)
    {
      fprintf (stderr, "# got `%s`\n# want `%s`\n", err ? err->msg : "(no error)", msg);
      carve_error_release (&err);
      return -1;
    }
  carve_error_release (&err);
  return 0;
}

/* Parses MINIMAL_HEAD + TAIL and expects MSG.  */
static int
expect_reject_tail (const char *tail, const char *msg)
{
  cleanup_free char *json = xasprintf ("%s, %s}", MINIMAL_HEAD, tail);
  return expect_reject (json, msg);
}

static carve_spec_t
parse_ok (const char *json)
{
  carve_error_t err = NULL;
  carve_spec_t spec = carve_spec_parse (json, strlen (json), &err);

  if (spec == NULL)
    {
      fprintf (stderr, "# rejected: %s\n", err->msg);
      carve_error_release (&err);
    }
  return spec;
}

/* --- the full document ----------------------------------------------------- */

static int
test_full_config (void)
{
  cleanup_free char *json = corpus_file ("full.json");
  cleanup_spec carve_spec_t s = NULL;
  struct carve_spec_process_s *p;
  struct carve_spec_linux_s *l;
  struct carve_spec_linux_resources_s *r;

  EXPECT (json != NULL);
  s = parse_ok (json);
  EXPECT (s != NULL);
  EXPECT_STR (s->oci_version, "1.3.0");
  EXPECT_STR (s->root->path, "rootfs");
  EXPECT (s->root->readonly);
  EXPECT (s->mounts_len == 2);
  EXPECT_STR (s->mounts[1]->destination, "/data");
  EXPECT_STR (s->mounts[1]->source, "/srv/data");
  EXPECT_STR (s->mounts[1]->type, "none");
  EXPECT (s->mounts[1]->options_len == 3 && s->mounts[1]->options[3] == NULL);
  EXPECT_STR (s->mounts[1]->options[2], "idmap");
  EXPECT (s->mounts[1]->uid_mappings_len == 1 && s->mounts[1]->uid_mappings[0]->host_id == 100000);
  EXPECT (s->mounts[1]->gid_mappings[0]->size == 65536);
  EXPECT (s->mounts[0]->options == NULL && s->mounts[0]->options_len == 0);
  EXPECT_STR (s->hostname, "node<1>");
  EXPECT_STR (s->domainname, "cluster.example");

  p = s->process;
  EXPECT (p != NULL);
  EXPECT (p->terminal);
  EXPECT (p->console_size->height == 25 && p->console_size->width == 80);
  EXPECT_STR (p->cwd, "/work");
  EXPECT (p->env_len == 2);
  EXPECT_STR (p->env[1], "HOME=/root");
  EXPECT (p->args_len == 3 && p->args[3] == NULL);
  EXPECT_STR (p->args[2], "echo hi");
  EXPECT_STR (p->command_line, "sh -c 'echo hi'");
  EXPECT (p->rlimits_len == 2);
  EXPECT_STR (p->rlimits[0]->type, "RLIMIT_NOFILE");
  EXPECT (p->rlimits[0]->soft == 1024 && p->rlimits[0]->hard == 4096);
  EXPECT (p->rlimits[1]->hard == UINT64_MAX);
  EXPECT_STR (p->apparmor_profile, "carve-default");
  EXPECT (p->capabilities->bounding_len == 2);
  EXPECT_STR (p->capabilities->bounding[1], "CAP_CHOWN");
  EXPECT (p->capabilities->inheritable != NULL && p->capabilities->inheritable_len == 0);
  EXPECT_STR (p->capabilities->ambient[0], "CAP_NOT_A_REAL_ONE");
  EXPECT (p->no_new_privileges);
  EXPECT (p->has_oom_score_adj && p->oom_score_adj == -500);
  EXPECT_STR (p->scheduler->policy, "SCHED_DEADLINE");
  EXPECT (p->scheduler->has_nice && p->scheduler->nice == -5);
  EXPECT (p->scheduler->has_priority && p->scheduler->priority == 0);
  EXPECT (p->scheduler->flags_len == 1);
  EXPECT (p->scheduler->has_runtime && p->scheduler->runtime == 10000000);
  EXPECT (p->scheduler->deadline == 20000000 && p->scheduler->period == 30000000);
  EXPECT_STR (p->selinux_label, "system_u:system_r:container_t:s0");
  EXPECT_STR (p->io_priority->class, "IOPRIO_CLASS_BE");
  EXPECT (p->io_priority->has_priority && p->io_priority->priority == 4);
  EXPECT_STR (p->exec_cpu_affinity->initial, "0-1");
  EXPECT_STR (p->exec_cpu_affinity->final, "2,3");
  EXPECT (p->user->uid == 1000 && p->user->gid == 1001);
  EXPECT (p->user->has_umask && p->user->umask == 18);
  EXPECT (p->user->additional_gids_len == 2 && p->user->additional_gids[1] == 4294967294u);
  EXPECT_STR (p->user->username, "job");

  EXPECT (s->hooks->prestart_len == 1);
  EXPECT_STR (s->hooks->prestart[0]->path, "/usr/bin/pre");
  EXPECT (s->hooks->prestart[0]->args_len == 2 && s->hooks->prestart[0]->env_len == 1);
  EXPECT (s->hooks->prestart[0]->has_timeout && s->hooks->prestart[0]->timeout == 5);
  EXPECT (s->hooks->create_runtime_len == 2);
  EXPECT_STR (s->hooks->create_runtime[1]->path, "/bin/cr2");
  EXPECT (!s->hooks->create_runtime[1]->has_timeout);
  EXPECT_STR (s->hooks->create_container[0]->path, "/bin/cc");
  EXPECT_STR (s->hooks->start_container[0]->path, "/bin/sc");
  EXPECT_STR (s->hooks->poststart[0]->path, "/bin/ps");
  EXPECT (s->hooks->poststop[0]->timeout == 1);

  EXPECT (s->annotations->len == 3);
  EXPECT_STR (s->annotations->keys[0], "carve.cpus");
  EXPECT_STR (s->annotations->values[0], "2-5,8");
  EXPECT_STR (s->annotations->keys[2], "z");

  l = s->linux_;
  EXPECT (l->namespaces_len == 8);
  EXPECT_STR (l->namespaces[1]->type, "network");
  EXPECT_STR (l->namespaces[1]->path, "/var/run/netns/x");
  EXPECT (l->namespaces[0]->path == NULL);
  EXPECT (l->uid_mappings[0]->host_id == 1000 && l->gid_mappings[0]->host_id == 1001);
  EXPECT (l->time_offsets->boottime->has_secs && l->time_offsets->boottime->secs == -3600);
  EXPECT (l->time_offsets->boottime->nanosecs == 5);
  EXPECT (l->time_offsets->monotonic->secs == 86400 && !l->time_offsets->monotonic->has_nanosecs);
  EXPECT (l->devices_len == 2);
  EXPECT_STR (l->devices[0]->path, "/dev/fuse");
  EXPECT (l->devices[0]->has_major && l->devices[0]->major == 10 && l->devices[0]->minor == 229);
  EXPECT (l->devices[0]->has_file_mode && l->devices[0]->file_mode == 438);
  EXPECT (l->devices[0]->has_uid && l->devices[0]->uid == 0);
  EXPECT (!l->devices[1]->has_major);
  EXPECT (l->net_devices_len == 2);
  EXPECT_STR (l->net_devices[0]->host_name, "eth1");
  EXPECT_STR (l->net_devices[0]->name, "net0");
  EXPECT_STR (l->net_devices[1]->host_name, "ib0");
  EXPECT (l->net_devices[1]->name == NULL);
  EXPECT_STR (l->cgroups_path, "/carve/job1");

  r = l->resources;
  EXPECT (r->devices_len == 2);
  EXPECT (!r->devices[0]->allow && r->devices[0]->type == NULL && !r->devices[0]->has_major);
  EXPECT (r->devices[1]->allow && r->devices[1]->major == 10);
  EXPECT_STR (r->devices[1]->access, "rw");
  EXPECT (r->memory->has_limit && r->memory->limit == 536870912);
  EXPECT (r->memory->reservation == 268435456);
  EXPECT (r->memory->has_swap && r->memory->swap == -1);
  EXPECT (r->memory->has_kernel && r->memory->kernel == 0);
  EXPECT (r->memory->kernel_tcp == 1 && r->memory->swappiness == 60);
  EXPECT (r->memory->has_disable_oom_killer && !r->memory->disable_oom_killer);
  EXPECT (r->memory->has_use_hierarchy && r->memory->use_hierarchy);
  EXPECT (r->memory->has_check_before_update && r->memory->check_before_update);
  EXPECT (r->cpu->shares == 1024 && r->cpu->quota == 100000 && r->cpu->burst == 1000);
  EXPECT (r->cpu->period == 100000 && r->cpu->realtime_runtime == 950000 && r->cpu->realtime_period == 1000000);
  EXPECT_STR (r->cpu->cpus, "2-5,8");
  EXPECT_STR (r->cpu->mems, "0");
  EXPECT (r->cpu->has_idle && r->cpu->idle == 1);
  EXPECT (r->pids->limit == 32768);
  EXPECT (r->block_io->has_weight && r->block_io->weight == 500 && r->block_io->leaf_weight == 300);
  EXPECT (r->block_io->weight_device[0]->weight == 600 && r->block_io->weight_device[0]->leaf_weight == 200);
  EXPECT (r->block_io->throttle_read_bps_device[0]->rate == 104857600);
  EXPECT (r->block_io->throttle_write_bps_device[0]->minor == 16);
  EXPECT (r->block_io->throttle_read_iops_device[0]->rate == 1000);
  EXPECT (r->block_io->throttle_write_iops_device[0]->rate == 300);
  EXPECT (r->hugepage_limits_len == 2);
  EXPECT_STR (r->hugepage_limits[1]->page_size, "1GB");
  EXPECT (r->hugepage_limits[0]->limit == 209715200);
  EXPECT (r->network->has_class_id && r->network->class_id == 1048577);
  EXPECT_STR (r->network->priorities[0]->name, "eth0");
  EXPECT (r->network->priorities[0]->priority == 500);
  EXPECT (r->rdma_len == 2);
  EXPECT_STR (r->rdma[0]->device, "mlx5_1");
  EXPECT (r->rdma[0]->hca_handles == 3 && r->rdma[0]->hca_objects == 10000);
  EXPECT (!r->rdma[1]->has_hca_handles && r->rdma[1]->has_hca_objects);
  EXPECT (r->unified->len == 2);
  EXPECT_STR (r->unified->values[0], "1G");

  EXPECT_STR (l->intel_rdt->clos_id, "guaranteed");
  EXPECT_STR (l->intel_rdt->schemata[0], "L3:0=7f");
  EXPECT_STR (l->intel_rdt->l3_cache_schema, "L3:0=ffff");
  EXPECT_STR (l->intel_rdt->mem_bw_schema, "MB:0=20");
  EXPECT (l->intel_rdt->enable_monitoring);
  EXPECT (l->sysctl->len == 2);
  EXPECT_STR (l->sysctl->keys[0], "net.ipv4.ip_forward");
  EXPECT_STR (l->seccomp->default_action, "SCMP_ACT_ERRNO");
  EXPECT (l->seccomp->has_default_errno_ret && l->seccomp->default_errno_ret == 38);
  EXPECT (l->seccomp->architectures_len == 2);
  EXPECT_STR (l->seccomp->flags[0], "SECCOMP_FILTER_FLAG_LOG");
  EXPECT_STR (l->seccomp->listener_path, "/run/carve/serviceos.sock");
  EXPECT_STR (l->seccomp->listener_metadata, "job=1");
  EXPECT (l->seccomp->syscalls_len == 2);
  EXPECT (l->seccomp->syscalls[0]->names_len == 2 && !l->seccomp->syscalls[0]->has_errno_ret);
  EXPECT (l->seccomp->syscalls[1]->has_errno_ret && l->seccomp->syscalls[1]->errno_ret == 1);
  EXPECT (l->seccomp->syscalls[1]->args_len == 2);
  EXPECT (l->seccomp->syscalls[1]->args[0]->value == 8 && l->seccomp->syscalls[1]->args[0]->has_value_two);
  EXPECT (l->seccomp->syscalls[1]->args[1]->index == 1 && l->seccomp->syscalls[1]->args[1]->value == UINT64_MAX);
  EXPECT (!l->seccomp->syscalls[1]->args[1]->has_value_two);
  EXPECT_STR (l->seccomp->syscalls[1]->args[1]->op, "SCMP_CMP_MASKED_EQ");
  EXPECT_STR (l->rootfs_propagation, "rslave");
  EXPECT (l->masked_paths_len == 2 && l->readonly_paths_len == 1);
  EXPECT_STR (l->mount_label, "system_u:object_r:container_file_t:s0");
  EXPECT_STR (l->personality->domain, "LINUX32");
  EXPECT (l->personality->flags != NULL && l->personality->flags_len == 0);
  EXPECT_STR (l->memory_policy->mode, "MPOL_INTERLEAVE");
  EXPECT_STR (l->memory_policy->nodes, "0-1");
  EXPECT_STR (l->memory_policy->flags[0], "MPOL_F_STATIC_NODES");
  return 0;
}

static int
test_minimal_config (void)
{
  cleanup_spec carve_spec_t s = parse_ok (MINIMAL_HEAD "}");

  EXPECT (s != NULL);
  EXPECT (s->process == NULL && s->linux_ == NULL && s->mounts == NULL && s->mounts_len == 0);
  EXPECT (s->hooks == NULL && s->annotations == NULL && s->hostname == NULL);
  EXPECT (!s->root->readonly);
  return 0;
}

static int
test_load (void)
{
  char path[] = "/tmp/test-spec-XXXXXX";
  const char *bad = MINIMAL_HEAD ", \"mounts\": [{\"destination\": \"x\"}]}";
  carve_error_t err = NULL;
  carve_spec_t s;
  cleanup_free char *want = NULL;
  int fd = mkstemp (path);

  EXPECT (fd >= 0);
  EXPECT (carve_write_all (fd, bad, strlen (bad)) == 0);
  close (fd);
  s = carve_spec_load (path, &err);
  unlink (path);
  EXPECT (s == NULL && err != NULL);
  want = xasprintf ("%s: mounts[0].destination: \"x\" is not an absolute path", path);
  EXPECT_STR (err->msg, want);
  carve_error_release (&err);

  s = carve_spec_load ("/nonexistent/config.json", &err);
  EXPECT (s == NULL && err != NULL);
  EXPECT_CONTAINS (err->msg, "/nonexistent/config.json");
  carve_error_release (&err);
  return 0;
}

/* --- rejections -------------------------------------------------------------- */

static int
test_reject_required (void)
{
  EXPECT (expect_reject ("{\"root\": {\"path\": \"r\"}}", "ociVersion: missing required field") == 0);
  EXPECT (expect_reject ("{\"ociVersion\": \"1.0.0\"}", "root: missing required field") == 0);
  EXPECT (expect_reject ("{\"ociVersion\": \"1.0.0\", \"root\": {}}", "root.path: missing required field") == 0);
  EXPECT (expect_reject_tail ("\"process\": {\"args\": [\"sh\"]}", "process.cwd: missing required field") == 0);
  EXPECT (expect_reject_tail ("\"process\": {\"cwd\": \"/\"}", "process.args: missing required field") == 0);
  EXPECT (
      expect_reject_tail ("\"process\": {\"cwd\": \"/\", \"args\": []}", "process.args: must have at least one entry")
      == 0);
  EXPECT (expect_reject_tail ("\"mounts\": [{\"type\": \"tmpfs\"}]", "mounts[0].destination: missing required field")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"namespaces\": [{\"path\": \"/x\"}]}",
                              "linux.namespaces[0].type: missing required field")
          == 0);
  EXPECT (expect_reject_tail ("\"process\": {\"cwd\": \"/\", \"args\": [\"a\"], \"rlimits\": [{\"type\": "
                              "\"RLIMIT_NOFILE\", \"soft\": 1}]}",
                              "process.rlimits[0].hard: missing required field")
          == 0);
  EXPECT (expect_reject_tail ("\"hooks\": {\"poststop\": [{\"args\": []}]}",
                              "hooks.poststop[0].path: missing required field")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"devices\": [{\"path\": \"/dev/x\"}]}",
                              "linux.devices[0].type: missing required field")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"devices\": [{\"type\": \"c\", \"path\": \"/dev/x\"}]}",
                              "linux.devices[0]: major and minor are required for a device of type \"c\"")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"seccomp\": {\"syscalls\": []}}",
                              "linux.seccomp.defaultAction: missing required field")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"resources\": {\"pids\": {}}}",
                              "linux.resources.pids.limit: missing required field")
          == 0);
  return 0;
}

static int
test_reject_values (void)
{
  EXPECT (expect_reject_tail ("\"mounts\": [{\"destination\": \"/a\"}, {\"destination\": \"/b\"}, {\"destination\": "
                              "\"tmp\"}]",
                              "mounts[2].destination: \"tmp\" is not an absolute path")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"resources\": {\"cpu\": {\"cpus\": \"0-x\"}}}",
                              "linux.resources.cpu.cpus: \"0-x\" is not a CPU list")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"resources\": {\"cpu\": {\"mems\": \"1-0\"}}}",
                              "linux.resources.cpu.mems: \"1-0\" is not a NUMA node list")
          == 0);
  EXPECT (expect_reject_tail ("\"process\": {\"cwd\": \"/\", \"args\": [\"a\"], \"rlimits\": [{\"type\": "
                              "\"RLIMIT_FOO\", \"soft\": 1, \"hard\": 1}]}",
                              "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"foo\"}]}",
                              "linux.namespaces[1].type: unknown namespace type \"foo\"")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"ipc\"}, {\"type\": "
                              "\"pid\"}]}",
                              "linux.namespaces: duplicate namespace \"pid\"")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"namespaces\": [{\"type\": \"net\"}]}",
                              "linux.namespaces[0].type: unknown namespace type \"net\"")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"namespaces\": [{\"type\": \"pid\", \"path\": \"proc/1/ns/pid\"}]}",
                              "linux.namespaces[0].path: \"proc/1/ns/pid\" is not an absolute path")
          == 0);
  EXPECT (expect_reject_tail ("\"process\": {\"cwd\": \"work\", \"args\": [\"a\"]}",
                              "process.cwd: \"work\" is not an absolute path")
          == 0);
  EXPECT (expect_reject_tail ("\"hooks\": {\"prestart\": [{\"path\": \"true\"}]}",
                              "hooks.prestart[0].path: \"true\" is not an absolute path")
          == 0);
  EXPECT (expect_reject_tail ("\"hooks\": {\"prestart\": [{\"path\": \"/bin/true\", \"timeout\": 0}]}",
                              "hooks.prestart[0].timeout: 0 is out of range (1..2147483647)")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"maskedPaths\": [\"/proc/kcore\", \"proc\"]}",
                              "linux.maskedPaths[1]: \"proc\" is not an absolute path")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"readonlyPaths\": [\"sys\"]}",
                              "linux.readonlyPaths[0]: \"sys\" is not an absolute path")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"devices\": [{\"type\": \"x\", \"path\": \"/dev/x\"}]}",
                              "linux.devices[0].type: unknown device type \"x\"")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"devices\": [{\"type\": \"p\", \"path\": \"dev/x\"}]}",
                              "linux.devices[0].path: \"dev/x\" is not an absolute path")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"rootfsPropagation\": \"recursive\"}",
                              "linux.rootfsPropagation: unknown rootfs propagation \"recursive\"")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_NOPE\"}}",
                              "linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_NOPE\"")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
                              "[\"SCMP_ARCH_VAX\"]}}",
                              "linux.seccomp.architectures[0]: unknown seccomp architecture \"SCMP_ARCH_VAX\"")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": "
                              "[\"SECCOMP_FILTER_FLAG_X\"]}}",
                              "linux.seccomp.flags[0]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_X\"")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
                              "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, "
                              "\"value\": 1, \"op\": \"SCMP_CMP_XX\"}]}]}}",
                              "linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_XX\"")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
                              "[{\"names\": [], \"action\": \"SCMP_ACT_ERRNO\"}]}}",
                              "linux.seccomp.syscalls[0].names: must have at least one entry")
          == 0);
  EXPECT (expect_reject_tail ("\"process\": {\"cwd\": \"/\", \"args\": [\"a\"], \"scheduler\": {\"policy\": "
                              "\"SCHED_FAST\"}}",
                              "process.scheduler.policy: unknown scheduler policy \"SCHED_FAST\"")
          == 0);
  EXPECT (expect_reject_tail ("\"process\": {\"cwd\": \"/\", \"args\": [\"a\"], \"scheduler\": {\"policy\": "
                              "\"SCHED_RR\", \"flags\": [\"SCHED_FLAG_X\"]}}",
                              "process.scheduler.flags[0]: unknown scheduler flag \"SCHED_FLAG_X\"")
          == 0);
  EXPECT (expect_reject_tail ("\"process\": {\"cwd\": \"/\", \"args\": [\"a\"], \"ioPriority\": {\"class\": "
                              "\"IOPRIO_CLASS_NONE\"}}",
                              "process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_NONE\"")
          == 0);
  EXPECT (expect_reject_tail ("\"process\": {\"cwd\": \"/\", \"args\": [\"a\"], \"ioPriority\": {\"class\": "
                              "\"IOPRIO_CLASS_BE\", \"priority\": 8}}",
                              "process.ioPriority.priority: 8 is out of range (0..7)")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"memoryPolicy\": {\"mode\": \"MPOL_RANDOM\"}}",
                              "linux.memoryPolicy.mode: unknown memory policy mode \"MPOL_RANDOM\"")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"memoryPolicy\": {\"mode\": \"MPOL_BIND\", \"nodes\": \"0-\"}}",
                              "linux.memoryPolicy.nodes: \"0-\" is not a NUMA node list")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"memoryPolicy\": {\"mode\": \"MPOL_BIND\", \"flags\": [\"MPOL_F_X\"]}}",
                              "linux.memoryPolicy.flags[0]: unknown memory policy flag \"MPOL_F_X\"")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"personality\": {\"domain\": \"BSD\"}}",
                              "linux.personality.domain: unknown personality domain \"BSD\"")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"timeOffsets\": {\"realtime\": {\"secs\": 1}}}",
                              "linux.timeOffsets: unknown clock \"realtime\"")
          == 0);
  EXPECT (expect_reject_tail ("\"process\": {\"cwd\": \"/\", \"args\": [\"a\"], \"user\": {\"uid\": 0, \"gid\": 0, "
                              "\"umask\": 512}}",
                              "process.user.umask: 512 is out of range (0..511)")
          == 0);
  EXPECT (expect_reject_tail ("\"process\": {\"cwd\": \"/\", \"args\": [\"a\"], \"user\": {\"uid\": -1}}",
                              "process.user.uid: -1 is out of range for uint32")
          == 0);
  EXPECT (expect_reject_tail ("\"process\": {\"cwd\": \"/\", \"args\": [\"a\"], \"user\": {\"uid\": 4294967296}}",
                              "process.user.uid: 4294967296 is out of range for uint32")
          == 0);
  EXPECT (expect_reject_tail ("\"process\": {\"cwd\": \"/\", \"args\": [\"a\"], \"rlimits\": [{\"type\": "
                              "\"RLIMIT_NOFILE\", \"soft\": 10, \"hard\": 5}]}",
                              "process.rlimits[0]: soft limit 10 is above hard limit 5")
          == 0);
  EXPECT (expect_reject_tail ("\"process\": {\"cwd\": \"/\", \"args\": [\"a\"], \"rlimits\": [{\"type\": "
                              "\"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 5}, {\"type\": \"RLIMIT_NOFILE\", "
                              "\"soft\": 1, \"hard\": 5}]}",
                              "process.rlimits: duplicate rlimit \"RLIMIT_NOFILE\"")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]}}",
                              "linux.resources.devices[0].access: \"rwx\" is not a device access (letters of rwm)")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"intelRdt\": {\"memBwSchema\": \"L3:0=1\"}}",
                              "linux.intelRdt.memBwSchema: \"L3:0=1\" is not a memory bandwidth schema (MB:...)")
          == 0);
  EXPECT (expect_reject_tail ("\"mounts\": [{\"destination\": \"/m\", \"uidMappings\": [{\"containerID\": 0, "
                              "\"hostID\": 1, \"size\": 1}]}]",
                              "mounts[0]: uidMappings and gidMappings must be given together")
          == 0);
  EXPECT (expect_reject_tail ("\"process\": {\"cwd\": \"/\", \"args\": [\"a\"], \"execCPUAffinity\": {\"initial\": "
                              "\"a\"}}",
                              "process.execCPUAffinity.initial: \"a\" is not a CPU list")
          == 0);
  return 0;
}

static int
test_reject_version (void)
{
  EXPECT (expect_reject ("{\"ociVersion\": \"2.0.0\", \"root\": {\"path\": \"r\"}}",
                         "ociVersion: \"2.0.0\" is not a supported version (1.x.y)")
          == 0);
  EXPECT (expect_reject ("{\"ociVersion\": \"1.0\", \"root\": {\"path\": \"r\"}}",
                         "ociVersion: \"1.0\" is not a supported version (1.x.y)")
          == 0);
  EXPECT (carve_spec_oci_version_ok ("1.0.2-dev"));
  EXPECT (carve_spec_oci_version_ok ("1.3.0+build.5"));
  EXPECT (carve_spec_oci_version_ok ("1.10.0-rc.1"));
  EXPECT (!carve_spec_oci_version_ok ("1.01.0"));
  EXPECT (!carve_spec_oci_version_ok ("1.0.0-"));
  EXPECT (!carve_spec_oci_version_ok ("v1.0.0"));
  EXPECT (!carve_spec_oci_version_ok (""));
  return 0;
}

static int
test_reject_types (void)
{
  EXPECT (expect_reject_tail ("\"process\": {\"cwd\": \"/\", \"args\": 3}",
                              "process.args: expected an array of strings, got a number")
          == 0);
  EXPECT (expect_reject_tail ("\"process\": {\"cwd\": \"/\", \"args\": [\"a\", 1]}",
                              "process.args[1]: expected a string, got a number")
          == 0);
  EXPECT (
      expect_reject ("{\"ociVersion\": 1, \"root\": {\"path\": \"r\"}}", "ociVersion: expected a string, got a number")
      == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"resources\": {\"memory\": {\"limit\": \"1G\"}}}",
                              "linux.resources.memory.limit: expected an integer, got a string")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"resources\": {\"memory\": {\"limit\": 1.5}}}",
                              "linux.resources.memory.limit: expected an integer, got 1.5")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"resources\": {\"memory\": {\"limit\": 1e3}}}",
                              "linux.resources.memory.limit: expected an integer, got 1e3")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"resources\": {\"memory\": {\"disableOOMKiller\": 1}}}",
                              "linux.resources.memory.disableOOMKiller: expected a boolean, got a number")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"resources\": []}", "linux.resources: expected an object, got an array")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"namespaces\": {\"type\": \"pid\"}}",
                              "linux.namespaces: expected an array of objects, got an object")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"namespaces\": [\"pid\"]}",
                              "linux.namespaces[0]: expected an object, got a string")
          == 0);
  EXPECT (expect_reject_tail ("\"annotations\": {\"a\": \"b\", \"c\": true}",
                              "annotations.c: expected a string, got a boolean")
          == 0);
  EXPECT (expect_reject_tail ("\"annotations\": []", "annotations: expected an object of strings, got an array") == 0);
  EXPECT (expect_reject_tail ("\"process\": {\"cwd\": \"/\", \"args\": [\"a\"], \"user\": {\"additionalGids\": [1, "
                              "\"2\"]}}",
                              "process.user.additionalGids[1]: expected an integer, got a string")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"resources\": {\"rdma\": {\"mlx\": {\"hcaHandles\": -1}}}}",
                              "linux.resources.rdma.mlx.hcaHandles: -1 is out of range for uint32")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"sysctl\": {\"a\": null}}", "linux.sysctl.a: expected a string, got null")
          == 0);
  return 0;
}

static int
test_huge_numbers (void)
{
  cleanup_spec carve_spec_t s = NULL;

  EXPECT (expect_reject_tail ("\"linux\": {\"resources\": {\"memory\": {\"limit\": 99999999999999999999}}}",
                              "linux.resources.memory.limit: 99999999999999999999 is out of range for int64")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"resources\": {\"memory\": {\"limit\": 9223372036854775808}}}",
                              "linux.resources.memory.limit: 9223372036854775808 is out of range for int64")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"resources\": {\"cpu\": {\"shares\": 18446744073709551616}}}",
                              "linux.resources.cpu.shares: 18446744073709551616 is out of range for uint64")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"resources\": {\"cpu\": {\"shares\": -1}}}",
                              "linux.resources.cpu.shares: -1 is out of range for uint64")
          == 0);
  EXPECT (expect_reject_tail ("\"linux\": {\"resources\": {\"blockIO\": {\"weight\": 65536}}}",
                              "linux.resources.blockIO.weight: 65536 is out of range for uint16")
          == 0);
  EXPECT (expect_reject_tail ("\"process\": {\"cwd\": \"/\", \"args\": [\"a\"], \"oomScoreAdj\": 2147483648}",
                              "process.oomScoreAdj: 2147483648 is out of range for int32")
          == 0);
  EXPECT (expect_reject_tail ("\"process\": {\"cwd\": \"/\", \"args\": [\"a\"], \"oomScoreAdj\": 1001}",
                              "process.oomScoreAdj: 1001 is out of range (-1000..1000)")
          == 0);
  s = parse_ok (MINIMAL_HEAD ", \"linux\": {\"resources\": {\"memory\": {\"limit\": -9223372036854775808, \"swap\": "
                             "9223372036854775807}, \"cpu\": {\"shares\": 18446744073709551615}}}}");
  EXPECT (s != NULL);
  EXPECT (s->linux_->resources->memory->limit == INT64_MIN);
  EXPECT (s->linux_->resources->memory->swap == INT64_MAX);
  EXPECT (s->linux_->resources->cpu->shares == UINT64_MAX);
  return 0;
}

/* --- JSON semantics ---------------------------------------------------------- */

static int
test_unknown_fields_ignored (void)
{
  cleanup_spec carve_spec_t s = parse_ok (
      "{\"ociVersion\": \"1.0.0\", \"extra\": {\"deep\": [1, {\"x\": null}]}, \"root\": {\"path\": \"r\", "
      "\"novel\": 1}, \"windows\": {\"layerFolders\": []}, \"linux\": {\"resources\": {\"cpu\": {\"future\": "
      "\"x\", \"shares\": 5}}, \"newThing\": true}, \"process\": {\"cwd\": \"/\", \"args\": [\"a\"], "
      "\"user\": {\"uid\": 1, \"sid\": 9}}}");

  EXPECT (s != NULL);
  EXPECT_STR (s->root->path, "r");
  EXPECT (s->linux_->resources->cpu->shares == 5);
  EXPECT (s->process->user->uid == 1);
  return 0;
}

static int
test_json_semantics (void)
{
  cleanup_spec carve_spec_t s = NULL;

  /* null is absent; the last duplicate wins; keys match case-insensitively
     when no exact match exists, as in Go.  */
  s = parse_ok ("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"a\"}, \"root\": {\"path\": \"b\"}, \"hostname\": "
                "null, \"DomainName\": \"d\", \"annotations\": {\"k\": \"1\", \"j\": \"2\", \"k\": \"3\"}, "
                "\"linux\": null, \"mounts\": [{\"destination\": \"/x\", \"options\": null}]}");
  EXPECT (s != NULL);
  EXPECT_STR (s->root->path, "b");
  EXPECT (s->hostname == NULL);
  EXPECT_STR (s->domainname, "d");
  EXPECT (s->annotations->len == 2);
  EXPECT_STR (s->annotations->keys[0], "k");
  EXPECT_STR (s->annotations->values[0], "3");
  EXPECT (s->linux_ == NULL);
  EXPECT (s->mounts[0]->options == NULL);
  /* A required field given as null is missing.  */
  EXPECT (expect_reject ("{\"ociVersion\": null, \"root\": {\"path\": \"r\"}}", "ociVersion: missing required field")
          == 0);
  return 0;
}

static int
test_bad_json (void)
{
  carve_error_t err = NULL;
  char *deep;
  size_t i;

  EXPECT (expect_reject ("", "config.json: invalid JSON: empty document") == 0);
  EXPECT (expect_reject ("  \n", "config.json: invalid JSON: empty document") == 0);
  EXPECT (expect_reject ("[]", "config.json: expected an object, got an array") == 0);
  EXPECT (expect_reject ("\"x\"", "config.json: expected an object, got a string") == 0);
  EXPECT (expect_reject ("null", "config.json: expected an object, got null") == 0);

  EXPECT (carve_spec_parse ("{\"ociVersion\": \"1.0.0\", ", 24, &err) == NULL);
  EXPECT (err != NULL);
  EXPECT (starts_with (err->msg, "config.json: invalid JSON: "));
  EXPECT (strchr (err->msg, '\n') == NULL);
  carve_error_release (&err);

  EXPECT (carve_spec_parse ("garbage", 7, &err) == NULL);
  EXPECT (starts_with (err->msg, "config.json: invalid JSON: "));
  EXPECT (strchr (err->msg, '\n') == NULL);
  carve_error_release (&err);

  EXPECT (carve_spec_parse ("{} {}", 5, &err) == NULL);
  EXPECT_CONTAINS (err->msg, "invalid JSON");
  carve_error_release (&err);

  /* Not NUL-terminated input is fine; an embedded NUL is not.  */
  {
    cleanup_spec carve_spec_t s = carve_spec_parse (MINIMAL_HEAD "}XXXX", strlen (MINIMAL_HEAD) + 1, &err);
    EXPECT (s != NULL);
  }
  EXPECT (carve_spec_parse (MINIMAL_HEAD "}\0{}", strlen (MINIMAL_HEAD) + 4, &err) == NULL);
  EXPECT_CONTAINS (err->msg, "NUL byte");
  carve_error_release (&err);

  deep = xmalloc (20001);
  for (i = 0; i < 10000; i++)
    deep[i] = '[';
  for (; i < 20000; i++)
    deep[i] = ']';
  deep[20000] = '\0';
  EXPECT (carve_spec_parse (deep, 20000, &err) == NULL);
  free (deep);
  EXPECT_CONTAINS (err->msg, "nested deeper than");
  carve_error_release (&err);
  return 0;
}

/* --- process.json and resources ----------------------------------------------- */

static int
test_process_parse (void)
{
  cleanup_free char *json = corpus_file ("process.json");
  cleanup_spec_process struct carve_spec_process_s *p = NULL;
  carve_error_t err = NULL;
  const char *bad = "{\"args\": [\"sh\"], \"cwd\": \"rel\"}";

  EXPECT (json != NULL);
  p = carve_spec_process_parse (json, strlen (json), &err);
  EXPECT (p != NULL);
  EXPECT (p->args_len == 2);
  EXPECT_STR (p->args[0], "sleep");
  EXPECT_STR (p->cwd, "/");
  EXPECT (p->no_new_privileges && !p->terminal);
  EXPECT (p->rlimits_len == 1 && p->rlimits[0]->hard == 1024);

  EXPECT (carve_spec_process_parse (bad, strlen (bad), &err) == NULL);
  EXPECT_STR (err->msg, "cwd: \"rel\" is not an absolute path");
  carve_error_release (&err);
  EXPECT (carve_spec_process_parse ("{\"args\": [\"sh\"]}", 16, &err) == NULL);
  EXPECT_STR (err->msg, "cwd: missing required field");
  carve_error_release (&err);
  EXPECT (carve_spec_process_parse ("{", 1, &err) == NULL);
  EXPECT (starts_with (err->msg, "process.json: invalid JSON: "));
  carve_error_release (&err);
  return 0;
}

static int
test_resources_parse (void)
{
  cleanup_free char *json = corpus_file ("resources.json");
  cleanup_spec_resources struct carve_spec_linux_resources_s *r = NULL;
  carve_error_t err = NULL;
  const char *bad = "{\"cpu\": {\"cpus\": \"0-x\"}}";

  EXPECT (json != NULL);
  r = carve_spec_resources_parse (json, strlen (json), &err);
  EXPECT (r != NULL);
  EXPECT (r->memory->limit == 1073741824 && r->memory->swap == -1 && !r->memory->has_reservation);
  EXPECT_STR (r->cpu->cpus, "0-1");
  EXPECT (r->pids->limit == 100);
  EXPECT (r->unified->len == 1);

  EXPECT (carve_spec_resources_parse (bad, strlen (bad), &err) == NULL);
  EXPECT_STR (err->msg, "cpu.cpus: \"0-x\" is not a CPU list");
  carve_error_release (&err);
  return 0;
}

/* --- helpers -------------------------------------------------------------------- */

static int
expect_signal (const char *name, int want)
{
  carve_error_t err = NULL;
  int signo = -1;

  if (carve_spec_signal_parse (name, &signo, &err) < 0)
    {
      fprintf (stderr, "# %s: %s\n", name, err->msg);
      carve_error_release (&err);
      return -1;
    }
  if (signo != want)
    {
      fprintf (stderr, "# %s: got %d, want %d\n", name, signo, want);
      return -1;
    }
  return 0;
}

static int
expect_bad_signal (const char *name)
{
  carve_error_t err = NULL;
  int signo = -1;
  cleanup_free char *want = xasprintf ("unknown signal \"%s\"", name);

  if (carve_spec_signal_parse (name, &signo, &err) == 0)
    {
      fprintf (stderr, "# %s accepted as %d\n", name, signo);
      return -1;
    }
  EXPECT_STR (err->msg, want);
  carve_error_release (&err);
  return 0;
}

static int
test_signal_parse (void)
{
  cleanup_free char *rtmax = xasprintf ("%d", SIGRTMAX);
  cleanup_free char *beyond = xasprintf ("%d", SIGRTMAX + 1);

  EXPECT (expect_signal ("KILL", SIGKILL) == 0);
  EXPECT (expect_signal ("SIGKILL", SIGKILL) == 0);
  EXPECT (expect_signal ("sigterm", SIGTERM) == 0);
  EXPECT (expect_signal ("Hup", SIGHUP) == 0);
  EXPECT (expect_signal ("9", 9) == 0);
  EXPECT (expect_signal ("15", SIGTERM) == 0);
  EXPECT (expect_signal ("SIGCHLD", SIGCHLD) == 0);
  EXPECT (expect_signal ("WINCH", SIGWINCH) == 0);
  EXPECT (expect_signal ("SIGRTMIN", SIGRTMIN) == 0);
  EXPECT (expect_signal ("SIGRTMIN+3", SIGRTMIN + 3) == 0);
  EXPECT (expect_signal ("rtmin+1", SIGRTMIN + 1) == 0);
  EXPECT (expect_signal ("RTMAX-2", SIGRTMAX - 2) == 0);
  EXPECT (expect_signal ("SIGRTMAX", SIGRTMAX) == 0);
  EXPECT (expect_signal (rtmax, SIGRTMAX) == 0);
  EXPECT (expect_bad_signal ("0") == 0);
  EXPECT (expect_bad_signal ("FOO") == 0);
  EXPECT (expect_bad_signal ("SIGFOO") == 0);
  EXPECT (expect_bad_signal ("") == 0);
  EXPECT (expect_bad_signal ("-9") == 0);
  EXPECT (expect_bad_signal ("9x") == 0);
  EXPECT (expect_bad_signal (beyond) == 0);
  EXPECT (expect_bad_signal ("99999999999999999999") == 0);
  EXPECT (expect_bad_signal ("SIGRTMIN+99") == 0);
  EXPECT (expect_bad_signal ("RTMIN-1") == 0);
  EXPECT (expect_bad_signal ("RTMAX+1") == 0);
  EXPECT (expect_bad_signal ("SIG") == 0);
  return 0;
}

static int
expect_cpus (const char *list, size_t want_len, const char *want_bits)
{
  carve_error_t err = NULL;
  cleanup_free uint8_t *mask = NULL;
  size_t len = 99, i;

  if (carve_spec_parse_cpu_list (list, &mask, &len, &err) < 0)
    {
      fprintf (stderr, "# \"%s\": %s\n", list, err->msg);
      carve_error_release (&err);
      return -1;
    }
  EXPECT (len == want_len);
  /* WANT_BITS: a comma-separated list of the indexes that must be set; all
     others in the mask must be clear.  */
  for (i = 0; i < len * 8; i++)
    {
      bool set = (mask[i / 8] >> (i % 8)) & 1;
      bool want = false;
      const char *p = want_bits;

      while (*p)
        {
          char *end;
          unsigned long v = strtoul (p, &end, 10);
          if (v == i)
            want = true;
          p = *end == ',' ? end + 1 : end;
        }
      if (set != want)
        {
          fprintf (stderr, "# \"%s\": bit %zu is %d\n", list, i, set);
          return -1;
        }
    }
  return 0;
}

static int
expect_bad_cpus (const char *list)
{
  carve_error_t err = NULL;
  uint8_t *mask = NULL;
  size_t len = 0;
  cleanup_free char *want = xasprintf ("\"%s\" is not a CPU list", list);

  if (carve_spec_parse_cpu_list (list, &mask, &len, &err) == 0)
    {
      fprintf (stderr, "# \"%s\" accepted\n", list);
      free (mask);
      return -1;
    }
  EXPECT_STR (err->msg, want);
  carve_error_release (&err);
  return 0;
}

static int
test_cpu_list (void)
{
  carve_error_t err = NULL;
  uint8_t *mask = (uint8_t *)"x";
  size_t len = 5;

  EXPECT (carve_spec_parse_cpu_list ("", &mask, &len, &err) == 0);
  EXPECT (mask == NULL && len == 0);
  EXPECT (expect_cpus ("0", 1, "0") == 0);
  EXPECT (expect_cpus ("0-0", 1, "0") == 0);
  EXPECT (expect_cpus ("7", 1, "7") == 0);
  EXPECT (expect_cpus ("8", 2, "8") == 0);
  EXPECT (expect_cpus ("0-3,5", 1, "0,1,2,3,5") == 0);
  EXPECT (expect_cpus (" 1 - 2 , 9 ", 2, "1,2,9") == 0);
  EXPECT (expect_cpus ("3,1,3", 1, "1,3") == 0);
  EXPECT (expect_cpus ("8191", 1024, "8191") == 0);
  {
    cleanup_free uint8_t *m = NULL;
    size_t i;
    EXPECT (carve_spec_parse_cpu_list ("0-1023", &m, &len, &err) == 0);
    EXPECT (len == 128);
    for (i = 0; i < 128; i++)
      EXPECT (m[i] == 0xff);
  }
  EXPECT (expect_bad_cpus ("3-1") == 0);
  EXPECT (expect_bad_cpus ("1,") == 0);
  EXPECT (expect_bad_cpus (",1") == 0);
  EXPECT (expect_bad_cpus ("1,,2") == 0);
  EXPECT (expect_bad_cpus ("a") == 0);
  EXPECT (expect_bad_cpus ("0-x") == 0);
  EXPECT (expect_bad_cpus ("-1") == 0);
  EXPECT (expect_bad_cpus ("1-") == 0);
  EXPECT (expect_bad_cpus ("0-8192") == 0);
  EXPECT (expect_bad_cpus ("8192") == 0);
  EXPECT (expect_bad_cpus ("99999999999999999999999") == 0);
  EXPECT (expect_bad_cpus ("1 2") == 0);
  return 0;
}

static int
test_lookups (void)
{
  EXPECT (carve_spec_rlimit_from_name ("RLIMIT_NOFILE") == RLIMIT_NOFILE);
  EXPECT (carve_spec_rlimit_from_name ("RLIMIT_RTTIME") == RLIMIT_RTTIME);
  EXPECT (carve_spec_rlimit_from_name ("RLIMIT_FOO") == -1);
  EXPECT (carve_spec_rlimit_from_name ("nofile") == -1);
  EXPECT (carve_spec_namespace_flag ("pid") == CLONE_NEWPID);
  EXPECT (carve_spec_namespace_flag ("network") == CLONE_NEWNET);
  EXPECT (carve_spec_namespace_flag ("mount") == CLONE_NEWNS);
  EXPECT (carve_spec_namespace_flag ("net") == 0);
  return 0;
}

/* --- emitters --------------------------------------------------------------------- */

static const char *
tree_str (yajl_val tree, const char *key)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (tree, path, yajl_t_string);
  return v ? YAJL_GET_STRING (v) : NULL;
}

static int
test_emit_state (void)
{
  char *keys[] = { "z", "a<b", NULL }, *values[] = { "last", "x&y>", NULL };
  struct carve_spec_map_s ann = { keys, values, 2 };
  struct carve_spec_container_state_s st
      = { "1.0.2", "c1", "running", "/b", "/b/rootfs", "2026-01-01T00:00:00.000000001Z", "", 42, &ann, NULL };
  cleanup_free char *out = carve_spec_emit_state (&st);
  char errbuf[256];
  yajl_val tree = yajl_tree_parse (out, errbuf, sizeof (errbuf));
  const char *pid_path[] = { "pid", NULL };
  const char *ann_path[] = { "annotations", "a<b", NULL };

  EXPECT (tree != NULL);
  EXPECT_STR (tree_str (tree, "ociVersion"), "1.0.2");
  EXPECT_STR (tree_str (tree, "id"), "c1");
  EXPECT_STR (tree_str (tree, "status"), "running");
  EXPECT_STR (tree_str (tree, "bundle"), "/b");
  EXPECT_STR (tree_str (tree, "rootfs"), "/b/rootfs");
  EXPECT_STR (tree_str (tree, "created"), "2026-01-01T00:00:00.000000001Z");
  EXPECT_STR (tree_str (tree, "owner"), "");
  EXPECT (YAJL_GET_INTEGER (yajl_tree_get (tree, pid_path, yajl_t_number)) == 42);
  EXPECT_STR (YAJL_GET_STRING (yajl_tree_get (tree, ann_path, yajl_t_string)), "x&y>");
  yajl_tree_free (tree);
  /* Go's shape: two-space indent, sorted map keys, escaped <>&, fields in
     runc's order, no trailing newline.  */
  EXPECT (starts_with (out, "{\n  \"ociVersion\": \"1.0.2\",\n  \"id\": \"c1\",\n  \"pid\": 42,\n  \"status\""));
  EXPECT_CONTAINS (out, "\"annotations\": {\n    \"a\\u003cb\": \"x\\u0026y\\u003e\",\n    \"z\": \"last\"\n  },\n  "
                        "\"owner\": \"\"\n}");
  EXPECT (out[strlen (out) - 1] == '}');

  /* No annotations: the key is omitted.  */
  {
    cleanup_free char *o2 = NULL;
    st.annotations = NULL;
    o2 = carve_spec_emit_state (&st);
    EXPECT (strstr (o2, "annotations") == NULL);
  }
  return 0;
}

static int
test_emit_list (void)
{
  struct carve_spec_container_state_s a = { "1.0.2", "a", "running", "/a", "/a/r", "t", "root", 1, NULL, NULL };
  struct carve_spec_container_state_s b = { "1.0.2", "b", "stopped", "/b", "/b/r", "t", "root", 0, NULL, NULL };
  const struct carve_spec_container_state_s *v[] = { &a, &b };
  cleanup_free char *empty = carve_spec_emit_state_list (NULL, 0);
  cleanup_free char *two = carve_spec_emit_state_list (v, 2);
  char errbuf[256];
  yajl_val tree;

  EXPECT_STR (empty, "null");
  EXPECT (strchr (two, '\n') == NULL);
  tree = yajl_tree_parse (two, errbuf, sizeof (errbuf));
  EXPECT (tree != NULL && YAJL_IS_ARRAY (tree) && tree->u.array.len == 2);
  EXPECT_STR (tree_str (tree->u.array.values[1], "id"), "b");
  EXPECT_STR (tree_str (tree->u.array.values[0], "owner"), "root");
  yajl_tree_free (tree);
  EXPECT_STR (two, "[{\"ociVersion\":\"1.0.2\",\"id\":\"a\",\"pid\":1,\"status\":\"running\",\"bundle\":\"/a\","
                   "\"rootfs\":\"/a/r\",\"created\":\"t\",\"owner\":\"root\"},{\"ociVersion\":\"1.0.2\",\"id\":\"b\","
                   "\"pid\":0,\"status\":\"stopped\",\"bundle\":\"/b\",\"rootfs\":\"/b/r\",\"created\":\"t\","
                   "\"owner\":\"root\"}]");
  return 0;
}

static int
test_emit_hook_state (void)
{
  char *keys[] = { "k", NULL }, *values[] = { "v", NULL };
  struct carve_spec_map_s ann = { keys, values, 1 };
  struct carve_spec_container_state_s st = { "1.3.0", "c", "creating", "/b", "/b/r", "t", "o", 0, &ann, NULL };
  cleanup_free char *no_pid = carve_spec_emit_hook_state (&st);
  cleanup_free char *with_pid = NULL;

  EXPECT_STR (no_pid, "{\"ociVersion\":\"1.3.0\",\"id\":\"c\",\"status\":\"creating\",\"bundle\":\"/b\","
                      "\"annotations\":{\"k\":\"v\"}}");
  st.pid = 7;
  st.annotations = NULL;
  with_pid = carve_spec_emit_hook_state (&st);
  EXPECT_STR (with_pid, "{\"ociVersion\":\"1.3.0\",\"id\":\"c\",\"status\":\"creating\",\"pid\":7,\"bundle\":\"/b\"}");
  return 0;
}

static int
test_emit_escaping (void)
{
  /* Control characters, invalid UTF-8, U+2028 and valid multibyte text.  */
  struct carve_spec_container_state_s st = { "1", "a\x01\tb\xff\xe2\x80\xa8\xc3\xa9", "s", "", "", "", "", 0, NULL, NULL };
  cleanup_free char *out = carve_spec_emit_hook_state (&st);

  EXPECT_CONTAINS (out, "\"id\":\"a\\u0001\\tb\\ufffd\\u2028\xc3\xa9\"");
  return 0;
}

static int
test_emit_features (void)
{
  char *mount_options[] = { "bind", "ro", NULL };
  char *flags[] = { "SECCOMP_FILTER_FLAG_LOG", NULL };
  struct carve_spec_features_s f = { .mount_options = mount_options, .seccomp_supported_flags = flags };
  cleanup_free char *out = carve_spec_emit_features (&f);
  const char *mo_path[] = { "mountOptions", NULL };
  const char *sf_path[] = { "linux", "seccomp", "supportedFlags", NULL };
  char errbuf[256];
  yajl_val tree = yajl_tree_parse (out, errbuf, sizeof (errbuf));
  const char *ns_path[] = { "linux", "namespaces", NULL };
  const char *caps_path[] = { "linux", "capabilities", NULL };
  const char *v1_path[] = { "linux", "cgroup", "v1", NULL };
  const char *unsafe_path[] = { "potentiallyUnsafeConfigAnnotations", NULL };
  yajl_val v;

  EXPECT (tree != NULL);
  EXPECT_STR (tree_str (tree, "ociVersionMin"), "1.0.0");
  EXPECT_STR (tree_str (tree, "ociVersionMax"), "1.3.0");
  v = yajl_tree_get (tree, ns_path, yajl_t_array);
  EXPECT (v != NULL && v->u.array.len == 8);
  v = yajl_tree_get (tree, caps_path, yajl_t_array);
  EXPECT (v != NULL && v->u.array.len > 30);
  EXPECT_STR (YAJL_GET_STRING (v->u.array.values[0]), "CAP_CHOWN");
  EXPECT (YAJL_IS_TRUE (yajl_tree_get (tree, v1_path, yajl_t_any)));
  /* The lists the caller knows are printed as given.  */
  v = yajl_tree_get (tree, mo_path, yajl_t_array);
  EXPECT (v != NULL && v->u.array.len == 2);
  EXPECT_STR (YAJL_GET_STRING (v->u.array.values[1]), "ro");
  v = yajl_tree_get (tree, sf_path, yajl_t_array);
  EXPECT (v != NULL && v->u.array.len == 1);
  EXPECT_STR (YAJL_GET_STRING (v->u.array.values[0]), "SECCOMP_FILTER_FLAG_LOG");
  v = yajl_tree_get (tree, unsafe_path, yajl_t_array);
  EXPECT (v != NULL && v->u.array.len > 0);
  EXPECT_STR (YAJL_GET_STRING (v->u.array.values[0]), "carve.isolation");
  yajl_tree_free (tree);
  EXPECT (starts_with (out, "{\n    \"ociVersionMin\": \"1.0.0\",\n"));
  return 0;
}

static int
test_default_json (void)
{
  cleanup_free char *normal = carve_spec_default_json (false, true);
  cleanup_free char *rootless = carve_spec_default_json (true, true);
  cleanup_free char *quiet = carve_spec_default_json (false, false);
  cleanup_spec carve_spec_t a = NULL;
  cleanup_spec carve_spec_t b = NULL;
  size_t i;

  /* What `carve spec` writes is what carve reads.  */
  a = parse_ok (normal);
  b = parse_ok (rootless);
  EXPECT (a != NULL && b != NULL);
  EXPECT_STR (a->oci_version, "1.3.0");
  EXPECT_STR (a->hostname, "carve");
  {
    /* Without the hostname, the same document otherwise.  */
    cleanup_spec carve_spec_t q = parse_ok (quiet);
    EXPECT (q != NULL && q->hostname == NULL && q->process->args != NULL);
  }
  EXPECT_STR (a->process->args[0], "sh");
  EXPECT (a->process->terminal);
  EXPECT (a->mounts_len == 7);
  EXPECT (a->linux_->namespaces_len == 5 && a->linux_->resources != NULL);
  EXPECT (a->linux_->uid_mappings == NULL);
  EXPECT (b->linux_->resources == NULL && b->linux_->uid_mappings_len == 1);
  EXPECT (b->linux_->uid_mappings[0]->host_id == (uint32_t)geteuid ());
  for (i = 0; i < b->linux_->namespaces_len; i++)
    EXPECT (strcmp (b->linux_->namespaces[i]->type, "network") != 0);
  EXPECT_STR (b->linux_->namespaces[b->linux_->namespaces_len - 1]->type, "user");
  EXPECT (starts_with (normal, "{\n\t\"ociVersion\": \"1.3.0\",\n\t\"process\": {\n\t\t\"terminal\": true,"));
  EXPECT (normal[strlen (normal) - 1] == '}');
  return 0;
}


/* --- carve.* annotations ------------------------------------------------------ */

static int
request_of (const char *annotations, struct carve_compute_request_s *req, carve_error_t *err)
{
  cleanup_free char *json = xasprintf ("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"/\"}, \"process\": "
                                       "{\"cwd\": \"/\", \"args\": [\"sh\"]}, \"linux\": {\"resources\": "
                                       "{\"cpu\": {\"cpus\": \"2-3\"}}}, \"annotations\": {%s}}",
                                       annotations);
  carve_error_t e = NULL;
  CARVE_CLEANUP (spec) carve_spec_t spec = carve_spec_parse (json, strlen (json), &e);
  int r;

  if (spec == NULL)
    {
      fprintf (stderr, "# %s\n", e->msg);
      exit (1);
    }
  r = carve_compute_request_parse (spec, req, err);
  return r;
}

static int
test_annotations (void)
{
  struct carve_compute_request_s r;
  carve_error_t err = NULL;

  /* A CPU list in cpuset syntax: 1 is CPU 1, 0 is CPU 0.  */
  EXPECT (request_of ("\"carve.cpus\": \"1\"", &r, &err) == 0);
  EXPECT (r.cpus_kind == CARVE_CPUS_LIST && carve_cpumask_count (&r.cpus) == 1 && carve_cpumask_test (&r.cpus, 1));
  EXPECT (r.exclusive && !r.load_balance && r.evict && carve_compute_request_active (&r));
  EXPECT_STR (r.cpus_jpath, "annotations.carve.cpus");
  carve_compute_request_release (&r);
  EXPECT (request_of ("\"carve.cpus\": \"0\"", &r, &err) == 0);
  EXPECT (r.cpus_kind == CARVE_CPUS_LIST && carve_cpumask_test (&r.cpus, 0));
  carve_compute_request_release (&r);
  /* A count has its own key.  */
  EXPECT (request_of ("\"carve.cpus.count\": \"2\", \"carve.kthreads\": \"keep\"", &r, &err) == 0);
  EXPECT (r.cpus_kind == CARVE_CPUS_COUNT && r.cpus_count == 2 && r.exclusive && !r.evict);
  carve_compute_request_release (&r);
  /* exclusive=true takes linux.resources.cpu.cpus.  */
  EXPECT (request_of ("\"carve.cpus.exclusive\": \"true\"", &r, &err) == 0);
  EXPECT (r.cpus_kind == CARVE_CPUS_LIST && carve_cpumask_count (&r.cpus) == 2);
  EXPECT_STR (r.cpus_jpath, "linux.resources.cpu.cpus");
  carve_compute_request_release (&r);
  /* Shared CPUs: neither exclusive nor evicting.  */
  EXPECT (request_of ("\"carve.cpus\": \"4\", \"carve.cpus.exclusive\": \"false\"", &r, &err) == 0);
  EXPECT (!r.exclusive && !r.evict);
  carve_compute_request_release (&r);
  EXPECT (request_of ("\"carve.memory\": \"16u\", \"carve.memory.hugepages\": \"2M\", \"carve.sched\": "
                      "\"rr:5\", \"carve.isolation\": \"oci\", \"other\": \"x\"",
                      &r, &err)
          == 0);
  EXPECT (r.has_memory && r.memory_units == 16 && r.memory_bytes == 0 && r.hugepage_size == 2097152);
  EXPECT (r.sched == CARVE_SCHED_RR && r.sched_priority == 5 && r.isolation == CARVE_ISOLATION_OCI);
  carve_compute_request_release (&r);
  EXPECT (request_of ("\"carve.syscalls.deny\": \"mkdir\"", &r, &err) == 0);
  EXPECT (!carve_compute_request_active (&r));
  EXPECT_STR (r.values[CARVE_ANNOTATION_SYSCALLS_DENY], "mkdir");
  carve_compute_request_release (&r);
  /* A pod's sandbox gets the pod's annotations too (containerd and CRI-O
     mark it): it keeps the isolation mode and asks for nothing else.  */
  EXPECT (request_of ("\"io.kubernetes.cri.container-type\": \"sandbox\", \"carve.cpus\": \"1\", \"carve.memory\": "
                      "\"16u\", \"carve.sched\": \"cooperative\", \"carve.syscalls.deny\": \"mkdir\", \"carve.isolation\": \"oci\"",
                      &r, &err)
          == 0);
  EXPECT (r.sandbox && !carve_compute_request_active (&r) && r.isolation == CARVE_ISOLATION_OCI);
  EXPECT (!r.exclusive && !r.evict && r.values[CARVE_ANNOTATION_SYSCALLS_DENY] == NULL);
  EXPECT_STR (r.values[CARVE_ANNOTATION_ISOLATION], "oci");
  carve_compute_request_release (&r);
  EXPECT (request_of ("\"io.kubernetes.cri-o.ContainerType\": \"sandbox\", \"carve.cpus.count\": \"1\"", &r, &err) == 0);
  EXPECT (r.sandbox && r.cpus_kind == CARVE_CPUS_NONE);
  carve_compute_request_release (&r);
  /* The pod's containers themselves do ask.  */
  EXPECT (request_of ("\"io.kubernetes.cri.container-type\": \"container\", \"carve.cpus\": \"1\"", &r, &err) == 0);
  EXPECT (!r.sandbox && r.cpus_kind == CARVE_CPUS_LIST && carve_compute_request_active (&r));
  carve_compute_request_release (&r);

#define BAD_ANNOTATION(ann, want)                                                                                                  \
  do                                                                                                                   \
    {                                                                                                                  \
      EXPECT (request_of (ann, &r, &err) < 0);                                                                         \
      EXPECT_CONTAINS (err->msg, want);                                                                                \
      carve_error_release (&err);                                                                                      \
      carve_compute_request_release (&r);                                                                              \
    }                                                                                                                  \
  while (0)
  BAD_ANNOTATION ("\"carve.cpus\": \"0-x\"", "annotations.carve.cpus: `0-x` is not a CPU list");
  BAD_ANNOTATION ("\"carve.cpus.count\": \"0\"", "annotations.carve.cpus.count: `0` is not a number of CPUs");
  BAD_ANNOTATION ("\"carve.cpus\": \"1\", \"carve.cpus.count\": \"1\"", "annotations.carve.cpus.count: `1`: carve.cpus `1`");
  BAD_ANNOTATION ("\"carve.cpu\": \"1\"", "annotations.carve.cpu: not a carve annotation");
  BAD_ANNOTATION ("\"carve.isolation\": \"sealed\"", "annotations.carve.isolation: `sealed` is not `permeable` or `oci`");
  BAD_ANNOTATION ("\"carve.kthreads\": \"evict\"", "annotations.carve.kthreads: `evict` needs carve.cpus");
  BAD_ANNOTATION ("\"carve.memory.nodes\": \"0\"", "annotations.carve.memory.nodes: `0` needs annotations.carve.memory");
  BAD_ANNOTATION ("\"carve.memory\": \"0u\"", "at least one unit");
  BAD_ANNOTATION ("\"carve.sched\": \"fifo:100\"", "priority 1-99");
  /* A sandbox's values are still checked: a bad one fails the pod at once.  */
  BAD_ANNOTATION ("\"io.kubernetes.cri.container-type\": \"sandbox\", \"carve.cpus\": \"x\"",
                  "annotations.carve.cpus: `x` is not a CPU list");
  /* carve.job names a directory: never a path, never empty or too long,
     and the message stays one line whatever the value holds.  */
  BAD_ANNOTATION ("\"carve.job\": \"\"", "annotations.carve.job: empty, a job name is letters");
  BAD_ANNOTATION ("\"carve.job\": \"..\"", "annotations.carve.job: `..` is not a job name");
  BAD_ANNOTATION ("\"carve.job\": \".x\"", "annotations.carve.job: `.x` is not a job name");
  BAD_ANNOTATION ("\"carve.job\": \"/\"", "annotations.carve.job: `/` is not a job name");
  BAD_ANNOTATION ("\"carve.job\": \"a/b\"", "annotations.carve.job: `a/b` is not a job name");
  BAD_ANNOTATION ("\"carve.job\": \"a b\"", "annotations.carve.job: `a b` is not a job name");
  BAD_ANNOTATION ("\"carve.job\": \"j\\u00f6b\"", "annotations.carve.job: `j\xc3\xb6" "b` is not a job name");
  BAD_ANNOTATION ("\"carve.job\": \"a\\nb\"", "annotations.carve.job: `a\\x0ab` is not a job name");
  BAD_ANNOTATION ("\"carve.job\": \"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "\"",
                  "annotations.carve.job: a job name of 65 characters, at most 64");
#undef BAD_ANNOTATION
  /* Good names, the longest included; a sandbox drops the job.  */
  EXPECT (request_of ("\"carve.job\": \"1234.0_x-Y\"", &r, &err) == 0);
  EXPECT_STR (r.values[CARVE_ANNOTATION_JOB], "1234.0_x-Y");
  EXPECT (!carve_compute_request_active (&r));
  carve_compute_request_release (&r);
  EXPECT (request_of ("\"carve.job\": \"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "\"", &r, &err) == 0);
  carve_compute_request_release (&r);
  EXPECT (request_of ("\"io.kubernetes.cri.container-type\": \"sandbox\", \"carve.job\": \"a\"", &r, &err) == 0);
  EXPECT (r.values[CARVE_ANNOTATION_JOB] == NULL);
  carve_compute_request_release (&r);
  /* The table is the one list: every key once, each with its JSON path.  */
  {
    const char *const *names = carve_annotation_names ();
    size_t i;
    for (i = 0; names[i]; i++)
      {
        cleanup_free char *jpath = xasprintf ("annotations.%s", names[i]);
        EXPECT_STR (carve_annotation_info ((enum carve_annotation) i)->jpath, jpath);
      }
    EXPECT (i == CARVE_ANNOTATION_COUNT_);
  }
  return 0;
}

UNIT_MAIN (UNIT_CASE (test_full_config), UNIT_CASE (test_annotations), UNIT_CASE (test_minimal_config), UNIT_CASE (test_load),
           UNIT_CASE (test_reject_required), UNIT_CASE (test_reject_values), UNIT_CASE (test_reject_version),
           UNIT_CASE (test_reject_types), UNIT_CASE (test_huge_numbers), UNIT_CASE (test_unknown_fields_ignored),
           UNIT_CASE (test_json_semantics), UNIT_CASE (test_bad_json), UNIT_CASE (test_process_parse),
           UNIT_CASE (test_resources_parse), UNIT_CASE (test_signal_parse), UNIT_CASE (test_cpu_list),
           UNIT_CASE (test_lookups), UNIT_CASE (test_emit_state), UNIT_CASE (test_emit_list),
           UNIT_CASE (test_emit_hook_state), UNIT_CASE (test_emit_escaping), UNIT_CASE (test_emit_features),
           UNIT_CASE (test_default_json))
