/* vtest_server.c — the listening socket, the accept loop, client threads. */
#include "vtest/vtest_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_MAX_MESSAGE_BYTES (64u << 20)

static int
set_nonblock(int fd, bool on)
{
   int fl = fcntl(fd, F_GETFL);
   if (fl < 0)
      return -errno;
   fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
   return fcntl(fd, F_SETFL, fl) < 0 ? -errno : 0;
}

/*
 * Listening replaces the file at the path.  Refuse when that file is not a
 * socket (a typo must not delete a file) or when a server still answers
 * there (a stale socket of a dead server is fine to replace).
 */
static int
check_socket_path(struct pv_vtest_server *srv)
{
   struct stat st;
   if (lstat(srv->socket_path, &st) < 0)
      return errno == ENOENT ? 0 : -errno;
   if (!S_ISSOCK(st.st_mode)) {
      pv_error(srv->log, "vtest: %s exists and is not a socket", srv->socket_path);
      return -EEXIST;
   }
   int fd = pv_socket_connect(srv->socket_path);
   if (fd >= 0) {
      pv_close(fd);
      pv_error(srv->log, "vtest: another server is listening on %s", srv->socket_path);
      return -EADDRINUSE;
   }
   return 0;
}

/* Remember which file we bound, for remove_socket. */
static void
note_socket(struct pv_vtest_server *srv)
{
   struct stat st;
   if (lstat(srv->socket_path, &st) == 0) {
      srv->sock_dev = st.st_dev;
      srv->sock_ino = st.st_ino;
   }
}

/* Stop listening and remove the socket file if it is still ours. */
static void
remove_socket(struct pv_vtest_server *srv)
{
   if (srv->listen_fd < 0)
      return;
   pv_close(srv->listen_fd);
   srv->listen_fd = -1;
   struct stat st;
   if (lstat(srv->socket_path, &st) < 0)
      return;
   if (st.st_dev == srv->sock_dev && st.st_ino == srv->sock_ino)
      unlink(srv->socket_path);
   else
      pv_warn(srv->log, "vtest: not removing %s: another server's socket is there now",
              srv->socket_path);
}

int
pv_vtest_server_create(const struct pv_vtest_server_config *config, struct pv_vtest_server **out)
{
   if (out)
      *out = NULL;
   if (!config || !out || !config->socket_path || !config->renderer || !config->log)
      return -EINVAL;
   if (!*config->socket_path) {
      /* Linux would make that an abstract socket named by NUL bytes. */
      pv_error(config->log, "vtest: the socket path is empty");
      return -EINVAL;
   }
   struct pv_vtest_server *srv = calloc(1, sizeof(*srv));
   if (!srv)
      return -ENOMEM;
   srv->cfg = *config;
   if (!srv->cfg.max_message_bytes)
      srv->cfg.max_message_bytes = DEFAULT_MAX_MESSAGE_BYTES;
   if (!srv->cfg.max_clients)
      srv->cfg.max_clients = PV_VTEST_DEFAULT_MAX_CLIENTS;
   if (!srv->cfg.handshake_timeout_ms)
      srv->cfg.handshake_timeout_ms = PV_VTEST_DEFAULT_HANDSHAKE_MS;
   srv->log = config->log;
   srv->listen_fd = -1;
   srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
   srv->wake.read_fd = srv->wake.write_fd = -1;
   srv->socket_path = strdup(config->socket_path);
   int ret = srv->socket_path ? 0 : -ENOMEM;
   if (!ret)
      ret = pthread_mutex_init(&srv->lock, NULL) ? -ENOMEM : 0;
   if (ret) {
      free(srv->socket_path);
      free(srv);
      return ret;
   }
   ret = pv_pollfd_create(&srv->wake);
   /* The accept loop drains it without blocking. */
   if (!ret)
      ret = set_nonblock(srv->wake.read_fd, true);
   if (!ret)
      ret = check_socket_path(srv);
   if (!ret) {
      srv->listen_fd = pv_socket_listen(srv->socket_path, 16);
      ret = srv->listen_fd < 0 ? srv->listen_fd : set_nonblock(srv->listen_fd, true);
   }
   if (!ret)
      note_socket(srv);
   if (ret) {
      pv_error(srv->log, "vtest: cannot listen on %s: %s", srv->socket_path, strerror(-ret));
      pv_vtest_server_destroy(srv);
      return ret;
   }
   pv_info(srv->log, "vtest: listening on %s", srv->socket_path);
   *out = srv;
   return 0;
}

void
pv_vtest_server_destroy(struct pv_vtest_server *srv)
{
   if (!srv)
      return;
   remove_socket(srv);
   pv_close(srv->spare_fd);
   if (srv->wake.read_fd >= 0)
      pv_pollfd_destroy(&srv->wake);
   pthread_mutex_destroy(&srv->lock);
   free(srv->socket_path);
   free(srv);
}

void
pv_vtest_server_stop(struct pv_vtest_server *srv)
{
   atomic_store(&srv->stopping, true);
   pv_pollfd_signal(&srv->wake);
}

unsigned
pv_vtest_server_client_count(struct pv_vtest_server *srv)
{
   return atomic_load(&srv->active);
}

static void
drain_wake(struct pv_vtest_server *srv)
{
   uint64_t buf[8];
   while (read(srv->wake.read_fd, buf, sizeof(buf)) > 0)
      ;
}

/* Join and free client threads that are done (all of them with `all`). */
static void
reap(struct pv_vtest_server *srv, bool all)
{
   struct pv_vtest_conn *done = NULL;
   pthread_mutex_lock(&srv->lock);
   for (struct pv_vtest_conn **pc = &srv->conns; *pc;) {
      struct pv_vtest_conn *c = *pc;
      if (all || atomic_load(&c->finished)) {
         *pc = c->next;
         c->next = done;
         done = c;
      } else {
         pc = &c->next;
      }
   }
   pthread_mutex_unlock(&srv->lock);
   while (done) {
      struct pv_vtest_conn *c = done;
      done = c->next;
      pv_thread_join(&c->thread);
      free(c);
   }
}

/* A client was closed unserved: count it, and say so at most once a
 * second (a flood of refusals must not flood the log). */
static void
note_refused(struct pv_vtest_server *srv, const char *why)
{
   srv->refused++;
   uint64_t now = pv_now_ns();
   if (now - srv->refused_logged_ns >= 1000000000ull) {
      srv->refused_logged_ns = now;
      pv_warn(srv->log, "vtest: client refused: %s (%llu refused so far)", why,
              (unsigned long long)srv->refused);
   }
}

static void
start_client(struct pv_vtest_server *srv, int fd)
{
   if (atomic_load(&srv->active) >= srv->cfg.max_clients) {
      pv_close(fd);
      note_refused(srv, "max_clients reached");
      return;
   }
   /* BSD sockets inherit O_NONBLOCK from the listener; the client thread
    * reads blocking. */
   set_nonblock(fd, false);
   struct pv_vtest_conn *c = calloc(1, sizeof(*c));
   if (!c) {
      pv_error(srv->log, "vtest: out of memory for a client");
      pv_close(fd);
      return;
   }
   c->srv = srv;
   c->log = srv->log;
   c->fd = fd;
   c->start_ns = pv_now_ns();
   atomic_init(&c->finished, false);
   pthread_mutex_lock(&srv->lock);
   c->serial = ++srv->next_serial;
   c->next = srv->conns;
   srv->conns = c;
   atomic_fetch_add(&srv->active, 1);
   int ret = pv_thread_start(&c->thread, "pv-vtest", pv_vtest_conn_main, c);
   if (ret) {
      srv->conns = c->next;
      atomic_fetch_sub(&srv->active, 1);
   }
   pthread_mutex_unlock(&srv->lock);
   if (ret) {
      pv_error(srv->log, "vtest: cannot start a client thread: %s", strerror(-ret));
      pv_close(fd);
      free(c);
      return;
   }
   pv_debug(srv->log, "vtest: client #%u accepted", c->serial);
}

/*
 * accept() failed for want of fds (or memory).  Left queued, the client
 * would wait forever while the listener stays readable; so give back the
 * spare fd, accept the client into it and close it at once (the client
 * sees the connection end), then take the spare again.  Logged at most
 * once a second, with the count.  Returns whether a client was refused
 * (false: none was waiting — Linux fails accept() for want of an fd even
 * then — or not even the spare helped).
 */
static bool
refuse_one(struct pv_vtest_server *srv, int err)
{
   pv_close(srv->spare_fd);
   int fd = pv_socket_accept(srv->listen_fd);
   pv_close(fd);
   srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
   if (fd < 0) {
      if (fd != -EAGAIN && fd != -EWOULDBLOCK)
         pv_sleep_ns(10 * 1000 * 1000); /* nothing helped: do not spin */
      return false;
   }
   note_refused(srv, strerror(-err));
   return true;
}

static void
accept_clients(struct pv_vtest_server *srv)
{
   for (;;) {
      int fd = pv_socket_accept(srv->listen_fd);
      if (fd >= 0) {
         start_client(srv, fd);
         continue;
      }
      if ((fd == -EMFILE || fd == -ENFILE || fd == -ENOMEM || fd == -ENOBUFS) &&
          refuse_one(srv, fd))
         continue;
      return; /* -EAGAIN, or a connection that went away */
   }
}

int
pv_vtest_server_run(struct pv_vtest_server *srv)
{
   int ret = 0;
   while (!atomic_load(&srv->stopping)) {
      struct pollfd pfd[2] = {
         { .fd = srv->listen_fd, .events = POLLIN },
         { .fd = srv->wake.read_fd, .events = POLLIN },
      };
      if (poll(pfd, 2, -1) < 0) {
         if (errno == EINTR)
            continue;
         ret = -errno;
         pv_error(srv->log, "vtest: poll: %s", strerror(errno));
         break;
      }
      if (pfd[1].revents)
         drain_wake(srv);
      reap(srv, false);
      if (pfd[0].revents && !atomic_load(&srv->stopping))
         accept_clients(srv);
   }
   /* No new clients from here on: the socket goes first, so a client that
    * connects during teardown is refused at once, not left waiting. */
   remove_socket(srv);
   pv_info(srv->log, "vtest: stopping: disconnecting %u clients", atomic_load(&srv->active));
   /* Wake every client thread out of its read() and let it clean up. */
   pthread_mutex_lock(&srv->lock);
   for (struct pv_vtest_conn *c = srv->conns; c; c = c->next) {
      if (c->fd >= 0)
         shutdown(c->fd, SHUT_RDWR);
   }
   pthread_mutex_unlock(&srv->lock);
   reap(srv, true);
   pv_info(srv->log, "vtest: stopped");
   return ret;
}
