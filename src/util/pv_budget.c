/* pv_budget.c — process-wide budgets (pv_budget.h). */
#include "util/pv_budget.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#define WARN_INTERVAL_NS 1000000000ull

void
pv_budget_init(struct pv_budget *b, const char *name, uint64_t limit)
{
   b->name = name;
   b->limit = limit;
   atomic_init(&b->used, 0);
   atomic_init(&b->next_warn_ns, 0);
   atomic_init(&b->unlogged, 0);
}

bool
pv_budget_take(struct pv_budget *b, uint64_t n)
{
   uint64_t used = atomic_load_explicit(&b->used, memory_order_relaxed);
   do {
      if (used > b->limit || n > b->limit - used)
         return false;
   } while (!atomic_compare_exchange_weak_explicit(&b->used, &used, used + n,
                                                   memory_order_relaxed, memory_order_relaxed));
   return true;
}

void
pv_budget_give(struct pv_budget *b, uint64_t n)
{
   atomic_fetch_sub_explicit(&b->used, n, memory_order_relaxed);
}

static uint64_t
now_ns(void)
{
   struct timespec ts;
   clock_gettime(CLOCK_MONOTONIC, &ts);
   return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* True when a refusal now should be logged, with *unlogged set to the
 * refusals not logged since the last logged one. */
static bool
warn_due(struct pv_budget *b, uint64_t *unlogged)
{
   uint64_t now = now_ns();
   uint64_t due = atomic_load_explicit(&b->next_warn_ns, memory_order_relaxed);
   if (now < due ||
       !atomic_compare_exchange_strong_explicit(&b->next_warn_ns, &due, now + WARN_INTERVAL_NS,
                                                memory_order_relaxed, memory_order_relaxed)) {
      atomic_fetch_add_explicit(&b->unlogged, 1, memory_order_relaxed);
      return false;
   }
   *unlogged = atomic_exchange_explicit(&b->unlogged, 0, memory_order_relaxed);
   return true;
}

bool
pv_budget_take_logged(struct pv_budget *b, uint64_t n, const struct pv_logger *log,
                      uint32_t ctx_serial)
{
   if (pv_budget_take(b, n))
      return true;
   uint64_t unlogged;
   if (!warn_due(b, &unlogged))
      return false;
   char more[64] = "";
   if (unlogged)
      snprintf(more, sizeof(more), "; %" PRIu64 " refusals since the last line", unlogged);
   pv_warn(log, "ctx %u: limit %s (%" PRIu64 ", all contexts) reached: %" PRIu64
           " in use, %" PRIu64 " asked%s", ctx_serial, b->name, b->limit,
           (uint64_t)atomic_load(&b->used), n, more);
   return false;
}
