/* Allocation that never fails: running out of memory aborts (STYLE.md).  */
#ifndef CARVE_BASE_XALLOC_H
#define CARVE_BASE_XALLOC_H

#include <stdbool.h>
#include <stddef.h>

__attribute__ ((noreturn)) void carve_oom (void);
void *xmalloc (size_t size);
void *xzalloc (size_t size);
void *xcalloc (size_t nmemb, size_t size);
void *xrealloc (void *ptr, size_t size);
char *xstrdup (const char *s);
char *xstrndup (const char *s, size_t n);
char *xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* NULL-terminated string vectors.  */
size_t carve_strv_length (char *const *v);
char **carve_strv_dup (char *const *v);
void carve_strv_free (char **v);
/* Appends a copy of S to *V (which may be NULL).  */
void carve_strv_append (char ***v, const char *s);
bool carve_strv_contains (char *const *v, const char *s);
/* Splits S at any of SEPS, dropping empty fields; never NULL.  */
char **carve_strv_split (const char *s, const char *seps);
/* V joined with SEP ("" for an empty or NULL V).  */
char *carve_strv_join (char *const *v, const char *sep);

#endif
