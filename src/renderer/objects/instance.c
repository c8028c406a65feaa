/*
 * instance.c — vkCreateInstance and the instance-level queries.
 *
 * One host VkInstance per context.  The guest strips layers and
 * extensions (it implements instance extensions itself); we enable only
 * what the host needs for itself: portability enumeration where the loader
 * offers it (MoltenVK), so those devices are listed at all.
 */
#include <stdlib.h>
#include <string.h>

#include "renderer/handlers.h"
#include "renderer/objects/physical_device.h"
#include "renderer/vk/loader.h"
#include "renderer/vk/vk_context.h"
#include "renderer/vk/vk_objects.h"

#define PV_MAX_API_VERSION VK_MAKE_API_VERSION(0, 1, 4, 0)
#define PV_MIN_API_VERSION VK_MAKE_API_VERSION(0, 1, 1, 0)
#define PORTABILITY_ENUMERATION "VK_KHR_portability_enumeration"

static uint32_t
host_instance_version(void)
{
   uint32_t v = VK_API_VERSION_1_0;
   if (vkEnumerateInstanceVersion(&v) != VK_SUCCESS)
      v = VK_API_VERSION_1_0;
   return v < PV_MAX_API_VERSION ? v : PV_MAX_API_VERSION;
}

void
pv_handle_vkEnumerateInstanceVersion(struct pv_dispatcher *d,
                                     struct pv_vkEnumerateInstanceVersion_args *a)
{
   (void)d;
   if (a->pApiVersion)
      *a->pApiVersion = host_instance_version();
   a->ret = VK_SUCCESS;
}

/* The host answers only for the two protocol extensions; the guest builds
 * its own instance extension list (docs/PROTOCOL.md §7). */
void
pv_handle_vkEnumerateInstanceExtensionProperties(
   struct pv_dispatcher *d, struct pv_vkEnumerateInstanceExtensionProperties_args *a)
{
   (void)d;
   static const VkExtensionProperties exts[] = {
      { "VK_EXT_command_serialization", 1 },
      { "VK_MESA_venus_protocol", 3 },
   };
   /* pPropertyCount: the decoder refuses NULL (it is required) */
   a->ret = pv_enumerate_extensions(exts, sizeof(exts) / sizeof(exts[0]), a->pLayerName,
                                    a->pPropertyCount, a->pProperties);
}

static bool
loader_has_extension(const char *name)
{
   uint32_t n = 0;
   if (vkEnumerateInstanceExtensionProperties(NULL, &n, NULL) != VK_SUCCESS || !n)
      return false;
   VkExtensionProperties *p = calloc(n, sizeof(*p));
   bool found = false;
   if (p && vkEnumerateInstanceExtensionProperties(NULL, &n, p) >= VK_SUCCESS) {
      for (uint32_t i = 0; i < n && !found; i++)
         found = !strcmp(p[i].extensionName, name);
   }
   free(p);
   return found;
}

static VkResult
create_host_instance(struct pv_renderer *r, const VkInstanceCreateInfo *guest,
                     struct pv_instance *inst)
{
   VkApplicationInfo app = { .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO };
   if (guest->pApplicationInfo)
      app = *guest->pApplicationInfo;
   app.pNext = NULL;
   uint32_t host = host_instance_version();
   if (app.apiVersion < PV_MIN_API_VERSION)
      app.apiVersion = PV_MIN_API_VERSION;
   if (app.apiVersion > host)
      app.apiVersion = host;
   inst->api_version = app.apiVersion;
   const char *ext = PORTABILITY_ENUMERATION;
   bool portability = loader_has_extension(ext);
   VkInstanceCreateInfo info = {
      .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
      .flags = portability ? 0x00000001 /* ENUMERATE_PORTABILITY_BIT_KHR */ : 0,
      .pApplicationInfo = &app,
      .enabledExtensionCount = portability ? 1 : 0,
      .ppEnabledExtensionNames = portability ? &ext : NULL,
   };
   return pv_loader_create_instance(r, &info, &inst->handle, &inst->table);
}

void
pv_handle_vkCreateInstance(struct pv_dispatcher *d, struct pv_vkCreateInstance_args *a)
{
   struct pv_vk_context *vk = d->vk;
   if (!a->pCreateInfo || !a->pInstance)
      return pv_dispatch_fail(d, "pCreateInfo or pInstance is NULL");
   if (vk->instance)
      return pv_dispatch_fail(d, "the context already has an instance");
   if (a->pCreateInfo->enabledLayerCount)
      return pv_dispatch_fail(d, "guest layers are not supported");
   struct pv_instance *inst = calloc(1, sizeof(*inst));
   if (!inst)
      return pv_dispatch_fail(d, "out of memory");
   inst->renderer = vk->ctx->renderer;
   a->ret = create_host_instance(inst->renderer, a->pCreateInfo, inst);
   if (a->ret != VK_SUCCESS) {
      free(inst);
      return;
   }
   inst->base = (struct pv_object){ a->pInstance_ids[0], VK_OBJECT_TYPE_INSTANCE,
                                    (uint64_t)(uintptr_t)inst->handle };
   if (!pv_dispatch_bind(d, &inst->base)) {
      pv_loader_destroy_instance(inst->renderer, inst->handle);
      free(inst);
      return;
   }
   *a->pInstance = inst->handle;
   vk->instance = inst;
   pv_info(vk->ctx->log, "%s: instance created (API %u.%u)", vk->ctx->name,
           VK_API_VERSION_MAJOR(inst->api_version), VK_API_VERSION_MINOR(inst->api_version));
}

struct instance_devices {
   struct pv_vk_context *vk;
   const struct pv_instance *inst;
};

static bool
device_of(void *user, const struct pv_object *o)
{
   const struct instance_devices *m = user;
   return o->type == VK_OBJECT_TYPE_DEVICE &&
          ((const struct pv_device *)o)->pdev->instance == m->inst;
}

static void
destroy_device(void *user, struct pv_object *o)
{
   struct instance_devices *m = user;
   struct pv_device *dev = (struct pv_device *)o;
   dev->base.id = 0; /* already unbound */
   pv_device_destroy(m->vk, dev);
}

void
pv_instance_destroy(struct pv_vk_context *vk, struct pv_instance *inst)
{
   /* Devices the guest left alive point at the instance's physical
    * devices: they go first (a fuzzer destroyed the instance first). */
   struct instance_devices m = { vk, inst };
   pv_object_table_remove_matching(&vk->objects, device_of, destroy_device, &m);
   for (uint32_t i = 0; i < inst->pdev_count; i++) {
      struct pv_physical_device *p = &inst->pdevs[i];
      if (p->base.id)
         pv_object_table_remove(&vk->objects, p->base.id, VK_OBJECT_TYPE_PHYSICAL_DEVICE);
      pv_physical_device_fini(p);
   }
   free(inst->pdevs);
   pv_loader_destroy_instance(inst->renderer, inst->handle);
   if (vk->instance == inst)
      vk->instance = NULL;
   free(inst);
}

void
pv_handle_vkDestroyInstance(struct pv_dispatcher *d, struct pv_vkDestroyInstance_args *a)
{
   struct pv_instance *inst = (struct pv_instance *)a->instance_obj;
   if (!inst)
      return pv_dispatch_fail(d, "instance is NULL");
   pv_object_table_remove(&d->vk->objects, inst->base.id, VK_OBJECT_TYPE_INSTANCE);
   pv_instance_destroy(d->vk, inst);
}
