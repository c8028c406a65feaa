/*
 * test_e2e_device — a guest brings up Vulkan through the server the way
 * Mesa's venus driver does (instance, physical devices by count then ids,
 * properties / features with long pNext chains, memory, queue families,
 * extensions, device, queues bound to timelines), and everything it sees
 * is compared field by field with the same queries made natively in this
 * process.  Then two clients do it at once.  After each, the process is
 * back to the fds it had before the client connected.
 */
#include <stdlib.h>
#include <string.h>

#include "renderer/vk/vk_objects.h" /* pv_physical_device_withheld_reason */
#include "tests/e2e/native.h"
#include "tests/pv_test.h"

static struct e2e_server srv;
static struct e2e_native native;
static VkExtensionProperties *offered;
static uint32_t offered_count;
static unsigned chain_lengths[2];

/* What the guest is offered: the native list ∩ what the protocol covers,
 * minus the extensions the renderer withholds, spec versions clamped,
 * plus VK_KHR_external_semaphore_fd at the end where the host lacks it
 * (the renderer serves binary semaphores' sync-fd payloads itself). */
static void
build_expected_offer(void)
{
   const char *sync_fd = VK_KHR_EXTERNAL_SEMAPHORE_FD_EXTENSION_NAME;
   bool has_sync_fd = false;
   offered = calloc(native.ext_count + 1, sizeof(*offered));
   for (uint32_t k = 0; offered && k < native.ext_count; k++) {
      VkExtensionProperties e = native.exts[k];
      uint32_t ours = pv_cs_extension_spec_version(e.extensionName);
      if (!ours || pv_physical_device_withheld_reason(e.extensionName))
         continue;
      if (e.specVersion > ours)
         e.specVersion = ours;
      has_sync_fd |= !strcmp(e.extensionName, sync_fd);
      offered[offered_count++] = e;
   }
   if (offered && !has_sync_fd) {
      VkExtensionProperties e = { .specVersion = pv_cs_extension_spec_version(sync_fd) };
      snprintf(e.extensionName, sizeof(e.extensionName), "%s", sync_fd);
      offered[offered_count++] = e;
   }
}

static void
check_extensions(struct e2e_log *lg, struct e2e_dev *d)
{
   struct pv_vnc *c = &d->c;
   uint32_t n = 0;
   struct pv_vkEnumerateDeviceExtensionProperties_args a = {
      .physicalDevice = E2E_H(VkPhysicalDevice, d->pdev), .pPropertyCount = &n,
   };
   CHECK_OK(PV_VNC_CALL(c, vkEnumerateDeviceExtensionProperties, &a));
   E2E_EXPECT(lg, a.ret == VK_SUCCESS && n == offered_count && n > 10);
   VkExtensionProperties *e = calloc(n + 1, sizeof(*e));
   memset(e, 0xcc, (n + 1) * sizeof(*e));
   a.pProperties = e;
   CHECK_OK(PV_VNC_CALL(c, vkEnumerateDeviceExtensionProperties, &a));
   E2E_EXPECT(lg, a.ret == VK_SUCCESS);
   for (uint32_t i = 0; i < n; i++) {
      bool same = i < offered_count && !strcmp(e[i].extensionName, offered[i].extensionName) &&
                  e[i].specVersion == offered[i].specVersion;
      if (!E2E_EXPECT(lg, same))
         fprintf(stderr, "  [%u] offered %.64s v%u, expected %.64s v%u\n", i, e[i].extensionName,
                 e[i].specVersion, i < offered_count ? offered[i].extensionName : "-",
                 i < offered_count ? offered[i].specVersion : 0);
   }
   /* the renderer's own import extension is never offered */
   E2E_EXPECT(lg, !e2e_has_ext(e, n, "VK_EXT_external_memory_host"));
   /* A short array: VK_INCOMPLETE with exactly that many. */
   uint32_t short_n = 3;
   VkExtensionProperties few[3];
   a.pPropertyCount = &short_n;
   a.pProperties = few;
   CHECK_OK(PV_VNC_CALL(c, vkEnumerateDeviceExtensionProperties, &a));
   E2E_EXPECT(lg, a.ret == VK_INCOMPLETE && short_n == 3 && !memcmp(few, e, sizeof(few)));
   free(e);
}

static void
check_properties(struct e2e_log *lg, struct e2e_dev *d)
{
   struct pv_vnc *c = &d->c;
   VkPhysicalDeviceProperties p1;
   memset(&p1, 0xcc, sizeof(p1));
   struct pv_vkGetPhysicalDeviceProperties_args a1 = {
      .physicalDevice = E2E_H(VkPhysicalDevice, d->pdev), .pProperties = &p1,
   };
   CHECK_OK(PV_VNC_CALL(c, vkGetPhysicalDeviceProperties, &a1));
   E2E_EXPECT(lg, !e2e_compare_param(lg, PV_CMD_vkGetPhysicalDeviceProperties, "pProperties",
                                     &p1, &native.props));

   struct e2e_chain ch;
   e2e_chain_build(&ch, e2e_property_entries, e2e_property_entry_count, native.props.apiVersion,
                   offered, offered_count);
   E2E_EXPECT(lg, ch.count >= 10); /* a long chain: core 1.1-1.3 and extensions */
   chain_lengths[0] = ch.count;
   for (unsigned i = 0; i < ch.count; i++) /* garbage: every byte must come from the host */
      memset((uint8_t *)ch.nodes[i] + sizeof(VkBaseOutStructure), 0xcc,
             ch.sizes[i] - sizeof(VkBaseOutStructure));
   VkPhysicalDeviceProperties2 p2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
                                      .pNext = ch.head };
   VkPhysicalDeviceProperties2 n2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
                                      .pNext = native.props_chain.head };
   n2.properties = native.props;
   struct pv_vkGetPhysicalDeviceProperties2_args a2 = {
      .physicalDevice = E2E_H(VkPhysicalDevice, d->pdev), .pProperties = &p2,
   };
   CHECK_OK(PV_VNC_CALL(c, vkGetPhysicalDeviceProperties2, &a2));
   E2E_EXPECT(lg, !e2e_compare_param(lg, PV_CMD_vkGetPhysicalDeviceProperties2, "pProperties",
                                     &p2, &n2));
   /* a field the chain must really have carried */
   const VkPhysicalDeviceDriverProperties *drv = NULL;
   for (const VkBaseOutStructure *s = p2.pNext; s; s = s->pNext) {
      if (s->sType == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES)
         drv = (const void *)s;
   }
   E2E_EXPECT(lg, drv && drv->driverName[0] && drv->driverID != 0);
   e2e_chain_free(&ch);
}

static void
check_features(struct e2e_log *lg, struct e2e_dev *d)
{
   struct pv_vnc *c = &d->c;
   struct e2e_chain ch;
   e2e_chain_build(&ch, e2e_feature_entries, e2e_feature_entry_count, native.props.apiVersion,
                   offered, offered_count);
   E2E_EXPECT(lg, ch.count >= 8);
   chain_lengths[1] = ch.count;
   VkPhysicalDeviceFeatures2 f = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
                                   .pNext = ch.head };
   VkPhysicalDeviceFeatures2 nf = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
                                    .pNext = native.features_chain.head,
                                    .features = native.features };
   struct pv_vkGetPhysicalDeviceFeatures2_args a = {
      .physicalDevice = E2E_H(VkPhysicalDevice, d->pdev), .pFeatures = &f,
   };
   CHECK_OK(PV_VNC_CALL(c, vkGetPhysicalDeviceFeatures2, &a));
   E2E_EXPECT(lg, !e2e_compare_param(lg, PV_CMD_vkGetPhysicalDeviceFeatures2, "pFeatures", &f, &nf));
   E2E_EXPECT(lg, f.features.robustBufferAccess == native.features.robustBufferAccess);
   e2e_chain_free(&ch);
}

/* Memory as the guest sees it: the native heaps; the native types, minus
 * host bits the renderer cannot back; at least one HOST_VISIBLE|COHERENT. */
static void
check_memory_and_queues(struct e2e_log *lg, struct e2e_dev *d)
{
   struct pv_vnc *c = &d->c;
   const VkPhysicalDeviceMemoryProperties *m = &d->mem;
   E2E_EXPECT(lg, m->memoryHeapCount == native.mem.memoryHeapCount);
   E2E_EXPECT(lg, !memcmp(m->memoryHeaps, native.mem.memoryHeaps,
                          native.mem.memoryHeapCount * sizeof(VkMemoryHeap)));
   E2E_EXPECT(lg, m->memoryTypeCount == native.mem.memoryTypeCount);
   for (uint32_t i = 0; i < m->memoryTypeCount && i < VK_MAX_MEMORY_TYPES; i++) {
      E2E_EXPECT(lg, m->memoryTypes[i].heapIndex == native.mem.memoryTypes[i].heapIndex);
      E2E_EXPECT(lg, (m->memoryTypes[i].propertyFlags & ~native.mem.memoryTypes[i].propertyFlags) == 0);
   }
   E2E_EXPECT(lg, d->coherent_type < m->memoryTypeCount);

   /* v1 memory query agrees with v2 */
   VkPhysicalDeviceMemoryProperties m1;
   struct pv_vkGetPhysicalDeviceMemoryProperties_args gm = {
      .physicalDevice = E2E_H(VkPhysicalDevice, d->pdev), .pMemoryProperties = &m1,
   };
   CHECK_OK(PV_VNC_CALL(c, vkGetPhysicalDeviceMemoryProperties, &gm));
   E2E_EXPECT(lg, !memcmp(&m1, m, sizeof(m1)));

   uint32_t n = 16;
   VkQueueFamilyProperties fams[16];
   struct pv_vkGetPhysicalDeviceQueueFamilyProperties_args qf = {
      .physicalDevice = E2E_H(VkPhysicalDevice, d->pdev), .pQueueFamilyPropertyCount = &n,
      .pQueueFamilyProperties = fams,
   };
   CHECK_OK(PV_VNC_CALL(c, vkGetPhysicalDeviceQueueFamilyProperties, &qf));
   E2E_EXPECT(lg, n == native.fam_count && !memcmp(fams, native.fams, n * sizeof(*fams)));
}

/* The same ids again are accepted and echoed. */
static void
check_reenumerate(struct e2e_log *lg, struct e2e_dev *d)
{
   struct pv_vnc *c = &d->c;
   uint32_t n = 1;
   uint64_t id = d->pdev;
   VkPhysicalDevice pd = VK_NULL_HANDLE;
   struct pv_vkEnumeratePhysicalDevices_args a = {
      .instance = E2E_H(VkInstance, d->instance), .pPhysicalDeviceCount = &n,
      .pPhysicalDevices = &pd, .pPhysicalDevices_ids = &id, .pPhysicalDevices_count = 1,
   };
   CHECK_OK(PV_VNC_CALL(c, vkEnumeratePhysicalDevices, &a));
   E2E_EXPECT(lg, (a.ret == VK_SUCCESS || a.ret == VK_INCOMPLETE) && n == 1 &&
                     PV_VNC_ID(pd) == d->pdev);
}

static int
device_flow(const char *name)
{
   struct e2e_log lg = { name, 0 };
   struct e2e_dev d;
   VkPhysicalDeviceVulkan12Features f12 = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES, .timelineSemaphore = VK_TRUE,
   };
   if (e2e_dev_open(&d, &lg, srv.path, name, &f12)) {
      pv_vnc_abandon(&d.c);
      return lg.failures ? lg.failures : 1;
   }
   check_extensions(&lg, &d);
   check_properties(&lg, &d);
   check_features(&lg, &d);
   check_memory_and_queues(&lg, &d);
   check_reenumerate(&lg, &d);
   E2E_EXPECT(&lg, !(pv_vnc_ring_status(&d.c) & PV_RING_STATUS_FATAL));
   e2e_dev_close(&d);
   return lg.failures;
}

static void
test_one_client(void)
{
   int fds = e2e_count_fds();
   CHECK_EQ(device_flow("e2e-device"), 0);
   CHECK(e2e_wait_clients(&srv, 0));
   CHECK_EQ(e2e_wait_fds(fds), fds);
}

static intptr_t results[2];

static void *
flow_thread(void *arg)
{
   const char *name = arg;
   results[name[strlen(name) - 1] - 'a'] = device_flow(name);
   return NULL;
}

static void
test_two_clients(void)
{
   int fds = e2e_count_fds();
   pv_thread t[2];
   intptr_t res[2];
   char *names[2] = { "e2e-device-a", "e2e-device-b" };
   for (int i = 0; i < 2; i++)
      CHECK_EQ(pv_thread_start(&t[i], "client", flow_thread, names[i]), 0);
   for (int i = 0; i < 2; i++) {
      pv_thread_join(&t[i]);
      res[i] = results[i];
      CHECK_EQ(res[i], 0);
   }
   CHECK(e2e_wait_clients(&srv, 0));
   CHECK_EQ(e2e_wait_fds(fds), fds);
}

int
main(void)
{
   if (e2e_native_query(&native)) {
      printf("SKIP: no native Vulkan device in this process (is lavapipe installed?)\n");
      return 77;
   }
   if (!e2e_main_start(&srv))
      return 1;
   build_expected_offer();
   e2e_native_fill_chains(&native, offered, offered_count);
   /* The server reports at most the Vulkan version of the registry its
    * protocol code was generated from (the guest could not encode more). */
   if (native.props.apiVersion > pv_cs_vk_xml_version)
      native.props.apiVersion = pv_cs_vk_xml_version;
   double t0 = e2e_ms();
   RUN(test_one_client);
   printf("compared: %u offered extensions, Properties2 with %u chained structs, "
          "Features2 with %u\n", offered_count, chain_lengths[0], chain_lengths[1]);
   RUN(test_two_clients);
   e2e_server_stop(&srv);
   printf("e2e device: %.0f ms\n", e2e_ms() - t0);
   free(offered);
   e2e_native_free(&native);
   return pv_test_summary();
}
