/*
 * test_limits — per-context limits are enforced and named: shared-memory
 * blobs (count and bytes), objects, and rings.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cs/pv_cs_generated.h"
#include "pv_test.h"
#include "pvvenus.h"

static struct pv_context *
new_context(struct pv_renderer **r, const struct pv_context_limits *limits)
{
   struct pv_renderer_config cfg = { .limits = *limits, .record_dir = "" };
   struct pv_context *ctx = NULL;
   CHECK(pv_renderer_create(&cfg, r) == 0);
   CHECK(pv_context_create(*r, "limits", PV_CAPSET_VENUS, &ctx) == 0);
   return ctx;
}

static void
done(struct pv_renderer *r, struct pv_context *ctx)
{
   pv_context_destroy(ctx);
   pv_renderer_destroy(r);
}

static int
shm(struct pv_context *ctx, uint64_t size, uint32_t *res)
{
   struct pv_blob_info info;
   int ret = pv_context_create_blob(ctx, PV_BLOB_TYPE_HOST3D, PV_BLOB_FLAG_MAPPABLE, size, 0, res,
                                    &info);
   if (!ret)
      close(info.fd);
   return ret;
}

static void
test_blob_limits(void)
{
   struct pv_renderer *r;
   struct pv_context_limits l = { .max_blobs = 2, .max_shm_bytes = 12288 };
   struct pv_context *ctx = new_context(&r, &l);
   uint32_t a, b, c;
   CHECK_EQ(shm(ctx, 4096, &a), 0);
   CHECK_EQ(shm(ctx, 16384, &c), -ENOSPC); /* over max_shm_bytes */
   CHECK_EQ(shm(ctx, 4096, &b), 0);
   CHECK_EQ(shm(ctx, 4096, &c), -ENOSPC);  /* a third blob: over max_blobs */
   CHECK_EQ(pv_context_unref_resource(ctx, a), 0);
   CHECK_EQ(shm(ctx, 8192, &c), 0);        /* room again: 4096 + 8192 bytes */
   CHECK(!pv_context_is_fatal(ctx));       /* failed blob requests are not fatal */
   done(r, ctx);
}

/* vkCreateInstance then vkEnumeratePhysicalDevices with ids: with room for
 * one object only, binding the physical device must hit max_objects. */
static void
test_object_limit(void)
{
   struct pv_renderer *r;
   struct pv_context_limits l = { .max_objects = 1 };
   struct pv_context *ctx = new_context(&r, &l);
   uint8_t buf[1024];
   struct pv_cs_encoder enc;
   pv_cs_encoder_init(&enc, buf, sizeof(buf));
   VkApplicationInfo app = { .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                             .apiVersion = VK_API_VERSION_1_1 };
   VkInstanceCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                               .pApplicationInfo = &app };
   VkInstance inst = VK_NULL_HANDLE;
   uint64_t inst_id = 1, pdev_ids[8] = { 2, 3, 4, 5, 6, 7, 8, 9 };
   struct pv_vkCreateInstance_args ia = { .pCreateInfo = &ci, .pInstance = &inst,
                                          .pInstance_ids = &inst_id, .pInstance_count = 1 };
   uint32_t count = 8;
   VkPhysicalDevice pdevs[8] = { 0 };
   struct pv_vkEnumeratePhysicalDevices_args ea = {
      .instance = (VkInstance)(uintptr_t)inst_id, .pPhysicalDeviceCount = &count,
      .pPhysicalDevices = pdevs, .pPhysicalDevices_ids = pdev_ids, .pPhysicalDevices_count = 8 };
   CHECK(pv_encode_vkCreateInstance(&enc, 0, &ia));
   CHECK(pv_encode_vkEnumeratePhysicalDevices(&enc, 0, &ea));
   CHECK_EQ(pv_context_submit(ctx, buf, enc.pos), -EIO);
   const char *why = pv_context_fatal_reason(ctx);
   CHECK(why && strstr(why, "limit max_objects reached"));
   printf("  fatal reason: %s\n", why ? why : "(none)");
   done(r, ctx);
}

int
main(void)
{
   /* Keep the host driver loaded for the whole process, so LeakSanitizer
    * sees its caches as reachable rather than as leaks of an unloaded
    * library. */
   static VkInstance pin;
   VkInstanceCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO };
   vkCreateInstance(&ci, NULL, &pin);
   RUN(test_blob_limits);
   RUN(test_object_limit);
   return pv_test_summary();
}
