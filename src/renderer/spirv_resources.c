/*
 * spirv_resources.c — the descriptor bindings a SPIR-V module uses
 * (DescriptorSet and Binding decorations), so that pipeline creation can
 * hold them against the pipeline layout (pipeline.c): lavapipe indexes its
 * layout's binding array with a shader's binding number, and read far
 * past it for a fuzzer's Binding 11337728.
 */
#include "renderer/spirv_limits.h"

#include <errno.h>
#include <stdlib.h>

enum { OP_DECORATE = 71, DEC_BINDING = 33, DEC_DESCRIPTOR_SET = 34 };

struct decoration {
   uint32_t id, value;
};

static int
cmp_id(const void *a, const void *b)
{
   const struct decoration *x = a, *y = b;
   return x->id < y->id ? -1 : x->id > y->id;
}

int
pv_spirv_resources(const uint32_t *code, size_t bytes, struct pv_spirv_resource **out,
                   uint32_t *count)
{
   size_t nwords = bytes / 4, n = 0;
   *out = NULL;
   *count = 0;
   /* At most one decoration per 4 words: bounds both lists. */
   struct decoration *sets = calloc(nwords / 4 + 1, sizeof(*sets));
   struct decoration *binds = calloc(nwords / 4 + 1, sizeof(*binds));
   size_t nsets = 0, nbinds = 0;
   if (!sets || !binds) {
      free(sets);
      free(binds);
      return -ENOMEM;
   }
   for (size_t at = 5; at < nwords;) {
      uint32_t len = code[at] >> 16, op = code[at] & 0xffff;
      if (len == 0 || len > nwords - at)
         break;
      if (op == OP_DECORATE && len >= 4 && code[at + 2] == DEC_DESCRIPTOR_SET)
         sets[nsets++] = (struct decoration){ code[at + 1], code[at + 3] };
      else if (op == OP_DECORATE && len >= 4 && code[at + 2] == DEC_BINDING)
         binds[nbinds++] = (struct decoration){ code[at + 1], code[at + 3] };
      at += len;
   }
   qsort(sets, nsets, sizeof(*sets), cmp_id);
   qsort(binds, nbinds, sizeof(*binds), cmp_id);
   struct pv_spirv_resource *r = calloc(nbinds + 1, sizeof(*r));
   if (!r) {
      free(sets);
      free(binds);
      return -ENOMEM;
   }
   /* A binding without a set is in set 0 (spirv-val requires both). */
   for (size_t i = 0, j = 0; i < nbinds; i++) {
      while (j < nsets && sets[j].id < binds[i].id)
         j++;
      uint32_t set = j < nsets && sets[j].id == binds[i].id ? sets[j].value : 0;
      r[n++] = (struct pv_spirv_resource){ set, binds[i].value };
   }
   free(sets);
   free(binds);
   *out = r;
   *count = (uint32_t)n;
   return 0;
}
