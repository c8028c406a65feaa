/* pv-venus — command-line front end; each subcommand lives in cmd_*.c. */
#include <stdio.h>
#include <string.h>

#include "pv_venus_cmds.h"

static const struct pv_venus_cmd cmds[] = {
   { "bench", "benchmarks (ring throughput and latency; see 'pv-venus bench --help')", pv_cmd_bench },
   { "info", "the capset and, per host device, the extensions offered to the guest", pv_cmd_info },
   { "replay", "run a recording made with PV_VENUS_RECORD on a fresh context", pv_cmd_replay },
   { "serve", "vtest server for Mesa's venus driver (see 'pv-venus serve --help')", pv_cmd_serve },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void
usage(FILE *f)
{
   fprintf(f, "usage: pv-venus COMMAND [OPTIONS]\n\ncommands:\n");
   for (size_t i = 0; i < NCMDS; i++)
      fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
   fprintf(f, "\nenvironment:\n"
              "  PV_VENUS_DEBUG  log level: error, warn, info (default), debug, trace\n");
}

int
main(int argc, char **argv)
{
   if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
      usage(argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
   }
   for (size_t i = 0; i < NCMDS; i++) {
      if (!strcmp(argv[1], cmds[i].name))
         return cmds[i].main(argc - 1, argv + 1);
   }
   fprintf(stderr, "pv-venus: unknown command '%s'\n\n", argv[1]);
   usage(stderr);
   return 2;
}
