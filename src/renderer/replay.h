/* replay.h — feed a recording (recorder.h) to a fresh context. */
#ifndef PV_RENDERER_REPLAY_H
#define PV_RENDERER_REPLAY_H

#include <stdint.h>
#include <stdio.h>

struct pv_context;

struct pv_replay_stats {
   uint64_t records;    /* records read */
   uint64_t commands;   /* command records executed */
   uint64_t bytes;      /* command bytes executed */
   uint64_t blobs;      /* blobs re-created */
   uint64_t skipped;    /* records that could not be placed (unknown ring) */
};

/*
 * Run every record of `f` on `ctx` in file order.  Returns 0 when the
 * file ended cleanly; -EIO when the context became fatal (its reason says
 * why; *stats tells how far it got); -EINVAL for a malformed file.
 */
int pv_replay(struct pv_context *ctx, FILE *f, struct pv_replay_stats *stats);

#endif
