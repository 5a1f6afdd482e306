/* `carve node`: the partition map of the node ledger.  */
#include <config.h>

#include "container.h"
#include "runtime/compute/compute.h"
#include "spec/node-config.h"

int
carve_container_node (const struct carve_context_s *ctx, bool json, char **ret_output, carve_error_t *err)
{
  cleanup_node_config carve_node_config_t node = NULL;

  (void)ctx;
  if (carve_node_config_load (&node, err) < 0)
    return -1;
  return carve_compute_node_map (node, json, ret_output, err);
}
