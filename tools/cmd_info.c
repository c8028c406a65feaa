/*
 * cmd_info.c — `pv-venus info`: what a guest would be told.
 *
 * Prints the Venus capset, then for every host Vulkan device the device
 * extensions the server offers and, for each one it does not, the reason.
 * Uses the same host loader and driver selection as `pv-venus serve`
 * (VK_ICD_FILENAMES picks the host driver).  With --route / --routes it
 * prints what runs for a command instead (renderer/route.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vulkan/vulkan_core.h>

#include "cs/pv_cs_desc.h"
#include "pv_venus_cmds.h"
#include "pvvenus.h"
#include "renderer/route.h"

const char *pv_physical_device_withheld_reason(const char *name);
const char *pv_physical_device_served_reason(const char *name, bool host_ptr, bool wsi);
const char *pv_physical_device_servable(size_t i);

static void
print_version(const char *label, uint32_t v)
{
   printf("  %-38s %u.%u.%u\n", label, VK_API_VERSION_MAJOR(v), VK_API_VERSION_MINOR(v),
          VK_API_VERSION_PATCH(v));
}

static int
print_capset(void)
{
   struct pv_renderer *r;
   uint32_t w[40];
   size_t size = sizeof(w);
   if (pv_renderer_create(NULL, &r) || pv_renderer_get_capset(r, PV_CAPSET_VENUS, 0, w, &size)) {
      fprintf(stderr, "pv-venus info: cannot build the capset\n");
      return 1;
   }
   pv_renderer_destroy(r);
   unsigned bits = 0;
   for (int i = 0; i < 32; i++)
      bits += (unsigned)__builtin_popcount(w[5 + i]);
   printf("Venus capset (id %u, version 0, %zu bytes)\n", PV_CAPSET_VENUS, size);
   printf("  %-38s %u\n", "wire_format_version", w[0]);
   print_version("vk_xml_version", w[1]);
   printf("  %-38s %u\n", "vk_ext_command_serialization_spec", w[2]);
   printf("  %-38s %u\n", "vk_mesa_venus_protocol_spec", w[3]);
   printf("  %-38s %u\n", "supports_blob_id_0", w[4]);
   printf("  %-38s %u extensions (+ bit 0)\n", "vk_extension_mask1", bits - (w[5] & 1));
   printf("  %-38s %u\n", "allow_vk_wait_syncs", w[37]);
   printf("  %-38s %u\n", "supports_multiple_timelines", w[38]);
   printf("  %-38s %u\n", "use_guest_vram", w[39]);
   return 0;
}

static void
print_device(VkPhysicalDevice pd, uint32_t index, int verbose)
{
   VkPhysicalDeviceProperties p;
   vkGetPhysicalDeviceProperties(pd, &p);
   printf("\nhost device %u: %s\n", index, p.deviceName);
   print_version("apiVersion", p.apiVersion);
   uint32_t n = 0;
   vkEnumerateDeviceExtensionProperties(pd, NULL, &n, NULL);
   VkExtensionProperties *e = calloc(n ? n : 1, sizeof(*e));
   vkEnumerateDeviceExtensionProperties(pd, NULL, &n, e);
   uint32_t offered = 0;
   bool host_ptr = false;
   for (uint32_t i = 0; i < n; i++) {
      uint32_t ours = pv_cs_extension_spec_version(e[i].extensionName);
      offered += ours && !pv_physical_device_withheld_reason(e[i].extensionName);
      host_ptr |= !strcmp(e[i].extensionName, VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME);
   }
   printf("  offered to the guest: %u of the driver's %u device extensions\n", offered, n);
   const char *served;
   for (size_t s = 0; (served = pv_physical_device_servable(s)); s++) {
      bool host_has = false;
      for (uint32_t i = 0; i < n; i++)
         host_has |= !strcmp(e[i].extensionName, served);
      const char *what = pv_physical_device_served_reason(served, host_ptr, true);
      bool always = pv_physical_device_served_reason(served, host_ptr, false);
      if (!host_has && what)
         printf("    + %s: served by the renderer%s: %s\n", served,
                always ? "" : " with --wsi-dma-buf", what);
   }
   for (uint32_t i = 0; i < n; i++) {
      const char *name = e[i].extensionName;
      uint32_t ours = pv_cs_extension_spec_version(name);
      const char *why = pv_physical_device_withheld_reason(name);
      if (ours && !why) {
         if (verbose)
            printf("    + %s (spec %u)\n", name,
                   e[i].specVersion < ours ? e[i].specVersion : ours);
      } else {
         printf("    - %s: %s\n", name,
                why ? why : "not covered by the generated protocol code");
      }
   }
   free(e);
}

int
pv_cmd_info(int argc, char **argv)
{
   int verbose = 0;
   for (int i = 1; i < argc; i++) {
      if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
         verbose = 1;
      } else if (!strcmp(argv[i], "--route") && i + 1 < argc) {
         if (pv_route_print(stdout, argv[i + 1]) == 0)
            return 0;
         fprintf(stderr, "pv-venus info: the Venus protocol (as built) has no command '%s'\n",
                 argv[i + 1]);
         return 2;
      } else if (!strcmp(argv[i], "--routes")) {
         pv_route_print_index(stdout);
         return 0;
      } else {
         printf("usage: pv-venus info [-v] | --route vkCOMMAND | --routes\n\n"
                "Print the Venus capset and, per host Vulkan device, which device extensions\n"
                "the server offers to the guest (-v lists them) and why the others are not.\n"
                "VK_ICD_FILENAMES chooses the host driver, as for 'pv-venus serve'.\n\n"
                "  --route vkCOMMAND  everything that runs for a command, in order: decoding,\n"
                "                     the guards watching it (guards/), its handler and file\n"
                "  --routes           one line per command with a hand-written handler or a\n"
                "                     guard: its handler's file and its guards\n");
         return strcmp(argv[i], "-h") && strcmp(argv[i], "--help") ? 2 : 0;
      }
   }
   if (print_capset())
      return 1;
   VkApplicationInfo app = { .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                             .apiVersion = VK_API_VERSION_1_1 };
   VkInstanceCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                               .pApplicationInfo = &app };
   VkInstance inst;
   VkResult r = vkCreateInstance(&ci, NULL, &inst);
   if (r != VK_SUCCESS) {
      fprintf(stderr, "pv-venus info: no host Vulkan instance (VkResult %d)\n", r);
      return 1;
   }
   uint32_t n = 0;
   vkEnumeratePhysicalDevices(inst, &n, NULL);
   VkPhysicalDevice *pd = calloc(n ? n : 1, sizeof(*pd));
   vkEnumeratePhysicalDevices(inst, &n, pd);
   if (!n)
      printf("\nno host Vulkan device\n");
   for (uint32_t i = 0; i < n; i++)
      print_device(pd[i], i, verbose);
   free(pd);
   vkDestroyInstance(inst, NULL);
   return 0;
}
