/*
 * dispatch.c — PLACEHOLDER so the library links before command decoding
 * exists.  The lead replaces this file with the real dispatcher (generated
 * decoders + handlers); nothing else depends on its contents.
 */
#include "renderer/dispatch.h"

#include <errno.h>

#include "renderer/context.h"

int
pv_context_execute(struct pv_context *ctx, const void *data, size_t size)
{
   (void)data;
   pv_context_set_fatal(ctx, "command decoding not available yet (%zu-byte stream)", size);
   return -ENOTSUP;
}
