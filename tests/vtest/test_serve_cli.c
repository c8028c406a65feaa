/*
 * test_serve_cli.c — `pv-venus serve` as a separate process: --help, bad
 * options, VTEST_SOCKET_NAME and --socket-path, a Mesa-style handshake, and
 * a clean stop on SIGTERM/SIGINT that removes the socket.
 * Usage: test_serve_cli PATH/TO/pv-venus
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform/pv_platform.h"
#include "tests/client/vtest_client.h"
#include "tests/pv_test.h"

static const char *exe;
static char dir[64];

/* The open-files limit of the next spawn (0: inherited). */
static rlim_t spawn_nofile;

/* Run `pv-venus serve ARGS…`; returns its pid, stdout in *out_fd if asked. */
static pid_t
spawn(char *const argv[], const char *env_socket, int *out_fd)
{
   int p[2] = { -1, -1 };
   if (out_fd && pipe(p) < 0)
      return -1;
   pid_t pid = fork();
   if (pid == 0) {
      if (out_fd) {
         dup2(p[1], 1);
         close(p[0]);
         close(p[1]);
      }
      if (spawn_nofile) {
         struct rlimit rl = { spawn_nofile, spawn_nofile };
         setrlimit(RLIMIT_NOFILE, &rl);
      }
      if (env_socket)
         setenv("VTEST_SOCKET_NAME", env_socket, 1);
      else
         unsetenv("VTEST_SOCKET_NAME");
      execv(exe, argv);
      _exit(127);
   }
   if (out_fd) {
      close(p[1]);
      *out_fd = p[0];
   }
   return pid;
}

static int
exit_status(pid_t pid)
{
   int st = 0;
   if (waitpid(pid, &st, 0) != pid)
      return -1;
   return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static bool
connect_retry(struct pv_vtc *c, const char *path)
{
   for (int i = 0; i < 500; i++) {
      if (!pv_vtc_connect(c, path))
         return true;
      pv_sleep_ns(10 * 1000 * 1000);
   }
   return false;
}

static void
test_help(void)
{
   char *argv[] = { (char *)exe, "serve", "--help", NULL };
   int fd = -1;
   pid_t pid = spawn(argv, NULL, &fd);
   char buf[8192] = { 0 };
   size_t n = 0;
   ssize_t r;
   while (n < sizeof(buf) - 1 && (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
      n += (size_t)r;
   close(fd);
   CHECK_EQ(exit_status(pid), 0);
   CHECK(strstr(buf, "--socket-path") != NULL);
   CHECK(strstr(buf, "VTEST_SOCKET_NAME") != NULL);
   CHECK(strstr(buf, "/tmp/.virgl_test") != NULL);
   CHECK(strstr(buf, "PV_VENUS_DEBUG") != NULL);
   CHECK(strstr(buf, "--no-busy-wait") != NULL);
   CHECK(strstr(buf, "max_total_shm_bytes") != NULL);

   char *bad[] = { (char *)exe, "serve", "--bogus", NULL };
   pid = spawn(bad, NULL, NULL);
   CHECK_EQ(exit_status(pid), 2);
}

/* Serve on `path` (through the env or the option), shake hands, stop. */
static void
serve_and_stop(bool use_env, int sig)
{
   char path[128];
   snprintf(path, sizeof(path), "%s/%s", dir, use_env ? "env.sock" : "opt.sock");
   char *argv_env[] = { (char *)exe, "serve", NULL };
   char *argv_opt[] = { (char *)exe, "serve", "--socket-path", path, NULL };
   /* With --socket-path the env names another path, which must stay unused. */
   char other[128];
   snprintf(other, sizeof(other), "%s/unused.sock", dir);
   pid_t pid = spawn(use_env ? argv_env : argv_opt, use_env ? path : other, NULL);
   CHECK(pid > 0);
   struct pv_vtc c;
   bool up = connect_retry(&c, path);
   CHECK(up);
   if (up) {
      CHECK_EQ(pv_vtc_handshake(&c, "cli-test"), 0);
      uint32_t id = 0;
      CHECK_EQ(pv_vtc_context_init(&c, 4), 0);
      CHECK_EQ(pv_vtc_sync_create(&c, 1, &id), 0);
      CHECK(id >= 1);
   }
   CHECK(access(other, F_OK) != 0);
   kill(pid, sig);
   CHECK_EQ(exit_status(pid), 0);
   CHECK(access(path, F_OK) != 0); /* socket removed */
   if (up) {
      uint32_t hdr[2];
      CHECK(pv_vtc_read(&c, hdr, 8) < 0); /* disconnected */
      pv_vtc_close(&c);
   }
}

static void
test_env_socket_sigterm(void)
{
   serve_and_stop(true, SIGTERM);
}

static void
test_option_socket_sigint(void)
{
   serve_and_stop(false, SIGINT);
}

/* Never delete a file that is not a socket; never steal a live socket. */
static void
test_path_safety(void)
{
   char file[128], sock[128];
   snprintf(file, sizeof(file), "%s/regular-file", dir);
   FILE *f = fopen(file, "w");
   CHECK(f != NULL);
   if (f)
      fclose(f);
   char *argv_file[] = { (char *)exe, "serve", "--socket-path", file, NULL };
   CHECK_EQ(exit_status(spawn(argv_file, NULL, NULL)), 1);
   CHECK_EQ(access(file, F_OK), 0);
   unlink(file);

   snprintf(sock, sizeof(sock), "%s/live.sock", dir);
   char *argv_sock[] = { (char *)exe, "serve", "--socket-path", sock, NULL };
   pid_t first = spawn(argv_sock, NULL, NULL);
   struct pv_vtc c;
   CHECK(connect_retry(&c, sock));
   CHECK_EQ(exit_status(spawn(argv_sock, NULL, NULL)), 1);
   /* The first server still answers on its socket. */
   CHECK_EQ(pv_vtc_handshake(&c, "still-there"), 0);
   pv_vtc_close(&c);
   kill(first, SIGTERM);
   CHECK_EQ(exit_status(first), 0);
   CHECK(access(sock, F_OK) != 0);
}

/* An empty path is refused (Linux would listen on an abstract socket); a
 * server whose path another server took since leaves that socket alone. */
static void
test_path_empty_and_taken(void)
{
   char *argv_empty[] = { (char *)exe, "serve", "--socket-path=", NULL };
   CHECK_EQ(exit_status(spawn(argv_empty, NULL, NULL)), 2);
   char *argv_empty2[] = { (char *)exe, "serve", "--socket-path", "", NULL };
   CHECK_EQ(exit_status(spawn(argv_empty2, NULL, NULL)), 2);

   char sock[128];
   snprintf(sock, sizeof(sock), "%s/taken.sock", dir);
   char *argv_sock[] = { (char *)exe, "serve", "--socket-path", sock, NULL };
   pid_t first = spawn(argv_sock, NULL, NULL);
   struct pv_vtc c;
   CHECK(connect_retry(&c, sock));
   pv_vtc_close(&c);
   unlink(sock); /* someone removes it, and a second server takes the path */
   pid_t second = spawn(argv_sock, NULL, NULL);
   CHECK(connect_retry(&c, sock));
   pv_vtc_close(&c);
   kill(first, SIGTERM);
   CHECK_EQ(exit_status(first), 0);
   CHECK_EQ(access(sock, F_OK), 0); /* the second server's socket stays */
   CHECK(connect_retry(&c, sock));
   CHECK_EQ(pv_vtc_handshake(&c, "second"), 0);
   pv_vtc_close(&c);
   kill(second, SIGTERM);
   CHECK_EQ(exit_status(second), 0);
   CHECK(access(sock, F_OK) != 0);
}

/* Out of fds, a new client is accepted and closed at once (it sees the
 * connection end within a second) instead of waiting in the queue, and
 * the server goes on serving once fds are free again. */
static void
test_out_of_fds(void)
{
   char sock[128];
   snprintf(sock, sizeof(sock), "%s/fds.sock", dir);
   char *argv_sock[] = { (char *)exe, "serve", "--socket-path", sock, NULL };
   spawn_nofile = 16; /* a hard limit the server cannot raise */
   pid_t pid = spawn(argv_sock, NULL, NULL);
   spawn_nofile = 0;
   enum { N = 24 };
   struct pv_vtc c[N];
   CHECK(connect_retry(&c[0], sock));
   unsigned refused = 0, open_ok = 1;
   for (int i = 1; i < N; i++)
      open_ok += !pv_vtc_connect(&c[i], sock);
   CHECK_EQ(open_ok, N); /* the client side has fds to spare */
   double t0 = (double)pv_now_ns() / 1e9;
   for (int i = 0; i < N; i++) {
      struct pollfd p = { .fd = c[i].fd, .events = POLLIN };
      char b;
      if (poll(&p, 1, i ? 50 : 1000) == 1 && read(c[i].fd, &b, 1) == 0)
         refused++;
   }
   double secs = (double)pv_now_ns() / 1e9 - t0;
   CHECK(refused >= 1 && refused < N);
   CHECK(secs < 3.0);
   for (int i = 0; i < N; i++)
      pv_vtc_close(&c[i]);
   /* Once the closed clients' threads released their fds, service resumes. */
   bool served = false;
   for (int i = 0; i < 100 && !served; i++) {
      struct pv_vtc again;
      if (connect_retry(&again, sock)) {
         uint32_t id = 0; /* SYNC_CREATE answers: the server really serves it */
         served = !pv_vtc_handshake(&again, "after") && !pv_vtc_context_init(&again, 4) &&
                  !pv_vtc_sync_create(&again, 1, &id);
         pv_vtc_close(&again);
      }
      if (!served)
         pv_sleep_ns(50 * 1000 * 1000);
   }
   CHECK(served);
   kill(pid, SIGTERM);
   CHECK_EQ(exit_status(pid), 0);
}

/* True when the server ends this connection within `ms`. */
static bool
ended_within(struct pv_vtc *c, int ms)
{
   struct pollfd p = { .fd = c->fd, .events = POLLIN };
   char b;
   return poll(&p, 1, ms) == 1 && read(c->fd, &b, 1) == 0;
}

/* --max-clients: one client more is closed at once; --handshake-timeout-ms:
 * a connection that never says CREATE_RENDERER is dropped, a named one
 * that stays silent is not. */
static void
test_client_limits(void)
{
   char sock[128];
   snprintf(sock, sizeof(sock), "%s/limits.sock", dir);
   char *argv_sock[] = { (char *)exe, "serve", "--socket-path", sock, "--max-clients", "2",
                         "--handshake-timeout-ms", "300", NULL };
   pid_t pid = spawn(argv_sock, NULL, NULL);
   struct pv_vtc a, b, extra, silent;
   CHECK(connect_retry(&a, sock));
   CHECK_EQ(pv_vtc_handshake(&a, "a"), 0);
   CHECK_EQ(pv_vtc_connect(&b, sock), 0);
   CHECK_EQ(pv_vtc_handshake(&b, "b"), 0);
   pv_sleep_ns(100 * 1000 * 1000); /* both are being served */
   CHECK_EQ(pv_vtc_connect(&extra, sock), 0);
   CHECK(ended_within(&extra, 1000));
   pv_vtc_close(&extra);
   pv_vtc_close(&b);
   pv_sleep_ns(100 * 1000 * 1000);
   double t0 = (double)pv_now_ns() / 1e9;
   CHECK_EQ(pv_vtc_connect(&silent, sock), 0);
   CHECK(ended_within(&silent, 3000));
   double waited = (double)pv_now_ns() / 1e9 - t0;
   CHECK(waited >= 0.25 && waited < 3.0);
   pv_vtc_close(&silent);
   CHECK(!ended_within(&a, 500)); /* named and silent: kept */
   CHECK_EQ(pv_vtc_context_init(&a, 4), 0);
   pv_vtc_close(&a);
   char *bad[] = { (char *)exe, "serve", "--max-clients", "0", NULL };
   CHECK_EQ(exit_status(spawn(bad, NULL, NULL)), 2);
   kill(pid, SIGTERM);
   CHECK_EQ(exit_status(pid), 0);
}

/* --limit takes the budgets for all clients too: past max_contexts a
 * client's CONTEXT_INIT ends its connection at once, and the next client
 * is served when one leaves. */
static void
test_budget_limits(void)
{
   char sock[128];
   snprintf(sock, sizeof(sock), "%s/budget.sock", dir);
   char *argv_sock[] = { (char *)exe, "serve", "--socket-path", sock, "--limit", "max_contexts=1",
                         "--limit", "max_total_shm_bytes=64M", "--limit", "max_total_rings=8",
                         NULL };
   pid_t pid = spawn(argv_sock, NULL, NULL);
   struct pv_vtc a, b;
   CHECK(connect_retry(&a, sock));
   CHECK_EQ(pv_vtc_handshake(&a, "a"), 0);
   CHECK_EQ(pv_vtc_context_init(&a, 4), 0);
   CHECK_EQ(pv_vtc_connect(&b, sock), 0);
   CHECK_EQ(pv_vtc_handshake(&b, "b"), 0);
   pv_vtc_context_init(&b, 4);
   CHECK(ended_within(&b, 1000));
   pv_vtc_close(&b);
   pv_vtc_close(&a);
   pv_sleep_ns(200 * 1000 * 1000); /* a's context is gone */
   CHECK_EQ(pv_vtc_connect(&b, sock), 0);
   CHECK_EQ(pv_vtc_handshake(&b, "b"), 0);
   CHECK_EQ(pv_vtc_context_init(&b, 4), 0);
   uint32_t id = 0;
   CHECK_EQ(pv_vtc_sync_create(&b, 1, &id), 0);
   pv_vtc_close(&b);
   kill(pid, SIGTERM);
   CHECK_EQ(exit_status(pid), 0);
   char *bad[] = { (char *)exe, "serve", "--limit", "max_total_rings=5000000000", NULL };
   CHECK_EQ(exit_status(spawn(bad, NULL, NULL)), 2);
}

int
main(int argc, char **argv)
{
   if (argc < 2) {
      fprintf(stderr, "usage: %s PATH/TO/pv-venus\n", argv[0]);
      return 2;
   }
   exe = argv[1];
   signal(SIGPIPE, SIG_IGN);
   snprintf(dir, sizeof(dir), "/tmp/pv-cli-XXXXXX");
   if (!mkdtemp(dir))
      return 1;
   RUN(test_help);
   RUN(test_env_socket_sigterm);
   RUN(test_option_socket_sigint);
   RUN(test_path_safety);
   RUN(test_path_empty_and_taken);
   RUN(test_out_of_fds);
   RUN(test_client_limits);
   RUN(test_budget_limits);
   rmdir(dir);
   return pv_test_summary();
}
