/* Writing JSON the way Go's encoding/json does, on top of yajl_gen: build
   compact output with yajl, then carve_spec_gen_finish rewrites strings as
   Go escapes them (<, >, & as \u003c \u003e \u0026, U+2028/U+2029, invalid
   UTF-8 as \ufffd, lowercase hex) and, when asked, indents the text as
   json.MarshalIndent does (empty {} and [] stay on one line, ": " after
   keys, no trailing newline).  */
#ifndef CARVE_SPEC_EMIT_H
#define CARVE_SPEC_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>

#include "runtime/base/cpumask.h"
#include "spec/spec.h"

/* A compact generator; OOM aborts.  */
yajl_gen carve_spec_gen_new (void);

/* Frees G and returns its text, Go-escaped, indented with INDENT when not
   NULL (e.g. "  ", "\t").  */
char *carve_spec_gen_finish (yajl_gen g, const char *indent);

/* Small writers; a NULL string is written as "".  */
void carve_spec_gen_str (yajl_gen g, const char *s);
void carve_spec_gen_key_str (yajl_gen g, const char *key, const char *s);
void carve_spec_gen_key_int (yajl_gen g, const char *key, long long v);
void carve_spec_gen_key_uint (yajl_gen g, const char *key, uint64_t v);
void carve_spec_gen_key_bool (yajl_gen g, const char *key, bool v);
/* KEY: S, or KEY: null when S is NULL.  */
void carve_spec_gen_key_str_or_null (yajl_gen g, const char *key, const char *s);
/* KEY: the CPU (or node) list of M ("0-3,8", "" when empty).  */
void carve_spec_gen_key_cpumask (yajl_gen g, const char *key, const carve_cpumask_t *m);
/* An array of the NULL-terminated strings V.  */
void carve_spec_gen_key_strv (yajl_gen g, const char *key, const char *const *v);
/* A map as a Go map[string]string marshals: keys sorted.  */
void carve_spec_gen_map (yajl_gen g, const struct carve_spec_map_s *map);

#endif
