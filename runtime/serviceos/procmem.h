/* The target's memory: the arguments a forwarded call points to, and the
   results it expects back.  Reads and writes go through
   process_vm_readv/writev, which honour the target's page protections as
   the kernel's own copies do (a result buffer in read-only memory is
   EFAULT, not written).

   Like everything that computes a system call's answer in carve-serviceos,
   these return 0 or the answer's -errno, not a carve_error_t: a bad
   pointer is the caller's error, reported to the caller.  */
#ifndef CARVE_SERVICEOS_PROCMEM_H
#define CARVE_SERVICEOS_PROCMEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads LEN bytes at ADDR of process PID: 0 or -EFAULT.  */
int carve_sos_mem_read (pid_t pid, uint64_t addr, void *buf, size_t len);

/* Reads the NUL-terminated string at ADDR into BUF of SIZE bytes, as the
   kernel reads a path (getname): -EFAULT for a bad pointer,
   -ENAMETOOLONG when no NUL comes within SIZE bytes.  */
int carve_sos_mem_read_string (pid_t pid, uint64_t addr, char *buf, size_t size);

/* Writes LEN bytes of BUF at ADDR of process PID: 0 or -EFAULT.  */
int carve_sos_mem_write (pid_t pid, uint64_t addr, const void *buf, size_t len);

#endif
