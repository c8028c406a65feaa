/*
 * plain_samplers.c — the (set, binding) pairs a pipeline samples without a
 * depth reference, shared by count (plain_samplers.h).
 */
#include "renderer/spirv/plain_samplers.h"

#include <stdlib.h>
#include <string.h>

static int
cmp_plain(const void *a, const void *b)
{
   const struct pv_plain_sampler *x = a, *y = b;
   if (x->set != y->set)
      return x->set < y->set ? -1 : 1;
   return x->binding < y->binding ? -1 : x->binding > y->binding;
}

/* Sorted, so that duplicates (a binding several stages sample) go in
 * one pass however many bindings a guest's pipeline names. */
struct pv_plain_samplers *
pv_plain_samplers_new(const struct pv_plain_sampler *b, uint32_t count)
{
   struct pv_plain_samplers *p = count ? malloc(sizeof(*p) + count * sizeof(p->b[0])) : NULL;
   if (!p)
      return NULL;
   atomic_init(&p->refs, 1);
   memcpy(p->b, b, count * sizeof(p->b[0]));
   qsort(p->b, count, sizeof(p->b[0]), cmp_plain);
   p->count = 1;
   for (uint32_t i = 1; i < count; i++)
      if (cmp_plain(&p->b[i], &p->b[p->count - 1]))
         p->b[p->count++] = p->b[i];
   return p;
}

struct pv_plain_samplers *
pv_plain_samplers_ref(struct pv_plain_samplers *p)
{
   if (p)
      atomic_fetch_add(&p->refs, 1);
   return p;
}

void
pv_plain_samplers_unref(struct pv_plain_samplers *p)
{
   if (p && atomic_fetch_sub(&p->refs, 1) == 1)
      free(p);
}

