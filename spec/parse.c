/* The table-driven JSON -> struct machinery (see parse.h).  JSON semantics
   follow Go's encoding/json as runc uses it: unknown keys are ignored, keys
   match exactly or else case-insensitively, the last of duplicate keys
   wins, null leaves a field absent, numbers for integer fields must be
   integers in the field's range.  */
#include <config.h>

#include "spec/parse.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yajl/yajl_tree.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/xalloc.h"
#include "spec/json.h"
#include "spec/spec.h"

/* Deeper documents are rejected before yajl sees them: yajl_tree_free
   recurses, and no valid config nests anywhere near this deep.  */
#define MAX_DEPTH 64

#define AT(obj, off, type) ((type *)((char *)(obj) + (off)))

char *
carve_spec_path_field (const char *jpath, const char *name)
{
  if (jpath[0] == '\0')
    return xstrdup (name);
  return xasprintf ("%s.%s", jpath, name);
}

char *
carve_spec_path_index (const char *jpath, size_t i)
{
  return xasprintf ("%s[%zu]", jpath, i);
}

static const char *
json_type_name (yajl_val v)
{
  if (v == NULL)
    return "nothing";
  switch (v->type)
    {
    case yajl_t_string:
      return "a string";
    case yajl_t_number:
      return "a number";
    case yajl_t_object:
      return "an object";
    case yajl_t_array:
      return "an array";
    case yajl_t_true:
    case yajl_t_false:
      return "a boolean";
    case yajl_t_null:
      return "null";
    case yajl_t_any:
    default:
      return "something else";
    }
}

static int
type_error (const char *jpath, const char *expected, yajl_val v, carve_error_t *err)
{
  return carve_make_error (err, 0, "%s: expected %s, got %s", jpath, expected, json_type_name (v));
}

/* --- freeing ---------------------------------------------------------------- */

static void
free_map (struct carve_spec_map_s *map)
{
  if (map == NULL)
    return;
  carve_strv_free (map->keys);
  carve_strv_free (map->values);
  free (map);
}

static void
free_objectv (const struct carve_spec_type_s *type, void **v, size_t len)
{
  size_t i;

  if (v == NULL)
    return;
  for (i = 0; i < len; i++)
    carve_spec_object_free (type, v[i]);
  free (v);
}

/* Frees the value of FIELD in OBJ and resets it (and its has_/len).  */
static void
free_field (const struct carve_spec_field_s *field, void *obj)
{
  switch (field->kind)
    {
    case CARVE_SPEC_STRING:
      free (*AT (obj, field->offset, char *));
      *AT (obj, field->offset, char *) = NULL;
      break;
    case CARVE_SPEC_STRV:
      carve_strv_free (*AT (obj, field->offset, char **));
      *AT (obj, field->offset, char **) = NULL;
      break;
    case CARVE_SPEC_UINT32V:
      free (*AT (obj, field->offset, uint32_t *));
      *AT (obj, field->offset, uint32_t *) = NULL;
      break;
    case CARVE_SPEC_MAP:
      free_map (*AT (obj, field->offset, struct carve_spec_map_s *));
      *AT (obj, field->offset, struct carve_spec_map_s *) = NULL;
      break;
    case CARVE_SPEC_OBJECT:
      carve_spec_object_free (field->type, *AT (obj, field->offset, void *));
      *AT (obj, field->offset, void *) = NULL;
      break;
    case CARVE_SPEC_OBJECTV:
    case CARVE_SPEC_OBJECTMAP:
      free_objectv (field->type, *AT (obj, field->offset, void **), *AT (obj, field->len_offset, size_t));
      *AT (obj, field->offset, void **) = NULL;
      break;
    case CARVE_SPEC_BOOL:
    case CARVE_SPEC_INT:
    case CARVE_SPEC_INT32:
    case CARVE_SPEC_INT64:
    case CARVE_SPEC_UINT16:
    case CARVE_SPEC_UINT32:
    case CARVE_SPEC_UINT64:
    default:
      break;
    }
  if (field->len_offset != CARVE_SPEC_NO_OFFSET)
    *AT (obj, field->len_offset, size_t) = 0;
  if (field->has_offset != CARVE_SPEC_NO_OFFSET)
    *AT (obj, field->has_offset, bool) = false;
}

void
carve_spec_object_free (const struct carve_spec_type_s *type, void *obj)
{
  size_t i;

  if (obj == NULL)
    return;
  for (i = 0; i < type->n_fields; i++)
    free_field (&type->fields[i], obj);
  if (type->keyed)
    free (*AT (obj, type->key_offset, char *));
  free (obj);
}

/* --- scalars ---------------------------------------------------------------- */

static int
check_string (const struct carve_spec_field_s *field, const char *jpath, const char *s, carve_error_t *err)
{
  if (field->check == NULL || field->check (s, err) == 0)
    return 0;
  return carve_error_wrap (err, "%s", jpath);
}

static int
parse_string (const struct carve_spec_field_s *field, const char *jpath, yajl_val v, char **ret, carve_error_t *err)
{
  if (v->type != yajl_t_string)
    return type_error (jpath, "a string", v, err);
  if (check_string (field, jpath, v->u.string, err) < 0)
    return -1;
  *ret = xstrdup (v->u.string);
  return 0;
}

static bool
is_integer_text (const char *s)
{
  if (*s == '-')
    s++;
  if (*s < '0' || *s > '9')
    return false;
  while (*s >= '0' && *s <= '9')
    s++;
  return *s == '\0';
}

/* Reads an integer of KIND into *RET_S (signed kinds) or *RET_U.  */
static int
parse_integer (const struct carve_spec_field_s *field, const char *jpath, yajl_val v, int64_t *ret_s, uint64_t *ret_u,
               carve_error_t *err)
{
  const char *text;
  bool is_signed = false;
  int64_t smin = 0, smax = 0;
  uint64_t umax = 0;
  const char *tname = "";

  if (v->type != yajl_t_number)
    return type_error (jpath, "an integer", v, err);
  text = v->u.number.r;
  if (!is_integer_text (text))
    return carve_make_error (err, 0, "%s: expected an integer, got %s", jpath, text);

  switch (field->kind)
    {
    case CARVE_SPEC_INT:
    case CARVE_SPEC_INT32:
      is_signed = true, smin = INT32_MIN, smax = INT32_MAX, tname = "int32";
      break;
    case CARVE_SPEC_INT64:
      is_signed = true, smin = INT64_MIN, smax = INT64_MAX, tname = "int64";
      break;
    case CARVE_SPEC_UINT16:
      umax = UINT16_MAX, tname = "uint16";
      break;
    case CARVE_SPEC_UINT32:
    case CARVE_SPEC_UINT32V:
      umax = UINT32_MAX, tname = "uint32";
      break;
    case CARVE_SPEC_UINT64:
    default:
      umax = UINT64_MAX, tname = "uint64";
      break;
    }

  errno = 0;
  if (is_signed)
    {
      long long s = strtoll (text, NULL, 10);
      if (errno == ERANGE || s < smin || s > smax)
        return carve_make_error (err, 0, "%s: %s is out of range for %s", jpath, text, tname);
      if (field->min < field->max && (s < field->min || s > field->max))
        return carve_make_error (err, 0, "%s: %s is out of range (%" PRId64 "..%" PRId64 ")", jpath, text, field->min,
                                 field->max);
      *ret_s = s;
    }
  else
    {
      unsigned long long u;
      if (text[0] == '-')
        return carve_make_error (err, 0, "%s: %s is out of range for %s", jpath, text, tname);
      u = strtoull (text, NULL, 10);
      if (errno == ERANGE || u > umax)
        return carve_make_error (err, 0, "%s: %s is out of range for %s", jpath, text, tname);
      if (field->min < field->max
          && ((field->min > 0 && u < (uint64_t)field->min) || (field->max >= 0 && u > (uint64_t)field->max)))
        return carve_make_error (err, 0, "%s: %s is out of range (%" PRId64 "..%" PRId64 ")", jpath, text, field->min,
                                 field->max);
      *ret_u = u;
    }
  return 0;
}

/* --- composites ------------------------------------------------------------- */

static int parse_object (const struct carve_spec_type_s *type, const char *jpath, yajl_val node, void **ret,
                         carve_error_t *err);

static int
parse_strv (const struct carve_spec_field_s *field, const char *jpath, yajl_val v, char ***ret, size_t *ret_len,
            carve_error_t *err)
{
  cleanup_strv char **strv = NULL;
  size_t i, n;

  if (v->type != yajl_t_array)
    return type_error (jpath, "an array of strings", v, err);
  n = v->u.array.len;
  strv = xcalloc (n + 1, sizeof (char *));
  for (i = 0; i < n; i++)
    {
      yajl_val item = v->u.array.values[i];
      cleanup_free char *ipath = carve_spec_path_index (jpath, i);

      if (item->type != yajl_t_string)
        return type_error (ipath, "a string", item, err);
      if (check_string (field, ipath, item->u.string, err) < 0)
        return -1;
      strv[i] = xstrdup (item->u.string);
    }
  *ret = steal_pointer (&strv);
  *ret_len = n;
  return 0;
}

static int
parse_uint32v (const struct carve_spec_field_s *field, const char *jpath, yajl_val v, uint32_t **ret, size_t *ret_len,
               carve_error_t *err)
{
  cleanup_free uint32_t *vals = NULL;
  size_t i, n;

  if (v->type != yajl_t_array)
    return type_error (jpath, "an array of integers", v, err);
  n = v->u.array.len;
  vals = xcalloc (n + 1, sizeof (uint32_t));
  for (i = 0; i < n; i++)
    {
      cleanup_free char *ipath = carve_spec_path_index (jpath, i);
      int64_t s;
      uint64_t u = 0;

      if (parse_integer (field, ipath, v->u.array.values[i], &s, &u, err) < 0)
        return -1;
      vals[i] = (uint32_t)u;
    }
  *ret = steal_pointer (&vals);
  *ret_len = n;
  return 0;
}

static int
parse_map (const struct carve_spec_field_s *field, const char *jpath, yajl_val v, struct carve_spec_map_s **ret,
           carve_error_t *err)
{
  struct carve_spec_map_s *map;
  size_t i, j, n;

  if (v->type != yajl_t_object)
    return type_error (jpath, "an object of strings", v, err);
  n = v->u.object.len;
  map = xzalloc (sizeof (*map));
  map->keys = xcalloc (n + 1, sizeof (char *));
  map->values = xcalloc (n + 1, sizeof (char *));
  for (i = 0; i < n; i++)
    {
      const char *key = v->u.object.keys[i];
      yajl_val item = v->u.object.values[i];
      cleanup_free char *kpath = carve_spec_path_field (jpath, key);

      if (item->type != yajl_t_string)
        {
          free_map (map);
          return type_error (kpath, "a string", item, err);
        }
      if (check_string (field, kpath, item->u.string, err) < 0)
        {
          free_map (map);
          return -1;
        }
      /* A repeated key keeps its first place and takes the last value.  */
      for (j = 0; j < map->len; j++)
        if (strcmp (map->keys[j], key) == 0)
          break;
      if (j < map->len)
        {
          free (map->values[j]);
          map->values[j] = xstrdup (item->u.string);
          continue;
        }
      map->keys[map->len] = xstrdup (key);
      map->values[map->len] = xstrdup (item->u.string);
      map->len++;
    }
  *ret = map;
  return 0;
}

static int
parse_objectv (const struct carve_spec_field_s *field, const char *jpath, yajl_val v, void ***ret, size_t *ret_len,
               carve_error_t *err)
{
  void **objs;
  size_t i, n;

  if (v->type != yajl_t_array)
    return type_error (jpath, "an array of objects", v, err);
  n = v->u.array.len;
  if (field->max > 0 && n > (size_t)field->max)
    return carve_make_error (err, 0, "%s: %zu entries, more than the %lld carve takes", jpath, n,
                             (long long)field->max);
  objs = xcalloc (n + 1, sizeof (void *));
  for (i = 0; i < n; i++)
    {
      cleanup_free char *ipath = carve_spec_path_index (jpath, i);

      if (parse_object (field->type, ipath, v->u.array.values[i], &objs[i], err) < 0)
        {
          free_objectv (field->type, objs, i);
          return -1;
        }
    }
  *ret = objs;
  *ret_len = n;
  return 0;
}

static int
parse_objectmap (const struct carve_spec_field_s *field, const char *jpath, yajl_val v, void ***ret, size_t *ret_len,
                 carve_error_t *err)
{
  const struct carve_spec_type_s *type = field->type;
  void **objs;
  size_t i, j, n, len = 0;

  if (v->type != yajl_t_object)
    return type_error (jpath, "an object", v, err);
  n = v->u.object.len;
  objs = xcalloc (n + 1, sizeof (void *));
  for (i = 0; i < n; i++)
    {
      const char *key = v->u.object.keys[i];
      cleanup_free char *kpath = carve_spec_path_field (jpath, key);
      void *entry = NULL;

      if (parse_object (type, kpath, v->u.object.values[i], &entry, err) < 0)
        {
          free_objectv (type, objs, len);
          return -1;
        }
      *AT (entry, type->key_offset, char *) = xstrdup (key);
      for (j = 0; j < len; j++)
        if (strcmp (*AT (objs[j], type->key_offset, char *), key) == 0)
          break;
      if (j < len)
        {
          carve_spec_object_free (type, objs[j]);
          objs[j] = entry;
        }
      else
        objs[len++] = entry;
    }
  *ret = objs;
  *ret_len = len;
  return 0;
}

/* Reads V into FIELD of OBJ.  V is not null.  */
static int
parse_field (const struct carve_spec_field_s *field, const char *jpath, yajl_val v, void *obj, carve_error_t *err)
{
  int64_t s = 0;
  uint64_t u = 0;

  switch (field->kind)
    {
    case CARVE_SPEC_STRING:
      if (parse_string (field, jpath, v, AT (obj, field->offset, char *), err) < 0)
        return -1;
      break;
    case CARVE_SPEC_BOOL:
      if (v->type != yajl_t_true && v->type != yajl_t_false)
        return type_error (jpath, "a boolean", v, err);
      *AT (obj, field->offset, bool) = v->type == yajl_t_true;
      break;
    case CARVE_SPEC_INT:
    case CARVE_SPEC_INT32:
    case CARVE_SPEC_INT64:
    case CARVE_SPEC_UINT16:
    case CARVE_SPEC_UINT32:
    case CARVE_SPEC_UINT64:
      if (parse_integer (field, jpath, v, &s, &u, err) < 0)
        return -1;
      if (field->kind == CARVE_SPEC_INT)
        *AT (obj, field->offset, int) = (int)s;
      else if (field->kind == CARVE_SPEC_INT32)
        *AT (obj, field->offset, int32_t) = (int32_t)s;
      else if (field->kind == CARVE_SPEC_INT64)
        *AT (obj, field->offset, int64_t) = s;
      else if (field->kind == CARVE_SPEC_UINT16)
        *AT (obj, field->offset, uint16_t) = (uint16_t)u;
      else if (field->kind == CARVE_SPEC_UINT32)
        *AT (obj, field->offset, uint32_t) = (uint32_t)u;
      else
        *AT (obj, field->offset, uint64_t) = u;
      break;
    case CARVE_SPEC_STRV:
      if (parse_strv (field, jpath, v, AT (obj, field->offset, char **), AT (obj, field->len_offset, size_t), err) < 0)
        return -1;
      break;
    case CARVE_SPEC_UINT32V:
      if (parse_uint32v (field, jpath, v, AT (obj, field->offset, uint32_t *), AT (obj, field->len_offset, size_t), err)
          < 0)
        return -1;
      break;
    case CARVE_SPEC_MAP:
      if (parse_map (field, jpath, v, AT (obj, field->offset, struct carve_spec_map_s *), err) < 0)
        return -1;
      break;
    case CARVE_SPEC_OBJECT:
      if (parse_object (field->type, jpath, v, AT (obj, field->offset, void *), err) < 0)
        return -1;
      break;
    case CARVE_SPEC_OBJECTV:
      if (parse_objectv (field, jpath, v, AT (obj, field->offset, void **), AT (obj, field->len_offset, size_t), err)
          < 0)
        return -1;
      break;
    case CARVE_SPEC_OBJECTMAP:
      if (parse_objectmap (field, jpath, v, AT (obj, field->offset, void **), AT (obj, field->len_offset, size_t), err)
          < 0)
        return -1;
      break;
    default:
      return carve_make_error (err, 0, "%s: internal error: unknown field kind", jpath);
    }
  if (field->has_offset != CARVE_SPEC_NO_OFFSET)
    *AT (obj, field->has_offset, bool) = true;
  return 0;
}

static const struct carve_spec_field_s *
find_field (const struct carve_spec_type_s *type, const char *key)
{
  size_t i;

  for (i = 0; i < type->n_fields; i++)
    if (strcmp (type->fields[i].name, key) == 0)
      return &type->fields[i];
  /* Go's encoding/json falls back to a case-insensitive match.  */
  for (i = 0; i < type->n_fields; i++)
    if (strcasecmp (type->fields[i].name, key) == 0)
      return &type->fields[i];
  return NULL;
}

static int
parse_object_fields (const struct carve_spec_type_s *type, const char *jpath, yajl_val node, void *obj,
                     carve_error_t *err)
{
  cleanup_free bool *seen = xcalloc (type->n_fields + 1, sizeof (bool));
  size_t i;

  for (i = 0; i < node->u.object.len; i++)
    {
      const char *key = node->u.object.keys[i];
      yajl_val v = node->u.object.values[i];
      const struct carve_spec_field_s *field = find_field (type, key);
      cleanup_free char *fpath = NULL;

      if (field == NULL)
        {
          if (type->unknown_key)
            return carve_make_error (err, 0, "%s: unknown %s \"%s\"", jpath[0] ? jpath : "(document)",
                                     type->unknown_key, key);
          continue;
        }
      if (v->type == yajl_t_null)
        continue;
      fpath = carve_spec_path_field (jpath, field->name);
      free_field (field, obj);
      if (parse_field (field, fpath, v, obj, err) < 0)
        return -1;
      seen[field - type->fields] = true;
    }
  for (i = 0; i < type->n_fields; i++)
    if (type->fields[i].required && !seen[i])
      {
        cleanup_free char *fpath = carve_spec_path_field (jpath, type->fields[i].name);
        return carve_make_error (err, 0, "%s: missing required field", fpath);
      }
  if (type->check)
    return type->check (jpath, obj, err);
  return 0;
}

static int
parse_object (const struct carve_spec_type_s *type, const char *jpath, yajl_val node, void **ret, carve_error_t *err)
{
  void *obj;

  if (node->type != yajl_t_object)
    return type_error (jpath[0] ? jpath : "(document)", "an object", node, err);
  obj = xzalloc (type->size);
  if (parse_object_fields (type, jpath, node, obj, err) < 0)
    {
      carve_spec_object_free (type, obj);
      return -1;
    }
  *ret = obj;
  return 0;
}

/* --- documents -------------------------------------------------------------- */

/* Rejects what yajl would take badly: NUL bytes (yajl_tree_parse reads a C
   string) and nesting deeper than MAX_DEPTH.  */
static int
precheck (const char *doc, const char *json, size_t len, carve_error_t *err)
{
  size_t i, depth = 0;
  bool in_string = false;

  for (i = 0; i < len; i++)
    {
      char c = json[i];

      if (c == '\0')
        return carve_make_error (err, 0, "%s: invalid JSON: NUL byte at offset %zu", doc, i);
      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = false;
          continue;
        }
      if (c == '"')
        in_string = true;
      else if (c == '{' || c == '[')
        {
          if (++depth > MAX_DEPTH)
            return carve_make_error (err, 0, "%s: invalid JSON: nested deeper than %d levels", doc, MAX_DEPTH);
        }
      else if ((c == '}' || c == ']') && depth > 0)
        depth--;
    }
  return 0;
}

void *
carve_spec_parse_document (const struct carve_spec_type_s *type, const char *doc, const char *json, size_t len,
                           carve_error_t *err)
{
  cleanup_free char *buf = NULL;
  cleanup_yajl_val yajl_val tree = NULL;
  char errbuf[1024];
  void *obj = NULL;

  /* yajl's tree takes several times the text's size: a document far
     beyond any real one is refused before it is parsed, so a runaway
     generator cannot make carve run the node out of memory.  */
  if (len > CARVE_SPEC_DOCUMENT_MAX)
    {
      carve_make_error (err, EFBIG, "%s: %zu bytes, more than the %d MiB carve reads", doc, len,
                        CARVE_SPEC_DOCUMENT_MAX >> 20);
      return NULL;
    }
  if (precheck (doc, json, len, err) < 0)
    return NULL;
  buf = xmalloc (len + 1);
  memcpy (buf, json, len);
  buf[len] = '\0';
  if (buf[strspn (buf, " \t\r\n")] == '\0')
    {
      carve_make_error (err, 0, "%s: invalid JSON: empty document", doc);
      return NULL;
    }
  errbuf[0] = '\0';
  tree = yajl_tree_parse (buf, errbuf, sizeof (errbuf));
  if (tree == NULL)
    {
      /* yajl's message continues with the offending text on more lines.  */
      errbuf[strcspn (errbuf, "\n")] = '\0';
      carve_make_error (err, 0, "%s: invalid JSON: %s", doc, errbuf[0] ? errbuf : "parse error");
      return NULL;
    }
  if (tree->type != yajl_t_object)
    {
      carve_make_error (err, 0, "%s: expected an object, got %s", doc, json_type_name (tree));
      return NULL;
    }
  if (parse_object (type, "", tree, &obj, err) < 0)
    return NULL;
  return obj;
}
