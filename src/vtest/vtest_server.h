/*
 * vtest_server.h — a vtest-protocol server (docs/PROTOCOL.md §1) on a UNIX
 * socket, built only on the public API (pvvenus.h).
 *
 * One thread per client, no fork.  Each client gets its own context at
 * CONTEXT_INIT; everything a client owned (context, resources, syncs,
 * pending waits, its socket) is freed when it disconnects, at any byte.
 * A malformed message is logged and drops that client only.
 */
#ifndef PV_VTEST_SERVER_H
#define PV_VTEST_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "pvvenus.h"
#include "util/pv_log.h"

struct pv_vtest_server;

/* Told when a client's context is created (created = true) and right
 * before it is destroyed.  From the client's thread.  For tests and
 * embedders that want to look at a context; may be NULL. */
typedef void (*pv_vtest_context_fn)(void *user, struct pv_context *ctx, const char *client_name,
                                    bool created);

/* Each client costs a thread and about 1.7 MiB before it does anything. */
#define PV_VTEST_DEFAULT_MAX_CLIENTS 1024u
#define PV_VTEST_DEFAULT_HANDSHAKE_MS 10000u

struct pv_vtest_server_config {
   const char *socket_path;        /* required; replaced if it exists */
   struct pv_renderer *renderer;   /* required; outlives the server */
   const struct pv_logger *log;    /* required; outlives the server */
   size_t max_message_bytes;       /* 0: 64 MiB */
   /* Clients served at once; one more is accepted and closed with a
    * logged reason.  0: PV_VTEST_DEFAULT_MAX_CLIENTS. */
   unsigned max_clients;
   /* A client that sends no CREATE_RENDERER within this many milliseconds
    * is dropped.  0: PV_VTEST_DEFAULT_HANDSHAKE_MS. */
   unsigned handshake_timeout_ms;
   pv_vtest_context_fn context_event;
   void *context_event_user;
};

/* Bind and listen on the socket.  Returns 0 or a negative errno. */
int pv_vtest_server_create(const struct pv_vtest_server_config *config,
                           struct pv_vtest_server **out);

/* Serve until pv_vtest_server_stop().  Then disconnects every client,
 * waits for their threads and frees what they owned.  Returns 0, or a
 * negative errno if accepting failed for good. */
int pv_vtest_server_run(struct pv_vtest_server *srv);

/* Ask run() to return.  Thread-safe; not async-signal-safe (use sigwait). */
void pv_vtest_server_stop(struct pv_vtest_server *srv);

/* Clients whose threads have not finished their cleanup yet. */
unsigned pv_vtest_server_client_count(struct pv_vtest_server *srv);

/* Close the socket and remove its path.  Call after run() returned (or
 * instead of it). */
void pv_vtest_server_destroy(struct pv_vtest_server *srv);

#endif /* PV_VTEST_SERVER_H */
