/* linux.memoryPolicy (mempolicy.h): set_mempolicy(2) for the init.  */
#include <config.h>

#include "mempolicy.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/cpumask.h"
#include "runtime/base/xalloc.h"

/* The kernel's ABI values (include/uapi/linux/mempolicy.h); defined here
   because the C library's headers may predate MPOL_WEIGHTED_INTERLEAVE
   (Linux 6.9).  */
enum
{
  MODE_DEFAULT = 0,
  MODE_PREFERRED = 1,
  MODE_BIND = 2,
  MODE_INTERLEAVE = 3,
  MODE_LOCAL = 4,
  MODE_PREFERRED_MANY = 5,
  MODE_WEIGHTED_INTERLEAVE = 6,
};

#define FLAG_STATIC_NODES (1 << 15)
#define FLAG_RELATIVE_NODES (1 << 14)
#define FLAG_NUMA_BALANCING (1 << 13)

struct name_value_s
{
  const char *name;
  int value;
  int nodes; /* modes: -1 none allowed, 1 at least one, 0 either */
};

static const struct name_value_s modes[] = {
  { "MPOL_DEFAULT", MODE_DEFAULT, -1 },
  { "MPOL_PREFERRED", MODE_PREFERRED, 0 },
  { "MPOL_BIND", MODE_BIND, 1 },
  { "MPOL_INTERLEAVE", MODE_INTERLEAVE, 1 },
  { "MPOL_LOCAL", MODE_LOCAL, -1 },
  { "MPOL_PREFERRED_MANY", MODE_PREFERRED_MANY, 1 },
  { "MPOL_WEIGHTED_INTERLEAVE", MODE_WEIGHTED_INTERLEAVE, 1 },
};

static const struct name_value_s flags[] = {
  { "MPOL_F_STATIC_NODES", FLAG_STATIC_NODES, 0 },
  { "MPOL_F_RELATIVE_NODES", FLAG_RELATIVE_NODES, 0 },
  { "MPOL_F_NUMA_BALANCING", FLAG_NUMA_BALANCING, 0 },
};

static const struct name_value_s *
lookup (const struct name_value_s *table, size_t n, const char *name)
{
  size_t i;
  for (i = 0; name && i < n; i++)
    if (strcmp (table[i].name, name) == 0)
      return &table[i];
  return NULL;
}

int
carve_mempolicy_compile (const struct carve_spec_memory_policy_s *policy, struct carve_mempolicy_s *ret,
                         carve_error_t *err)
{
  const struct name_value_s *mode = lookup (modes, sizeof (modes) / sizeof (modes[0]), policy->mode);
  carve_cpumask_t nodes;
  size_t i, n_nodes = 0;
  int c;

  memset (ret, 0, sizeof (*ret));
  if (mode == NULL)
    return carve_make_error (err, 0, "linux.memoryPolicy.mode: `%s` is not a memory policy mode",
                             policy->mode ? policy->mode : "");
  ret->mode = mode->value;
  for (i = 0; i < policy->flags_len; i++)
    {
      const struct name_value_s *f = lookup (flags, sizeof (flags) / sizeof (flags[0]), policy->flags[i]);
      if (f == NULL)
        return carve_make_error (err, 0, "linux.memoryPolicy.flags[%zu]: `%s` is not a memory policy flag", i,
                                 policy->flags[i]);
      ret->mode |= f->value;
    }
  if ((ret->mode & FLAG_STATIC_NODES) && (ret->mode & FLAG_RELATIVE_NODES))
    return carve_make_error (err, 0,
                             "linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude "
                             "each other");

  carve_cpumask_zero (&nodes);
  if (policy->nodes)
    {
      /* The spec allows blanks around the items ("0-1, 3").  */
      cleanup_free char *compact = xzalloc (strlen (policy->nodes) + 1);
      const char *p;
      char *q = compact;
      carve_error_t e = NULL;

      for (p = policy->nodes; *p; p++)
        if (!isspace ((unsigned char)*p))
          *q++ = *p;
      if (carve_cpumask_parse_list (compact, &nodes, &e) < 0)
        {
          carve_error_release (&e);
          return carve_make_error (err, 0, "linux.memoryPolicy.nodes: `%s` is not a node list", policy->nodes);
        }
      n_nodes = carve_cpumask_count (&nodes);
    }
  if (mode->nodes < 0 && n_nodes > 0)
    return carve_make_error (err, 0, "linux.memoryPolicy.nodes: %s takes no nodes (`%s` given)", mode->name,
                             policy->nodes);
  if (mode->nodes > 0 && n_nodes == 0)
    return carve_make_error (err, 0, "linux.memoryPolicy.nodes: %s needs at least one node", mode->name);

  for (c = carve_cpumask_next (&nodes, 0); c >= 0; c = carve_cpumask_next (&nodes, (unsigned)c + 1))
    {
      const size_t bits = 8 * sizeof (unsigned long);
      if (c >= CARVE_MEMPOLICY_MAX_NODES)
        return carve_make_error (err, 0, "linux.memoryPolicy.nodes: node %d is beyond the kernel's limit (%d)", c,
                                 CARVE_MEMPOLICY_MAX_NODES - 1);
      ret->nodemask[(size_t)c / bits] |= 1UL << ((size_t)c % bits);
      /* The kernel reads MAXNODE - 1 bits (an off-by-one kept for its
         ABI since Linux 2.6), so one more than the highest node's bit.  */
      ret->maxnode = (((size_t)c / bits) + 1) * bits + 1;
    }
  return 0;
}

int
carve_mempolicy_set (const struct carve_spec_memory_policy_s *policy, carve_error_t *err)
{
  struct carve_mempolicy_s mp;

  if (carve_mempolicy_compile (policy, &mp, err) < 0)
    return -1;
  if (syscall (SYS_set_mempolicy, mp.mode, mp.maxnode ? mp.nodemask : NULL, mp.maxnode) < 0)
    {
      int saved = errno;
      cleanup_free char *flag_list = NULL;
      size_t i;

      for (i = 0; i < policy->flags_len; i++)
        {
          char *n = xasprintf ("%s%s%s", flag_list ? flag_list : "", flag_list ? "," : "", policy->flags[i]);
          free (flag_list);
          flag_list = n;
        }
      return carve_make_error (err, saved, "linux.memoryPolicy: set_mempolicy %s%s%s%s%s%s", policy->mode,
                               policy->nodes ? " nodes `" : "", policy->nodes ? policy->nodes : "",
                               policy->nodes ? "`" : "", flag_list ? " flags " : "", flag_list ? flag_list : "");
    }
  return 0;
}
