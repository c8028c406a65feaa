/* test_object_table.c — guest id binding rules of docs/PROTOCOL.md §7. */
#include <errno.h>
#include <stdlib.h>

#include "pv_test.h"
#include "renderer/vk/object_table.h"

static void
count_drained(void *user, struct pv_object *o)
{
   (void)o;
   (*(int *)user)++;
}

static void
test_rules(void)
{
   struct pv_object_table t;
   CHECK(pv_object_table_init(&t, 100000) == 0);
   struct pv_object zero = { 0, VK_OBJECT_TYPE_BUFFER, 1 };
   CHECK_EQ(pv_object_table_insert(&t, &zero), -EINVAL);
   struct pv_object a = { 42, VK_OBJECT_TYPE_BUFFER, 7 };
   CHECK_EQ(pv_object_table_insert(&t, &a), 0);
   struct pv_object dup = { 42, VK_OBJECT_TYPE_IMAGE, 8 };
   CHECK_EQ(pv_object_table_insert(&t, &dup), -EEXIST);
   CHECK(pv_object_table_lookup(&t, 42, VK_OBJECT_TYPE_BUFFER) == &a);
   CHECK(pv_object_table_lookup(&t, 42, VK_OBJECT_TYPE_IMAGE) == NULL);
   CHECK(pv_object_table_lookup(&t, 0, VK_OBJECT_TYPE_BUFFER) == NULL);
   CHECK(pv_object_table_lookup(&t, 43, VK_OBJECT_TYPE_BUFFER) == NULL);
   CHECK_EQ(pv_object_table_find_handle(&t, VK_OBJECT_TYPE_BUFFER, 7), 42);
   CHECK(pv_object_table_lookup_handle(&t, VK_OBJECT_TYPE_BUFFER, 7) == &a);
   CHECK(pv_object_table_lookup_handle(&t, VK_OBJECT_TYPE_IMAGE, 7) == NULL);
   CHECK(pv_object_table_remove(&t, 42, VK_OBJECT_TYPE_IMAGE) == NULL);
   CHECK(pv_object_table_remove(&t, 42, VK_OBJECT_TYPE_BUFFER) == &a);
   CHECK(pv_object_table_lookup(&t, 42, VK_OBJECT_TYPE_BUFFER) == NULL);
   CHECK(pv_object_table_lookup_handle(&t, VK_OBJECT_TYPE_BUFFER, 7) == NULL);
   pv_object_table_fini(&t);
}

/* A reader's cache answers like the table, and forgets what was removed:
 * a re-bound id reaches the new object, never the freed one. */
static void
test_cache(void)
{
   struct pv_object_table t;
   struct pv_object_cache cache = { 0 };
   CHECK(pv_object_table_init(&t, 1000) == 0);
   struct pv_object a = { 5, VK_OBJECT_TYPE_BUFFER, 7 }, b = { 13, VK_OBJECT_TYPE_IMAGE, 8 };
   CHECK_EQ(pv_object_table_insert(&t, &a), 0);
   CHECK_EQ(pv_object_table_insert(&t, &b), 0); /* same cache slot as 5 */
   for (int i = 0; i < 3; i++) {
      CHECK(pv_object_table_lookup_cached(&t, &cache, 5, VK_OBJECT_TYPE_BUFFER) == &a);
      CHECK(pv_object_table_lookup_cached(&t, &cache, 5, VK_OBJECT_TYPE_IMAGE) == NULL);
      CHECK(pv_object_table_lookup_cached(&t, &cache, 13, VK_OBJECT_TYPE_IMAGE) == &b);
      CHECK(pv_object_table_lookup_cached(&t, &cache, 0, VK_OBJECT_TYPE_UNKNOWN) == NULL);
      CHECK(pv_object_table_lookup_cached(&t, &cache, 21, VK_OBJECT_TYPE_UNKNOWN) == NULL);
   }
   CHECK(pv_object_table_lookup_cached(&t, &cache, 5, VK_OBJECT_TYPE_BUFFER) == &a);
   CHECK(pv_object_table_remove(&t, 5, VK_OBJECT_TYPE_BUFFER) == &a);
   CHECK(pv_object_table_lookup_cached(&t, &cache, 5, VK_OBJECT_TYPE_BUFFER) == NULL);
   struct pv_object a2 = { 5, VK_OBJECT_TYPE_SAMPLER, 9 };
   CHECK_EQ(pv_object_table_insert(&t, &a2), 0);
   CHECK(pv_object_table_lookup_cached(&t, &cache, 5, VK_OBJECT_TYPE_SAMPLER) == &a2);
   int n = 0;
   pv_object_table_drain(&t, count_drained, &n);
   CHECK_EQ(n, 2);
   CHECK(pv_object_table_lookup_cached(&t, &cache, 13, VK_OBJECT_TYPE_IMAGE) == NULL);
   pv_object_table_fini(&t);
}

static void
test_many_and_limit(void)
{
   struct pv_object_table t;
   const int n = 50000;
   CHECK(pv_object_table_init(&t, (size_t)n) == 0);
   struct pv_object *objs = calloc((size_t)n + 1, sizeof(*objs));
   for (int i = 0; i <= n; i++)
      objs[i] = (struct pv_object){ (uint64_t)i * 7919 + 1, VK_OBJECT_TYPE_FENCE, (uint64_t)i };
   for (int i = 0; i < n; i++)
      CHECK_EQ(pv_object_table_insert(&t, &objs[i]), 0);
   CHECK_EQ(pv_object_table_insert(&t, &objs[n]), -ENOSPC);
   /* Remove every other one, re-add: tombstones must not break probing. */
   for (int i = 0; i < n; i += 2)
      CHECK(pv_object_table_remove(&t, objs[i].id, VK_OBJECT_TYPE_FENCE) == &objs[i]);
   int missing = 0;
   for (int i = 1; i < n; i += 2) {
      missing += pv_object_table_lookup(&t, objs[i].id, VK_OBJECT_TYPE_FENCE) != &objs[i];
      missing += pv_object_table_lookup_handle(&t, VK_OBJECT_TYPE_FENCE, objs[i].handle) != &objs[i];
   }
   for (int i = 0; i < n; i += 2)
      missing += pv_object_table_lookup_handle(&t, VK_OBJECT_TYPE_FENCE, objs[i].handle) != NULL;
   CHECK_EQ(missing, 0);
   for (int i = 0; i < n; i += 2)
      CHECK_EQ(pv_object_table_insert(&t, &objs[i]), 0);
   int drained = 0;
   pv_object_table_drain(&t, count_drained, &drained);
   CHECK_EQ(drained, n);
   pv_object_table_fini(&t);
   free(objs);
}

int
main(void)
{
   RUN(test_rules);
   RUN(test_cache);
   RUN(test_many_and_limit);
   return pv_test_summary();
}
