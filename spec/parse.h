/* The table-driven JSON -> struct machinery of the spec model.  One row per
   JSON field says its name, its kind, where it lands in the struct and how
   its value is checked; parse.c walks a yajl tree with those rows, and
   frees what it built with the same rows.  The tables are in config.c.  */
#ifndef CARVE_SPEC_PARSE_H
#define CARVE_SPEC_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/base/error.h"

enum carve_spec_kind
{
  CARVE_SPEC_STRING,   /* char * */
  CARVE_SPEC_BOOL,     /* bool */
  CARVE_SPEC_INT,      /* int */
  CARVE_SPEC_INT32,    /* int32_t */
  CARVE_SPEC_INT64,    /* int64_t */
  CARVE_SPEC_UINT16,   /* uint16_t */
  CARVE_SPEC_UINT32,   /* uint32_t */
  CARVE_SPEC_UINT64,   /* uint64_t */
  CARVE_SPEC_STRV,     /* char **, size_t len */
  CARVE_SPEC_UINT32V,  /* uint32_t *, size_t len */
  CARVE_SPEC_MAP,      /* struct carve_spec_map_s * */
  CARVE_SPEC_OBJECT,   /* struct T * */
  CARVE_SPEC_OBJECTV,  /* struct T **, size_t len */
  CARVE_SPEC_OBJECTMAP /* struct T **, size_t len; the key lands in T at key_offset */
};

#define CARVE_SPEC_NO_OFFSET SIZE_MAX

struct carve_spec_type_s;

struct carve_spec_field_s
{
  const char *name; /* the JSON name */
  enum carve_spec_kind kind;
  size_t offset;                        /* of the value */
  size_t has_offset;                    /* of `bool has_x`, or CARVE_SPEC_NO_OFFSET */
  size_t len_offset;                    /* of `size_t x_len` for arrays, or CARVE_SPEC_NO_OFFSET */
  const struct carve_spec_type_s *type; /* for objects */
  bool required;
  /* For strings, and each string of a string array or map value.  */
  int (*check) (const char *value, carve_error_t *err);
  /* For integers, when min < max: the allowed range beyond the type's own.
     For arrays of objects, when max > 0: the most entries taken.  */
  int64_t min, max;
};

struct carve_spec_type_s
{
  size_t size;
  const struct carve_spec_field_s *fields;
  size_t n_fields;
  /* Checks across fields, once they are all read.  JPATH is the object's
     path; the check makes the whole message.  */
  int (*check) (const char *jpath, void *obj, carve_error_t *err);
  /* When set, keys without a row are rejected as `unknown <what> "key"`.  */
  const char *unknown_key;
  /* For CARVE_SPEC_OBJECTMAP entries: the key goes to a char * at
     key_offset.  */
  bool keyed;
  size_t key_offset;
};

/* Parses the JSON document in JSON[0..LEN) as an object of TYPE.  DOC names
   the document in errors about the whole text (`config.json: invalid JSON:
   ...`); errors about fields start with the field's path.  */
void *carve_spec_parse_document (const struct carve_spec_type_s *type, const char *doc, const char *json, size_t len,
                                 carve_error_t *err);

/* Frees an object of TYPE built by the parser (NULL is fine).  */
void carve_spec_object_free (const struct carve_spec_type_s *type, void *obj);

/* "a.b" or "b" when A is empty; "a[3]".  */
char *carve_spec_path_field (const char *jpath, const char *name);
char *carve_spec_path_index (const char *jpath, size_t i);

#endif
