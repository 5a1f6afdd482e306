/* The cgroup v2 device filter: cgroup2 has no devices.allow; the kernel asks
   a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup instead.
   Written with raw bpf(2), no libbpf.  */
#include <config.h>
#include "runtime/linux/cgroup-bpf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "spec/spec.h"
#include "xalloc.h"

static int
sys_bpf (int cmd, union bpf_attr *attr)
{
  return (int)syscall (__NR_bpf, cmd, attr, sizeof (*attr));
}

struct prog_s
{
  struct bpf_insn *insns;
  size_t len;
};

static void
emit (struct prog_s *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
  struct bpf_insn *i;

  p->insns = xrealloc (p->insns, sizeof (*p->insns) * (p->len + 1));
  i = &p->insns[p->len++];
  memset (i, 0, sizeof (*i));
  i->code = code;
  i->dst_reg = dst & 0xf;
  i->src_reg = src & 0xf;
  i->off = off;
  i->imm = imm;
}

static int
rule_access (const char *access)
{
  int acc = 0;

  if (access == NULL || access[0] == '\0')
    return BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
  for (; *access; access++)
    switch (*access)
      {
      case 'r':
        acc |= BPF_DEVCG_ACC_READ;
        break;
      case 'w':
        acc |= BPF_DEVCG_ACC_WRITE;
        break;
      case 'm':
        acc |= BPF_DEVCG_ACC_MKNOD;
        break;
      default:
        break;
      }
  return acc;
}

/* One rule: every check jumps to the next rule on mismatch; a match returns
   the rule's verdict.  Registers: r2 type, r3 access, r4 major, r5 minor.  */
/* Returns true when the rule matches every request (nothing after it
   could run: the verifier refuses unreachable instructions).  */
static bool
emit_rule (struct prog_s *p, const struct carve_spec_device_cgroup_s *d)
{
  const char *t = d->type && d->type[0] ? d->type : "a";
  int type = t[0] == 'c' ? BPF_DEVCG_DEV_CHAR : t[0] == 'b' ? BPF_DEVCG_DEV_BLOCK : 0;
  int acc = rule_access (d->access);
  bool all_access = acc == (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE);
  int16_t len = 2, left;

  if (type)
    len += 1;
  if (!all_access)
    len += 3;
  if (d->has_major && d->major >= 0)
    len += 1;
  if (d->has_minor && d->minor >= 0)
    len += 1;
  left = len;

  /* An offset counts the instructions after the jump up to the target.  */
  if (type)
    {
      left--;
      emit (p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, left, type);
    }
  if (!all_access)
    {
      /* The request's access must be within the rule's, as runc checks.  */
      emit (p, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
      emit (p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, acc);
      left -= 3;
      emit (p, BPF_JMP | BPF_JNE | BPF_X, BPF_REG_1, BPF_REG_3, left, 0);
    }
  if (d->has_major && d->major >= 0)
    {
      left--;
      emit (p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, left, (int32_t)d->major);
    }
  if (d->has_minor && d->minor >= 0)
    {
      left--;
      emit (p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, left, (int32_t)d->minor);
    }
  emit (p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, d->allow ? 1 : 0);
  emit (p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  return len == 2;
}

void
carve_cgroup_bpf_devices_program (struct carve_spec_device_cgroup_s *const *rules, size_t n, struct bpf_insn **ret,
                                  size_t *ret_len)
{
  struct prog_s p = { NULL, 0 };
  size_t i;

  /* struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; },
     access_type = access << 16 | type.  */
  emit (&p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0);
  emit (&p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
  emit (&p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 0, 0);
  emit (&p, BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
  emit (&p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0);
  emit (&p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0);

  /* A later rule overrides an earlier one: test them last to first, and
     the first match decides.  */
  for (i = n; i > 0; i--)
    if (emit_rule (&p, rules[i - 1]))
      break;

  /* No rule matched: deny.  */
  if (i == 0)
    {
      emit (&p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
      emit (&p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    }
  *ret = p.insns;
  *ret_len = p.len;
}

static int
query (int dirfd, uint32_t **ret_ids, uint32_t *ret_n, carve_error_t *err)
{
  union bpf_attr attr;
  uint32_t cap = 64;
  uint32_t *ids = xcalloc (cap, sizeof (uint32_t));

  memset (&attr, 0, sizeof (attr));
  attr.query.target_fd = (uint32_t)dirfd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
  attr.query.prog_cnt = cap;
  if (sys_bpf (BPF_PROG_QUERY, &attr) < 0)
    {
      int saved = errno;
      free (ids);
      return carve_make_error (err, saved, "bpf BPF_PROG_QUERY");
    }
  *ret_ids = ids;
  *ret_n = attr.query.prog_cnt < cap ? attr.query.prog_cnt : cap;
  return 0;
}

int
carve_cgroup_bpf_devices_count (const char *dir, size_t *ret, carve_error_t *err)
{
  cleanup_close int dirfd = -1;
  uint32_t *ids = NULL, n = 0;

  dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return carve_make_error (err, errno, "open `%s`", dir);
  if (query (dirfd, &ids, &n, err) < 0)
    return -1;
  free (ids);
  *ret = n;
  return 0;
}

int
carve_cgroup_bpf_devices_apply (const char *dir, struct carve_spec_device_cgroup_s *const *rules, size_t n,
                                carve_error_t *err)
{
  cleanup_close int dirfd = -1, progfd = -1;
  cleanup_free struct bpf_insn *insns = NULL;
  cleanup_free char *log = NULL;
  uint32_t *old = NULL, n_old = 0, i;
  size_t len = 0;
  union bpf_attr attr;

  dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return carve_make_error (err, errno, "open `%s`", dir);
  /* Before attaching the new one, so that only the old ones go.  */
  if (query (dirfd, &old, &n_old, err) < 0)
    return carve_error_wrap (err, "device filter of `%s`", dir);

  carve_cgroup_bpf_devices_program (rules, n, &insns, &len);
  log = xzalloc (65536);
  memset (&attr, 0, sizeof (attr));
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)insns;
  attr.insn_cnt = (uint32_t)len;
  attr.license = (uint64_t)(uintptr_t) "GPL";
  attr.log_buf = (uint64_t)(uintptr_t)log;
  attr.log_size = 65536;
  attr.log_level = 1;
  progfd = sys_bpf (BPF_PROG_LOAD, &attr);
  if (progfd < 0 && errno == ENOSPC)
    {
      /* The verifier log did not fit; load again without it.  */
      attr.log_buf = 0;
      attr.log_size = 0;
      attr.log_level = 0;
      progfd = sys_bpf (BPF_PROG_LOAD, &attr);
    }
  if (progfd < 0)
    {
      int saved = errno;
      free (old);
      if (log[0])
        return carve_make_error (err, saved, "load the device filter of `%s` (verifier: %.200s)", dir, log);
      return carve_make_error (err, saved, "load the device filter of `%s`", dir);
    }
  /* bpf(2) returns its descriptors O_CLOEXEC; once attached, the cgroup
     holds the program and our descriptor can go.  */

  memset (&attr, 0, sizeof (attr));
  attr.target_fd = (uint32_t)dirfd;
  attr.attach_bpf_fd = (uint32_t)progfd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (sys_bpf (BPF_PROG_ATTACH, &attr) < 0)
    {
      int saved = errno;
      free (old);
      return carve_make_error (err, saved, "attach the device filter to `%s`", dir);
    }

  /* Replace, do not stack: with several programs a device is allowed only
     when every one allows it, so an update could never widen access.  */
  for (i = 0; i < n_old; i++)
    {
      cleanup_close int oldfd = -1;

      memset (&attr, 0, sizeof (attr));
      attr.prog_id = old[i];
      oldfd = sys_bpf (BPF_PROG_GET_FD_BY_ID, &attr);
      if (oldfd < 0)
        {
          int saved = errno;
          if (saved == ENOENT)
            continue;
          free (old);
          return carve_make_error (err, saved, "detach the old device filter of `%s`", dir);
        }
      memset (&attr, 0, sizeof (attr));
      attr.target_fd = (uint32_t)dirfd;
      attr.attach_bpf_fd = (uint32_t)oldfd;
      attr.attach_type = BPF_CGROUP_DEVICE;
      if (sys_bpf (BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
        {
          int saved = errno;
          free (old);
          return carve_make_error (err, saved, "detach the old device filter of `%s`", dir);
        }
    }
  free (old);
  return 0;
}
