#!/usr/bin/env python3
"""Writes the two large seccomp fixtures of seccomp.bats: profiles shaped
like Docker's and Podman's defaults (an errno default, three x86
architectures, a long allow list, argument conditions on personality,
clone and socket), built from the Linux system call table rather than
copied from either project.  Run from this directory; the output is
committed so the suite needs no Python.

  docker-like.json   defaultAction SCMP_ACT_ERRNO (EPERM), allow list,
                     clone3 -> ENOSYS, conditional personality/clone/socket
  podman-like.json   defaultAction SCMP_ACT_ERRNO with defaultErrnoRet 38
                     (ENOSYS), the dangerous calls EPERM, allow list
"""
import json

# The x86_64 table (asm/unistd_64.h, Linux 6.1), and names that only other
# architectures have: a real profile lists both, and a runtime skips the
# ones this machine lacks.
X86_64 = """read write open close stat fstat lstat poll lseek mmap mprotect munmap brk
rt_sigaction rt_sigprocmask rt_sigreturn ioctl pread64 pwrite64 readv writev access pipe
select sched_yield mremap msync mincore madvise shmget shmat shmctl dup dup2 pause
nanosleep getitimer alarm setitimer getpid sendfile socket connect accept sendto recvfrom
sendmsg recvmsg shutdown bind listen getsockname getpeername socketpair setsockopt
getsockopt clone fork vfork execve exit wait4 kill uname semget semop semctl shmdt msgget
msgsnd msgrcv msgctl fcntl flock fsync fdatasync truncate ftruncate getdents getcwd chdir
fchdir rename mkdir rmdir creat link unlink symlink readlink chmod fchmod chown fchown
lchown umask gettimeofday getrlimit getrusage sysinfo times ptrace getuid syslog getgid
setuid setgid geteuid getegid setpgid getppid getpgrp setsid setreuid setregid getgroups
setgroups setresuid getresuid setresgid getresgid getpgid setfsuid setfsgid getsid capget
capset rt_sigpending rt_sigtimedwait rt_sigqueueinfo rt_sigsuspend sigaltstack utime mknod
uselib personality ustat statfs fstatfs sysfs getpriority setpriority sched_setparam
sched_getparam sched_setscheduler sched_getscheduler sched_get_priority_max
sched_get_priority_min sched_rr_get_interval mlock munlock mlockall munlockall vhangup
modify_ldt pivot_root _sysctl prctl arch_prctl adjtimex setrlimit chroot sync acct
settimeofday mount umount2 swapon swapoff reboot sethostname setdomainname iopl ioperm
create_module init_module delete_module get_kernel_syms query_module quotactl nfsservctl
getpmsg putpmsg afs_syscall tuxcall security gettid readahead setxattr lsetxattr fsetxattr
getxattr lgetxattr fgetxattr listxattr llistxattr flistxattr removexattr lremovexattr
fremovexattr tkill time futex sched_setaffinity sched_getaffinity set_thread_area io_setup
io_destroy io_getevents io_submit io_cancel get_thread_area lookup_dcookie epoll_create
epoll_ctl_old epoll_wait_old remap_file_pages getdents64 set_tid_address restart_syscall
semtimedop fadvise64 timer_create timer_settime timer_gettime timer_getoverrun timer_delete
clock_settime clock_gettime clock_getres clock_nanosleep exit_group epoll_wait epoll_ctl
tgkill utimes vserver mbind set_mempolicy get_mempolicy mq_open mq_unlink mq_timedsend
mq_timedreceive mq_notify mq_getsetattr kexec_load waitid add_key request_key keyctl
ioprio_set ioprio_get inotify_init inotify_add_watch inotify_rm_watch migrate_pages openat
mkdirat mknodat fchownat futimesat newfstatat unlinkat renameat linkat symlinkat readlinkat
fchmodat faccessat pselect6 ppoll unshare set_robust_list get_robust_list splice tee
sync_file_range vmsplice move_pages utimensat epoll_pwait signalfd timerfd_create eventfd
fallocate timerfd_settime timerfd_gettime accept4 signalfd4 eventfd2 epoll_create1 dup3
pipe2 inotify_init1 preadv pwritev rt_tgsigqueueinfo perf_event_open recvmmsg fanotify_init
fanotify_mark prlimit64 name_to_handle_at open_by_handle_at clock_adjtime syncfs sendmmsg
setns getcpu process_vm_readv process_vm_writev kcmp finit_module sched_setattr
sched_getattr renameat2 seccomp getrandom memfd_create kexec_file_load bpf execveat
userfaultfd membarrier mlock2 copy_file_range preadv2 pwritev2 pkey_mprotect pkey_alloc
pkey_free statx io_pgetevents rseq pidfd_send_signal io_uring_setup io_uring_enter
io_uring_register open_tree move_mount fsopen fsconfig fsmount fspick pidfd_open clone3
close_range openat2 pidfd_getfd faccessat2 process_madvise epoll_pwait2 mount_setattr
quotactl_fd landlock_create_ruleset landlock_add_rule landlock_restrict_self memfd_secret
process_mrelease futex_waitv set_mempolicy_home_node""".split()

OTHER_ARCHS = """_llseek _newselect arm_fadvise64_64 arm_sync_file_range breakpoint cacheflush
chown32 clock_gettime64 clock_nanosleep_time64 fadvise64_64 fchown32 fcntl64 fstat64
fstatat64 fstatfs64 ftruncate64 futex_time64 getegid32 geteuid32 getgid32 getgroups32
getresgid32 getresuid32 getuid32 lchown32 lstat64 mmap2 ppoll_time64 pselect6_time64 recv
send sendfile64 set_tls setfsgid32 setfsuid32 setgid32 setgroups32 setregid32 setresgid32
setresuid32 setreuid32 setuid32 sigreturn socketcall stat64 statfs64 sync_file_range2
truncate64 ugetrlimit waitpid riscv_flush_icache s390_pci_mmio_read s390_pci_mmio_write
utimensat_time64 timer_gettime64 timer_settime64 recvmmsg_time64""".split()

# What a default container profile keeps from the container: the kernel's
# administration, other namespaces, tracing and raw memory of others.
DENIED = """acct add_key bpf clock_adjtime clock_settime create_module delete_module
finit_module get_kernel_syms get_mempolicy init_module ioperm iopl kcmp kexec_file_load
kexec_load keyctl lookup_dcookie mbind mount mount_setattr move_mount move_pages
name_to_handle_at nfsservctl open_by_handle_at open_tree fsopen fsconfig fsmount fspick
perf_event_open personality pivot_root process_vm_readv process_vm_writev ptrace
query_module quotactl quotactl_fd reboot request_key set_mempolicy set_mempolicy_home_node
setns settimeofday swapon swapoff sysfs _sysctl umount2 unshare uselib userfaultfd ustat
vm86 vm86old clone clone3 socket afs_syscall tuxcall security vserver getpmsg putpmsg
epoll_ctl_old epoll_wait_old syslog vhangup""".split()

CLONE_NEW_MASK = 0x7E020000  # CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET
ARCHS = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]


def allowed():
    return sorted(n for n in X86_64 + OTHER_ARCHS if n not in DENIED)


def conditionals():
    rules = []
    for persona in (0x0, 0x8, 0x20000, 0x20008, 0xFFFFFFFF):
        rules.append({"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                      "args": [{"index": 0, "value": persona, "op": "SCMP_CMP_EQ"}]})
    rules.append({"names": ["clone"], "action": "SCMP_ACT_ALLOW",
                  "args": [{"index": 0, "value": CLONE_NEW_MASK, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]})
    # AF_VSOCK (40) stays out.
    rules.append({"names": ["socket"], "action": "SCMP_ACT_ALLOW",
                  "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_NE"}]})
    return rules


def docker_like():
    return {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "architectures": ARCHS,
        "syscalls": [{"names": allowed(), "action": "SCMP_ACT_ALLOW"}] + conditionals()
        + [{"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}],
    }


def podman_like():
    return {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 38,
        "architectures": ARCHS,
        "syscalls": [{"names": sorted(n for n in DENIED if n not in ("clone", "clone3", "socket", "personality")),
                      "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]
        + [{"names": allowed(), "action": "SCMP_ACT_ALLOW"}] + conditionals()
        + [{"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}],
    }


for name, prof in (("docker-like.json", docker_like()), ("podman-like.json", podman_like())):
    with open(name, "w") as f:
        json.dump(prof, f, indent=1)
        f.write("\n")
