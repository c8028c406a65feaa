/* cmd_bench.c — `pv-venus bench WHAT`: the benchmarks of bench/. */
#include <stdio.h>
#include <string.h>

#include "bench/pv_bench.h"
#include "pv_venus_cmds.h"

static const struct pv_venus_cmd benches[] = {
   { "ring", "shared-memory ring throughput (64 B, 256 B, 4 KiB records) and ping-pong latency",
     pv_bench_ring },
#ifdef PV_BENCH_VULKAN
   { "vulkan", "Vulkan work natively and through an in-process server, side by side",
     pv_bench_vulkan },
#endif
};

int
pv_cmd_bench(int argc, char **argv)
{
   size_t n = sizeof(benches) / sizeof(benches[0]);
   if (argc >= 2) {
      for (size_t i = 0; i < n; i++) {
         if (!strcmp(argv[1], benches[i].name))
            return benches[i].main(argc - 1, argv + 1);
      }
   }
   FILE *f = argc >= 2 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h") ? stderr : stdout;
   if (f == stderr && argc >= 2)
      fprintf(stderr, "pv-venus bench: unknown benchmark '%s'\n", argv[1]);
   fprintf(f, "usage: pv-venus bench WHAT [--seconds S] [--json]\n\nbenchmarks:\n");
   for (size_t i = 0; i < n; i++)
      fprintf(f, "  %-6s %s\n", benches[i].name, benches[i].summary);
   return f == stdout ? 0 : 2;
}
