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
_Static_assert(GUARD_COUNT <= 8, "the route keeps a byte of guard bits per phase");

/* Per command: the guards whose before hook runs in bits 0-7, those whose
 * after hook runs in bits 8-15. */
static uint16_t route[ROUTE_IDS];
static pthread_once_t route_once = PTHREAD_ONCE_INIT;
static atomic_bool route_built;

#define AFTER_SHIFT 8

static void
build_route(void)
{
   for (uint32_t id = 0; id < ROUTE_IDS; id++)
      for (unsigned g = 0; g < GUARD_COUNT; g++) {
         unsigned phases = guards[g]->watches(id);
         if ((phases & PV_GUARD_BEFORE) && guards[g]->before)
            route[id] |= (uint16_t)(1u << g);
         if ((phases & PV_GUARD_AFTER) && guards[g]->after)
            route[id] |= (uint16_t)(1u << (g + AFTER_SHIFT));
      }
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
   for (unsigned bits = route_bits & 0xffu; bits; bits &= bits - 1)
      if (!guards[__builtin_ctz(bits)]->before(d, info, args))
         return false;
   return true;
}

void
pv_guards_after(unsigned route_bits, struct pv_dispatcher *d,
                const struct pv_cs_command_info *info, const void *args)
{
   for (unsigned bits = route_bits >> AFTER_SHIFT; bits; bits &= bits - 1)
      guards[__builtin_ctz(bits)]->after(d, info, args);
}

void
pv_guards_forget(struct pv_vk_context *vk, struct pv_object *obj)
{
   for (unsigned g = 0; g < GUARD_COUNT; g++)
      if (guards[g]->forget)
         guards[g]->forget(vk, obj);
}

unsigned
pv_guards_of(uint32_t id, unsigned phases, const struct pv_guard **out, unsigned max)
{
   unsigned route_bits = pv_guards_route(id), n = 0;
   for (unsigned g = 0; g < GUARD_COUNT; g++) {
      bool before = (phases & PV_GUARD_BEFORE) && (route_bits >> g & 1);
      bool after = (phases & PV_GUARD_AFTER) && (route_bits >> (g + AFTER_SHIFT) & 1);
      if (before || after) {
         if (n < max)
            out[n] = guards[g];
         n++;
      }
   }
   return n;
}
