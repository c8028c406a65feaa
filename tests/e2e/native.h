/*
 * native.h — the same physical-device queries done natively in the test
 * process (the Vulkan loader, lavapipe in CI), to compare what a guest
 * sees through the server field by field, using the protocol's own
 * struct descriptions (pv_cs_desc.h) to name each field.
 */
#ifndef PV_E2E_NATIVE_H
#define PV_E2E_NATIVE_H

#include <stdbool.h>
#include <stdint.h>
#include <vulkan/vulkan_core.h>

#include "tests/e2e/e2e.h"

/* A pNext chain entry a test may ask for. */
struct e2e_chain_entry {
   VkStructureType stype;
   size_t size;
   const char *ext;       /* offered extension it needs, or NULL (core) */
   uint32_t min_api;      /* core version it needs, when ext is NULL */
};

/* A chain built from entries the device supports: nodes in entry order. */
struct e2e_chain {
   void *head;
   unsigned count;
   void *nodes[32];
   size_t sizes[32];
};

struct e2e_native {
   VkPhysicalDeviceProperties props;
   VkExtensionProperties *exts;
   uint32_t ext_count;
   VkQueueFamilyProperties fams[16];
   uint32_t fam_count;
   VkPhysicalDeviceMemoryProperties mem;
   struct e2e_chain props_chain, features_chain; /* filled by the queries */
   VkPhysicalDeviceFeatures features;
};

extern const struct e2e_chain_entry e2e_property_entries[];
extern const unsigned e2e_property_entry_count;
extern const struct e2e_chain_entry e2e_feature_entries[];
extern const unsigned e2e_feature_entry_count;

/* Does the extension list have `name`? */
bool e2e_has_ext(const VkExtensionProperties *e, uint32_t n, const char *name);

/* Build a chain of the entries the device (api version, extension list)
 * supports.  Each node zeroed with its sType set. */
void e2e_chain_build(struct e2e_chain *ch, const struct e2e_chain_entry *entries, unsigned n,
                     uint32_t api, const VkExtensionProperties *exts, uint32_t ext_count);
void e2e_chain_free(struct e2e_chain *ch);

/* Query physical device 0 natively: properties, extensions, queue
 * families, memory, and Properties2 / Features2 with the chains built from
 * the offered extension list `offered` (what the guest sees). */
int e2e_native_query(struct e2e_native *n);
void e2e_native_fill_chains(struct e2e_native *n, const VkExtensionProperties *offered,
                            uint32_t offered_count);
void e2e_native_free(struct e2e_native *n);

/* Compare struct `a` (guest) with `b` (native) member by member, with the
 * description of command `cmd_id`'s parameter `param` (a struct with a
 * pNext chain: its chained structs are compared too).  Prints every
 * difference; returns their number. */
int e2e_compare_param(struct e2e_log *lg, uint32_t cmd_id, const char *param, const void *a,
                      const void *b);

#endif
