/*
 * dispatch.h — command-stream execution on a context.  The real
 * implementation is the lead's (src/renderer/dispatch.c replaces the
 * placeholder); this declaration is what context.c calls.
 */
#ifndef PV_RENDERER_DISPATCH_H
#define PV_RENDERER_DISPATCH_H

#include <stddef.h>

struct pv_context;

/*
 * Decode and execute the Venus command stream `data` (`size` bytes, a
 * multiple of 4, 4-byte aligned) on `ctx`, writing replies where the
 * guest asked for them.  Called with ctx->submit_lock held, never on a
 * fatal context.  A malformed stream marks the context fatal
 * (pv_context_set_fatal) and returns a negative errno; never aborts.
 */
int pv_context_execute(struct pv_context *ctx, const void *data, size_t size);

#endif /* PV_RENDERER_DISPATCH_H */
