/* yajl, the JSON library of carve (STYLE.md: no other): the cleanup of its
   types, declared once here for every module that parses or writes JSON.  */
#ifndef CARVE_SPEC_JSON_H
#define CARVE_SPEC_JSON_H

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "runtime/base/cleanup.h"

CARVE_DEFINE_CLEANUP (yajl_val, yajl_val, yajl_tree_free)
#define cleanup_yajl_val CARVE_CLEANUP (yajl_val)

CARVE_DEFINE_CLEANUP (yajl_gen, yajl_gen, yajl_gen_free)
#define cleanup_yajl_gen CARVE_CLEANUP (yajl_gen)

#endif
