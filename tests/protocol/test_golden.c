/*
 * test_golden — the byte examples of docs/PROTOCOL.md §4.4 (with the Mesa 26.2
 * vkCreateRingMESA bytes of §14 N13): our client encoder must produce them,
 * the host decoder must read them back exactly, replies must match, and
 * every proper prefix or a ±1 change of an array size must fail cleanly.
 */
#include <string.h>

#include "pv_test_util.h"

struct bytes {
   uint8_t b[512];
   size_t n;
};

static void
put32(struct bytes *x, uint32_t v)
{
   memcpy(x->b + x->n, &v, 4);
   x->n += 4;
}

static void
put64(struct bytes *x, uint64_t v)
{
   memcpy(x->b + x->n, &v, 8);
   x->n += 8;
}

static void
putstr(struct bytes *x, const char *s)
{
   size_t l = strlen(s) + 1;
   put64(x, l);
   memset(x->b + x->n, 0, (l + 3) & ~(size_t)3);
   memcpy(x->b + x->n, s, l);
   x->n += (l + 3) & ~(size_t)3;
}

static _Alignas(16) uint8_t host_args[1 << 14];

/* Decodes `len` bytes of a command; true only if it decoded and consumed
 * exactly len bytes. */
static bool
decode_exact(const uint8_t *p, size_t len, const struct pv_cs_command_info **info_out,
             struct pv_cs_decoder *dec)
{
   uint32_t type, flags;
   pv_cs_decoder_set_stream(dec, p, len);
   pv_cs_decoder_reset_scratch(dec);
   if (!pv_cs_read_command_header(dec, &type, &flags))
      return false;
   const struct pv_cs_command_info *info = pv_cs_command_info(type);
   if (!info || !pv_cs_decode_args(dec, info, host_args))
      return false;
   *info_out = info;
   return pv_cs_decoder_remaining(dec) == 0;
}

/* Checks one golden command; returns the host-decoded args in host_args. */
static const struct pv_cs_command_info *
check_command(const char *what, const struct bytes *golden, uint32_t id, uint32_t flags,
              const void *client_args, struct pv_cs_decoder *dec, const size_t *count_offs,
              unsigned ncount)
{
   const struct pv_cs_command_info *info = pv_cs_command_info(id), *got = NULL;
   uint8_t out[512];
   struct pv_cs_encoder enc;
   PV_CHECK(info, "%s: command %u not generated", what, id);

   pv_cs_encoder_init(&enc, out, sizeof(out));
   PV_CHECK(pv_cs_encode_command(&enc, info, flags, client_args), "%s: %s", what, enc.error);
   PV_CHECK(enc.pos == golden->n && !memcmp(out, golden->b, golden->n),
            "%s: client encoding differs (%zu vs %zu bytes)", what, enc.pos, golden->n);

   /* every proper prefix must fail without reading past it (ASan checks) */
   for (size_t l = 0; l < golden->n; l++) {
      uint8_t *copy = malloc(l ? l : 1);
      memcpy(copy, golden->b, l);
      PV_CHECK(!decode_exact(copy, l, &got, dec), "%s: prefix %zu decoded", what, l);
      free(copy);
   }
   /* ±1 on every array size must be rejected */
   for (unsigned i = 0; i < ncount; i++) {
      for (int delta = -1; delta <= 1; delta += 2) {
         struct bytes c = *golden;
         uint64_t v;
         memcpy(&v, c.b + count_offs[i], 8);
         v += (uint64_t)(int64_t)delta;
         memcpy(c.b + count_offs[i], &v, 8);
         PV_CHECK(!decode_exact(c.b, c.n, &got, dec), "%s: count at %zu %+d accepted",
                  what, count_offs[i], delta);
      }
   }
   PV_CHECK(decode_exact(golden->b, golden->n, &got, dec), "%s: %s", what,
            pv_cs_decoder_error(dec) ? pv_cs_decoder_error(dec) : "trailing bytes");
   /* re-encoding the host's view (handles mapped back to ids) is identical */
   pv_cs_encoder_init(&enc, out, sizeof(out));
   enc.handle_to_id = pv_test_handle_to_id;
   PV_CHECK(pv_cs_encode_command(&enc, info, flags, host_args), "%s: %s", what, enc.error);
   PV_CHECK(enc.pos == golden->n && !memcmp(out, golden->b, golden->n),
            "%s: host re-encoding differs", what);
   printf("ok %s (%zu bytes)\n", what, golden->n);
   return info;
}

static void
check_reply(const char *what, const struct pv_cs_command_info *info, const struct bytes *golden)
{
   uint8_t out[512];
   struct pv_cs_encoder enc;
   pv_cs_encoder_init(&enc, out, sizeof(out));
   enc.handle_to_id = pv_test_handle_to_id;
   PV_CHECK(pv_cs_encode_reply(&enc, info, host_args), "%s: %s", what, enc.error);
   PV_CHECK(pv_cs_reply_size(info, host_args) == golden->n, "%s: reply size", what);
   PV_CHECK(enc.pos == golden->n && !memcmp(out, golden->b, golden->n),
            "%s: reply differs (%zu vs %zu bytes)", what, enc.pos, golden->n);
   printf("ok %s reply (%zu bytes)\n", what, golden->n);
}

static void
test_enumerate_physical_devices(struct pv_cs_decoder *dec)
{
   struct bytes g = {0}, r = {0};
   uint32_t count = 0;
   struct pv_vkEnumeratePhysicalDevices_args a = {
      .instance = (VkInstance)(uintptr_t)1, .pPhysicalDeviceCount = &count,
   };
   put32(&g, 2); put32(&g, 1); put64(&g, 1); put64(&g, 1); put32(&g, 0); put64(&g, 0);
   size_t offs[] = {28}; /* array_size 0 against count 0: +1 and -1 must fail */
   const struct pv_cs_command_info *info =
      check_command("vkEnumeratePhysicalDevices(count)", &g, 2, 1, &a, dec, offs, 1);
   struct pv_vkEnumeratePhysicalDevices_args *h = (void *)host_args;
   PV_CHECK(h->instance_obj && h->instance_obj->id == 1, "instance object");
   PV_CHECK((uint64_t)(uintptr_t)h->instance == 1 + PV_TEST_HANDLE_BIAS, "instance handle");
   PV_CHECK(h->pPhysicalDeviceCount && *h->pPhysicalDeviceCount == 0 && !h->pPhysicalDevices,
            "count query shape");
   *h->pPhysicalDeviceCount = 1;
   h->ret = VK_SUCCESS;
   put32(&r, 2); put32(&r, 0); put64(&r, 1); put32(&r, 1); put64(&r, 0);
   check_reply("vkEnumeratePhysicalDevices(count)", info, &r);

   /* second call: two new guest ids */
   struct bytes g2 = {0}, r2 = {0};
   uint64_t ids[2] = {5, 6};
   count = 2;
   a.pPhysicalDevices = (VkPhysicalDevice[2]){0};
   a.pPhysicalDevices_ids = ids;
   a.pPhysicalDevices_count = 2;
   put32(&g2, 2); put32(&g2, 1); put64(&g2, 1); put64(&g2, 1); put32(&g2, 2);
   put64(&g2, 2); put64(&g2, 5); put64(&g2, 6);
   size_t offs2[] = {28};
   info = check_command("vkEnumeratePhysicalDevices(ids)", &g2, 2, 1, &a, dec, offs2, 1);
   PV_CHECK(h->pPhysicalDevices_count == 2 && h->pPhysicalDevices_ids[0] == 5 &&
            h->pPhysicalDevices_ids[1] == 6 && h->pPhysicalDevices, "output ids");
   h->ret = VK_SUCCESS;
   put32(&r2, 2); put32(&r2, 0); put64(&r2, 1); put32(&r2, 2); put64(&r2, 2); put64(&r2, 5); put64(&r2, 6);
   check_reply("vkEnumeratePhysicalDevices(ids)", info, &r2);
}

static void
test_create_buffer(struct pv_cs_decoder *dec)
{
   struct bytes g = {0}, r = {0};
   VkBufferCreateInfo ci = {
      .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, .size = 65536,
      .usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
      .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
   };
   uint64_t id = 42;
   VkBuffer buf = VK_NULL_HANDLE;
   struct pv_vkCreateBuffer_args a = {
      .device = (VkDevice)(uintptr_t)9, .pCreateInfo = &ci, .pBuffer = &buf,
      .pBuffer_ids = &id, .pBuffer_count = 1,
   };
   put32(&g, 50); put32(&g, 0); put64(&g, 9); put64(&g, 1); put32(&g, 12); put64(&g, 0);
   put32(&g, 0); put64(&g, 65536); put32(&g, 3); put32(&g, 0); put32(&g, 0); put64(&g, 0);
   put64(&g, 0); put64(&g, 1); put64(&g, 42);
   PV_CHECK(g.n == 92, "golden size");
   const struct pv_cs_command_info *info = check_command("vkCreateBuffer", &g, 50, 0, &a, dec, NULL, 0);
   struct pv_vkCreateBuffer_args *h = (void *)host_args;
   PV_CHECK(h->pBuffer && h->pBuffer_ids[0] == 42 && h->pCreateInfo->size == 65536, "decoded");
   h->ret = VK_SUCCESS;
   put32(&r, 50); put32(&r, 0); put64(&r, 1); put64(&r, 42);
   check_reply("vkCreateBuffer", info, &r);
}

static void
test_create_instance(struct pv_cs_decoder *dec)
{
   struct bytes g = {0}, r = {0};
   VkApplicationInfo app = {
      .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO, .pApplicationName = "vulkaninfo",
      .applicationVersion = 1, .apiVersion = VK_MAKE_API_VERSION(0, 1, 3, 0),
   };
   VkInstanceCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO, .pApplicationInfo = &app};
   uint64_t id = 1;
   VkInstance inst = VK_NULL_HANDLE;
   struct pv_vkCreateInstance_args a = {
      .pCreateInfo = &ci, .pInstance = &inst, .pInstance_ids = &id, .pInstance_count = 1,
   };
   put32(&g, 0); put32(&g, 1); put64(&g, 1); put32(&g, 1); put64(&g, 0); put32(&g, 0);
   put64(&g, 1); put32(&g, 0); put64(&g, 0); putstr(&g, "vulkaninfo"); put32(&g, 1);
   put64(&g, 0); put32(&g, 0); put32(&g, 0x00403000); put32(&g, 0); put64(&g, 0);
   put32(&g, 0); put64(&g, 0); put64(&g, 0); put64(&g, 1); put64(&g, 1);
   PV_CHECK(g.n == 140, "golden size %zu", g.n);
   /* layer and extension name array sizes (a string length +1 that stays
    * inside the padding is still a valid encoding, so it is not used) */
   size_t offs[] = {96, 108};
   const struct pv_cs_command_info *info =
      check_command("vkCreateInstance", &g, 0, 1, &a, dec, offs, 2);
   struct pv_vkCreateInstance_args *h = (void *)host_args;
   PV_CHECK(!strcmp(h->pCreateInfo->pApplicationInfo->pApplicationName, "vulkaninfo"), "name");
   put32(&r, 0); put32(&r, 0); put64(&r, 1); put64(&r, 1);
   check_reply("vkCreateInstance", info, &r);
}

static void
test_enumerate_instance_version(struct pv_cs_decoder *dec)
{
   struct bytes g = {0}, r = {0};
   uint32_t v = 0;
   struct pv_vkEnumerateInstanceVersion_args a = {.pApiVersion = &v};
   put32(&g, 137); put32(&g, 1); put64(&g, 1);
   const struct pv_cs_command_info *info =
      check_command("vkEnumerateInstanceVersion", &g, 137, 1, &a, dec, NULL, 0);
   struct pv_vkEnumerateInstanceVersion_args *h = (void *)host_args;
   *h->pApiVersion = VK_MAKE_API_VERSION(0, 1, 3, 239);
   put32(&r, 137); put32(&r, 0); put64(&r, 1); put32(&r, VK_MAKE_API_VERSION(0, 1, 3, 239));
   check_reply("vkEnumerateInstanceVersion", info, &r);
}

static void
ring_bytes(struct bytes *g, bool priority)
{
   put32(g, 188); put32(g, 0); put64(g, 0x55550000AAAAull); put64(g, 1);
   put32(g, 1000384000); put64(g, 1); put32(g, 1000384006);
   if (priority) {
      put64(g, 1); put32(g, 1000384007); put64(g, 0); put32(g, (uint32_t)-5);
   } else {
      put64(g, 0);
   }
   put32(g, 3000000); put32(g, 0); put32(g, 7);
   const uint64_t rest[] = {0, 131268, 1000000, 0, 64, 128, 192, 131072, 131264, 4};
   for (unsigned i = 0; i < 10; i++)
      put64(g, rest[i]);
}

static void
test_ring_commands(struct pv_cs_decoder *dec)
{
   VkRingPriorityInfoMESA prio = {.sType = 1000384007, .priority = -5};
   VkRingMonitorInfoMESA mon = {.sType = 1000384006, .maxReportingPeriodMicroseconds = 3000000};
   VkRingCreateInfoMESA ci = {
      .sType = 1000384000, .pNext = &mon, .resourceId = 7, .size = 131268,
      .idleTimeout = 1000000, .tailOffset = 64, .statusOffset = 128, .bufferOffset = 192,
      .bufferSize = 131072, .extraOffset = 131264, .extraSize = 4,
   };
   struct pv_vkCreateRingMESA_args a = {.ring = 0x55550000AAAAull, .pCreateInfo = &ci};
   struct bytes g = {0}, g2 = {0}, s = {0}, n = {0};
   ring_bytes(&g, false);
   PV_CHECK(g.n == 140, "ring golden %zu", g.n);
   check_command("vkCreateRingMESA (26.2 primary ring)", &g, 188, 0, &a, dec, NULL, 0);
   struct pv_vkCreateRingMESA_args *h = (void *)host_args;
   const VkRingMonitorInfoMESA *hm = h->pCreateInfo->pNext;
   PV_CHECK(hm && hm->sType == 1000384006 && hm->maxReportingPeriodMicroseconds == 3000000 &&
            !hm->pNext, "monitor info chained");

   mon.pNext = &prio;
   ring_bytes(&g2, true);
   PV_CHECK(g2.n == 156, "tls ring golden %zu", g2.n);
   check_command("vkCreateRingMESA (TLS ring + priority)", &g2, 188, 0, &a, dec, NULL, 0);

   VkCommandStreamDescriptionMESA st = {.resourceId = 3, .offset = 64, .size = 20};
   struct pv_vkSetReplyCommandStreamMESA_args sa = {.pStream = &st};
   put32(&s, 178); put32(&s, 0); put64(&s, 1); put32(&s, 3); put64(&s, 64); put64(&s, 20);
   PV_CHECK(s.n == 36, "setreply size");
   check_command("vkSetReplyCommandStreamMESA", &s, 178, 0, &sa, dec, NULL, 0);

   struct pv_vkNotifyRingMESA_args na = {.ring = 0x55550000AAAAull, .seqno = 77, .flags = 0};
   put32(&n, 190); put32(&n, 0); put64(&n, 0x55550000AAAAull); put32(&n, 77); put32(&n, 0);
   PV_CHECK(n.n == 24, "notify size");
   check_command("vkNotifyRingMESA", &n, 190, 0, &na, dec, NULL, 0);
}

static void
test_rejects(struct pv_cs_decoder *dec)
{
   const struct pv_cs_command_info *info;
   struct bytes g = {0};
   /* unknown / retired / never-sent ids have no metadata */
   PV_CHECK(!pv_cs_command_info(195) && !pv_cs_command_info(9) && !pv_cs_command_info(100000),
            "retired ids");
   /* pAllocator must be NULL */
   put32(&g, 36); put32(&g, 0); put64(&g, 9); put64(&g, 3); put64(&g, 1);
   PV_CHECK(!decode_exact(g.b, g.n, &info, dec) && strstr(pv_cs_decoder_error(dec), "pAllocator"),
            "allocator: %s", pv_cs_decoder_error(dec));
   /* an sType that does not extend VkBufferCreateInfo */
   struct bytes b = {0};
   put32(&b, 50); put32(&b, 0); put64(&b, 9); put64(&b, 1); put32(&b, 12); put64(&b, 1);
   put32(&b, 1000384006); put64(&b, 0); put32(&b, 1);
   PV_CHECK(!decode_exact(b.b, b.n, &info, dec) && strstr(pv_cs_decoder_error(dec), "sType"),
            "pNext position: %s", pv_cs_decoder_error(dec));
   printf("ok rejects\n");
}

int
main(void)
{
   struct pv_test_objects objs = {0};
   struct pv_cs_decoder dec;
   pv_cs_decoder_init(&dec, NULL, 0, pv_test_lookup, &objs);
   test_enumerate_physical_devices(&dec);
   test_create_buffer(&dec);
   test_create_instance(&dec);
   test_enumerate_instance_version(&dec);
   test_ring_commands(&dec);
   test_rejects(&dec);
   pv_cs_decoder_fini(&dec);
   return 0;
}
