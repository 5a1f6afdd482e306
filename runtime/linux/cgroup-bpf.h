/* The cgroup v2 device controller: an eBPF BPF_PROG_TYPE_CGROUP_DEVICE
   program generated from linux.resources.devices, loaded and attached with
   raw bpf(2).  */
#ifndef CARVE_LINUX_CGROUP_BPF_H
#define CARVE_LINUX_CGROUP_BPF_H

#include <stddef.h>
#include <linux/bpf.h>

#include "error.h"

struct carve_spec_device_cgroup_s;

/* Generates the program for RULES (OCI order: a later rule overrides an
   earlier one; what no rule matches is denied).  *RET is xmalloc'ed.  */
void carve_cgroup_bpf_devices_program (struct carve_spec_device_cgroup_s *const *rules, size_t n, struct bpf_insn **ret,
                                       size_t *ret_len);

/* Loads the program for RULES and attaches it to the cgroup2 directory DIR
   (BPF_F_ALLOW_MULTI), then detaches the programs attached there before,
   so that an update never leaves the cgroup without a filter.  */
int carve_cgroup_bpf_devices_apply (const char *dir, struct carve_spec_device_cgroup_s *const *rules, size_t n,
                                    carve_error_t *err);

/* How many device programs are attached to DIR itself.  */
int carve_cgroup_bpf_devices_count (const char *dir, size_t *ret, carve_error_t *err);

#endif
