/*
 * guards.c — the one list of guards, and the route table built from it.
 *
 * Order matters where guards share a command: cmd_state refuses a command
 * buffer that is not recording before anything reads its records; the
 * inflight guard counts a submission (after) before the semaphores guard
 * stamps binary signals with that count; pipeline_state and pipeline_bound
 * run last, just before the handler, as the checks inside handlers they
 * replaced did.
 */
#include "renderer/guards/guards.h"

#include <pthread.h>
#include <stdatomic.h>

static const struct pv_guard *const guards[] = {
   &pv_guard_ranges,
   &pv_guard_cmd_state,
   &pv_guard_compare_sampling,
   &pv_guard_inflight,
   &pv_guard_semaphores,
   &pv_guard_host_copy,
   &pv_guard_pipeline_state,
   &pv_guard_pipeline_bound,
};
#define GUARD_COUNT (sizeof(guards) / sizeof(guards[0]))

/* Command ids the route table covers: enough for every Venus command
 * (ids are below 400 in the 1.4.354 registry); ids past it run no guard,
 * which pv_guards_of() reports and the route test checks. */
#define ROUTE_IDS 1024
_Static_assert(GUARD_COUNT <= 8, "the route table keeps a byte of guard bits per command");

static uint8_t route[ROUTE_IDS];
static pthread_once_t route_once = PTHREAD_ONCE_INIT;
static atomic_bool route_built;

static void
build_route(void)
{
   for (uint32_t id = 0; id < ROUTE_IDS; id++)
      for (unsigned g = 0; g < GUARD_COUNT; g++)
         if (guards[g]->watches(id))
            route[id] |= (uint8_t)(1u << g);
   atomic_store_explicit(&route_built, true, memory_order_release);
}

unsigned
pv_guards_route(uint32_t id)
{
   /* every command asks: the built table costs one load after the first */
   if (!atomic_load_explicit(&route_built, memory_order_acquire))
      pthread_once(&route_once, build_route);
   return id < ROUTE_IDS ? route[id] : 0;
}

bool
pv_guards_before(unsigned route_bits, struct pv_dispatcher *d,
                 const struct pv_cs_command_info *info, const void *args)
{
   for (unsigned bits = route_bits, g = 0; bits; bits >>= 1, g++)
      if ((bits & 1) && guards[g]->before && !guards[g]->before(d, info, args))
         return false;
   return true;
}

void
pv_guards_after(unsigned route_bits, struct pv_dispatcher *d,
                const struct pv_cs_command_info *info, const void *args)
{
   for (unsigned bits = route_bits, g = 0; bits; bits >>= 1, g++)
      if ((bits & 1) && guards[g]->after)
         guards[g]->after(d, info, args);
}

void
pv_guards_forget(struct pv_vk_context *vk, struct pv_object *obj)
{
   for (unsigned g = 0; g < GUARD_COUNT; g++)
      if (guards[g]->forget)
         guards[g]->forget(vk, obj);
}

unsigned
pv_guards_of(uint32_t id, const struct pv_guard **out, unsigned max)
{
   unsigned n = 0;
   for (unsigned bits = pv_guards_route(id), g = 0; bits; bits >>= 1, g++)
      if (bits & 1) {
         if (n < max)
            out[n] = guards[g];
         n++;
      }
   return n;
}
