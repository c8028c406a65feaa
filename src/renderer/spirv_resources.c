/*
 * spirv_resources.c — the descriptor bindings a SPIR-V module uses
 * (DescriptorSet and Binding decorations), and which shader stages use
 * each, so that pipeline creation can hold them against the pipeline
 * layout (pipeline.c).  lavapipe indexes its layout's binding array with a
 * shader's binding number (it read far past it for a fuzzer's Binding
 * 11337728), and its per-stage tables with a count of the bindings whose
 * stageFlags name the stage (a binding used by a stage it is not visible
 * to ran past them: fuzz/corpus/vtest/regress-binding-stage-not-visible).
 *
 * "Uses" is static use, as the Vulkan spec means it: the variable is an
 * operand of code reachable from an entry point through function calls.
 * A module may hold several entry points (rust-gpu and Slang emit vertex
 * and fragment together), each using its own bindings, so a binding only
 * counts for the stages whose entry points reach it.  Operands are read
 * only where an instruction takes a pointer (loads, stores, access
 * chains, atomics, calls, ...): other words may be literals that happen
 * to equal a variable's id.  The module has passed spirv-val (shader.c)
 * where SPIRV-Tools is built in; without it, lengths and ids are still
 * bounded here, and a malformed module yields fewer uses, never a bad read.
 */
#include "renderer/spirv_limits.h"

#include <errno.h>
#include <stdlib.h>

enum {
   OP_EXT_INST = 12, OP_ENTRY_POINT = 15, OP_FUNCTION = 54, OP_FUNCTION_END = 56,
   OP_FUNCTION_CALL = 57, OP_DECORATE = 71, OP_PHI = 245,
};
enum { DEC_BINDING = 33, DEC_DESCRIPTOR_SET = 34 };

struct pair {
   uint32_t key, value;
};

static int
cmp_pair(const void *a, const void *b)
{
   const struct pair *x = a, *y = b;
   if (x->key != y->key)
      return x->key < y->key ? -1 : 1;
   return x->value < y->value ? -1 : x->value > y->value;
}

/* Index of the first pair with `key`, or -1. */
static long
find(const struct pair *p, size_t n, uint32_t key)
{
   size_t lo = 0, hi = n;
   while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (p[mid].key < key)
         lo = mid + 1;
      else
         hi = mid;
   }
   return lo < n && p[lo].key == key ? (long)lo : -1;
}

/* The VkShaderStageFlagBits of an execution model; 0 for those Vulkan
 * has no stage for. */
static uint32_t
model_stage(uint32_t model)
{
   static const struct pair map[] = {
      { 0, 0x1 },       { 1, 0x2 },       { 2, 0x4 },       { 3, 0x8 },   { 4, 0x10 },
      { 5, 0x20 },      { 5267, 0x40 },   { 5268, 0x80 },   { 5313, 0x100 },
      { 5314, 0x1000 }, { 5315, 0x200 },  { 5316, 0x400 },  { 5317, 0x800 },
      { 5318, 0x2000 }, { 5364, 0x40 },   { 5365, 0x80 },
   };
   for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
      if (map[i].key == model)
         return map[i].value;
   return 0;
}

/* Which words of an instruction inside a function may be a pointer to a
 * variable: from word `first` on, every `step`-th one, up to `last`
 * (0: to the end).  Returns false for instructions that take none. */
static bool
pointer_operands(uint32_t op, uint32_t *first, uint32_t *last, uint32_t *step)
{
   *step = 1;
   *last = 0;
   switch (op) {
   case 61: /* OpLoad */
   case 60: /* OpImageTexelPointer */
   case 65: case 66: case 67: case 70: /* access chains */
   case 68: case 69: /* OpArrayLength, OpGenericPtrMemSemantics */
   case 83: case 400: /* OpCopyObject, OpCopyLogical */
   case 117: case 124: /* OpConvertPtrToU, OpBitcast */
   case 227: case 229: case 230: case 231: case 232: case 233: case 234: case 235:
   case 236: case 237: case 238: case 239: case 240: case 241: case 242: /* atomics */
   case 318: case 5614: case 5615: case 6035: /* flag test-and-set, float atomics */
   case 4457: case 5359: /* cooperative matrix loads */
      *first = *last = 3;
      return true;
   case 62: case 63: /* OpStore, OpCopyMemory */
      *first = 1, *last = 2;
      return true;
   case 64: /* OpCopyMemorySized */
      *first = 1, *last = 3;
      return true;
   case 228: case 319: case 4458: case 5360: /* atomic store, flag clear, matrix stores */
   case 254: /* OpReturnValue */
      *first = *last = 1;
      return true;
   case 169: /* OpSelect */
      *first = 4, *last = 5;
      return true;
   case 401: case 402: case 403: /* pointer comparisons */
      *first = 3, *last = 4;
      return true;
   case OP_PHI: /* value, parent block pairs */
      *first = 3, *step = 2;
      return true;
   case OP_FUNCTION_CALL: /* arguments */
      *first = 4;
      return true;
   case OP_EXT_INST: /* arguments (Modf, Frexp, debug info take pointers) */
      *first = 5;
      return true;
   default:
      return false;
   }
}

/* What one walk over the module collects. */
struct module {
   struct pair *sets, *binds;  /* variable → DescriptorSet / Binding */
   struct pair *entries;       /* function → stage */
   struct pair *calls;         /* caller → callee */
   struct pair *uses;          /* function → resource variable */
   struct pair *funcs;         /* function → stages reaching it */
   size_t nsets, nbinds, nentries, ncalls, nuses, nfuncs;
};

static void
module_free(struct module *m)
{
   free(m->sets);
   free(m->binds);
   free(m->entries);
   free(m->calls);
   free(m->uses);
   free(m->funcs);
}

/* Each instruction holds at least one word per pair it adds, so nwords
 * bounds every list. */
static int
module_alloc(struct module *m, size_t nwords)
{
   struct pair **lists[] = { &m->sets, &m->binds, &m->entries, &m->calls, &m->uses, &m->funcs };
   for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
      if (!(*lists[i] = calloc(nwords + 1, sizeof(struct pair))))
         return -ENOMEM;
   return 0;
}

/* Decorations and entry points; instructions end where their length
 * says, and a walk stops at a length that runs past the module. */
static void
walk_declarations(struct module *m, const uint32_t *code, size_t nwords)
{
   for (size_t at = 5; at < nwords;) {
      uint32_t len = code[at] >> 16, op = code[at] & 0xffff;
      if (len == 0 || len > nwords - at)
         break;
      if (op == OP_DECORATE && len >= 4 && code[at + 2] == DEC_DESCRIPTOR_SET)
         m->sets[m->nsets++] = (struct pair){ code[at + 1], code[at + 3] };
      else if (op == OP_DECORATE && len >= 4 && code[at + 2] == DEC_BINDING)
         m->binds[m->nbinds++] = (struct pair){ code[at + 1], code[at + 3] };
      else if (op == OP_ENTRY_POINT && len >= 3 && model_stage(code[at + 1]))
         m->entries[m->nentries++] = (struct pair){ code[at + 2], model_stage(code[at + 1]) };
      at += len;
   }
   qsort(m->sets, m->nsets, sizeof(struct pair), cmp_pair);
   qsort(m->binds, m->nbinds, sizeof(struct pair), cmp_pair);
}

/* Function bodies: which resource variables each names and which
 * functions it calls. */
static void
walk_functions(struct module *m, const uint32_t *code, size_t nwords)
{
   uint32_t fn = 0;
   bool in_fn = false;
   for (size_t at = 5; at < nwords;) {
      uint32_t len = code[at] >> 16, op = code[at] & 0xffff, first, last, step;
      if (len == 0 || len > nwords - at)
         break;
      if (op == OP_FUNCTION && len >= 3) {
         fn = code[at + 2], in_fn = true;
         m->funcs[m->nfuncs++] = (struct pair){ fn, 0 };
      } else if (op == OP_FUNCTION_END) {
         in_fn = false;
      } else if (in_fn && pointer_operands(op, &first, &last, &step)) {
         if (op == OP_FUNCTION_CALL && len >= 4)
            m->calls[m->ncalls++] = (struct pair){ fn, code[at + 3] };
         for (uint32_t w = first; w < len && (!last || w <= last); w += step)
            if (find(m->binds, m->nbinds, code[at + w]) >= 0)
               m->uses[m->nuses++] = (struct pair){ fn, code[at + w] };
      }
      at += len;
   }
   qsort(m->calls, m->ncalls, sizeof(struct pair), cmp_pair);
   qsort(m->funcs, m->nfuncs, sizeof(struct pair), cmp_pair);
}

/* funcs[].value: the stages whose entry points reach each function.  One
 * depth-first walk per stage bit, so a module of many entry points costs
 * no more than one of each stage. */
static int
mark_reachable(struct module *m)
{
   long *stack = calloc(m->nfuncs + 1, sizeof(*stack));
   if (!stack)
      return -ENOMEM;
   for (uint32_t bit = 1; bit; bit <<= 1) {
      size_t top = 0;
      for (size_t e = 0; e < m->nentries; e++) {
         long f = find(m->funcs, m->nfuncs, m->entries[e].key);
         if ((m->entries[e].value & bit) && f >= 0 && !(m->funcs[f].value & bit)) {
            m->funcs[f].value |= bit;
            stack[top++] = f;
         }
      }
      while (top) {
         uint32_t caller = m->funcs[stack[--top]].key;
         for (long c = find(m->calls, m->ncalls, caller);
              c >= 0 && (size_t)c < m->ncalls && m->calls[c].key == caller; c++) {
            long f = find(m->funcs, m->nfuncs, m->calls[c].value);
            if (f >= 0 && !(m->funcs[f].value & bit)) {
               m->funcs[f].value |= bit;
               stack[top++] = f;
            }
         }
      }
   }
   free(stack);
   return 0;
}

/* A binding without a set is in set 0 (spirv-val requires both). */
static uint32_t
set_of(const struct module *m, uint32_t var)
{
   long s = find(m->sets, m->nsets, var);
   return s >= 0 ? m->sets[s].value : 0;
}

/* The stages reaching each use, ORed per variable: uses become (variable,
 * stages) sorted by variable. */
static void
uses_by_variable(struct module *m)
{
   for (size_t u = 0; u < m->nuses; u++) {
      long f = find(m->funcs, m->nfuncs, m->uses[u].key);
      m->uses[u] = (struct pair){ m->uses[u].value, f >= 0 ? m->funcs[f].value : 0 };
   }
   qsort(m->uses, m->nuses, sizeof(struct pair), cmp_pair);
}

static uint32_t
stages_using(const struct module *m, uint32_t var)
{
   uint32_t stages = 0;
   for (long u = find(m->uses, m->nuses, var);
        u >= 0 && (size_t)u < m->nuses && m->uses[u].key == var; u++)
      stages |= m->uses[u].value;
   return stages;
}

int
pv_spirv_resources(const uint32_t *code, size_t bytes, struct pv_spirv_resource **out,
                   uint32_t *count)
{
   size_t nwords = bytes / 4;
   struct module m = { 0 };
   *out = NULL;
   *count = 0;
   if (module_alloc(&m, nwords)) {
      module_free(&m);
      return -ENOMEM;
   }
   walk_declarations(&m, code, nwords);
   walk_functions(&m, code, nwords);
   struct pv_spirv_resource *r = calloc(m.nbinds + 1, sizeof(*r));
   if (!r || mark_reachable(&m)) {
      free(r);
      module_free(&m);
      return -ENOMEM;
   }
   uses_by_variable(&m);
   for (size_t i = 0; i < m.nbinds; i++)
      r[i] = (struct pv_spirv_resource){ set_of(&m, m.binds[i].key), m.binds[i].value,
                                         stages_using(&m, m.binds[i].key) };
   *out = r;
   *count = (uint32_t)m.nbinds;
   module_free(&m);
   return 0;
}
