/* cmd_serve.c — `pv-venus serve`: the vtest server for Mesa's venus driver. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv_venus_cmds.h"
#include "pvvenus.h"
#include "util/pv_log.h"
#include "vtest/vtest_server.h"

#define DEFAULT_SOCKET "/tmp/.virgl_test"
#define DEFAULT_HEAP_KEEP_MIB 64u
#define MAX_HEAP_KEEP_MIB 2047u /* glibc takes an int of bytes */

static void
usage(FILE *f)
{
   fprintf(f,
           "usage: pv-venus serve [--socket-path PATH] [--limit NAME=VALUE]... [--record DIR]\n"
           "                      [--max-clients N] [--handshake-timeout-ms MS] [--wsi-dma-buf]\n"
           "                      [--no-busy-wait]\n"
           "                      [--heap-keep MIB]\n"
           "\n"
           "Serve Vulkan to Mesa's venus driver over the vtest protocol, the way\n"
           "virglrenderer's 'virgl_test_server --venus' does.  Every client gets its own\n"
           "thread and context; there is no fork.  Run a Vulkan program against it with\n"
           "  VN_DEBUG=vtest VTEST_SOCKET_NAME=PATH VK_ICD_FILENAMES=<Mesa virtio ICD json> vulkaninfo\n"
           "The host Vulkan driver is the one the loader picks (VK_ICD_FILENAMES chooses).\n"
           "Every command of the Venus protocol that the build's vk.xml defines is\n"
           "handled ('pv-venus info' lists the device extensions offered).  A client\n"
           "whose stream is malformed is dropped with a log line naming the command.\n"
           "\n"
           "options:\n"
           "  --socket-path PATH  UNIX socket to listen on (a stale socket there is\n"
           "                      replaced; removed on exit if it is still ours); not empty;\n"
           "                      default: $VTEST_SOCKET_NAME, else %s\n"
           "  --limit NAME=VALUE  a limit (repeatable; values take K, M, G suffixes).\n"
           "                      Per client, NAME and default:\n"
           "                        max_objects 1048576, max_device_memory 16G,\n"
           "                        max_blobs 32768, max_shm_bytes 4G, max_rings 64,\n"
           "                        max_syncs 65536\n"
           "                      For all clients together:\n"
           "                        max_contexts (default: --max-clients),\n"
           "                        max_total_rings 4096, max_total_blobs (half of\n"
           "                        vm.max_map_count), max_total_shm_bytes (half of RAM),\n"
           "                        max_pending_waits (a quarter of the open-files limit)\n"
           "                      The limits in force are logged at start.\n"
           "  --max-clients N     clients served at once (default %u); one more is\n"
           "                      accepted and closed, with a rate-limited log line\n"
           "  --handshake-timeout-ms MS  drop a client that sends no CREATE_RENDERER\n"
           "                      within MS milliseconds (default %u)\n"
           "  --record DIR        record every client's traffic into DIR, one file per\n"
           "                      client, for 'pv-venus replay' (same as PV_VENUS_RECORD)\n"
           "  --wsi-dma-buf       offer dma-buf export, DRM_FORMAT_MOD_LINEAR and the foreign\n"
           "                      queue family where the host driver lacks them, served by\n"
           "                      the renderer: Mesa 25.0 guests offer VK_KHR_swapchain only\n"
           "                      with them (on an X server without DRI3, such as Xvfb, they\n"
           "                      then present with MESA_VK_WSI_DEBUG=sw).  Off by default:\n"
           "                      newer guests then present through dma-bufs, which needs\n"
           "                      DRI3, instead of their CPU path.  Through vtest the\n"
           "                      exported fd is shared memory, not a dma-buf another\n"
           "                      device can import.  (PV_VENUS_WSI_DMA_BUF=1 for the\n"
           "                      virglrenderer library.)\n"
           "  --no-busy-wait      never trade CPU time for latency.  By default, for a GPU on\n"
           "                      a host with 8 or more CPUs, a queue's retire thread polls\n"
           "                      each fence for up to 1 ms before it sleeps on it: up to a\n"
           "                      core per queue while work is in flight; and once it\n"
           "                      signalled, the rings' readers spin and yield again for\n"
           "                      the guest's next command; a client's thread polls its\n"
           "                      socket for up to 1 ms before it sleeps in read().  Never\n"
           "                      on a CPU device.\n"
           "                      (PV_VENUS_BUSY_WAIT=0 for the virglrenderer library.)\n"
           "  --heap-keep MIB     freed heap memory the C library keeps for reuse, per heap\n"
           "                      (glibc has up to 8 per core), instead of returning it to\n"
           "                      the system at once (default %u; 0: the C library's own\n"
           "                      policy).  A CPU host driver such as lavapipe allocates and\n"
           "                      frees buffers on our threads every draw; without it each\n"
           "                      draw faults them back in (glmark2 over lavapipe ran at a\n"
           "                      third of the speed).  All of it is handed back when the\n"
           "                      last client leaves.  glibc only.\n"
           "  -h, --help          this text\n"
           "\n"
           "environment:\n"
           "  VTEST_SOCKET_NAME   socket path when --socket-path is not given\n"
           "  PV_VENUS_RECORD     directory to record into when --record is not given\n"
           "  PV_VENUS_DEBUG      log level: error, warn, info (default: one line per client\n"
           "                      connect/disconnect), debug (one line per message), trace\n"
           "\n"
           "SIGINT or SIGTERM stop the server: the socket is removed first (new clients\n"
           "are refused at once), then clients are disconnected and everything they owned\n"
           "is freed.  The soft limit on open files is raised to the hard one at start;\n"
           "a client that arrives when no fd is left is accepted and closed at once, with\n"
           "a rate-limited log line.  Exit status 0 after a signal, 1 on errors, 2 on bad\n"
           "usage.\n",
           DEFAULT_SOCKET, PV_VTEST_DEFAULT_MAX_CLIENTS, PV_VTEST_DEFAULT_HANDSHAKE_MS,
           DEFAULT_HEAP_KEEP_MIB);
}

struct serve_run {
   struct pv_vtest_server *srv;
   pthread_t main_thread;
   int result;
};

/* Runs the accept loop; wakes the signal-waiting main thread when done. */
static void *
server_thread(void *arg)
{
   struct serve_run *run = arg;
   run->result = pv_vtest_server_run(run->srv);
   pthread_kill(run->main_thread, SIGUSR1);
   return NULL;
}

/* "NAME=VALUE" into the limit it names (a field of the renderer's
 * config); VALUE may end in K, M or G. */
static bool
parse_limit(const char *arg, struct pv_renderer_config *rc)
{
#define LIMIT(field) { #field, offsetof(struct pv_renderer_config, limits.field), \
                       sizeof(((struct pv_context_limits *)0)->field) }
#define BUDGET(field) { #field, offsetof(struct pv_renderer_config, field), \
                        sizeof(((struct pv_renderer_config *)0)->field) }
   static const struct {
      const char *name;
      size_t offset, size;
   } names[] = {
      LIMIT(max_objects), LIMIT(max_device_memory), LIMIT(max_blobs), LIMIT(max_shm_bytes),
      LIMIT(max_rings), LIMIT(max_syncs), BUDGET(max_contexts), BUDGET(max_total_rings),
      BUDGET(max_total_blobs), BUDGET(max_total_shm_bytes), BUDGET(max_pending_waits),
   };
#undef LIMIT
#undef BUDGET
   const char *eq = strchr(arg, '=');
   if (!eq)
      return false;
   char *end;
   unsigned long long v = strtoull(eq + 1, &end, 10);
   int shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;
   if (shift)
      end++;
   if (end == eq + 1 || *end || v == 0 || v > (~0ull >> shift))
      return false;
   v <<= shift;
   for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
      if (strlen(names[i].name) != (size_t)(eq - arg) || strncmp(arg, names[i].name, eq - arg))
         continue;
      if (names[i].size == 4 && v > UINT32_MAX)
         return false;
      if (names[i].size == 8)
         memcpy((char *)rc + names[i].offset, &(uint64_t){ v }, 8);
      else
         memcpy((char *)rc + names[i].offset, &(uint32_t){ (uint32_t)v }, 4);
      return true;
   }
   return false;
}

/* One line an operator can compare with the refusals logged later. */
static void
log_budgets(struct pv_logger *log, struct pv_renderer *r)
{
   struct pv_renderer_usage u;
   if (pv_renderer_get_usage(r, &u))
      return;
   pv_info(log, "limits for all clients: max_contexts %" PRIu64 ", max_total_rings %" PRIu64
           ", max_total_blobs %" PRIu64 ", max_total_shm_bytes %" PRIu64 " MiB"
           ", max_pending_waits %" PRIu64, u.contexts.limit, u.rings.limit, u.blobs.limit,
           u.shm_bytes.limit >> 20, u.pending_waits.limit);
}

/* A positive count for OPTION, or 0 after saying why not. */
static unsigned
parse_count(const char *option, const char *arg)
{
   char *end;
   unsigned long v = strtoul(arg, &end, 10);
   if (end == arg || *end || v == 0 || v > 100000000ul) {
      fprintf(stderr, "pv-venus serve: %s wants a positive number, not '%s'\n", option, arg);
      return 0;
   }
   return (unsigned)v;
}

/* --heap-keep's MIB: 0 (the C library's policy) up to MAX_HEAP_KEEP_MIB. */
static bool
parse_heap_keep(const char *arg, unsigned *mib)
{
   char *end;
   unsigned long v = strtoul(arg, &end, 10);
   if (end == arg || *end || v > MAX_HEAP_KEEP_MIB) {
      fprintf(stderr, "pv-venus serve: --heap-keep wants 0 to %u (MiB), not '%s'\n",
              MAX_HEAP_KEEP_MIB, arg);
      return false;
   }
   *mib = (unsigned)v;
   return true;
}

static int
parse_args(int argc, char **argv, const char **socket_path, struct pv_renderer_config *rc,
           struct pv_vtest_server_config *sc, unsigned *heap_keep_mib)
{
   for (int i = 1; i < argc; i++) {
      if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
         usage(stdout);
         return 0;
      } else if (!strcmp(argv[i], "--socket-path") && i + 1 < argc) {
         *socket_path = argv[++i];
         if (!**socket_path) {
            fprintf(stderr, "pv-venus serve: --socket-path is empty\n");
            return 2;
         }
      } else if (!strncmp(argv[i], "--socket-path=", 14)) {
         *socket_path = argv[i] + 14;
         if (!**socket_path) {
            fprintf(stderr, "pv-venus serve: --socket-path is empty\n");
            return 2;
         }
      } else if (!strcmp(argv[i], "--limit") && i + 1 < argc) {
         if (!parse_limit(argv[++i], rc)) {
            fprintf(stderr, "pv-venus serve: bad limit '%s' (see --help)\n", argv[i]);
            return 2;
         }
      } else if (!strcmp(argv[i], "--max-clients") && i + 1 < argc) {
         if (!(sc->max_clients = parse_count(argv[i], argv[i + 1])))
            return 2;
         i++;
      } else if (!strcmp(argv[i], "--handshake-timeout-ms") && i + 1 < argc) {
         if (!(sc->handshake_timeout_ms = parse_count(argv[i], argv[i + 1])))
            return 2;
         i++;
      } else if (!strcmp(argv[i], "--heap-keep") && i + 1 < argc) {
         if (!parse_heap_keep(argv[++i], heap_keep_mib))
            return 2;
      } else if (!strcmp(argv[i], "--wsi-dma-buf")) {
         rc->flags |= PV_RENDERER_SERVE_WSI_MEMORY;
      } else if (!strcmp(argv[i], "--no-busy-wait")) {
         rc->flags |= PV_RENDERER_NO_BUSY_WAIT;
      } else if (!strcmp(argv[i], "--record") && i + 1 < argc) {
         rc->record_dir = argv[++i];
      } else {
         fprintf(stderr, "pv-venus serve: unknown or incomplete option '%s'\n\n", argv[i]);
         usage(stderr);
         return 2;
      }
   }
   return -1;
}

/* Every client costs fds (its socket, blobs handed out, pending waits):
 * take the hard limit the system allows instead of the usual soft 1024. */
static void
raise_fd_limit(void)
{
   struct rlimit rl;
   if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
      rl.rlim_cur = rl.rlim_max;
      setrlimit(RLIMIT_NOFILE, &rl);
   }
}

/* Serve with SIGINT/SIGTERM handled by sigwait() in this thread, so no
 * signal handler ever runs inside the server. */
static int
serve(struct pv_vtest_server *srv, sigset_t *set)
{
   struct serve_run run = { .srv = srv, .main_thread = pthread_self() };
   pthread_t t;
   if (pthread_create(&t, NULL, server_thread, &run)) {
      fprintf(stderr, "pv-venus serve: cannot start the server thread\n");
      return 1;
   }
   int sig = 0;
   sigwait(set, &sig);
   pv_vtest_server_stop(srv);
   pthread_join(t, NULL);
   return run.result ? 1 : 0;
}

int
pv_cmd_serve(int argc, char **argv)
{
   const char *socket_path = getenv("VTEST_SOCKET_NAME");
   if (!socket_path || !*socket_path)
      socket_path = DEFAULT_SOCKET;
   struct pv_renderer_config rc = { 0 };
   struct pv_vtest_server_config cfg = { 0 };
   unsigned heap_keep_mib = DEFAULT_HEAP_KEEP_MIB;
   int ret = parse_args(argc, argv, &socket_path, &rc, &cfg, &heap_keep_mib);
   if (ret >= 0)
      return ret;

   raise_fd_limit();
   /* A client is a context: as many as may connect, unless told. */
   if (!rc.max_contexts)
      rc.max_contexts = cfg.max_clients ? cfg.max_clients : PV_VTEST_DEFAULT_MAX_CLIENTS;
   /* Block the stop signals in every thread; sigwait() takes them. */
   sigset_t set;
   sigemptyset(&set);
   sigaddset(&set, SIGINT);
   sigaddset(&set, SIGTERM);
   sigaddset(&set, SIGUSR1);
   pthread_sigmask(SIG_BLOCK, &set, NULL);
   signal(SIGPIPE, SIG_IGN);

   struct pv_logger log;
   pv_logger_init(&log, NULL, NULL);
   struct pv_renderer *renderer = NULL;
   ret = pv_renderer_create(&rc, &renderer);
   if (ret) {
      pv_error(&log, "cannot create the renderer: %s", strerror(-ret));
      return 1;
   }
   log_budgets(&log, renderer);
   if (heap_keep_mib && pv_process_keep_freed_heap((size_t)heap_keep_mib << 20))
      pv_warn(&log, "--heap-keep: this allocator has no such setting; its own policy stays");
   cfg.socket_path = socket_path;
   cfg.renderer = renderer;
   cfg.log = &log;
   struct pv_vtest_server *srv = NULL;
   ret = pv_vtest_server_create(&cfg, &srv);
   if (ret) {
      pv_renderer_destroy(renderer);
      return 1;
   }
   ret = serve(srv, &set);
   pv_vtest_server_destroy(srv);
   pv_renderer_destroy(renderer);
   return ret;
}
