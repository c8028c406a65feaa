/*
 * fuzz_vtest — libFuzzer target: bytes in -> one vtest server connection.
 *
 * The input is what a client writes on its socket.  A socketpair stands in
 * for an accepted connection: a feeder thread writes the input into one
 * end, closes its writing side, then reads (and discards) every reply and
 * every fd the server sends until the server hangs up.  The server side is
 * the real per-client code of src/vtest/ (pv_vtest_conn_main, the thread
 * function of an accepted client), run on the fuzzer's thread against a
 * real server object (its listening socket is never used), so the
 * connection ends, and frees what it owned, exactly as a client that went
 * away at any byte.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/socket.h>

#include "fuzz_util.h"
#include "vtest/vtest_internal.h"

static struct pv_vtest_server *
server(void)
{
   static struct pv_vtest_server *srv;
   static struct pv_logger log;
   static char path[64];
   if (!srv) {
      pv_logger_init(&log, NULL, NULL);
      if (!getenv("PV_FUZZ_LOG"))
         log.level = PV_LOG_ERROR;
      snprintf(path, sizeof(path), "/tmp/pv-fuzz-vtest-%d", (int)getpid());
      struct pv_vtest_server_config cfg = {
         .socket_path = path, .renderer = pv_fuzz_renderer(), .log = &log,
         .max_message_bytes = 4u << 20,
      };
      if (pv_vtest_server_create(&cfg, &srv)) {
         fprintf(stderr, "fuzz_vtest: cannot create the server at %s\n", path);
         abort(); /* harness set-up, not guest data */
      }
      unlink(path); /* nobody connects: only the object is used */
   }
   return srv;
}

struct feeder {
   int fd;
   const uint8_t *data;
   size_t size;
};

/* The client: write everything, then drain replies and passed fds. */
static void *
feed(void *arg)
{
   struct feeder *f = arg;
   size_t off = 0;
   while (off < f->size) {
      ssize_t n = send(f->fd, f->data + off, f->size - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
         continue;
      if (n <= 0)
         break; /* the server dropped us */
      off += (size_t)n;
   }
   shutdown(f->fd, SHUT_WR);
   for (;;) {
      uint8_t buf[4096];
      char cbuf[CMSG_SPACE(sizeof(int) * 4)];
      struct iovec iov = { buf, sizeof(buf) };
      struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                            .msg_controllen = sizeof(cbuf) };
      ssize_t n = recvmsg(f->fd, &msg, MSG_CMSG_CLOEXEC);
      if (n < 0 && errno == EINTR)
         continue;
      for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); n > 0 && c; c = CMSG_NXTHDR(&msg, c)) {
         if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < k; i++) {
               int fd;
               memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
               close(fd);
            }
         }
      }
      if (n <= 0)
         break;
   }
   return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
   struct pv_vtest_server *srv = server();
   int sv[2];
   if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
      return 0;
   struct feeder f = { sv[1], data, size };
   pthread_t t;
   if (pthread_create(&t, NULL, feed, &f)) {
      close(sv[0]);
      close(sv[1]);
      return 0;
   }
   struct pv_vtest_conn *c = calloc(1, sizeof(*c));
   if (c) {
      c->srv = srv;
      c->log = srv->log;
      c->fd = sv[0]; /* closed by the connection when it ends */
      c->start_ns = pv_now_ns();
      atomic_init(&c->finished, false);
      pthread_mutex_lock(&srv->lock);
      c->serial = ++srv->next_serial;
      pthread_mutex_unlock(&srv->lock);
      atomic_fetch_add(&srv->active, 1);
      pv_vtest_conn_main(c);
      free(c);
   } else {
      close(sv[0]);
   }
   pthread_join(t, NULL);
   close(sv[1]);
   /* the connection signalled "finished" to the accept loop */
   uint64_t buf[8];
   while (read(srv->wake.read_fd, buf, sizeof(buf)) > 0)
      ;
   return 0;
}
