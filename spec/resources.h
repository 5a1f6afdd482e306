/* linux.resources as a document of its own (resources.c): written and
   merged field by field.  Pure.  */
#ifndef CARVE_SPEC_RESOURCES_H
#define CARVE_SPEC_RESOURCES_H

#include "spec/spec.h"

/* RES as a linux.resources object, only the fields present, compact.
   carve_spec_resources_parse reads it back to the same struct.  */
char *carve_spec_emit_resources (const struct carve_spec_linux_resources_s *res);

/* Moves every field present in FROM into INTO, as `update` changes the
   current resources: numbers and strings replace, lists keyed by device,
   page size, interface or key (blockIO device lists, hugepageLimits,
   network.priorities, rdma, unified) replace their entry or add one, and
   devices replaces the whole list.  What INTO held before ends up in FROM:
   free FROM afterwards.  */
void carve_spec_resources_merge (struct carve_spec_linux_resources_s *into, struct carve_spec_linux_resources_s *from);

/* A deep copy of RES (NULL for NULL).  */
struct carve_spec_linux_resources_s *carve_spec_resources_dup (const struct carve_spec_linux_resources_s *res);

#endif
