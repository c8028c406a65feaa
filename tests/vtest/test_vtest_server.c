/*
 * test_vtest_server.c — the vtest server in-process on a temporary socket,
 * driven by our guest-side client: exact handshake bytes, capset, shm blobs
 * seen from both sides, syncs and SUBMIT_CMD2 fences, several clients,
 * clients dying mid-message (fd count back to its start), hostile input.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "platform/pv_platform.h"
#include "pvvenus.h"
#include "renderer/core/resource.h"
#include "tests/client/vtest_client.h"
#include "tests/pv_test.h"
#include "vtest/vtest_protocol.h"
#include "vtest/vtest_server.h"

static struct {
   char dir[64];
   char path[96];
   struct pv_logger log;
   struct pv_renderer *renderer;
   struct pv_vtest_server *srv;
   pv_thread thread;
   pthread_mutex_t lock;
   struct pv_context *last_ctx; /* the most recently created context */
   int contexts_created, contexts_destroyed;
} g;

static void
on_context(void *user, struct pv_context *ctx, const char *name, bool created)
{
   (void)user;
   (void)name;
   pthread_mutex_lock(&g.lock);
   if (created) {
      g.last_ctx = ctx;
      g.contexts_created++;
   } else {
      if (g.last_ctx == ctx)
         g.last_ctx = NULL;
      g.contexts_destroyed++;
   }
   pthread_mutex_unlock(&g.lock);
}

static void *
server_main(void *arg)
{
   (void)arg;
   pv_vtest_server_run(g.srv);
   return NULL;
}

static int
count_open_fds(void)
{
   int n = 0;
   for (int fd = 0; fd < 4096; fd++)
      n += fcntl(fd, F_GETFD) >= 0;
   return n;
}

/* Wait until the server has exactly `n` live clients (5 s at most). */
static bool
wait_clients(unsigned n)
{
   for (int i = 0; i < 500; i++) {
      if (pv_vtest_server_client_count(g.srv) == n)
         return true;
      pv_sleep_ns(10 * 1000 * 1000);
   }
   return false;
}

/* The server closed this client: the next read sees end of stream. */
static bool
dropped(struct pv_vtc *c)
{
   uint32_t hdr[2];
   int ret = pv_vtc_read(c, hdr, sizeof(hdr));
   return ret == -EPIPE || ret == -ECONNRESET;
}

static struct pv_context *
last_ctx(void)
{
   pthread_mutex_lock(&g.lock);
   struct pv_context *ctx = g.last_ctx;
   pthread_mutex_unlock(&g.lock);
   return ctx;
}

/* ---- tests -------------------------------------------------------------- */

static void
test_handshake_bytes(void)
{
   struct pv_vtc c;
   CHECK_EQ(pv_vtc_connect(&c, g.path), 0);
   /* CREATE_RENDERER: byte length, no reply. */
   static const char name[] = "handshake";
   uint32_t hdr[2] = { sizeof(name), PV_VCMD_CREATE_RENDERER };
   CHECK_EQ(pv_vtc_send(&c, hdr, 8), 0);
   CHECK_EQ(pv_vtc_send(&c, name, sizeof(name)), 0);
   /* PING + RESOURCE_BUSY_WAIT(0) back to back, as Mesa probes. */
   uint32_t probe[6] = { 0, PV_VCMD_PING_PROTOCOL_VERSION, 2, PV_VCMD_RESOURCE_BUSY_WAIT, 0, 0 };
   CHECK_EQ(pv_vtc_send(&c, probe, sizeof(probe)), 0);
   uint32_t got[5] = { 0 };
   CHECK_EQ(pv_vtc_read(&c, got, 20), 0);
   uint32_t want[5] = { 0, 10, 1, 7, 0 };
   CHECK(!memcmp(got, want, 20));
   /* PROTOCOL_VERSION: min(client, 4). */
   uint32_t pv[3] = { 1, PV_VCMD_PROTOCOL_VERSION, 3 };
   CHECK_EQ(pv_vtc_send(&c, pv, 12), 0);
   CHECK_EQ(pv_vtc_read(&c, got, 12), 0);
   CHECK(got[0] == 1 && got[1] == 11 && got[2] == 3);
   pv[2] = 7;
   CHECK_EQ(pv_vtc_send(&c, pv, 12), 0);
   CHECK_EQ(pv_vtc_read(&c, got, 12), 0);
   CHECK(got[0] == 1 && got[1] == 11 && got[2] == 4);
   /* GET_PARAM */
   uint32_t param[3] = { 1, PV_VCMD_GET_PARAM, PV_VTEST_PARAM_MAX_TIMELINE_COUNT };
   CHECK_EQ(pv_vtc_send(&c, param, 12), 0);
   CHECK_EQ(pv_vtc_read(&c, got, 16), 0);
   CHECK(got[0] == 2 && got[1] == 15 && got[2] == 1 && got[3] == 64);
   param[2] = 99;
   CHECK_EQ(pv_vtc_send(&c, param, 12), 0);
   CHECK_EQ(pv_vtc_read(&c, got, 16), 0);
   CHECK(got[0] == 2 && got[1] == 15 && got[2] == 0 && got[3] == 0);
   /* Unsupported capsets: exactly {1,16}{0}. */
   uint32_t gc[4] = { 2, PV_VCMD_GET_CAPSET, 1, 0 };
   CHECK_EQ(pv_vtc_send(&c, gc, 16), 0);
   CHECK_EQ(pv_vtc_read(&c, got, 12), 0);
   CHECK(got[0] == 1 && got[1] == 16 && got[2] == 0);
   gc[2] = 4;
   gc[3] = 1; /* Venus version 1 does not exist */
   CHECK_EQ(pv_vtc_send(&c, gc, 16), 0);
   CHECK_EQ(pv_vtc_read(&c, got, 12), 0);
   CHECK(got[0] == 1 && got[1] == 16 && got[2] == 0);
   /* The Venus capset: header {41, 16}, valid, 160 bytes. */
   gc[3] = 0;
   CHECK_EQ(pv_vtc_send(&c, gc, 16), 0);
   uint32_t cap[2 + 41];
   CHECK_EQ(pv_vtc_read(&c, cap, sizeof(cap)), 0);
   CHECK(cap[0] == 41 && cap[1] == 16 && cap[2] == 1);
   const uint32_t *w = cap + 3;
   CHECK_EQ(w[0], 1);          /* wire format */
   CHECK(w[1] >= 0x00401000);  /* vk_xml >= 1.1.0 */
   CHECK_EQ(w[2], 1);
   CHECK_EQ(w[3], 3);
   CHECK_EQ(w[4], 1);          /* supports_blob_id_0 */
   CHECK_EQ(w[5] & 1, 1);      /* extension mask valid */
   CHECK_EQ(w[37], 1);         /* allow_vk_wait_syncs */
   CHECK_EQ(w[38], 1);         /* supports_multiple_timelines */
   CHECK_EQ(w[39], 0);
   /* CONTEXT_INIT: no reply; the next request still lines up. */
   uint32_t ci[3] = { 1, PV_VCMD_CONTEXT_INIT, 4 };
   CHECK_EQ(pv_vtc_send(&c, ci, 12), 0);
   uint32_t id = 0;
   CHECK_EQ(pv_vtc_sync_create(&c, 0, &id), 0);
   CHECK(id >= 1);
   pv_vtc_close(&c);
   CHECK(wait_clients(0));
}

/* Messages are framed by their headers, not by the writes that carry
 * them: three in one write get three replies, and one split across
 * writes in the middle of its header and of its payload gets its reply. */
static void
test_framing(void)
{
   struct pv_vtc c;
   CHECK_EQ(pv_vtc_connect(&c, g.path), 0);
   CHECK_EQ(pv_vtc_handshake(&c, "framing"), 0);
   uint32_t three[9];
   for (int i = 0; i < 3; i++) {
      three[3 * i] = 1;
      three[3 * i + 1] = PV_VCMD_GET_PARAM;
      three[3 * i + 2] = i == 1 ? 99 : PV_VTEST_PARAM_MAX_TIMELINE_COUNT;
   }
   CHECK_EQ(pv_vtc_send(&c, three, sizeof(three)), 0);
   for (int i = 0; i < 3; i++) {
      uint32_t got[4] = { 0 };
      CHECK_EQ(pv_vtc_read(&c, got, sizeof(got)), 0);
      CHECK(got[0] == 2 && got[1] == PV_VCMD_GET_PARAM);
      CHECK_EQ(got[3], i == 1 ? 0u : 64u);
   }
   uint32_t pv[3] = { 1, PV_VCMD_PROTOCOL_VERSION, 3 };
   const uint8_t *b = (const uint8_t *)pv;
   CHECK_EQ(pv_vtc_send(&c, b, 5), 0);
   pv_sleep_ns(20 * 1000 * 1000);
   CHECK_EQ(pv_vtc_send(&c, b + 5, 5), 0);
   pv_sleep_ns(20 * 1000 * 1000);
   CHECK_EQ(pv_vtc_send(&c, b + 10, 2), 0);
   uint32_t got[3] = { 0 };
   CHECK_EQ(pv_vtc_read(&c, got, sizeof(got)), 0);
   CHECK(got[0] == 1 && got[1] == PV_VCMD_PROTOCOL_VERSION && got[2] == 3);
   pv_vtc_close(&c);
   CHECK(wait_clients(0));
}

static void
test_client_library(void)
{
   struct pv_vtc c;
   CHECK_EQ(pv_vtc_open_venus(&c, g.path, "client-lib"), 0);
   CHECK_EQ(c.protocol_version, 4);
   CHECK_EQ(c.max_timeline_count, 64);
   pv_vtc_close(&c);
   CHECK(wait_clients(0));
}

static void
test_blob_both_sides(void)
{
   struct pv_vtc c;
   CHECK_EQ(pv_vtc_open_venus(&c, g.path, "blob"), 0);
   uint32_t res = 0, res2 = 0;
   void *map = NULL, *map2 = NULL;
   CHECK_EQ(pv_vtc_create_shm(&c, 65536, &res, &map), 0);
   CHECK_EQ(pv_vtc_create_shm(&c, 4096, &res2, &map2), 0);
   CHECK(res >= 1 && res2 >= 1 && res != res2);
   if (!map || !map2)
      return;
   for (int i = 0; i < 65536; i++)
      ((unsigned char *)map)[i] = (unsigned char)(i ^ (i >> 8));
   /* Read it back through the server's own mapping, not the fd. */
   struct pv_context *ctx = last_ctx();
   CHECK(ctx != NULL);
   struct pv_resource *r = ctx ? pv_context_get_resource(ctx, res) : NULL;
   CHECK(r && r->size == 65536 && r->map);
   if (r) {
      CHECK(!memcmp(r->map, map, 65536));
      memcpy(r->map, "from the host", 14);
      CHECK(!memcmp(map, "from the host", 14));
      pv_resource_unref(r);
   }
   /* Unref through the socket: the server forgets it. */
   CHECK_EQ(pv_vtc_resource_unref(&c, res), 0);
   uint64_t v;
   uint32_t sid;
   CHECK_EQ(pv_vtc_sync_create(&c, 1, &sid), 0); /* a round trip orders it */
   CHECK_EQ(pv_vtc_sync_read(&c, sid, &v), 0);
   CHECK(ctx && pv_context_get_resource(ctx, res) == NULL);
   munmap(map, 65536);
   munmap(map2, 4096);
   /* blob_id != 0 (device memory) is not exportable yet: dropped, not hung. */
   int fd = -1;
   CHECK(pv_vtc_create_blob(&c, 2, 1, 4096, 77, &res, &fd) < 0);
   CHECK_EQ(fd, -1);
   pv_vtc_close(&c);
   CHECK(wait_clients(0));
}

static void
test_syncs(void)
{
   struct pv_vtc c;
   CHECK_EQ(pv_vtc_open_venus(&c, g.path, "syncs"), 0);
   uint32_t a = 0;
   uint64_t v = 0;
   CHECK_EQ(pv_vtc_sync_create(&c, 5, &a), 0);
   CHECK_EQ(pv_vtc_sync_read(&c, a, &v), 0);
   CHECK_EQ(v, 5);
   CHECK_EQ(pv_vtc_sync_write(&c, a, 0x123456789ull), 0);
   CHECK_EQ(pv_vtc_sync_read(&c, a, &v), 0);
   CHECK_EQ(v, 0x123456789ull);

   /* SYNC_WAIT: not readable before the value, readable after. */
   struct pv_vtc_sync want = { a, 0x200000000ull };
   int fd = -1, fd_short = -1;
   CHECK_EQ(pv_vtc_sync_wait(&c, 0, PV_VTEST_SYNC_WAIT_INFINITE, &want, 1, &fd), 0);
   CHECK_EQ(pv_vtc_sync_wait(&c, 0, 20, &want, 1, &fd_short), 0);
   CHECK_EQ(pv_vtc_poll_readable(fd, 50), 0);
   CHECK_EQ(pv_vtc_poll_readable(fd_short, 100), 0); /* its timeout passed: still not readable */
   CHECK_EQ(pv_vtc_sync_write(&c, a, 0x1ffffffffull), 0);
   CHECK_EQ(pv_vtc_sync_read(&c, a, &v), 0);
   CHECK_EQ(pv_vtc_poll_readable(fd, 20), 0);
   CHECK_EQ(pv_vtc_sync_write(&c, a, 0x200000000ull), 0);
   CHECK_EQ(pv_vtc_poll_readable(fd, 2000), 1);
   pv_close(fd);
   pv_close(fd_short);

   /* SUBMIT_CMD2 with a sync on timeline 0 and no commands sets it. */
   struct pv_vtc_sync set = { a, 42 };
   CHECK_EQ(pv_vtc_submit_cmd2(&c, NULL, 0, 0, &set, 1), 0);
   CHECK_EQ(pv_vtc_sync_read(&c, a, &v), 0);
   CHECK_EQ(v, 42);

   /* Mesa 26.2's vkDestroyRingMESA pattern (§14 N20). */
   uint32_t s = 0;
   CHECK_EQ(pv_vtc_sync_create(&c, 0, &s), 0);
   struct pv_vtc_sync one = { s, 1 };
   CHECK_EQ(pv_vtc_submit_cmd2(&c, NULL, 0, 0, &one, 1), 0);
   CHECK_EQ(pv_vtc_sync_wait(&c, 0, PV_VTEST_SYNC_WAIT_INFINITE, &one, 1, &fd), 0);
   CHECK_EQ(pv_vtc_poll_readable(fd, 2000), 1);
   pv_close(fd);
   CHECK_EQ(pv_vtc_sync_unref(&c, s), 0);

   /* Mesa 24's 6-dword batch header (cmd_offset 7), flags 0: syncs at once. */
   uint32_t old[2 + 7 + 3] = { 10, PV_VCMD_SUBMIT_CMD2, 1, 0, 7, 0, 7, 1, 0, a, 77, 0 };
   CHECK_EQ(pv_vtc_send(&c, old, sizeof(old)), 0);
   CHECK_EQ(pv_vtc_sync_read(&c, a, &v), 0);
   CHECK_EQ(v, 77);
   /* SYNC_WAIT "any" with one reached sync. */
   struct pv_vtc_sync two[2] = { { a, 1 }, { a, 1000 } };
   CHECK_EQ(pv_vtc_sync_wait(&c, PV_VTEST_SYNC_WAIT_FLAG_ANY, 0, two, 2, &fd), 0);
   CHECK_EQ(pv_vtc_poll_readable(fd, 2000), 1);
   pv_close(fd);
   pv_vtc_close(&c);
   CHECK(wait_clients(0));
}

static void
test_two_clients(void)
{
   struct pv_vtc a, b;
   CHECK_EQ(pv_vtc_open_venus(&a, g.path, "first"), 0);
   CHECK_EQ(pv_vtc_open_venus(&b, g.path, "second"), 0);
   CHECK(wait_clients(2));
   uint32_t sa = 0, sb = 0, ra = 0, rb = 0;
   void *ma = NULL, *mb = NULL;
   CHECK_EQ(pv_vtc_sync_create(&a, 1, &sa), 0);
   CHECK_EQ(pv_vtc_sync_create(&b, 2, &sb), 0);
   CHECK_EQ(pv_vtc_create_shm(&a, 4096, &ra, &ma), 0);
   CHECK_EQ(pv_vtc_create_shm(&b, 4096, &rb, &mb), 0);
   /* Separate contexts: same ids, separate objects. */
   CHECK_EQ(sa, sb);
   CHECK_EQ(ra, rb);
   CHECK(ma && mb && ma != mb);
   if (ma && mb) {
      memset(ma, 1, 4096);
      memset(mb, 2, 4096);
      CHECK_EQ(((unsigned char *)ma)[7], 1);
      munmap(ma, 4096);
      munmap(mb, 4096);
   }
   /* A's wait is not woken by B's writes. */
   struct pv_vtc_sync w = { sa, 10 };
   int fd = -1;
   CHECK_EQ(pv_vtc_sync_wait(&a, 0, PV_VTEST_SYNC_WAIT_INFINITE, &w, 1, &fd), 0);
   CHECK_EQ(pv_vtc_sync_write(&b, sb, 100), 0);
   uint64_t v = 0;
   CHECK_EQ(pv_vtc_sync_read(&b, sb, &v), 0);
   CHECK_EQ(v, 100);
   CHECK_EQ(pv_vtc_poll_readable(fd, 50), 0);
   CHECK_EQ(pv_vtc_sync_read(&a, sa, &v), 0);
   CHECK_EQ(v, 1);
   CHECK_EQ(pv_vtc_sync_write(&a, sa, 10), 0);
   CHECK_EQ(pv_vtc_poll_readable(fd, 2000), 1);
   pv_close(fd);
   pv_vtc_close(&a);
   pv_vtc_close(&b);
   CHECK(wait_clients(0));
}

/* A healthy client keeps working while others die; fds come back. */
static void
test_killed_clients_free_everything(void)
{
   CHECK(wait_clients(0));
   int fds_at_start = count_open_fds();
   int destroyed_before = g.contexts_destroyed;
   struct pv_vtc good;
   CHECK_EQ(pv_vtc_open_venus(&good, g.path, "good"), 0);

   for (int round = 0; round < 4; round++) {
      struct pv_vtc bad;
      CHECK_EQ(pv_vtc_open_venus(&bad, g.path, "doomed"), 0);
      uint32_t res, s;
      void *map = NULL;
      int fd = -1;
      CHECK_EQ(pv_vtc_create_shm(&bad, 1 << 20, &res, &map), 0);
      CHECK_EQ(pv_vtc_sync_create(&bad, 0, &s), 0);
      struct pv_vtc_sync w = { s, 5 };
      CHECK_EQ(pv_vtc_sync_wait(&bad, 0, PV_VTEST_SYNC_WAIT_INFINITE, &w, 1, &fd), 0);
      if (map)
         munmap(map, 1 << 20);
      pv_close(fd);
      /* Die at a different byte each round. */
      uint32_t msg[2 + 12] = { 12, PV_VCMD_SUBMIT_CMD2, 1, 1, 9, 3, 12, 0, 0, 0, 0, 0, 0, 0 };
      size_t cut[4] = { 3, 8, 20, 52 };
      CHECK_EQ(pv_vtc_send(&bad, msg, cut[round]), 0);
      pv_vtc_close(&bad);
      CHECK(wait_clients(1));
      /* The good client is unaffected. */
      uint32_t id;
      uint64_t v;
      CHECK_EQ(pv_vtc_sync_create(&good, 9, &id), 0);
      CHECK_EQ(pv_vtc_sync_read(&good, id, &v), 0);
      CHECK_EQ(v, 9);
   }
   pv_vtc_close(&good);
   CHECK(wait_clients(0));
   CHECK_EQ(g.contexts_destroyed - destroyed_before, 5);
   CHECK_EQ(count_open_fds(), fds_at_start);
}

/* Send `msg` after a good handshake; the server must drop this client only. */
static void
expect_drop(const char *what, const uint32_t *msg, size_t bytes)
{
   struct pv_vtc good, bad;
   CHECK_EQ(pv_vtc_open_venus(&good, g.path, "bystander"), 0);
   CHECK_EQ(pv_vtc_open_venus(&bad, g.path, what), 0);
   CHECK_EQ(pv_vtc_send(&bad, msg, bytes), 0);
   bool d = dropped(&bad);
   if (!d)
      fprintf(stderr, "not dropped: %s\n", what);
   CHECK(d);
   pv_vtc_close(&bad);
   uint32_t id;
   CHECK_EQ(pv_vtc_sync_create(&good, 3, &id), 0);
   pv_vtc_close(&good);
   CHECK(wait_clients(0));
}

static void
test_hostile_input(void)
{
   int fds_at_start = count_open_fds();
   /* SUBMIT_CMD2 headers: batch_count, flags, cmd_off, cmd_size, sync_off, sync_count, ring */
   uint32_t m1[] = { 7, 24, 1, 1, 9, 100, 9, 0, 0 };           /* commands past the end */
   uint32_t m2[] = { 7, 24, 1, 1, 0xffffffff, 1, 7, 0, 0 };    /* cmd_offset huge */
   uint32_t m3[] = { 7, 24, 1, 1, 7, 0, 5, 0xffffffff, 0 };    /* sync_count overflow */
   uint32_t m4[] = { 7, 24, 1, 1, 7, 0, 7, 1, 0 };             /* a sync past the end */
   uint32_t m5[] = { 7, 24, 0xffffffff, 1, 7, 0, 7, 0, 0 };    /* batch_count huge */
   uint32_t m6[] = { 10, 24, 1, 1, 7, 0, 7, 1, 64, 1, 1, 0 };  /* ring_idx 64 */
   uint32_t m7[] = { 10, 24, 1, 1, 7, 0, 7, 1, 0, 999, 1, 0 }; /* unknown sync */
   uint32_t m8[] = { 10, 24, 1, 1, 9, 1, 10, 0, 0, 0, 0, 0xffffffff }; /* garbage commands */
   uint32_t m9[] = { 7, 24, 1, 6, 7, 0, 7, 0, 0 };             /* fence-fd flags */
   uint32_t m10[] = { 0x40000000, 24 };                        /* 4 GiB message */
   uint32_t m11[] = { 3, 3, 1, 2, 3 };                         /* UNREF with length 3 */
   uint32_t m12[] = { 1, 3, 12345 };                           /* UNREF of nothing */
   uint32_t m13[] = { 1, 20, 12345 };                          /* SYNC_UNREF of nothing */
   uint32_t m14[] = { 4, 23, 0, 0, 1, 2 };                     /* SYNC_WAIT 2 + 2 */
   uint32_t m15[] = { 0, 6 };                                  /* virgl SUBMIT_CMD */
   uint32_t m16[] = { 1, 17, 5 };                              /* CONTEXT_INIT again, other id */
   uint32_t m17[] = { 6, 18, 2, 1, 0, 0, 0, 0 };               /* blob of size 0 */
   uint32_t m18[] = { 6, 18, 2, 3, 4096, 0, 0, 0 };            /* shm blob, wrong flags */
   uint32_t m19[] = { 0, 999 };                                /* unknown command */
   uint32_t m20[] = { 8, 8, 0, 0 };                            /* second CREATE_RENDERER */
   expect_drop("cmd past end", m1, sizeof(m1));
   expect_drop("cmd offset huge", m2, sizeof(m2));
   expect_drop("sync count overflow", m3, sizeof(m3));
   expect_drop("sync past end", m4, sizeof(m4));
   expect_drop("batch count huge", m5, sizeof(m5));
   expect_drop("ring_idx 64", m6, sizeof(m6));
   expect_drop("unknown sync", m7, sizeof(m7));
   expect_drop("garbage commands", m8, sizeof(m8));
   expect_drop("fence fd flags", m9, sizeof(m9));
   expect_drop("huge message", m10, sizeof(m10));
   expect_drop("bad length", m11, sizeof(m11));
   expect_drop("unknown resource", m12, sizeof(m12));
   expect_drop("unknown sync unref", m13, sizeof(m13));
   expect_drop("sync wait length", m14, sizeof(m14));
   expect_drop("virgl command", m15, sizeof(m15));
   expect_drop("context init twice", m16, sizeof(m16));
   expect_drop("blob size 0", m17, sizeof(m17));
   expect_drop("blob flags", m18, sizeof(m18));
   expect_drop("unknown command", m19, sizeof(m19));
   expect_drop("create renderer twice", m20, sizeof(m20));

   /* Before the handshake: anything but CREATE_RENDERER first, a name over
    * 1 MiB, a context command before CONTEXT_INIT. */
   struct pv_vtc c;
   uint32_t ping[2] = { 0, PV_VCMD_PING_PROTOCOL_VERSION };
   CHECK_EQ(pv_vtc_connect(&c, g.path), 0);
   CHECK_EQ(pv_vtc_send(&c, ping, 8), 0);
   CHECK(dropped(&c));
   pv_vtc_close(&c);
   uint32_t big_name[2] = { (1u << 20) + 1, PV_VCMD_CREATE_RENDERER };
   CHECK_EQ(pv_vtc_connect(&c, g.path), 0);
   CHECK_EQ(pv_vtc_send(&c, big_name, 8), 0);
   CHECK(dropped(&c));
   pv_vtc_close(&c);
   CHECK_EQ(pv_vtc_connect(&c, g.path), 0);
   CHECK_EQ(pv_vtc_handshake(&c, "no-context"), 0);
   uint32_t sc[4] = { 2, PV_VCMD_SYNC_CREATE, 0, 0 };
   CHECK_EQ(pv_vtc_send(&c, sc, 16), 0);
   CHECK(dropped(&c));
   pv_vtc_close(&c);
   CHECK(wait_clients(0));
   CHECK_EQ(count_open_fds(), fds_at_start);
}

/* Several clients at once, each on its own thread, hammering their own
 * contexts: blobs, syncs, waits and fences must stay per-client. */
static void *
busy_client(void *arg)
{
   int *failures = arg;
   struct pv_vtc c;
   if (pv_vtc_open_venus(&c, g.path, "busy")) {
      (*failures)++;
      return NULL;
   }
   uint32_t s = 0;
   if (pv_vtc_sync_create(&c, 0, &s))
      (*failures)++;
   for (uint64_t i = 1; i <= 50; i++) {
      uint32_t res;
      void *map = NULL;
      int fd = -1;
      uint64_t v = 0;
      struct pv_vtc_sync set = { s, i };
      if (pv_vtc_create_shm(&c, 4096, &res, &map) || !map) {
         (*failures)++;
         break;
      }
      memset(map, (int)i, 4096);
      munmap(map, 4096);
      if (pv_vtc_sync_wait(&c, 0, PV_VTEST_SYNC_WAIT_INFINITE, &set, 1, &fd) ||
          pv_vtc_submit_cmd2(&c, NULL, 0, 0, &set, 1) || pv_vtc_poll_readable(fd, 5000) != 1 ||
          pv_vtc_sync_read(&c, s, &v) || v != i || pv_vtc_resource_unref(&c, res))
         (*failures)++;
      pv_close(fd);
   }
   pv_vtc_close(&c);
   return NULL;
}

static void
test_concurrent_clients(void)
{
   int fds_at_start = count_open_fds();
   enum { N = 6 };
   pv_thread t[N];
   int failures[N] = { 0 };
   for (int i = 0; i < N; i++)
      CHECK_EQ(pv_thread_start(&t[i], "busy", busy_client, &failures[i]), 0);
   for (int i = 0; i < N; i++) {
      pv_thread_join(&t[i]);
      CHECK_EQ(failures[i], 0);
   }
   CHECK(wait_clients(0));
   CHECK_EQ(count_open_fds(), fds_at_start);
}

/* Random dwords after a good handshake: the server survives, drops or
 * serves each client, and leaks nothing. */
static void
test_random_garbage(void)
{
   int fds_at_start = count_open_fds();
   uint64_t seed = 0x9e3779b97f4a7c15ull;
   for (int round = 0; round < 200; round++) {
      struct pv_vtc c;
      if (pv_vtc_open_venus(&c, g.path, "garbage")) {
         CHECK(0);
         continue;
      }
      uint32_t msg[64];
      for (int i = 0; i < 64; i++) {
         seed = seed * 6364136223846793005ull + 1442695040888963407ull;
         msg[i] = (uint32_t)(seed >> 33);
      }
      /* Mostly plausible headers: a known command and a small length. */
      msg[0] %= 70;
      msg[1] = (round % 3) ? msg[1] % 26 : msg[1];
      pv_vtc_send(&c, msg, sizeof(msg));
      pv_vtc_close(&c);
   }
   CHECK(wait_clients(0));
   struct pv_vtc ok;
   CHECK_EQ(pv_vtc_open_venus(&ok, g.path, "after-garbage"), 0);
   uint32_t id;
   CHECK_EQ(pv_vtc_sync_create(&ok, 1, &id), 0);
   pv_vtc_close(&ok);
   CHECK(wait_clients(0));
   CHECK_EQ(count_open_fds(), fds_at_start);
}

/* ---- setup -------------------------------------------------------------- */

static int
start_server(void)
{
   snprintf(g.dir, sizeof(g.dir), "/tmp/pv-vtest-XXXXXX");
   if (!mkdtemp(g.dir))
      return -errno;
   snprintf(g.path, sizeof(g.path), "%s/sock", g.dir);
   pthread_mutex_init(&g.lock, NULL);
   pv_logger_init(&g.log, NULL, NULL);
   int ret = pv_renderer_create(NULL, &g.renderer);
   if (ret)
      return ret;
   struct pv_vtest_server_config cfg = {
      .socket_path = g.path,
      .renderer = g.renderer,
      .log = &g.log,
      .context_event = on_context,
   };
   ret = pv_vtest_server_create(&cfg, &g.srv);
   if (ret)
      return ret;
   return pv_thread_start(&g.thread, "server", server_main, NULL);
}

static void
stop_server(void)
{
   pv_vtest_server_stop(g.srv);
   pv_thread_join(&g.thread);
   pv_vtest_server_destroy(g.srv);
   CHECK(access(g.path, F_OK) != 0); /* socket removed */
   pv_renderer_destroy(g.renderer);
   rmdir(g.dir);
}

int
main(void)
{
   signal(SIGPIPE, SIG_IGN);
   int ret = start_server();
   if (ret) {
      fprintf(stderr, "cannot start the server: %s\n", strerror(-ret));
      return 1;
   }
   RUN(test_handshake_bytes);
   RUN(test_framing);
   RUN(test_client_library);
   RUN(test_blob_both_sides);
   RUN(test_syncs);
   RUN(test_two_clients);
   RUN(test_killed_clients_free_everything);
   RUN(test_hostile_input);
   RUN(test_concurrent_clients);
   RUN(test_random_garbage);
   /* A client still connected when the server stops is cleaned up too. */
   struct pv_vtc c;
   CHECK_EQ(pv_vtc_open_venus(&c, g.path, "at-stop"), 0);
   CHECK(wait_clients(1));
   stop_server();
   CHECK(dropped(&c));
   pv_vtc_close(&c);
   CHECK_EQ(g.contexts_created, g.contexts_destroyed);
   return pv_test_summary();
}
