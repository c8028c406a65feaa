/*
 * guards.h — the guard layer: checks of what host drivers trust the
 * application to get right (Vulkan valid usage that drivers were seen to
 * crash on, or that lets a guest reach memory it does not own), run
 * around the handlers of the commands they watch.
 *
 * Every guard is one `struct pv_guard` in one file of guards/, listed once
 * in guards.c, which is the only list: the command loop asks
 * pv_guards_before() / pv_guards_after() for a command and they run, in
 * that list's order, the guards watching it.  `pv-venus info --route
 * vkFoo` prints everything that runs for vkFoo (pv_route_print, route.c).
 * Object files never call guards; guards read (and keep their own fields
 * of) objects through the objects' headers.  Object files tell the layer
 * an object is going through the context's on_object_free hook.
 */
#ifndef PV_RENDERER_GUARDS_H
#define PV_RENDERER_GUARDS_H

#include <stdbool.h>
#include <stdint.h>

#include "cs/pv_cs_desc.h"

struct pv_dispatcher;
struct pv_object;
struct pv_vk_context;

/* What pv_guard::watches answers, and the phases pv_guards_of() lists. */
enum {
   PV_GUARD_BEFORE = 1u,
   PV_GUARD_AFTER = 2u,
   PV_GUARD_BOTH = 3u,
};

struct pv_guard {
   const char *name;
   const char *file;    /* under src/renderer/ */
   const char *what;    /* one line: what it refuses or keeps */
   /* Which of its hooks run around command `id`: PV_GUARD_BEFORE and/or
    * PV_GUARD_AFTER, 0 for none (asked once per id, when the route table is
    * built).  Precise answers keep the per-command cost and the route
    * listing down to the hooks that do something for the command. */
   unsigned (*watches)(uint32_t id);
   /* Before the handler: false after failing the context (nothing more
    * runs for the command).  NULL: none. */
   bool (*before)(struct pv_dispatcher *d, const struct pv_cs_command_info *info,
                  const void *args);
   /* After a handler that left the context healthy.  NULL: none. */
   void (*after)(struct pv_dispatcher *d, const struct pv_cs_command_info *info,
                 const void *args);
   /* An object is freed: drop what the guard keeps for it.  NULL: none. */
   void (*forget)(struct pv_vk_context *vk, struct pv_object *obj);
};

/* The guards, one per file of guards/. */
extern const struct pv_guard pv_guard_ranges;
extern const struct pv_guard pv_guard_cmd_state;
extern const struct pv_guard pv_guard_compare_sampling;
extern const struct pv_guard pv_guard_inflight;
extern const struct pv_guard pv_guard_semaphores;
extern const struct pv_guard pv_guard_host_copy;
extern const struct pv_guard pv_guard_pipeline_state;
extern const struct pv_guard pv_guard_pipeline_bound;

/* The hooks that run around command `id`, for the two calls below: a
 * before bit and an after bit per guard, in list order (0: none, most
 * commands). */
unsigned pv_guards_route(uint32_t id);
/* Run the before hooks of the guards in `route` (pv_guards_route of
 * `info`'s command); false as soon as one failed the context. */
bool pv_guards_before(unsigned route, struct pv_dispatcher *d,
                      const struct pv_cs_command_info *info, const void *args);
/* Run their after hooks (the handler left the context healthy). */
void pv_guards_after(unsigned route, struct pv_dispatcher *d,
                     const struct pv_cs_command_info *info, const void *args);
/* Every guard's forget hook (pv_vk_context::on_object_free). */
void pv_guards_forget(struct pv_vk_context *vk, struct pv_object *obj);

/* The guards with a hook in `phases` (PV_GUARD_BEFORE, _AFTER or _BOTH)
 * for command `id`, in the order they run, into out[] (at most `max`);
 * returns how many there are. */
unsigned pv_guards_of(uint32_t id, unsigned phases, const struct pv_guard **out, unsigned max);

#endif /* PV_RENDERER_GUARDS_H */
