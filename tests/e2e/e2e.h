/*
 * e2e.h — shared pieces of the end-to-end tests: the vtest server started
 * in-process on a temporary socket, fd counting, and a guest "device"
 * brought up through the Venus client the way Mesa's venus driver does it
 * (instance, physical device, device, queues bound to timelines, host-
 * visible buffers mapped through blobs).
 *
 * Checks inside helpers that may run on several threads at once go
 * through struct e2e_log (its own failure count, lines prefixed with the
 * client's name), never through the global CHECK counters.
 */
#ifndef PV_E2E_H
#define PV_E2E_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "platform/pv_platform.h"
#include "tests/client/venus_client.h"
#include "vtest/vtest_server.h"

/* ---- the server ------------------------------------------------------------ */

struct e2e_server {
   char dir[64];
   char path[96];
   struct pv_logger log;
   struct pv_renderer *renderer;
   struct pv_vtest_server *srv;
   pv_thread thread;
   /* the renderer's error lines (context fatal reasons), kept for tests */
   pthread_mutex_t lock;
   char errors[32][256];
   unsigned error_count;
};

/* Start / stop the server on a fresh socket in a temporary directory. */
int e2e_server_start(struct e2e_server *s);
/* The same with a renderer made from `base` (its log sink is replaced). */
int e2e_server_start_config(struct e2e_server *s, const struct pv_renderer_config *base);
void e2e_server_stop(struct e2e_server *s);
/* For a test's main(): ignore SIGPIPE (a client of the in-process server
 * may close its socket while the other side writes: the write must fail,
 * not end the process), then start the server; false after saying why
 * not. */
bool e2e_main_start(struct e2e_server *s);
/* Whether an error line the renderer logged contains both strings. */
bool e2e_server_logged(struct e2e_server *s, const char *a, const char *b);
/* Wait until the server has exactly n live clients (10 s at most). */
bool e2e_wait_clients(struct e2e_server *s, unsigned n);

/* Open fds of this process (server and clients live in it). */
int e2e_count_fds(void);

/* Wait until the fd count is `n` again (5 s at most); returns the count. */
int e2e_wait_fds(int n);

/* ---- per-thread checks ------------------------------------------------------- */

struct e2e_log {
   const char *name;
   int failures;
};

#define E2E_EXPECT(lg, cond)                                                   \
   ((cond) ? true                                                              \
           : (fprintf(stderr, "%s: %s:%d: expected %s\n", (lg)->name, __FILE__, \
                      __LINE__, #cond),                                        \
              (lg)->failures++, false))

/* Like E2E_EXPECT for a pv_vnc_* return value, printing the client's error. */
#define E2E_OK(lg, c, expr)                                                    \
   e2e_ok_((lg), (c), (expr), #expr, __FILE__, __LINE__)
bool e2e_ok_(struct e2e_log *lg, struct pv_vnc *c, int ret, const char *what, const char *file,
             int line);

/* In a function that has `lg` (struct e2e_log *) and `c` (struct pv_vnc *),
 * saying why: OK returns -1 (CHECK_OK, in a void function, returns) when a
 * client call fails; REQUIRE returns -1 when a condition does not hold. */
#define E2E_OK_OR_RETURN(expr, ret)                                            \
   do {                                                                        \
      if (!E2E_OK(lg, c, (expr)))                                              \
         return ret;                                                           \
   } while (0)
#define OK(expr) E2E_OK_OR_RETURN(expr, -1)
#define CHECK_OK(expr) E2E_OK_OR_RETURN(expr, )
#define REQUIRE(cond)                                                          \
   do {                                                                        \
      if (!E2E_EXPECT(lg, cond))                                               \
         return -1;                                                            \
   } while (0)

/* ---- a guest device ------------------------------------------------------------ */

struct e2e_dev {
   struct pv_vnc c;
   struct e2e_log *log;
   uint64_t instance, pdev, device;
   uint64_t queues[2];
   uint32_t queue_count;        /* 1 or 2 (lavapipe offers one) */
   uint32_t family;             /* graphics + compute */
   VkPhysicalDeviceMemoryProperties mem;
   uint32_t coherent_type;      /* a HOST_VISIBLE|COHERENT type */
};

#define E2E_H(T, id) PV_VNC_HANDLE(T, id)

/* Everything up to queues bound to ring_idx 1 (and 2), as Mesa does it.
 * `features` (may be NULL) goes into VkDeviceCreateInfo::pNext. */
int e2e_dev_open(struct e2e_dev *d, struct e2e_log *lg, const char *path, const char *name,
                 const void *features);
/* The same with one device extension enabled (NULL: none). */
int e2e_dev_open_ext(struct e2e_dev *d, struct e2e_log *lg, const char *path, const char *name,
                     const void *features, const char *extension);
/* The same on a client already open (d->c, e.g. pv_vnc_open_transport);
 * the rest of *d zeroed. */
int e2e_dev_start(struct e2e_dev *d, struct e2e_log *lg, const char *name, const void *features,
                  const char *extension);
/* Destroy device and instance, then the ring (pv_vnc_close). */
int e2e_dev_close(struct e2e_dev *d);

/* A buffer bound to its own HOST_VISIBLE|COHERENT memory, mapped through
 * a blob. */
struct e2e_buffer {
   uint64_t buffer, memory;
   VkDeviceSize size, alloc_size;
   struct pv_vnc_mapping map;
};

int e2e_buffer_create(struct e2e_dev *d, VkDeviceSize size, VkBufferUsageFlags usage,
                      bool keep_fd, struct e2e_buffer *b);
void e2e_buffer_destroy(struct e2e_dev *d, struct e2e_buffer *b);

/* An image from `ii`, each step waited for, bound to memory of its own
 * (prefers a coherent host-visible type; `alloc_next`, may be NULL, goes
 * into VkMemoryAllocateInfo::pNext). */
int e2e_image_create(struct e2e_dev *d, const VkImageCreateInfo *ii, const void *alloc_next,
                     uint64_t *image, uint64_t *memory);

/* Memory of `type_bits` (prefers a coherent host-visible type). */
int e2e_alloc_memory(struct e2e_dev *d, VkDeviceSize size, uint32_t type_bits, uint64_t *memory);

/* A one-shot command buffer from a fresh pool. */
struct e2e_cmd {
   uint64_t pool, cmd;
};
int e2e_cmd_begin(struct e2e_dev *d, struct e2e_cmd *cb);
int e2e_cmd_end(struct e2e_dev *d, struct e2e_cmd *cb);
void e2e_cmd_destroy(struct e2e_dev *d, struct e2e_cmd *cb);

/* A shader module from SPIR-V words. */
int e2e_shader(struct e2e_dev *d, const uint32_t *code, size_t bytes, uint64_t *module);

/* In main(): skip (exit code 77, for meson) where the build found no
 * glslangValidator, so there is no SPIR-V for `what`. */
#ifdef PV_E2E_HAVE_SHADERS
#define E2E_NEED_SHADERS(what) ((void)0)
#else
#define E2E_NEED_SHADERS(what)                                                 \
   do {                                                                        \
      printf("SKIP: glslangValidator (Debian: glslang-tools) was not found "   \
             "at build time, so there is no SPIR-V for " what "\n");           \
      return 77;                                                               \
   } while (0)
#endif

/* The host driver's first physical device, natively (no server), for a
 * test that skips or adapts to what the host has; VK_NULL_HANDLE if none.
 * The caller destroys *inst (set whenever the instance was made). */
VkPhysicalDevice e2e_host_device(VkInstance *inst);

/* Milliseconds since an arbitrary start. */
double e2e_ms(void);

#endif /* PV_E2E_H */
