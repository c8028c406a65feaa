/*
 * test_teardown — what a crowd of clients costs the server when it leaves.
 *
 * CLIENTS clients (128, or the first argument), each holding a VkInstance through our client, drop
 * their connections at once while a bystander keeps making a small
 * synchronous call; then as many connect again and the server is stopped
 * with them connected.  Printed (a benchmark line, never failed on time):
 * how long the disconnect took to reclaim, the bystander's latency
 * meanwhile, and how long the stop took.  Checked: every client is
 * reclaimed, every bystander call is answered, the fds come back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e/e2e.h"
#include "pv_test.h"

#define MAX_CLIENTS 4096
/* 128 in CI (2 cores); `test_teardown N` for more (raise `ulimit -n` first:
 * each client takes two fds in this process). */
static int CLIENTS = 128;

static bool
hold_instance(struct pv_vnc *c, const char *path, int i)
{
   char name[32];
   snprintf(name, sizeof(name), "holder-%d", i);
   if (pv_vnc_open(c, path, name))
      return false;
   VkApplicationInfo app = { .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                             .apiVersion = VK_API_VERSION_1_1 };
   VkInstanceCreateInfo ici = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                                .pApplicationInfo = &app };
   uint64_t id = pv_vnc_new_id(c);
   VkInstance inst = VK_NULL_HANDLE;
   struct pv_vkCreateInstance_args a = { .pCreateInfo = &ici, .pInstance = &inst,
                                         .pInstance_ids = &id, .pInstance_count = 1 };
   return !PV_VNC_CALL(c, vkCreateInstance, &a) && a.ret == VK_SUCCESS;
}

/* ---- the bystander ---------------------------------------------------------------- */

struct bystander {
   struct pv_vnc c;
   pv_thread thread;
   _Atomic bool stop;
   double us[1 << 16];
   unsigned n, failed;
};

static void *
bystander_main(void *arg)
{
   struct bystander *b = arg;
   while (!atomic_load(&b->stop) && b->n < sizeof(b->us) / sizeof(b->us[0])) {
      uint32_t v = 0;
      struct pv_vkEnumerateInstanceVersion_args a = { .pApiVersion = &v };
      double t0 = e2e_ms();
      if (PV_VNC_CALL(&b->c, vkEnumerateInstanceVersion, &a) || a.ret != VK_SUCCESS)
         b->failed++;
      b->us[b->n++] = (e2e_ms() - t0) * 1000;
      pv_sleep_ns(200 * 1000);
   }
   return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
   double x = *(const double *)a, y = *(const double *)b;
   return x < y ? -1 : x > y;
}

/* ---- the test ------------------------------------------------------------------------ */

static unsigned
open_holders(struct e2e_server *s, struct pv_vnc *h)
{
   unsigned ok = 0;
   for (int i = 0; i < CLIENTS; i++)
      ok += hold_instance(&h[i], s->path, i);
   return ok;
}

/* Milliseconds until the server has `n` clients left (30 s at most). */
static double
ms_until_clients(struct e2e_server *s, unsigned n, double t0)
{
   while (pv_vtest_server_client_count(s->srv) != n && e2e_ms() - t0 < 30000)
      pv_sleep_ns(500 * 1000);
   return e2e_ms() - t0;
}

static void
test_teardown(void)
{
   static struct pv_vnc h[MAX_CLIENTS];
   static struct bystander b;
   struct e2e_server s;
   CHECK(e2e_server_start(&s) == 0);
   int fds0 = e2e_count_fds();
   CHECK_EQ(open_holders(&s, h), CLIENTS);
   CHECK_EQ(pv_vnc_open(&b.c, s.path, "bystander"), 0);
   CHECK(e2e_wait_clients(&s, CLIENTS + 1));
   atomic_init(&b.stop, false);
   CHECK(pv_thread_start(&b.thread, "bystander", bystander_main, &b) == 0);
   pv_sleep_ns(50 * 1000 * 1000);
   unsigned before = b.n;
   double t0 = e2e_ms();
   for (int i = 0; i < CLIENTS; i++)
      pv_vnc_abandon(&h[i]); /* the connection ends; the server reclaims everything */
   double reclaim = ms_until_clients(&s, 1, t0);
   atomic_store(&b.stop, true);
   pv_thread_join(&b.thread);
   CHECK_EQ(pv_vtest_server_client_count(s.srv), 1);
   CHECK_EQ(b.failed, 0);
   unsigned during = b.n - before;
   qsort(b.us + before, during, sizeof(b.us[0]), cmp_double);
   printf("mass disconnect of %d instance-holding clients: reclaimed in %.0f ms; bystander "
          "(%u calls meanwhile): p50 %.0f us, p99 %.0f us, max %.0f us\n", CLIENTS, reclaim,
          during, during ? b.us[before + during / 2] : 0.0,
          during ? b.us[before + during * 99 / 100] : 0.0, during ? b.us[before + during - 1] : 0.0);
   CHECK_EQ(pv_vnc_close(&b.c), 0);
   CHECK(e2e_wait_clients(&s, 0));
   CHECK_EQ(e2e_wait_fds(fds0), fds0);

   CHECK_EQ(open_holders(&s, h), CLIENTS);
   CHECK(e2e_wait_clients(&s, CLIENTS));
   t0 = e2e_ms();
   e2e_server_stop(&s);
   printf("server stop with %d instance-holding clients connected: %.0f ms\n", CLIENTS,
          e2e_ms() - t0);
   for (int i = 0; i < CLIENTS; i++)
      pv_vnc_abandon(&h[i]);
}

int
main(int argc, char **argv)
{
   if (argc > 1)
      CLIENTS = atoi(argv[1]) > 0 && atoi(argv[1]) <= MAX_CLIENTS ? atoi(argv[1]) : CLIENTS;
   RUN(test_teardown);
   return pv_test_summary();
}
