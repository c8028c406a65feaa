/*
 * route.h — everything that runs for a command, in order (route.c), for
 * `pv-venus info --route`: the decoder, the guards' before hooks, the
 * handler, the guards' after hooks, the reply.
 */
#ifndef PV_RENDERER_ROUTE_H
#define PV_RENDERER_ROUTE_H

#include <stdio.h>

/* Print the route of the command named `name` (e.g. "vkQueueSubmit");
 * -1 (nothing printed) when the protocol has no such command. */
int pv_route_print(FILE *out, const char *name);
/* One line per command with a hand-written handler or a guard: the
 * index of every route that is more than decode, call the host, reply. */
void pv_route_print_index(FILE *out);

#endif /* PV_RENDERER_ROUTE_H */
