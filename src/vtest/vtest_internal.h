/* vtest_internal.h — shared between the accept loop and the per-client code. */
#ifndef PV_VTEST_INTERNAL_H
#define PV_VTEST_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "platform/pv_platform.h"
#include "vtest/vtest_server.h"

struct pv_vtest_conn;

struct pv_vtest_server {
   struct pv_vtest_server_config cfg;
   char *socket_path;
   const struct pv_logger *log;
   int listen_fd;
   /* The socket file we bound: we remove it only while it is still this
    * one (another server may have taken the path since). */
   dev_t sock_dev;
   ino_t sock_ino;
   /* Held open so that, out of fds, a queued client can still be accepted
    * and closed at once instead of waiting forever (accept_clients). */
   int spare_fd;
   uint64_t refused, refused_logged_ns;
   pv_pollfd wake;               /* stop requests and finished clients */
   _Atomic bool stopping;
   pthread_mutex_t lock;         /* conns, and each conn's fd */
   struct pv_vtest_conn *conns;
   unsigned next_serial;
   _Atomic unsigned active;
};

struct pv_vtest_conn_stats {
   uint64_t messages;
   uint64_t submits;
   uint64_t submit_bytes;
   uint64_t blobs;
   uint64_t blob_bytes;
   uint64_t sync_waits;
};

struct pv_vtest_conn {
   struct pv_vtest_conn *next;
   struct pv_vtest_server *srv;
   const struct pv_logger *log;
   int fd;                       /* closed (-1) under srv->lock */
   unsigned serial;
   pv_thread thread;
   _Atomic bool finished;        /* thread done: join and free it */
   uint64_t start_ns;

   bool named;                   /* CREATE_RENDERER seen */
   char name[64];
   uint32_t protocol_version;
   struct pv_context *ctx;
   uint32_t capset_id;

   uint32_t *buf;                /* the current message's payload */
   size_t buf_size;
   /* bytes read from the socket and not consumed yet: one read takes a
    * message's header and payload, and what the client sent after them */
   uint8_t in[4096];
   size_t in_pos, in_len;
   char why[256];                /* why the connection ended */
   struct pv_vtest_conn_stats stats;
};

/* The client thread. */
void *pv_vtest_conn_main(void *arg);

#endif /* PV_VTEST_INTERNAL_H */
