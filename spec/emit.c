/* JSON carve prints: the Go-compatible writer (emit.h) and the state
   documents (`state`, `list -f json`, a hook's stdin).  */
#include <config.h>

#include "spec/emit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/xalloc.h"

/* --- the writer ------------------------------------------------------------ */

struct buf_s
{
  char *data;
  size_t len, cap;
};

static void
buf_add (struct buf_s *b, const char *s, size_t n)
{
  if (b->len + n + 1 > b->cap)
    {
      b->cap = (b->len + n + 1) * 2;
      b->data = xrealloc (b->data, b->cap);
    }
  memcpy (b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

static void
buf_adds (struct buf_s *b, const char *s)
{
  buf_add (b, s, strlen (s));
}

static void
buf_newline (struct buf_s *b, const char *indent, size_t depth)
{
  size_t i;

  buf_add (b, "\n", 1);
  for (i = 0; i < depth; i++)
    buf_adds (b, indent);
}

/* Length of the valid UTF-8 sequence at S (up to END), or 0.  */
static size_t
utf8_len (const unsigned char *s, const unsigned char *end, uint32_t *ret_cp)
{
  size_t n, i;
  uint32_t cp;

  if (s[0] < 0x80)
    n = 1, cp = s[0];
  else if (s[0] >= 0xc2 && s[0] <= 0xdf)
    n = 2, cp = s[0] & 0x1f;
  else if (s[0] >= 0xe0 && s[0] <= 0xef)
    n = 3, cp = s[0] & 0x0f;
  else if (s[0] >= 0xf0 && s[0] <= 0xf4)
    n = 4, cp = s[0] & 0x07;
  else
    return 0;
  if ((size_t)(end - s) < n)
    return 0;
  for (i = 1; i < n; i++)
    {
      if ((s[i] & 0xc0) != 0x80)
        return 0;
      cp = (cp << 6) | (s[i] & 0x3f);
    }
  /* Overlong forms, surrogates, beyond U+10FFFF.  */
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  *ret_cp = cp;
  return n;
}

/* Copies the string starting at *PP (just after its opening quote) up to
   and including its closing quote, the way Go escapes it.  */
static void
copy_string (struct buf_s *b, const char **pp, const char *end)
{
  const char *p = *pp;

  buf_add (b, "\"", 1);
  while (p < end && *p != '"')
    {
      unsigned char c = (unsigned char)*p;
      uint32_t cp = 0;
      size_t n;

      if (c == '\\' && p + 1 < end)
        {
          if (p[1] == 'u' && end - p >= 6)
            {
              char esc[7];
              size_t i;

              /* Go writes \u00XX with lowercase hex.  */
              esc[0] = '\\', esc[1] = 'u';
              for (i = 2; i < 6; i++)
                esc[i] = (p[i] >= 'A' && p[i] <= 'F') ? (char)(p[i] - 'A' + 'a') : p[i];
              buf_add (b, esc, 6);
              p += 6;
              continue;
            }
          buf_add (b, p, 2);
          p += 2;
          continue;
        }
      if (c == '<')
        buf_adds (b, "\\u003c");
      else if (c == '>')
        buf_adds (b, "\\u003e");
      else if (c == '&')
        buf_adds (b, "\\u0026");
      else if (c < 0x80)
        buf_add (b, p, 1);
      else if ((n = utf8_len ((const unsigned char *)p, (const unsigned char *)end, &cp)) == 0)
        buf_adds (b, "\\ufffd");
      else
        {
          if (cp == 0x2028)
            buf_adds (b, "\\u2028");
          else if (cp == 0x2029)
            buf_adds (b, "\\u2029");
          else
            buf_add (b, p, n);
          p += n;
          continue;
        }
      p++;
    }
  buf_add (b, "\"", 1);
  *pp = p + 1;
}

yajl_gen
carve_spec_gen_new (void)
{
  yajl_gen g = yajl_gen_alloc (NULL);

  if (g == NULL)
    carve_oom ();
  return g;
}

char *
carve_spec_gen_finish (yajl_gen g, const char *indent)
{
  struct buf_s b = { NULL, 0, 0 };
  const unsigned char *text = NULL;
  size_t len = 0, depth = 0;
  const char *p, *end;

  (void)yajl_gen_get_buf (g, &text, &len);
  p = (const char *)text;
  end = p + len;
  buf_add (&b, "", 0);
  while (p < end)
    {
      char c = *p;

      if (c == '"')
        {
          p++;
          copy_string (&b, &p, end);
          continue;
        }
      if (indent == NULL)
        {
          buf_add (&b, p, 1);
          p++;
          continue;
        }
      switch (c)
        {
        case '{':
        case '[':
          buf_add (&b, p, 1);
          if (p + 1 < end && (p[1] == '}' || p[1] == ']'))
            {
              buf_add (&b, p + 1, 1);
              p += 2;
              continue;
            }
          buf_newline (&b, indent, ++depth);
          break;
        case '}':
        case ']':
          buf_newline (&b, indent, depth > 0 ? --depth : 0);
          buf_add (&b, p, 1);
          break;
        case ',':
          buf_add (&b, ",", 1);
          buf_newline (&b, indent, depth);
          break;
        case ':':
          buf_add (&b, ": ", 2);
          break;
        default:
          buf_add (&b, p, 1);
          break;
        }
      p++;
    }
  yajl_gen_free (g);
  return b.data;
}

void
carve_spec_gen_str (yajl_gen g, const char *s)
{
  if (s == NULL)
    s = "";
  (void)yajl_gen_string (g, (const unsigned char *)s, strlen (s));
}

void
carve_spec_gen_key_str (yajl_gen g, const char *key, const char *s)
{
  carve_spec_gen_str (g, key);
  carve_spec_gen_str (g, s);
}

void
carve_spec_gen_key_int (yajl_gen g, const char *key, long long v)
{
  carve_spec_gen_str (g, key);
  (void)yajl_gen_integer (g, v);
}

void
carve_spec_gen_key_uint (yajl_gen g, const char *key, uint64_t v)
{
  char num[32];
  int n = snprintf (num, sizeof (num), "%" PRIu64, v);

  carve_spec_gen_str (g, key);
  (void)yajl_gen_number (g, num, (size_t)n);
}

void
carve_spec_gen_key_bool (yajl_gen g, const char *key, bool v)
{
  carve_spec_gen_str (g, key);
  (void)yajl_gen_bool (g, v);
}

void
carve_spec_gen_key_str_or_null (yajl_gen g, const char *key, const char *s)
{
  carve_spec_gen_str (g, key);
  if (s)
    carve_spec_gen_str (g, s);
  else
    (void)yajl_gen_null (g);
}

void
carve_spec_gen_key_cpumask (yajl_gen g, const char *key, const carve_cpumask_t *m)
{
  cleanup_free char *list = carve_cpumask_format_list (m);
  carve_spec_gen_key_str (g, key, list);
}

void
carve_spec_gen_key_strv (yajl_gen g, const char *key, const char *const *v)
{
  carve_spec_gen_str (g, key);
  (void)yajl_gen_array_open (g);
  for (; v && *v; v++)
    carve_spec_gen_str (g, *v);
  (void)yajl_gen_array_close (g);
}

static int
compare_keys (const void *a, const void *b, void *arg)
{
  char **keys = arg;
  return strcmp (keys[*(const size_t *)a], keys[*(const size_t *)b]);
}

void
carve_spec_gen_map (yajl_gen g, const struct carve_spec_map_s *map)
{
  cleanup_free size_t *order = NULL;
  size_t i, n = map ? map->len : 0;

  (void)yajl_gen_map_open (g);
  if (n > 0)
    {
      order = xcalloc (n, sizeof (size_t));
      for (i = 0; i < n; i++)
        order[i] = i;
      qsort_r (order, n, sizeof (size_t), compare_keys, map->keys);
      for (i = 0; i < n; i++)
        carve_spec_gen_key_str (g, map->keys[order[i]], map->values[order[i]]);
    }
  (void)yajl_gen_map_close (g);
}

/* --- state documents ------------------------------------------------------- */

static bool
has_annotations (const struct carve_spec_container_state_s *st)
{
  return st->annotations != NULL && st->annotations->len > 0;
}

/* runc's containerState (utils_linux.go / list.go), in its field order.  */
static void
gen_state (yajl_gen g, const struct carve_spec_container_state_s *st)
{
  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_str (g, "ociVersion", st->oci_version);
  carve_spec_gen_key_str (g, "id", st->id);
  carve_spec_gen_key_int (g, "pid", st->pid);
  carve_spec_gen_key_str (g, "status", st->status);
  carve_spec_gen_key_str (g, "bundle", st->bundle);
  carve_spec_gen_key_str (g, "rootfs", st->rootfs);
  carve_spec_gen_key_str (g, "created", st->created);
  if (has_annotations (st))
    {
      carve_spec_gen_str (g, "annotations");
      carve_spec_gen_map (g, st->annotations);
    }
  carve_spec_gen_key_str (g, "owner", st->owner);
  if (st->warnings && st->warnings[0])
    {
      size_t i;

      /* A key runc does not have: Go clients decode state into structs
         and skip it.  */
      carve_spec_gen_str (g, "carve.warnings");
      (void)yajl_gen_array_open (g);
      for (i = 0; st->warnings[i]; i++)
        carve_spec_gen_str (g, st->warnings[i]);
      (void)yajl_gen_array_close (g);
    }
  (void)yajl_gen_map_close (g);
}

char *
carve_spec_emit_state (const struct carve_spec_container_state_s *st)
{
  yajl_gen g = carve_spec_gen_new ();

  gen_state (g, st);
  return carve_spec_gen_finish (g, "  ");
}

char *
carve_spec_emit_state_list (const struct carve_spec_container_state_s *const *v, size_t n)
{
  yajl_gen g;
  size_t i;

  /* runc marshals a nil slice.  */
  if (n == 0)
    return xstrdup ("null");
  g = carve_spec_gen_new ();
  (void)yajl_gen_array_open (g);
  for (i = 0; i < n; i++)
    gen_state (g, v[i]);
  (void)yajl_gen_array_close (g);
  return carve_spec_gen_finish (g, NULL);
}

char *
carve_spec_emit_hook_state (const struct carve_spec_container_state_s *st)
{
  yajl_gen g = carve_spec_gen_new ();

  /* specs.State: pid and annotations are omitempty.  */
  (void)yajl_gen_map_open (g);
  carve_spec_gen_key_str (g, "ociVersion", st->oci_version);
  carve_spec_gen_key_str (g, "id", st->id);
  carve_spec_gen_key_str (g, "status", st->status);
  if (st->pid != 0)
    carve_spec_gen_key_int (g, "pid", st->pid);
  carve_spec_gen_key_str (g, "bundle", st->bundle);
  if (has_annotations (st))
    {
      carve_spec_gen_str (g, "annotations");
      carve_spec_gen_map (g, st->annotations);
    }
  (void)yajl_gen_map_close (g);
  return carve_spec_gen_finish (g, NULL);
}
