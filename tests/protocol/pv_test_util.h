/*
 * pv_test_util.h — shared helpers of the protocol tests: a lookup that
 * accepts every id (host handle = id + PV_TEST_HANDLE_BIAS, so translation
 * is visible), its inverse, and a check macro.
 */
#ifndef PV_TEST_UTIL_H
#define PV_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "cs/pv_cs_generated.h"

#define PV_TEST_HANDLE_BIAS 0x100000000ull

struct pv_test_objects {
   struct pv_object obj; /* rewritten per lookup: the decoder copies the handle out */
   unsigned lookups;
};

static inline struct pv_object *
pv_test_lookup(void *user, uint64_t id, VkObjectType type)
{
   struct pv_test_objects *t = user;
   t->obj.id = id;
   t->obj.type = type;
   t->obj.handle = id + PV_TEST_HANDLE_BIAS;
   t->lookups++;
   return &t->obj;
}

static inline uint64_t
pv_test_handle_to_id(void *user, VkObjectType type, uint64_t handle)
{
   (void)user;
   (void)type;
   return handle ? handle - PV_TEST_HANDLE_BIAS : 0;
}

#define PV_CHECK(cond, ...)                                                 \
   do {                                                                     \
      if (!(cond)) {                                                        \
         fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
         fprintf(stderr, __VA_ARGS__);                                      \
         fprintf(stderr, "\n");                                             \
         exit(1);                                                           \
      }                                                                     \
   } while (0)

#endif
