/*
 * query.h — query pools, as other files see them (query.c).
 */
#ifndef PV_RENDERER_QUERY_H
#define PV_RENDERER_QUERY_H

#include <stdbool.h>
#include <stdint.h>

struct pv_dispatcher;
struct pv_object;

/* Queries [first, first + count) inside the pool; fails the context if
 * not.  A NULL pool passes (its command reports it). */
bool pv_query_range_ok(struct pv_dispatcher *d, const struct pv_object *pool, uint32_t first,
                       uint32_t count);
/* Bytes a query pool is charged against max_device_memory. */
uint64_t pv_query_pool_charged(const struct pv_object *pool);

#endif /* PV_RENDERER_QUERY_H */
