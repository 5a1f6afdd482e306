/* Reading and writing the target's memory (procmem.h).  */
#include <config.h>
#include "procmem.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static size_t page_size;

static size_t
to_page_end (uint64_t addr)
{
  if (page_size == 0)
    page_size = (size_t)sysconf (_SC_PAGESIZE);
  return page_size - (size_t)(addr % page_size);
}

int
carve_sos_mem_read (pid_t pid, uint64_t addr, void *buf, size_t len)
{
  struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
  ssize_t n;

  if (len == 0)
    return 0;
  if (addr == 0)
    return -EFAULT;
  n = process_vm_readv (pid, &local, 1, &remote, 1, 0);
  return n == (ssize_t)len ? 0 : -EFAULT;
}

int
carve_sos_mem_read_string (pid_t pid, uint64_t addr, char *buf, size_t size)
{
  size_t got = 0;

  if (addr == 0)
    return -EFAULT;
  /* Page by page: a string that ends just before an unmapped page is
     valid, and process_vm_readv fails whole on a range that crosses one.  */
  while (got < size)
    {
      size_t chunk = to_page_end (addr + got);
      struct iovec local, remote;
      ssize_t n;
      char *nul;

      if (chunk > size - got)
        chunk = size - got;
      local.iov_base = buf + got;
      local.iov_len = chunk;
      remote.iov_base = (void *)(uintptr_t)(addr + got);
      remote.iov_len = chunk;
      n = process_vm_readv (pid, &local, 1, &remote, 1, 0);
      if (n <= 0)
        return -EFAULT;
      nul = memchr (buf + got, '\0', (size_t)n);
      if (nul)
        return 0;
      got += (size_t)n;
    }
  return -ENAMETOOLONG;
}

int
carve_sos_mem_write (pid_t pid, uint64_t addr, const void *buf, size_t len)
{
  struct iovec local = { (void *)buf, len }, remote = { (void *)(uintptr_t)addr, len };
  ssize_t n;

  if (len == 0)
    return 0;
  if (addr == 0)
    return -EFAULT;
  n = process_vm_writev (pid, &local, 1, &remote, 1, 0);
  return n == (ssize_t)len ? 0 : -EFAULT;
}
