/* `carve update`: runc's flags (or -r FILE), then carve_container_update.  */
#include <config.h>

#include <getopt.h>

#include "cli.h"
#include "log.h"

int
carve_cli_update (struct carve_context_s *ctx, int argc, char **argv)
{
  enum
  {
    OPT_BLKIO_WEIGHT = 256,
    OPT_CPU_PERIOD,
    OPT_CPU_QUOTA,
    OPT_CPU_BURST,
    OPT_CPU_SHARES,
    OPT_CPU_RT_PERIOD,
    OPT_CPU_RT_RUNTIME,
    OPT_CPU_IDLE,
    OPT_CPUSET_CPUS,
    OPT_CPUSET_MEMS,
    OPT_MEMORY,
    OPT_MEMORY_RESERVATION,
    OPT_MEMORY_SWAP,
    OPT_PIDS_LIMIT,
    OPT_KERNEL_MEMORY,
    OPT_KERNEL_MEMORY_TCP,
    OPT_L3_CACHE_SCHEMA,
    OPT_MEM_BW_SCHEMA,
  };
  static const struct option opts[] = {
    { "resources", required_argument, NULL, 'r' },
    { "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
    { "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
    { "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
    { "cpu-burst", required_argument, NULL, OPT_CPU_BURST },
    /* runc spells it --cpu-share; --cpu-shares as the config's field.  */
    { "cpu-share", required_argument, NULL, OPT_CPU_SHARES },
    { "cpu-shares", required_argument, NULL, OPT_CPU_SHARES },
    { "cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD },
    { "cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME },
    { "cpu-idle", required_argument, NULL, OPT_CPU_IDLE },
    { "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
    { "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
    { "memory", required_argument, NULL, OPT_MEMORY },
    { "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
    { "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
    { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
    { "kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY },
    { "kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_MEMORY_TCP },
    { "l3-cache-schema", required_argument, NULL, OPT_L3_CACHE_SCHEMA },
    { "mem-bw-schema", required_argument, NULL, OPT_MEM_BW_SCHEMA },
    { NULL, 0, NULL, 0 },
  };
  struct carve_update_options_s o = { 0 };
  carve_error_t err = NULL;
  int c;

  while ((c = getopt_long (argc, argv, ":r:", opts, NULL)) != -1)
    {
      switch (c)
        {
        case 'r':
          o.resources_path = optarg;
          break;
        case OPT_BLKIO_WEIGHT:
          o.blkio_weight = optarg;
          break;
        case OPT_CPU_PERIOD:
          o.cpu_period = optarg;
          break;
        case OPT_CPU_QUOTA:
          o.cpu_quota = optarg;
          break;
        case OPT_CPU_BURST:
          o.cpu_burst = optarg;
          break;
        case OPT_CPU_SHARES:
          o.cpu_shares = optarg;
          break;
        case OPT_CPU_RT_PERIOD:
          o.cpu_rt_period = optarg;
          break;
        case OPT_CPU_RT_RUNTIME:
          o.cpu_rt_runtime = optarg;
          break;
        case OPT_CPU_IDLE:
          o.cpu_idle = optarg;
          break;
        case OPT_CPUSET_CPUS:
          o.cpuset_cpus = optarg;
          break;
        case OPT_CPUSET_MEMS:
          o.cpuset_mems = optarg;
          break;
        case OPT_MEMORY:
          o.memory = optarg;
          break;
        case OPT_MEMORY_RESERVATION:
          o.memory_reservation = optarg;
          break;
        case OPT_MEMORY_SWAP:
          o.memory_swap = optarg;
          break;
        case OPT_PIDS_LIMIT:
          o.pids_limit = optarg;
          break;
        case OPT_KERNEL_MEMORY:
          o.kernel_memory = optarg;
          break;
        case OPT_KERNEL_MEMORY_TCP:
          o.kernel_memory_tcp = optarg;
          break;
        case OPT_L3_CACHE_SCHEMA:
          o.l3_cache_schema = optarg;
          break;
        case OPT_MEM_BW_SCHEMA:
          o.mem_bw_schema = optarg;
          break;
        case ':':
          carve_log (CARVE_LOG_ERROR, "update: option `%s` requires an argument", argv[optind - 1]);
          return 1;
        default:
          carve_log (CARVE_LOG_ERROR, "update: unknown option `%s`", argv[optind - 1]);
          return 1;
        }
    }
  if (carve_cli_expect_args ("update", argc, optind, 1, 1, "[-r FILE|-] [--memory SIZE] ... CONTAINER-ID") < 0)
    return 1;
  if (carve_container_update (ctx, argv[optind], &o, &err) < 0)
    return carve_cli_fail (&err);
  return 0;
}
