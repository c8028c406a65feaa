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
#include "renderer/spirv/spirv_limits.h"

#include <errno.h>
#include <stdlib.h>

enum {
   OP_EXT_INST = 12, OP_ENTRY_POINT = 15, OP_FUNCTION = 54, OP_FUNCTION_PARAMETER = 55,
   OP_FUNCTION_END = 56, OP_FUNCTION_CALL = 57, OP_DECORATE = 71, OP_SAMPLED_IMAGE = 86,
   OP_SELECT = 169, OP_PHI = 245,
};
/* Largest id bound tracked for sampling (spirv-val's default limit). */
#define MAX_TRACKED_BOUND (1u << 22)
enum { DEC_BINDING = 33, DEC_DESCRIPTOR_SET = 34 };

struct pair {
   uint32_t key, value;
};

/* A function's parameter slot and a value in it. */
struct slot {
   uint32_t fn, index, id;
};

static int
cmp_slot(const void *a, const void *b)
{
   const struct slot *x = a, *y = b;
   if (x->fn != y->fn)
      return x->fn < y->fn ? -1 : 1;
   return x->index < y->index ? -1 : x->index > y->index;
}

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
   struct pair *flows;         /* value → value it may come from (sampling) */
   struct pair *samples;       /* function → image sampled without Dref */
   struct slot *params;        /* function, index → its parameter's id */
   struct slot *args;          /* callee, index → an argument passed there */
   size_t nsets, nbinds, nentries, ncalls, nuses, nfuncs, nflows, nsamples, nparams, nargs;
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
   free(m->flows);
   free(m->samples);
   free(m->params);
   free(m->args);
}

/* Each instruction holds at least one word per pair it adds, so nwords
 * bounds every list. */
static int
module_alloc(struct module *m, size_t nwords)
{
   struct pair **lists[] = { &m->sets, &m->binds, &m->entries, &m->calls, &m->uses, &m->funcs,
                             &m->samples };
   for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
      if (!(*lists[i] = calloc(nwords + 1, sizeof(struct pair))))
         return -ENOMEM;
   /* flows: those of instructions, then one per argument passed */
   m->flows = calloc(2 * nwords + 1, sizeof(struct pair));
   m->params = calloc(nwords + 1, sizeof(struct slot));
   m->args = calloc(nwords + 1, sizeof(struct slot));
   return m->flows && m->params && m->args ? 0 : -ENOMEM;
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

/* Sampling without a depth reference: OpImageSample{Implicit,Explicit}Lod,
 * their Proj forms, OpImageGather and the sparse forms of these.  A
 * sampler that compares must be read only by the Dref forms: llvmpipe
 * crashed compiling a plain sample through one (fuzz/findings/README.md). */
static bool
samples_plainly(uint32_t op)
{
   return op == 87 || op == 88 || op == 91 || op == 92 || op == 96 || op == 305 || op == 306 ||
          op == 309 || op == 310 || op == 314;
}

static void
add_flow(struct module *m, size_t cap, uint32_t to, uint32_t from)
{
   if (m->nflows < cap)
      m->flows[m->nflows++] = (struct pair){ to, from };
}

/* Where an opaque image or sampler value inside function `fn` may come
 * from: loads, access chains, copies, OpSampledImage's sampler, selects,
 * phis, and (joined later) call arguments into parameters. */
static void
note_flows(struct module *m, size_t cap, uint32_t fn, const uint32_t *in, uint32_t len,
           uint32_t *param)
{
   uint32_t op = in[0] & 0xffff;
   switch (op) {
   case 61: case 65: case 66: case 67: case 70: case 83: case 400:
      if (len >= 4)
         add_flow(m, cap, in[2], in[3]);
      break;
   case OP_SAMPLED_IMAGE:
      if (len >= 5)
         add_flow(m, cap, in[2], in[4]);
      break;
   case OP_SELECT:
      if (len >= 6)
         add_flow(m, cap, in[2], in[4]), add_flow(m, cap, in[2], in[5]);
      break;
   case OP_PHI:
      for (uint32_t w = 3; w < len; w += 2)
         add_flow(m, cap, in[2], in[w]);
      break;
   case OP_FUNCTION_PARAMETER:
      if (len >= 3)
         m->params[m->nparams++] = (struct slot){ fn, (*param)++, in[2] };
      break;
   case OP_FUNCTION_CALL:
      for (uint32_t w = 4; w < len; w++)
         m->args[m->nargs++] = (struct slot){ in[3], w - 4, in[w] };
      break;
   default:
      if (samples_plainly(op) && len >= 5)
         m->samples[m->nsamples++] = (struct pair){ fn, in[3] };
      break;
   }
}

/* Arguments flow into the parameters of their slot. */
static void
join_calls(struct module *m, size_t cap)
{
   qsort(m->params, m->nparams, sizeof(struct slot), cmp_slot);
   qsort(m->args, m->nargs, sizeof(struct slot), cmp_slot);
   for (size_t p = 0, a = 0; p < m->nparams && a < m->nargs;) {
      int c = cmp_slot(&m->params[p], &m->args[a]);
      if (c < 0)
         p++;
      else if (c > 0)
         a++;
      else
         add_flow(m, cap, m->params[p].id, m->args[a++].id);
   }
   qsort(m->flows, m->nflows, sizeof(struct pair), cmp_pair);
}

/* Function bodies: which resource variables each names, which functions
 * it calls, and how sampled values flow. */
static void
walk_functions(struct module *m, const uint32_t *code, size_t nwords)
{
   uint32_t fn = 0, param = 0;
   bool in_fn = false;
   size_t cap = 2 * nwords;
   for (size_t at = 5; at < nwords;) {
      uint32_t len = code[at] >> 16, op = code[at] & 0xffff, first, last, step;
      if (len == 0 || len > nwords - at)
         break;
      if (in_fn)
         note_flows(m, cap, fn, code + at, len, &param);
      if (op == OP_FUNCTION && len >= 3) {
         fn = code[at + 2], in_fn = true, param = 0;
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
   join_calls(m, cap);
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

/* Grow mask[id] by `bits`; queue it when it grew and is not queued. */
static void
spread(uint32_t *mask, uint8_t *queued, uint32_t *stack, size_t *top, uint32_t id,
       uint32_t bits)
{
   if ((mask[id] | bits) == mask[id])
      return;
   mask[id] |= bits;
   if (!queued[id])
      queued[id] = 1, stack[(*top)++] = id;
}

/* mask[id]: the stages whose entry points sample plainly a value coming
 * from id.  Walks back from each plain sample along the flows; a mask
 * only grows, so each id is queued at most once per stage bit.  Ids at or
 * past `bound` are not tracked (spirv-val keeps ids below it). */
static uint32_t *
plain_sampling(const struct module *m, uint32_t bound)
{
   uint32_t *mask = calloc(bound + 1, sizeof(*mask));
   uint32_t *stack = calloc(bound + 1, sizeof(*stack));
   uint8_t *queued = calloc(bound + 1, 1);
   size_t top = 0;
   if (!mask || !stack || !queued) {
      free(mask), free(stack), free(queued);
      return NULL;
   }
   for (size_t i = 0; i < m->nsamples; i++) {
      long f = find(m->funcs, m->nfuncs, m->samples[i].key);
      if (f >= 0 && m->samples[i].value < bound)
         spread(mask, queued, stack, &top, m->samples[i].value, m->funcs[f].value);
   }
   while (top) {
      uint32_t id = stack[--top];
      queued[id] = 0;
      for (long e = find(m->flows, m->nflows, id);
           e >= 0 && (size_t)e < m->nflows && m->flows[e].key == id; e++)
         if (m->flows[e].value < bound)
            spread(mask, queued, stack, &top, m->flows[e].value, mask[id]);
   }
   free(stack);
   free(queued);
   return mask;
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
   uint32_t bound = nwords > 3 && code[3] <= MAX_TRACKED_BOUND ? code[3] : 0;
   uint32_t *plain = plain_sampling(&m, bound);
   if (!plain) {
      free(r);
      module_free(&m);
      return -ENOMEM;
   }
   for (size_t i = 0; i < m.nbinds; i++) {
      uint32_t var = m.binds[i].key;
      r[i] = (struct pv_spirv_resource){ set_of(&m, var), m.binds[i].value,
                                         stages_using(&m, var),
                                         var < bound ? plain[var] : 0 };
   }
   free(plain);
   *out = r;
   *count = (uint32_t)m.nbinds;
   module_free(&m);
   return 0;
}
