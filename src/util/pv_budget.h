/*
 * pv_budget.h — a process-wide budget: how much of one scarce resource
 * (contexts, ring threads, blob mappings, shared memory, pending waits)
 * all contexts together may hold.
 *
 * Per-context limits keep one guest from taking everything; a budget keeps
 * many guests, each within its own limits, from exhausting what the
 * process has (file descriptors, address-space mappings, threads).  Taking
 * and giving are lock-free and may race freely; `used` never passes
 * `limit`.
 */
#ifndef PV_BUDGET_H
#define PV_BUDGET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/pv_log.h"

struct pv_budget {
   const char *name;   /* the setting's name, for refusal messages */
   uint64_t limit;
   _Atomic uint64_t used;
   /* Refusals come in storms (every client of a full server retries):
    * they are logged at most once a second, with a count of the rest. */
   _Atomic uint64_t next_warn_ns;
   _Atomic uint64_t unlogged;
};

void pv_budget_init(struct pv_budget *b, const char *name, uint64_t limit);

/* Take `n` units; false (nothing taken) when that would pass the limit. */
bool pv_budget_take(struct pv_budget *b, uint64_t n);

/* Give back `n` units taken earlier. */
void pv_budget_give(struct pv_budget *b, uint64_t n);

/* Take `n` units, or log the refusal (naming the budget, for context
 * `ctx_serial`, rate-limited) and return false. */
bool pv_budget_take_logged(struct pv_budget *b, uint64_t n, const struct pv_logger *log,
                           uint32_t ctx_serial);

#endif /* PV_BUDGET_H */
