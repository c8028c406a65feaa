/*
 * spirv_limits.c — the device limits a guest's SPIR-V must keep that a
 * validator cannot know: interface locations, clip/cull distance array
 * sizes, and literal workgroup sizes.
 *
 * Driver compilers index fixed arrays with these numbers.  Lavapipe wrote
 * past a stack array for a fragment input at Location 4097 (a fuzzer's
 * input, fuzz/corpus/vtest/regress-location-4097), which spirv-val accepts
 * because the limit is the device's.  The module has already passed
 * spirv-val (shader.c), so instructions are well formed and every id is
 * below the bound; this pass only measures.
 *
 * What is checked, against the physical device's limits:
 *  - an Input/Output variable listed by an entry point: Location plus the
 *    locations its type consumes must fit that stage's limit (the outer
 *    array of tessellation, geometry and mesh I/O is per-vertex and does
 *    not count);
 *  - any other Location on an Input/Output variable or on a block member:
 *    the largest interface limit of any stage;
 *  - Component < 4, Index ≤ 1;
 *  - ClipDistance/CullDistance arrays within maxClip/CullDistances;
 *  - LocalSize literals within maxComputeWorkGroupSize/Invocations.
 * Not checked: sizes that specialization constants set at pipeline
 * creation (an I/O array sized by one is refused, since it cannot be
 * measured here), and workgroup shared-memory size.
 */
#include "renderer/spirv/spirv_limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
   OP_ENTRY_POINT = 15, OP_EXECUTION_MODE = 16,
   OP_TYPE_BOOL = 20, OP_TYPE_INT = 21, OP_TYPE_FLOAT = 22, OP_TYPE_VECTOR = 23,
   OP_TYPE_MATRIX = 24, OP_TYPE_ARRAY = 28, OP_TYPE_STRUCT = 30, OP_TYPE_POINTER = 32,
   OP_CONSTANT = 43, OP_VARIABLE = 59, OP_DECORATE = 71, OP_MEMBER_DECORATE = 72,
};
enum { DEC_PATCH = 15, DEC_BUILTIN = 11, DEC_LOCATION = 30, DEC_COMPONENT = 31, DEC_INDEX = 32 };
enum { BUILTIN_CLIP = 3, BUILTIN_CULL = 4 };
enum { SC_INPUT = 1, SC_OUTPUT = 3 };
enum { MODE_LOCAL_SIZE = 17 };
enum { MODEL_VERTEX, MODEL_TESS_CTRL, MODEL_TESS_EVAL, MODEL_GEOMETRY, MODEL_FRAGMENT };
#define MODEL_MESH_NV 5267u
#define MODEL_MESH_EXT 5365u

/* Per id: where it is defined, its measure (locations for a type, value
 * for a constant), and its Location decoration. */
#define UNKNOWN UINT32_MAX /* an unmeasurable size (a spec constant) */
struct id_info {
   uint32_t def;      /* word offset of the defining instruction, 0: none */
   uint32_t measure;  /* saturating */
   uint32_t location; /* if located */
   uint8_t located;
   uint8_t wide;      /* 64-bit scalar type */
   uint8_t builtin;   /* ClipDistance/CullDistance on the variable */
   uint8_t patch;     /* a per-patch variable: not arrayed */
   uint8_t checked;   /* an interface variable, checked for its stage */
   uint32_t model;    /* entry point functions: execution model + 1 */
};

struct scan {
   const uint32_t *w;
   size_t nwords;
   struct id_info *id;
   uint32_t bound;
   const VkPhysicalDeviceLimits *limits;
   char *why;
   size_t why_size;
};

static uint32_t
sat_add(uint32_t a, uint32_t b)
{
   return a > UINT32_MAX - b ? UNKNOWN : a + b;
}

static uint32_t
sat_mul(uint32_t a, uint32_t b)
{
   if (a == UNKNOWN || b == UNKNOWN)
      return UNKNOWN;
   return b && a > (UINT32_MAX - 1) / b ? UNKNOWN : a * b;
}

static bool
fail(struct scan *s, const char *fmt, uint32_t a, uint32_t b, uint32_t c)
{
   snprintf(s->why, s->why_size, fmt, a, b, c);
   return false;
}

static uint32_t
opcode_of(const struct scan *s, uint32_t id)
{
   uint32_t at = id < s->bound ? s->id[id].def : 0;
   return at ? s->w[at] & 0xffff : 0;
}

/* Locations a type consumes (Vulkan "Location Assignment"), measured as
 * types are declared; types precede their uses, so no recursion. */
static void
measure_type(struct scan *s, const uint32_t *in, uint32_t op)
{
   struct id_info *r = &s->id[in[1]];
   if (op == OP_TYPE_BOOL) {
      r->measure = 1;
   } else if (op == OP_TYPE_INT || op == OP_TYPE_FLOAT) {
      r->measure = 1;
      r->wide = in[2] == 64;
   } else if (op == OP_TYPE_VECTOR) {
      r->measure = s->id[in[2]].wide && in[3] > 2 ? 2 : 1;
   } else if (op == OP_TYPE_MATRIX) {
      r->measure = sat_mul(s->id[in[2]].measure, in[3]);
   } else if (op == OP_TYPE_ARRAY) {
      uint32_t n = opcode_of(s, in[3]) == OP_CONSTANT ? s->id[in[3]].measure : UNKNOWN;
      r->measure = sat_mul(s->id[in[2]].measure, n);
   } else if (op == OP_TYPE_POINTER) {
      r->measure = s->id[in[3]].measure;
   }
}

static void
measure_struct(struct scan *s, const uint32_t *in, uint32_t len)
{
   uint32_t sum = 0;
   for (uint32_t i = 2; i < len; i++)
      sum = sat_add(sum, s->id[in[i]].measure);
   s->id[in[1]].measure = sum;
}

/* The ids an instruction the first pass reads refers to are below the
 * bound (spirv-val ensures it; a build without SPIRV-Tools does not). */
static bool
ids_below_bound(const struct scan *s, const uint32_t *in, uint32_t len, uint32_t op)
{
   uint32_t first = 1, last = 1;
   if (op == OP_TYPE_STRUCT)
      last = len - 1;
   else if (op == OP_TYPE_VECTOR || op == OP_TYPE_MATRIX)
      last = 2;
   else if (op == OP_TYPE_ARRAY)
      last = 3;
   else if (op == OP_TYPE_POINTER) /* in[2] is a storage class */
      return in[1] < s->bound && in[3] < s->bound;
   else if (op == OP_CONSTANT || op == OP_VARIABLE)
      last = 2;
   for (uint32_t i = first; i <= last && i < len; i++)
      if (in[i] >= s->bound)
         return false;
   return true;
}

static uint32_t
min_length(uint32_t op)
{
   switch (op) {
   case OP_TYPE_VECTOR: case OP_TYPE_MATRIX: case OP_TYPE_ARRAY: case OP_TYPE_POINTER:
   case OP_CONSTANT: case OP_VARIABLE:
      return 4;
   case OP_TYPE_INT: case OP_TYPE_FLOAT: case OP_DECORATE:
      return 3;
   default:
      return 2;
   }
}

static void
record_decoration(struct scan *s, const uint32_t *in, uint32_t len)
{
   struct id_info *t = &s->id[in[1]];
   if (in[2] == DEC_PATCH)
      t->patch = 1;
   if (len < 4)
      return;
   if (in[2] == DEC_LOCATION) {
      t->location = in[3];
      t->located = 1;
   }
   if (in[2] == DEC_BUILTIN && (in[3] == BUILTIN_CLIP || in[3] == BUILTIN_CULL))
      t->builtin = (uint8_t)in[3];
}

/* The first pass: record definitions, measures and decorations. */
static bool
record(struct scan *s)
{
   for (size_t at = 5; at < s->nwords;) {
      const uint32_t *in = s->w + at;
      uint32_t len = in[0] >> 16, op = in[0] & 0xffff;
      if (len == 0 || len > s->nwords - at)
         return fail(s, "the instruction at word %u is malformed", (uint32_t)at, 0, 0);
      bool read = (op >= OP_TYPE_BOOL && op <= OP_TYPE_POINTER) || op == OP_CONSTANT ||
                  op == OP_VARIABLE || op == OP_DECORATE;
      if (read && len >= min_length(op)) {
         if (!ids_below_bound(s, in, len, op))
            return fail(s, "the instruction at word %u names an id beyond the bound %u",
                        (uint32_t)at, s->bound, 0);
         if (op == OP_DECORATE) {
            record_decoration(s, in, len);
         } else if (op == OP_CONSTANT || op == OP_VARIABLE) {
            s->id[in[2]].def = (uint32_t)at;
            /* A constant with a nonzero high word is beyond any limit. */
            if (op == OP_CONSTANT)
               s->id[in[2]].measure = len > 4 && in[4] ? UNKNOWN : in[3];
         } else {
            s->id[in[1]].def = (uint32_t)at;
            if (op == OP_TYPE_STRUCT)
               measure_struct(s, in, len);
            else
               measure_type(s, in, op);
         }
      }
      at += len;
   }
   return true;
}

/* Interface locations a stage may use for its inputs or outputs. */
static uint32_t
stage_limit(const VkPhysicalDeviceLimits *l, uint32_t model, bool output)
{
   switch (model) {
   case MODEL_VERTEX:
      return output ? l->maxVertexOutputComponents / 4 : l->maxVertexInputAttributes;
   case MODEL_TESS_CTRL:
      return output ? l->maxTessellationControlPerVertexOutputComponents / 4
                    : l->maxTessellationControlPerVertexInputComponents / 4;
   case MODEL_TESS_EVAL:
      return output ? l->maxTessellationEvaluationOutputComponents / 4
                    : l->maxTessellationEvaluationInputComponents / 4;
   case MODEL_GEOMETRY:
      return output ? l->maxGeometryOutputComponents / 4 : l->maxGeometryInputComponents / 4;
   case MODEL_FRAGMENT:
      return output ? l->maxFragmentOutputAttachments : l->maxFragmentInputComponents / 4;
   default:
      return 0;
   }
}

/* The largest limit of any stage: for locations whose stage is unknown. */
static uint32_t
any_stage_limit(const VkPhysicalDeviceLimits *l)
{
   uint32_t max = l->maxTessellationControlPerPatchOutputComponents / 4;
   for (uint32_t m = MODEL_VERTEX; m <= MODEL_FRAGMENT; m++)
      for (int o = 0; o < 2; o++)
         if (stage_limit(l, m, o) > max)
            max = stage_limit(l, m, o);
   return max;
}

/* Per-vertex I/O of these stages is an array whose outer level does not
 * consume locations. */
static bool
arrayed(uint32_t model, bool output)
{
   return model == MODEL_TESS_CTRL || (!output && model == MODEL_TESS_EVAL) ||
          (!output && model == MODEL_GEOMETRY) ||
          (output && (model == MODEL_MESH_NV || model == MODEL_MESH_EXT));
}

/* The type a variable of `var` holds, past the per-vertex array if any. */
static uint32_t
held_type(const struct scan *s, uint32_t var, bool strip)
{
   uint32_t ptr = s->w[s->id[var].def + 1];
   uint32_t type = opcode_of(s, ptr) == OP_TYPE_POINTER ? s->w[s->id[ptr].def + 3] : 0;
   if (strip && !s->id[var].patch && opcode_of(s, type) == OP_TYPE_ARRAY)
      type = s->w[s->id[type].def + 2];
   return type < s->bound ? type : 0;
}

/* A ClipDistance/CullDistance array of `type` within its limit. */
static bool
distances_fit(struct scan *s, uint32_t builtin, uint32_t type)
{
   if (opcode_of(s, type) != OP_TYPE_ARRAY)
      return true;
   uint32_t n = s->id[type].measure, max = builtin == BUILTIN_CLIP ? s->limits->maxClipDistances
                                                                  : s->limits->maxCullDistances;
   return n <= max || fail(s, "a BuiltIn %u (Clip/CullDistance) array of %u elements exceeds "
                           "the device's %u", builtin, n, max);
}

/* Location plus size of an I/O variable within `limit`. */
static bool
variable_fits(struct scan *s, uint32_t var, uint32_t limit, bool strip)
{
   struct id_info *v = &s->id[var];
   uint32_t type = held_type(s, var, strip);
   if (v->builtin && !distances_fit(s, v->builtin, type))
      return false;
   if (!v->located)
      return true;
   uint32_t n = s->id[type].measure;
   if (n == UNKNOWN)
      return fail(s, "the variable %%%u at Location %u has a size set by specialization "
                     "or beyond any limit", var, v->location, 0);
   if (v->location > limit || n > limit - v->location)
      return fail(s, "the variable %%%u at Location %u takes locations beyond the stage's %u",
                  var, v->location, limit);
   return true;
}

static bool
is_io_variable(const struct scan *s, uint32_t id, bool *output)
{
   if (opcode_of(s, id) != OP_VARIABLE)
      return false;
   uint32_t sc = s->w[s->id[id].def + 3];
   *output = sc == SC_OUTPUT;
   return sc == SC_INPUT || sc == SC_OUTPUT;
}

/* OpEntryPoint: its interface variables against its stage's limits. */
static bool
check_entry_point(struct scan *s, const uint32_t *in, uint32_t len)
{
   uint32_t model = in[1], i = 3;
   if (in[2] < s->bound)
      s->id[in[2]].model = model + 1;
   while (i < len && (in[i] & 0xff000000u) && (in[i] & 0xff0000u) && (in[i] & 0xff00u) &&
          (in[i] & 0xffu))
      i++; /* the name: up to and including the word with its terminator */
   for (i++; i < len; i++) {
      bool output;
      if (in[i] >= s->bound || !is_io_variable(s, in[i], &output))
         continue;
      uint32_t limit = stage_limit(s->limits, model, output);
      if (s->id[in[i]].patch) /* per-patch variables have their own locations */
         limit = s->limits->maxTessellationControlPerPatchOutputComponents / 4;
      if (!limit)
         limit = any_stage_limit(s->limits);
      if (!variable_fits(s, in[i], limit, arrayed(model, output)))
         return false;
      s->id[in[i]].checked = 1;
   }
   return true;
}

static bool
check_local_size(struct scan *s, const uint32_t *in, uint32_t len)
{
   if (len < 6 || in[2] != MODE_LOCAL_SIZE || in[1] >= s->bound ||
       s->id[in[1]].model != 5 + 1 /* GLCompute */)
      return true;
   const VkPhysicalDeviceLimits *l = s->limits;
   uint64_t all = (uint64_t)in[3] * in[4] * in[5];
   if (in[3] > l->maxComputeWorkGroupSize[0] || in[4] > l->maxComputeWorkGroupSize[1] ||
       in[5] > l->maxComputeWorkGroupSize[2] || all > l->maxComputeWorkGroupInvocations)
      return fail(s, "LocalSize %u×%u×%u exceeds the device's workgroup limits", in[3], in[4],
                  in[5]);
   return true;
}

/* Decoration literals that index small fixed arrays in every driver. */
static bool
check_literals(struct scan *s, uint32_t decoration, uint32_t value)
{
   if (decoration == DEC_COMPONENT && value > 3)
      return fail(s, "Component %u is not below 4", value, 0, 0);
   if (decoration == DEC_INDEX && value > 1)
      return fail(s, "Index %u is not 0 or 1", value, 0, 0);
   return true;
}

/* OpMemberDecorate: a block member's Location or distance array. */
static bool
check_member(struct scan *s, const uint32_t *in, uint32_t len)
{
   if (len < 5) /* a decoration without a literal */
      return true;
   if (!check_literals(s, in[3], in[4]))
      return false;
   if (in[3] != DEC_LOCATION && in[3] != DEC_BUILTIN)
      return true;
   uint32_t at = in[1] < s->bound ? s->id[in[1]].def : 0;
   if (!at || (s->w[at] & 0xffff) != OP_TYPE_STRUCT || 2 + in[2] >= (s->w[at] >> 16))
      return true;
   uint32_t type = s->w[at + 2 + in[2]];
   if (in[3] == DEC_BUILTIN)
      return (in[4] != BUILTIN_CLIP && in[4] != BUILTIN_CULL) || distances_fit(s, in[4], type);
   uint32_t limit = any_stage_limit(s->limits), n = s->id[type].measure;
   if (in[4] > limit || n > limit - in[4])
      return fail(s, "a block member at Location %u takes locations beyond %u", in[4], limit, 0);
   return true;
}

/* The second pass, over what the first recorded. */
static bool
check(struct scan *s, bool any_arrayed)
{
   for (size_t at = 5; at < s->nwords;) {
      const uint32_t *in = s->w + at;
      uint32_t len = in[0] >> 16, op = in[0] & 0xffff;
      bool ok = true;
      if (op == OP_ENTRY_POINT && len >= 4)
         ok = check_entry_point(s, in, len);
      else if (op == OP_EXECUTION_MODE)
         ok = check_local_size(s, in, len);
      else if (op == OP_MEMBER_DECORATE)
         ok = check_member(s, in, len);
      else if (op == OP_DECORATE && len >= 4)
         ok = check_literals(s, in[2], in[3]);
      if (!ok)
         return false;
      at += len;
   }
   /* Located I/O variables no entry point lists. */
   for (uint32_t id = 1; id < s->bound; id++) {
      bool output;
      if (!s->id[id].checked && is_io_variable(s, id, &output) &&
          !variable_fits(s, id, any_stage_limit(s->limits), any_arrayed))
         return false;
   }
   return true;
}

static bool
module_has_arrayed_stage(const uint32_t *w, size_t nwords)
{
   for (size_t at = 5; at < nwords && (w[at] >> 16);) {
      if ((w[at] & 0xffff) == OP_ENTRY_POINT && (w[at] >> 16) >= 2 &&
          (arrayed(w[at + 1], false) || arrayed(w[at + 1], true)))
         return true;
      at += w[at] >> 16;
   }
   return false;
}

bool
pv_spirv_within_limits(const uint32_t *code, size_t bytes, const VkPhysicalDeviceLimits *limits,
                       char *why, size_t why_size)
{
   struct scan s = { .w = code, .nwords = bytes / 4, .limits = limits,
                     .why = why, .why_size = why_size };
   if (s.nwords < 5)
      return fail(&s, "the module is %u bytes, shorter than its header", (uint32_t)bytes, 0, 0);
   s.bound = code[3];
   s.id = calloc(s.bound ? s.bound : 1, sizeof(*s.id));
   if (!s.id)
      return fail(&s, "no memory for an id bound of %u", s.bound, 0, 0);
   bool ok = record(&s) && check(&s, module_has_arrayed_stage(code, s.nwords));
   free(s.id);
   return ok;
}
