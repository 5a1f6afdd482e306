/* libFuzzer target for every carve.* annotation value (spec/annotations.c,
   and the system call lists runtime/linux/seccomp.c reads).  The input is
   lines `KEY=VALUE`; a KEY of one digit or letter names a row of the
   annotation table by its index, so mutations reach every key, and the
   KEY `cpu.cpus` stands for linux.resources.cpu.cpus, which
   carve.cpus.exclusive=true reads.  The lines become a config.json that goes
   through carve_spec_parse first, as at create.  */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "runtime/base/error.h"
#include "runtime/base/xalloc.h"
#include "runtime/linux/seccomp.h"
#include "spec/annotations.h"
#include "spec/spec.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char *
key_name (const char *key, size_t len)
{
  static const char index_chars[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  const char *const *names = carve_annotation_names ();
  const char *hit;
  size_t n = 0;

  if (len != 1 || (hit = strchr (index_chars, key[0])) == NULL || key[0] == '\0')
    return NULL;
  while (names[n])
    n++;
  return (size_t)(hit - index_chars) < n ? names[hit - index_chars] : NULL;
}

static void
gen_bytes (yajl_gen g, const char *s, size_t len)
{
  yajl_gen_string (g, (const unsigned char *)s, len);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  const char *p = (const char *)data, *end = p + size, *cpus = NULL;
  size_t cpus_len = 0;
  const unsigned char *doc;
  size_t doc_len, i;
  carve_error_t err = NULL;
  carve_spec_t spec;

  yajl_gen_map_open (g);
  gen_bytes (g, "ociVersion", 10);
  gen_bytes (g, "1.0.2", 5);
  gen_bytes (g, "root", 4);
  yajl_gen_map_open (g);
  gen_bytes (g, "path", 4);
  gen_bytes (g, "rootfs", 6);
  yajl_gen_map_close (g);
  gen_bytes (g, "annotations", 11);
  yajl_gen_map_open (g);
  while (p < end)
    {
      const char *nl = memchr (p, '\n', (size_t)(end - p)), *eq;
      const char *line_end = nl ? nl : end;
      const char *name;

      eq = memchr (p, '=', (size_t)(line_end - p));
      if (eq)
        {
          size_t klen = (size_t)(eq - p);
          if (klen == 8 && memcmp (p, "cpu.cpus", 8) == 0)
            {
              cpus = eq + 1;
              cpus_len = (size_t)(line_end - cpus);
            }
          else
            {
              name = key_name (p, klen);
              if (name)
                gen_bytes (g, name, strlen (name));
              else
                gen_bytes (g, p, klen);
              gen_bytes (g, eq + 1, (size_t)(line_end - eq - 1));
            }
        }
      p = nl ? nl + 1 : end;
    }
  yajl_gen_map_close (g);
  if (cpus)
    {
      gen_bytes (g, "linux", 5);
      yajl_gen_map_open (g);
      gen_bytes (g, "resources", 9);
      yajl_gen_map_open (g);
      gen_bytes (g, "cpu", 3);
      yajl_gen_map_open (g);
      gen_bytes (g, "cpus", 4);
      gen_bytes (g, cpus, cpus_len);
      yajl_gen_map_close (g);
      yajl_gen_map_close (g);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
  yajl_gen_get_buf (g, &doc, &doc_len);

  spec = carve_spec_parse ((const char *)doc, doc_len, &err);
  if (spec == NULL)
    {
      /* Duplicate keys and bytes that are not UTF-8 stop here, as at
         create; a rejection always says why.  */
      if (err == NULL || err->msg == NULL)
        abort ();
    }
  else
    {
      struct carve_compute_request_s req;
      int r = carve_compute_request_parse (spec, &req, &err);

      /* A rejection names the key (or linux.resources.cpu.cpus, which
         carve.cpus.exclusive reads).  */
      if (r < 0
          && (err == NULL || err->msg == NULL
              || (strncmp (err->msg, "annotations.", 12) != 0 && strncmp (err->msg, "linux.resources.", 16) != 0)))
        abort ();
      if (r == 0)
        {
          (void)carve_compute_request_active (&req);
          for (i = CARVE_ANNOTATION_SYSCALLS_FORWARD; i <= CARVE_ANNOTATION_SYSCALLS_DENY; i++)
            {
              char **list = NULL;
              carve_error_t e = NULL;

              if (req.values[i] == NULL)
                continue;
              if (carve_seccomp_parse_syscall_list (req.values[i], &list, &e) == 0)
                carve_strv_free (list);
              else if (e == NULL || e->msg == NULL)
                abort ();
              carve_error_release (&e);
            }
        }
      carve_compute_request_release (&req);
      carve_spec_free (spec);
    }
  carve_error_release (&err);
  yajl_gen_free (g);
  return 0;
}
