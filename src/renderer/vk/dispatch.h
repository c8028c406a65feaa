/*
 * dispatch.h — a dispatcher, and the services handlers and guards use
 * while it runs a command (vk/dispatcher.c).
 *
 * A dispatcher is one place commands are decoded: the context (streams
 * submitted with SUBMIT_CMD2 / pv_context_submit) or one ring (its reader
 * thread).  Each has its own decoder, scratch arena and reply stream
 * (vkSetReplyCommandStreamMESA sets the reply stream of the dispatcher it
 * is decoded on).  The loop that runs commands on it is command_loop.h.
 */
#ifndef PV_RENDERER_DISPATCH_H
#define PV_RENDERER_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs/pv_cs.h"
#include "cs/pv_cs_desc.h"
#include "renderer/vk/object_table.h"
#include "renderer/pv_handlers_gen.h"

struct pv_context;
struct pv_vk_context;
struct pv_vk_ring;
struct pv_resource;

struct pv_reply_stream {
   struct pv_resource *res; /* pinned while set */
   uint64_t offset, size;   /* the window inside the resource */
   uint64_t pos;            /* next write, relative to offset */
};

struct pv_dispatcher {
   struct pv_vk_context *vk;
   struct pv_vk_ring *ring;        /* NULL: the context's dispatcher */
   struct pv_cs_decoder dec;
   struct pv_cs_decoder nested;    /* vkExecuteCommandStreamsMESA streams */
   bool in_nested;                 /* nesting is forbidden (docs/PROTOCOL.md §5) */
   struct pv_reply_stream reply;
   const struct pv_cs_command_info *cmd; /* the command being handled */
   struct pv_object_cache objects; /* this thread's recent id lookups */
};

void pv_dispatcher_init(struct pv_dispatcher *d, struct pv_vk_context *vk, struct pv_vk_ring *ring);
void pv_dispatcher_fini(struct pv_dispatcher *d);

/* Make the context fatal, naming the current command. */
void pv_dispatch_fail(struct pv_dispatcher *d, const char *fmt, ...)
   __attribute__((format(printf, 2, 3)));
bool pv_dispatch_failed(const struct pv_dispatcher *d);

/* Bind obj->id in the context's object table; on failure make the context
 * fatal naming why (id 0, id in use, limit max_objects) and return false. */
bool pv_dispatch_bind(struct pv_dispatcher *d, struct pv_object *obj);

/* Set the reply stream to [offset, offset + size) of shm resource res_id. */
int pv_dispatch_set_reply_stream(struct pv_dispatcher *d, uint32_t res_id, uint64_t offset,
                                 uint64_t size);

#endif /* PV_RENDERER_DISPATCH_H */
