/*
 * command_loop.h — running Venus command streams on a dispatcher
 * (dispatch.c), for the ring readers (transport.c) and replay.
 *
 * For every command: read the header, look up the generated metadata,
 * decode the arguments (handles translated through the context's object
 * table), run the guards watching the command (guards/guards.h) and its
 * handler (handlers.h), and write the reply if the guest asked for one.
 * Any error makes the whole context fatal: the guest is hostile and the
 * stream has no way to resynchronize.
 */
#ifndef PV_RENDERER_COMMAND_LOOP_H
#define PV_RENDERER_COMMAND_LOOP_H

#include "renderer/vk/dispatch.h"

/* A handler runs one decoded command (pv_handler_fn, declared with the
 * generated handlers).  On a guest error it calls pv_dispatch_fail(),
 * which makes the context fatal.  pv_handler_for() gives the handler of a
 * command id, NULL if none (handlers.c). */
pv_handler_fn pv_handler_for(uint32_t id);
/* Where command `id`'s handler lives, under src/renderer/ (or the
 * generated file); NULL if it has none. */
const char *pv_handler_file(uint32_t id);

/* Decode and execute one command at the start of [data, data + avail);
 * *consumed gets its size.  Returns 0, or -1 after making the context fatal. */
int pv_dispatch_command(struct pv_dispatcher *d, struct pv_cs_decoder *dec, const uint8_t *data,
                        size_t avail, size_t *consumed);
/* Execute every command of a stream; -1 on the first failure. */
int pv_dispatch_stream(struct pv_dispatcher *d, struct pv_cs_decoder *dec, const uint8_t *data,
                       size_t size);

#endif /* PV_RENDERER_COMMAND_LOOP_H */
