/*
 * cmd_replay.c — `pv-venus replay FILE`: run a recording (PV_VENUS_RECORD,
 * or a capture in the same format) on a fresh context over the host's
 * Vulkan driver, and say whether and where the context turned fatal.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pv_venus_cmds.h"
#include "pvvenus.h"
#include "renderer/core/context.h"
#include "renderer/replay.h"

int
pv_cmd_replay(int argc, char **argv)
{
   if (argc != 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
      FILE *o = argc == 2 ? stdout : stderr;
      fprintf(o, "usage: pv-venus replay FILE\n\n"
                 "Run a recording made with PV_VENUS_RECORD=DIR (one file per guest context)\n"
                 "on a fresh context, in the order it was recorded.  Guest memory contents are\n"
                 "not recorded, so work that reads mapped memory sees zeros.  Exit status: 0\n"
                 "when every record ran, 1 when the context turned fatal (the reason is\n"
                 "printed), 2 for a missing or malformed file.\n");
      return argc == 2 ? 0 : 2;
   }
   FILE *f = fopen(argv[1], "rb");
   if (!f) {
      fprintf(stderr, "pv-venus replay: %s: %s\n", argv[1], strerror(errno));
      return 2;
   }
   struct pv_renderer_config cfg = { .record_dir = "" };
   struct pv_renderer *r;
   struct pv_context *ctx;
   if (pv_renderer_create(&cfg, &r) || pv_context_create(r, "replay", PV_CAPSET_VENUS, &ctx)) {
      fclose(f);
      fprintf(stderr, "pv-venus replay: cannot create a renderer context\n");
      return 2;
   }
   struct pv_replay_stats st;
   int ret = pv_replay(ctx, f, &st);
   fclose(f);
   printf("replayed %llu records: %llu commands (%llu bytes), %llu blobs, %llu skipped\n",
          (unsigned long long)st.records, (unsigned long long)st.commands,
          (unsigned long long)st.bytes, (unsigned long long)st.blobs,
          (unsigned long long)st.skipped);
   if (ret == -EIO)
      printf("context turned fatal: %s\n", pv_context_fatal_reason(ctx));
   else if (ret)
      printf("malformed recording (%s)\n", strerror(-ret));
   pv_context_destroy(ctx);
   pv_renderer_destroy(r);
   return ret == 0 ? 0 : ret == -EIO ? 1 : 2;
}
