/*
 * pv_cs_exec.c — decodes and encodes any protocol struct or command from the
 * generated member tables (pv_cs_desc.h).
 *
 * Wire rules (docs/PROTOCOL.md §4.2): scalars 4 or 8 bytes, size_t 8, simple
 * pointers as u64 0/1 + pointee, arrays as u64 array_size (0 = NULL) +
 * elements, strings as u64 strlen+1 + padded bytes, pNext chains as
 * (1, sType)* 0 followed by the chained structs' members innermost first.
 * "Partial" encodings describe output parameters: only sTypes, pNext
 * sTypes, counts and handles are sent (§4.2 output parameters).
 */
#include "cs/pv_cs_desc.h"
#include "cs/pv_cs_engine.h"
#include "cs/pv_cs_fast.h"

#include <string.h>

/* Longest pNext chain we follow; the chain's structs are kept in a local
 * array because their members come innermost first on the wire. */
#define PV_CS_MAX_CHAIN 256

struct pv_cs_chain_node {
   VkStructureType sType;
   struct pv_cs_chain_node *pNext;
};

/* ---------------------------------------------------------------- helpers */

static uint64_t
load_uint(const void *p, unsigned size)
{
   switch (size) {
   case 1: { uint8_t v; memcpy(&v, p, 1); return v; }
   case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
   case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
   default: { uint64_t v; memcpy(&v, p, 8); return v; }
   }
}

static void *
load_ptr(const void *p)
{
   void *v;
   memcpy(&v, p, sizeof(v));
   return v;
}

static void
store_ptr(void *p, const void *v)
{
   memcpy(p, &v, sizeof(v));
}

/* Handles: pointer-sized in memory when dispatchable, uint64_t (or a
 * pointer on 64-bit hosts) otherwise; elem_size says which. */
static uint64_t
load_handle(const void *p, unsigned size)
{
   if (size == sizeof(void *))
      return (uint64_t)(uintptr_t)load_ptr(p);
   return load_uint(p, 8);
}

static bool
is_scalar(uint8_t kind)
{
   return kind <= PV_CS_K_SIZE;
}

/* Value of a count member (scalar, or the scalar behind a count pointer). */
static uint64_t
member_uint(const struct pv_cs_member *m, const uint8_t *base)
{
   return load_uint(base + m->offset, m->elem_size);
}

/* Element count of an array member from its len rule; false on overflow. */
static bool
eval_len(const struct pv_cs_member *m, const struct pv_cs_member *sib,
         const uint8_t *base, uint64_t *out)
{
   const struct pv_cs_member *src = &sib[m->len_member];
   uint64_t v;
   switch (m->len_kind) {
   case PV_CS_L_CONST:
      *out = m->len_const;
      return true;
   case PV_CS_L_MEMBER:
      v = member_uint(src, base);
      if (v > UINT64_MAX - m->len_add)
         return false;
      *out = (v + m->len_add) / (m->len_div ? m->len_div : 1);
      return true;
   case PV_CS_L_MEMBER_PTR: {
      const uint8_t *p = load_ptr(base + src->offset);
      *out = p ? load_uint(p, src->elem_size) : 0;
      return true;
   }
   case PV_CS_L_PARAM_MEMBER: {
      const uint8_t *p = load_ptr(base + src->offset);
      *out = p ? load_uint(p + m->len_off, m->len_size) : 0;
      return true;
   }
   default:
      *out = 0;
      return true;
   }
}

/* Inner count of entry i of a two-level array (ARRAY2). */
static bool
eval_inner_len(const struct pv_cs_member *m, const struct pv_cs_member *sib, const uint8_t *base,
               uint64_t i, uint64_t *out)
{
   if (!m->aux2) {
      *out = m->aux;
      return true;
   }
   const struct pv_cs_member *src = &sib[m->aux2 - 1];
   const uint8_t *arr = load_ptr(base + src->offset);
   uint64_t n;
   if (!arr || !eval_len(src, sib, base, &n) || i >= n)
      return false;
   *out = load_uint(arr + i * src->elem_size + m->aux, 4);
   return true;
}

/* Whether the guest encodes member m (docs/PROTOCOL.md §6 ignorable members). */
static bool
cond_holds(const struct pv_cs_member *m, const struct pv_cs_member *sib, const uint8_t *base)
{
   if (m->cond == PV_CS_C_NONE)
      return true;
   uint64_t v = member_uint(&sib[m->cond_member], base);
   if (m->cond == PV_CS_C_EQ)
      return v == m->cond_value;
   return !(v & m->cond_value);
}

/* Whether a NULL in member m is a decode error: vk.xml requires the
 * pointer/handle (PV_CS_F_REQUIRED), the member is sent in this position
 * (its encode_if condition holds) and, for REQ_IF, the selecting sibling
 * names a use of it (VkWriteDescriptorSet::pImageInfo for image types). */
static bool
null_forbidden(const struct pv_cs_decoder *d, const struct pv_cs_member *m,
               const struct pv_cs_member *sib, const uint8_t *base)
{
   if (!(m->flags & PV_CS_F_REQUIRED) || d->lenient)
      return false;
   if (!sib)
      return true;
   if (m->cond != PV_CS_C_NONE && !cond_holds(m, sib, base))
      return false;
   if (m->flags & PV_CS_F_REQ_IF) {
      uint64_t v = member_uint(&sib[m->req_member], base);
      return v < 32 && ((m->req_mask >> v) & 1u);
   }
   return true;
}

bool
pv_cs_enum_valid(uint16_t enum_index, int32_t value)
{
   if (!enum_index || enum_index > pv_cs_enum_count)
      return true;
   const struct pv_cs_enum *e = &pv_cs_enums[enum_index - 1];
   const int32_t *v = &pv_cs_enum_values[e->first];
   size_t lo = 0, hi = e->count;
   while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (v[mid] == value)
         return true;
      if (v[mid] < value)
         lo = mid + 1;
      else
         hi = mid;
   }
   return false;
}

static const struct pv_cs_struct *
find_ext(const struct pv_cs_struct *root, int32_t stype)
{
   for (unsigned i = 0; i < root->ext_count; i++) {
      const struct pv_cs_struct *s = &pv_cs_structs[pv_cs_pnext[root->ext_first + i]];
      if (s->stype == stype)
         return s;
   }
   return NULL;
}

const struct pv_cs_command_info *
pv_cs_command_info(uint32_t id)
{
   if (id >= pv_cs_command_id_count || !pv_cs_command_index[id])
      return NULL;
   return &pv_cs_commands[pv_cs_command_index[id] - 1];
}

uint32_t
pv_cs_extension_spec_version(const char *name)
{
   size_t lo = 0, hi = pv_cs_extension_count;
   while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      int c = strcmp(name, pv_cs_extensions[mid].name);
      if (!c)
         return pv_cs_extensions[mid].spec_version;
      if (c < 0)
         hi = mid;
      else
         lo = mid + 1;
   }
   return 0;
}

/* ---------------------------------------------------------------- decode */

static bool dec_struct(struct pv_cs_decoder *d, const struct pv_cs_struct *s,
                       uint8_t *mem, bool partial, unsigned depth);
static bool dec_member(struct pv_cs_decoder *d, const struct pv_cs_member *m,
                       const struct pv_cs_member *sib, uint8_t *base,
                       bool partial, unsigned depth, const char *owner);

static bool
dec_xlate(struct pv_cs_decoder *d, const struct pv_cs_member *m, uint64_t id,
          uint64_t *handle, struct pv_object **obj, const char *owner)
{
   *handle = 0;
   if (obj)
      *obj = NULL;
   if (!id)
      return true; /* the caller decides whether VK_NULL_HANDLE is allowed */
   if (d->raw_handles) {
      *handle = id;
      return true;
   }
   struct pv_object *o = d->lookup ? d->lookup(d->user, id, (VkObjectType)m->type) : NULL;
   if (!o)
      return pv_cs_decoder_fail(d, "%s.%s: unknown object id %llu or wrong type %u",
                                owner, m->name, (unsigned long long)id, m->type);
   *handle = o->handle;
   if (obj)
      *obj = o;
   return true;
}

static bool
dec_union(struct pv_cs_decoder *d, const struct pv_cs_member *m, const struct pv_cs_member *sib,
          const uint8_t *base, uint8_t *p, unsigned depth, const char *owner)
{
   const struct pv_cs_struct *u = &pv_cs_structs[m->type];
   const struct pv_cs_member *um = &pv_cs_members[u->first];
   uint32_t tag;
   unsigned j;
   if (!pv_cs_read_u32(d, &tag))
      return false;
   if (m->flags & PV_CS_F_SELECTOR) {
      if (tag != member_uint(&sib[m->len_member], base))
         return pv_cs_decoder_fail(d, "%s.%s: union tag %u does not match its selector",
                                   owner, m->name, tag);
      for (j = 0; j < u->count && um[j].aux != tag; j++)
         ;
   } else {
      j = tag;
   }
   if (j >= u->count || um[j].kind == PV_CS_K_INVALID)
      return pv_cs_decoder_fail(d, "%s.%s: bad union tag %u", owner, m->name, tag);
   return dec_member(d, &um[j], um, p, false, depth + 1, u->name);
}

static bool
dec_elem(struct pv_cs_decoder *d, const struct pv_cs_member *m, const struct pv_cs_member *sib,
         const uint8_t *base, uint8_t *p, bool partial, unsigned depth, const char *owner)
{
   uint32_t v32;
   uint64_t v64;
   switch (m->kind) {
   case PV_CS_K_U8:
   case PV_CS_K_U16:
   case PV_CS_K_U32:
      if (!pv_cs_read_u32(d, &v32))
         return false;
      if (m->enum_index && !d->lenient && !pv_cs_enum_valid(m->enum_index, (int32_t)v32))
         return pv_cs_decoder_fail(d, "%s.%s: %d is not a %s value", owner, m->name,
                                   (int32_t)v32, pv_cs_enums[m->enum_index - 1].name);
      pv_cs_store_uint(p, m->elem_size, v32);
      return true;
   case PV_CS_K_U64:
      if (!pv_cs_read_u64(d, &v64))
         return false;
      pv_cs_store_uint(p, 8, v64);
      return true;
   case PV_CS_K_SIZE:
      if (!pv_cs_read_u64(d, &v64))
         return false;
      if (v64 > SIZE_MAX)
         return pv_cs_decoder_fail(d, "%s.%s: size_t out of range", owner, m->name);
      pv_cs_store_uint(p, sizeof(size_t), v64);
      return true;
   case PV_CS_K_HANDLE: {
      uint64_t h;
      if (!pv_cs_read_u64(d, &v64))
         return false;
      if (partial) /* placeholder of an output handle: the host fills it */
         return true;
      if (!v64 && ((m->shape == PV_CS_S_VALUE && null_forbidden(d, m, sib, base)) ||
                   (m->flags & PV_CS_F_ELEMS_REQUIRED)))
         return pv_cs_decoder_fail(d, "%s.%s: VK_NULL_HANDLE where a handle is required", owner,
                                   m->name);
      if (!dec_xlate(d, m, v64, &h, NULL, owner))
         return false;
      pv_cs_store_handle(p, m->elem_size, h);
      return true;
   }
   case PV_CS_K_STRUCT:
      return dec_struct(d, &pv_cs_structs[m->type], p, partial, depth + 1);
   case PV_CS_K_UNION:
      return dec_union(d, m, sib, base, p, depth, owner);
   default:
      return pv_cs_decoder_fail(d, "%s.%s: cannot be carried", owner, m->name);
   }
}

/* Reads an array_size and checks it against the member's len rule: equal
 * to the count, or 0 (NULL) where NULL is allowed or the count is 0. */
static bool
dec_array_size(struct pv_cs_decoder *d, const struct pv_cs_member *m,
               const struct pv_cs_member *sib, const uint8_t *base, uint64_t *n,
               const char *owner)
{
   uint64_t expected;
   if (!pv_cs_read_u64(d, n))
      return false;
   if (*n == 0 && !null_forbidden(d, m, sib, base))
      return true;
   if (!eval_len(m, sib, base, &expected))
      return pv_cs_decoder_fail(d, "%s.%s: count overflow", owner, m->name);
   if (*n == 0) {
      if (expected)
         return pv_cs_decoder_fail(d, "%s.%s: NULL array with count %llu", owner, m->name,
                                   (unsigned long long)expected);
      return true;
   }
   if (*n != expected)
      return pv_cs_decoder_fail(d, "%s.%s: array size %llu != count %llu", owner, m->name,
                                (unsigned long long)*n, (unsigned long long)expected);
   return true;
}

static bool
dec_string(struct pv_cs_decoder *d, char **out, const struct pv_cs_member *m, const char *owner)
{
   uint64_t n;
   *out = NULL;
   if (!pv_cs_read_u64(d, &n))
      return false;
   if (n == 0)
      return true;
   if (n > pv_cs_decoder_remaining(d))
      return pv_cs_decoder_fail(d, "%s.%s: string longer than the stream", owner, m->name);
   char *s = pv_cs_alloc(d, (size_t)n, 1);
   if (!s || !pv_cs_read_padded(d, s, (size_t)n))
      return false;
   if (!memchr(s, '\0', (size_t)n))
      return pv_cs_decoder_fail(d, "%s.%s: string not NUL-terminated", owner, m->name);
   *out = s;
   return true;
}

static bool
dec_fixed(struct pv_cs_decoder *d, const struct pv_cs_member *m, uint8_t *p, bool partial,
          unsigned depth, const char *owner)
{
   uint64_t n;
   if (partial && is_scalar(m->kind))
      return true;
   if (!pv_cs_read_u64(d, &n))
      return false;
   if (n != m->len_const)
      return pv_cs_decoder_fail(d, "%s.%s: array size %llu != %u", owner, m->name,
                                (unsigned long long)n, m->len_const);
   if (m->kind == PV_CS_K_U8)
      return pv_cs_read_padded(d, p, m->len_const);
   for (uint32_t i = 0; i < m->len_const; i++)
      if (!dec_elem(d, m, NULL, NULL, p + (size_t)i * m->elem_size, partial, depth, owner))
         return false;
   return true;
}

static bool
dec_ptr(struct pv_cs_decoder *d, const struct pv_cs_member *m, const struct pv_cs_member *sib,
        const uint8_t *base, uint8_t *slot, bool partial, unsigned depth, const char *owner)
{
   uint64_t marker;
   if (!pv_cs_read_u64(d, &marker))
      return false;
   store_ptr(slot, NULL);
   if (!marker) {
      if (null_forbidden(d, m, sib, base))
         return pv_cs_decoder_fail(d, "%s.%s: NULL where a pointer is required", owner, m->name);
      return true;
   }
   uint8_t *p = pv_cs_alloc(d, 1, m->elem_size);
   if (!p)
      return false;
   store_ptr(slot, p);
   /* partial: an output scalar is sent only when it is an in/out count */
   if (partial && is_scalar(m->kind) && !(m->flags & PV_CS_F_COUNT))
      return true;
   return dec_elem(d, m, NULL, NULL, p, partial, depth, owner);
}

static bool
dec_array(struct pv_cs_decoder *d, const struct pv_cs_member *m, const struct pv_cs_member *sib,
          uint8_t *base, bool partial, unsigned depth, const char *owner)
{
   uint8_t *slot = base + m->offset;
   uint64_t n;
   store_ptr(slot, NULL);
   if (!dec_array_size(d, m, sib, base, &n, owner) || n == 0)
      return !d->failed;
   /* every element takes at least one wire byte unless only the shape is sent */
   if (!partial && n > pv_cs_decoder_remaining(d))
      return pv_cs_decoder_fail(d, "%s.%s: array larger than the stream", owner, m->name);
   uint8_t *p = pv_cs_alloc(d, (size_t)n, m->elem_size);
   if (!p)
      return false;
   store_ptr(slot, p);
   if (m->kind == PV_CS_K_U8 || m->kind == PV_CS_K_BLOB)
      return partial ? true : pv_cs_read_padded(d, p, (size_t)n);
   if (partial && is_scalar(m->kind))
      return true;
   for (uint64_t i = 0; i < n; i++)
      if (!dec_elem(d, m, NULL, NULL, p + i * m->elem_size, partial, depth, owner))
         return false;
   return true;
}

static bool
dec_array2(struct pv_cs_decoder *d, const struct pv_cs_member *m, const struct pv_cs_member *sib,
           uint8_t *base, unsigned depth, const char *owner)
{
   uint64_t n, k, want;
   store_ptr(base + m->offset, NULL);
   if (!dec_array_size(d, m, sib, base, &n, owner) || n == 0)
      return !d->failed;
   if (n > pv_cs_decoder_remaining(d) / 8)
      return pv_cs_decoder_fail(d, "%s.%s: array larger than the stream", owner, m->name);
   uint8_t **outer = pv_cs_alloc(d, (size_t)n, sizeof(uint8_t *));
   if (!outer)
      return false;
   store_ptr(base + m->offset, outer);
   for (uint64_t i = 0; i < n; i++) {
      if (!pv_cs_read_u64(d, &k))
         return false;
      if (k == 0)
         continue;
      if (!eval_inner_len(m, sib, base, i, &want) || k != want)
         return pv_cs_decoder_fail(d, "%s.%s[%llu]: array size %llu does not match", owner,
                                   m->name, (unsigned long long)i, (unsigned long long)k);
      if (k > pv_cs_decoder_remaining(d))
         return pv_cs_decoder_fail(d, "%s.%s: array larger than the stream", owner, m->name);
      uint8_t *p = pv_cs_alloc(d, (size_t)k, m->elem_size);
      if (!p)
         return false;
      outer[i] = p;
      for (uint64_t j = 0; j < k; j++)
         if (!dec_elem(d, m, NULL, NULL, p + j * m->elem_size, false, depth, owner))
            return false;
   }
   return true;
}

static bool
dec_strings(struct pv_cs_decoder *d, const struct pv_cs_member *m, const struct pv_cs_member *sib,
            uint8_t *base, const char *owner)
{
   uint64_t n;
   store_ptr(base + m->offset, NULL);
   if (!dec_array_size(d, m, sib, base, &n, owner) || n == 0)
      return !d->failed;
   if (n > pv_cs_decoder_remaining(d))
      return pv_cs_decoder_fail(d, "%s.%s: array larger than the stream", owner, m->name);
   char **v = pv_cs_alloc(d, (size_t)n, sizeof(char *));
   if (!v)
      return false;
   store_ptr(base + m->offset, v);
   for (uint64_t i = 0; i < n; i++) {
      if (!dec_string(d, &v[i], m, owner))
         return false;
      if (!v[i])
         return pv_cs_decoder_fail(d, "%s.%s: NULL string in array", owner, m->name);
   }
   return true;
}

/* pNext: the (1, sType) pairs come first, then each struct's own members,
 * innermost first.  Only structs that extend `root` are accepted. */
static bool
dec_chain(struct pv_cs_decoder *d, const struct pv_cs_struct *root, uint8_t *slot,
          bool partial, unsigned depth)
{
   uint8_t *nodes[PV_CS_MAX_CHAIN];
   const struct pv_cs_struct *descs[PV_CS_MAX_CHAIN];
   unsigned n = 0;
   uint64_t marker;
   store_ptr(slot, NULL);
   for (;;) {
      uint32_t stype;
      if (!pv_cs_read_u64(d, &marker))
         return false;
      if (!marker)
         break;
      if (n == PV_CS_MAX_CHAIN)
         return pv_cs_decoder_fail(d, "%s.pNext: chain too long", root->name);
      if (!pv_cs_read_u32(d, &stype))
         return false;
      const struct pv_cs_struct *s = find_ext(root, (int32_t)stype);
      if (!s)
         return pv_cs_decoder_fail(d, "%s.pNext: unexpected sType %u", root->name, stype);
      uint8_t *node = pv_cs_alloc(d, 1, s->size);
      if (!node)
         return false;
      memcpy(node, &stype, sizeof(stype));
      store_ptr(slot, node);
      slot = node + offsetof(VkBaseOutStructure, pNext);
      nodes[n] = node;
      descs[n++] = s;
   }
   while (n--) {
      const struct pv_cs_struct *s = descs[n];
      const struct pv_cs_member *sib = &pv_cs_members[s->first];
      for (unsigned i = 0; i < s->count; i++) {
         if (sib[i].shape == PV_CS_S_STYPE || sib[i].shape == PV_CS_S_PNEXT)
            continue;
         if (!dec_member(d, &sib[i], sib, nodes[n], partial, depth + 1, s->name))
            return false;
      }
   }
   return true;
}

/* Every shape; kept out of line so that the plain values of dec_member()
 * do not pay for its frame. */
static __attribute__((noinline)) bool
dec_member_any(struct pv_cs_decoder *d, const struct pv_cs_member *m,
               const struct pv_cs_member *sib, uint8_t *base, bool partial, unsigned depth,
               const char *owner)
{
   uint8_t *p = base + m->offset;
   uint64_t v;
   if (depth > PV_CS_MAX_DEPTH)
      return pv_cs_decoder_fail(d, "%s.%s: nesting too deep", owner, m->name);
   switch (m->shape) {
   case PV_CS_S_VALUE:
      if (partial && ((is_scalar(m->kind) && !(m->flags & PV_CS_F_COUNT)) ||
                      m->kind == PV_CS_K_UNION))
         return true;
      return dec_elem(d, m, sib, base, p, partial, depth, owner);
   case PV_CS_S_FIXED:
      return dec_fixed(d, m, p, partial, depth, owner);
   case PV_CS_S_PTR:
      return dec_ptr(d, m, sib, base, p, partial, depth, owner);
   case PV_CS_S_ARRAY:
      return dec_array(d, m, sib, base, partial, depth, owner);
   case PV_CS_S_STRING: {
      char *s;
      if (!dec_string(d, &s, m, owner))
         return false;
      if (!s && null_forbidden(d, m, sib, base))
         return pv_cs_decoder_fail(d, "%s.%s: NULL where a string is required", owner, m->name);
      store_ptr(p, s);
      return true;
   }
   case PV_CS_S_STRINGS:
      return dec_strings(d, m, sib, base, owner);
   case PV_CS_S_ARRAY2:
      return dec_array2(d, m, sib, base, depth, owner);
   case PV_CS_S_ALLOCATOR:
      if (!pv_cs_read_u64(d, &v))
         return false;
      return v ? pv_cs_decoder_fail(d, "%s.%s: must be NULL", owner, m->name) : true;
   default:
      return pv_cs_decoder_fail(d, "%s.%s: bad descriptor", owner, m->name);
   }
}

/* One member.  The common case inline: a plain 32-bit value (flags,
 * counts, sizes) with no enum to check. */
static inline bool
dec_member(struct pv_cs_decoder *d, const struct pv_cs_member *m, const struct pv_cs_member *sib,
           uint8_t *base, bool partial, unsigned depth, const char *owner)
{
   if (m->shape == PV_CS_S_VALUE && m->kind == PV_CS_K_U32 && !m->enum_index && !partial) {
      uint32_t v;
      if (!pv_cs_read_u32(d, &v))
         return false;
      pv_cs_store_uint(base + m->offset, m->elem_size, v);
      return true;
   }
   return dec_member_any(d, m, sib, base, partial, depth, owner);
}

static bool
dec_struct(struct pv_cs_decoder *d, const struct pv_cs_struct *s, uint8_t *mem, bool partial,
           unsigned depth)
{
   const struct pv_cs_member *sib = &pv_cs_members[s->first];
   if (depth > PV_CS_MAX_DEPTH)
      return pv_cs_decoder_fail(d, "%s: nesting too deep", s->name);
   for (unsigned i = 0; i < s->count; i++) {
      const struct pv_cs_member *m = &sib[i];
      if (m->shape == PV_CS_S_STYPE) {
         uint32_t stype;
         if (!pv_cs_read_u32(d, &stype))
            return false;
         if ((int32_t)stype != s->stype)
            return pv_cs_decoder_fail(d, "%s.sType: %u, expected %d", s->name, stype, s->stype);
         memcpy(mem + m->offset, &stype, sizeof(stype));
      } else if (m->shape == PV_CS_S_PNEXT) {
         if (!dec_chain(d, s, mem + m->offset, partial, depth))
            return false;
      } else if (!dec_member(d, m, sib, mem, partial, depth, s->name)) {
         return false;
      }
   }
   return true;
}

/* ---------------------------------------------------------------- encode */

static bool enc_struct(struct pv_cs_encoder *e, const struct pv_cs_struct *s,
                       const uint8_t *mem, bool partial, unsigned depth);
static bool enc_member(struct pv_cs_encoder *e, const struct pv_cs_member *m,
                       const struct pv_cs_member *sib, const uint8_t *base,
                       bool partial, unsigned depth);

static bool
enc_union(struct pv_cs_encoder *e, const struct pv_cs_member *m, const struct pv_cs_member *sib,
          const uint8_t *base, const uint8_t *p, unsigned depth)
{
   const struct pv_cs_struct *u = &pv_cs_structs[m->type];
   const struct pv_cs_member *um = &pv_cs_members[u->first];
   uint32_t tag;
   unsigned j;
   if (m->flags & PV_CS_F_SELECTOR) {
      tag = (uint32_t)member_uint(&sib[m->len_member], base);
      for (j = 0; j < u->count && um[j].aux != tag; j++)
         ;
   } else {
      j = tag = u->default_tag;
   }
   if (j >= u->count || um[j].kind == PV_CS_K_INVALID)
      return pv_cs_encoder_fail(e, "%s: no member for tag %u", u->name, tag);
   return pv_cs_write_u32(e, tag) && enc_member(e, &um[j], um, p, false, depth + 1);
}

static bool
enc_elem(struct pv_cs_encoder *e, const struct pv_cs_member *m, const struct pv_cs_member *sib,
         const uint8_t *base, const uint8_t *p, bool partial, unsigned depth)
{
   switch (m->kind) {
   case PV_CS_K_U8:
   case PV_CS_K_U16:
   case PV_CS_K_U32:
      return pv_cs_write_u32(e, (uint32_t)load_uint(p, m->elem_size));
   case PV_CS_K_U64:
      return pv_cs_write_u64(e, load_uint(p, 8));
   case PV_CS_K_SIZE:
      return pv_cs_write_u64(e, load_uint(p, sizeof(size_t)));
   case PV_CS_K_HANDLE: {
      uint64_t h = load_handle(p, m->elem_size);
      if (h && e->handle_to_id)
         h = e->handle_to_id(e->user, (VkObjectType)m->type, h);
      return pv_cs_write_u64(e, h);
   }
   case PV_CS_K_STRUCT:
      return enc_struct(e, &pv_cs_structs[m->type], p, partial, depth + 1);
   case PV_CS_K_UNION:
      return enc_union(e, m, sib, base, p, depth);
   default:
      return pv_cs_encoder_fail(e, "%s: cannot be carried", m->name);
   }
}

static bool
enc_string(struct pv_cs_encoder *e, const char *s)
{
   if (!s)
      return pv_cs_write_u64(e, 0);
   size_t n = strlen(s) + 1;
   return pv_cs_write_u64(e, n) && pv_cs_write_padded(e, s, n);
}

static bool
enc_array(struct pv_cs_encoder *e, const struct pv_cs_member *m, const struct pv_cs_member *sib,
          const uint8_t *base, bool partial, unsigned depth)
{
   const uint8_t *p = load_ptr(base + m->offset);
   uint64_t n;
   if (!p || !cond_holds(m, sib, base))
      return pv_cs_write_u64(e, 0);
   if (!eval_len(m, sib, base, &n))
      return pv_cs_encoder_fail(e, "%s: count overflow", m->name);
   if (!pv_cs_write_u64(e, n))
      return false;
   if (m->shape == PV_CS_S_STRINGS) {
      const char *const *v = (const char *const *)(const void *)p;
      for (uint64_t i = 0; i < n; i++)
         if (!enc_string(e, v[i]))
            return false;
      return true;
   }
   if (m->kind == PV_CS_K_U8 || m->kind == PV_CS_K_BLOB)
      return partial ? true : pv_cs_write_padded(e, p, (size_t)n);
   if (partial && is_scalar(m->kind))
      return true;
   for (uint64_t i = 0; i < n; i++)
      if (!enc_elem(e, m, NULL, NULL, p + i * m->elem_size, partial, depth))
         return false;
   return true;
}

static bool
enc_array2(struct pv_cs_encoder *e, const struct pv_cs_member *m, const struct pv_cs_member *sib,
           const uint8_t *base, unsigned depth)
{
   const uint8_t *const *outer = load_ptr(base + m->offset);
   uint64_t n, k;
   if (!outer)
      return pv_cs_write_u64(e, 0);
   if (!eval_len(m, sib, base, &n))
      return pv_cs_encoder_fail(e, "%s: count overflow", m->name);
   if (!pv_cs_write_u64(e, n))
      return false;
   for (uint64_t i = 0; i < n; i++) {
      const uint8_t *p = outer[i];
      if (!p || !eval_inner_len(m, sib, base, i, &k))
         k = 0;
      if (!pv_cs_write_u64(e, p ? k : 0))
         return false;
      for (uint64_t j = 0; p && j < k; j++)
         if (!enc_elem(e, m, NULL, NULL, p + j * m->elem_size, false, depth))
            return false;
   }
   return true;
}

static bool
enc_chain(struct pv_cs_encoder *e, const struct pv_cs_struct *root, const uint8_t *first,
          bool partial, unsigned depth)
{
   const uint8_t *nodes[PV_CS_MAX_CHAIN];
   const struct pv_cs_struct *descs[PV_CS_MAX_CHAIN];
   unsigned n = 0;
   /* structs the protocol does not carry in this position are dropped, as
    * the guest's own encoder does */
   for (const uint8_t *node = first; node; node = load_ptr(node + offsetof(VkBaseOutStructure, pNext))) {
      int32_t stype;
      memcpy(&stype, node, sizeof(stype));
      const struct pv_cs_struct *s = find_ext(root, stype);
      if (!s)
         continue;
      if (n == PV_CS_MAX_CHAIN)
         return pv_cs_encoder_fail(e, "%s.pNext: chain too long", root->name);
      nodes[n] = node;
      descs[n++] = s;
   }
   for (unsigned i = 0; i < n; i++)
      if (!pv_cs_write_u64(e, 1) || !pv_cs_write_u32(e, (uint32_t)descs[i]->stype))
         return false;
   if (!pv_cs_write_u64(e, 0))
      return false;
   while (n--) {
      const struct pv_cs_struct *s = descs[n];
      const struct pv_cs_member *sib = &pv_cs_members[s->first];
      for (unsigned i = 0; i < s->count; i++) {
         if (sib[i].shape == PV_CS_S_STYPE || sib[i].shape == PV_CS_S_PNEXT)
            continue;
         if (!enc_member(e, &sib[i], sib, nodes[n], partial, depth + 1))
            return false;
      }
   }
   return true;
}

static bool
enc_member(struct pv_cs_encoder *e, const struct pv_cs_member *m, const struct pv_cs_member *sib,
           const uint8_t *base, bool partial, unsigned depth)
{
   const uint8_t *p = base + m->offset;
   if (depth > PV_CS_MAX_DEPTH)
      return pv_cs_encoder_fail(e, "%s: nesting too deep", m->name);
   switch (m->shape) {
   case PV_CS_S_VALUE:
      if (partial && ((is_scalar(m->kind) && !(m->flags & PV_CS_F_COUNT)) ||
                      m->kind == PV_CS_K_UNION))
         return true;
      return enc_elem(e, m, sib, base, p, partial, depth);
   case PV_CS_S_FIXED:
      if (partial && is_scalar(m->kind))
         return true;
      if (!pv_cs_write_u64(e, m->len_const))
         return false;
      if (m->kind == PV_CS_K_U8)
         return pv_cs_write_padded(e, p, m->len_const);
      for (uint32_t i = 0; i < m->len_const; i++)
         if (!enc_elem(e, m, NULL, NULL, p + (size_t)i * m->elem_size, partial, depth))
            return false;
      return true;
   case PV_CS_S_PTR: {
      const uint8_t *q = load_ptr(p);
      if (!pv_cs_write_u64(e, q ? 1 : 0) || !q)
         return !e->failed;
      if (partial && is_scalar(m->kind) && !(m->flags & PV_CS_F_COUNT))
         return true;
      return enc_elem(e, m, NULL, NULL, q, partial, depth);
   }
   case PV_CS_S_ARRAY:
   case PV_CS_S_STRINGS:
      return enc_array(e, m, sib, base, partial, depth);
   case PV_CS_S_STRING:
      return enc_string(e, load_ptr(p));
   case PV_CS_S_ARRAY2:
      return enc_array2(e, m, sib, base, depth);
   case PV_CS_S_ALLOCATOR:
      return pv_cs_write_u64(e, 0);
   default:
      return pv_cs_encoder_fail(e, "%s: bad descriptor", m->name);
   }
}

static bool
enc_struct(struct pv_cs_encoder *e, const struct pv_cs_struct *s, const uint8_t *mem,
           bool partial, unsigned depth)
{
   const struct pv_cs_member *sib = &pv_cs_members[s->first];
   if (depth > PV_CS_MAX_DEPTH)
      return pv_cs_encoder_fail(e, "%s: nesting too deep", s->name);
   for (unsigned i = 0; i < s->count; i++) {
      const struct pv_cs_member *m = &sib[i];
      bool ok;
      if (m->shape == PV_CS_S_STYPE)
         ok = pv_cs_write_u32(e, (uint32_t)s->stype);
      else if (m->shape == PV_CS_S_PNEXT)
         ok = enc_chain(e, s, load_ptr(mem + m->offset), partial, depth);
      else
         ok = enc_member(e, m, sib, mem, partial, depth);
      if (!ok)
         return false;
   }
   return true;
}

/* -------------------------------------------------------- top-level params */

/* Output handles (pBuffer, pCommandBuffers[]…): the guest's new ids go to
 * *_ids / *_count; on the host (`host_storage`) zeroed storage for the
 * driver's handles goes to the parameter itself.  A reply (guest side)
 * carries the ids only. */
bool
pv_cs_read_out_handles(struct pv_cs_decoder *d, const struct pv_cs_member *m,
                       const struct pv_cs_member *sib, uint8_t *args, const char *owner,
                       bool host_storage)
{
   uint64_t n;
   if (m->shape == PV_CS_S_PTR) {
      if (!pv_cs_read_u64(d, &n))
         return false;
      n = n ? 1 : 0;
      if (!n && host_storage && null_forbidden(d, m, sib, args))
         return pv_cs_decoder_fail(d, "%s.%s: NULL where a pointer is required", owner, m->name);
   } else if (!dec_array_size(d, m, sib, args, &n, owner)) {
      return false;
   }
   store_ptr(args + m->aux, NULL);
   pv_cs_store_uint(args + m->aux2, 4, 0);
   if (n == 0)
      return true;
   if (n > pv_cs_decoder_remaining(d) / 8)
      return pv_cs_decoder_fail(d, "%s.%s: array larger than the stream", owner, m->name);
   uint64_t *ids = pv_cs_alloc(d, (size_t)n, sizeof(uint64_t));
   void *host = ids && host_storage ? pv_cs_alloc(d, (size_t)n, m->elem_size) : ids;
   if (!host)
      return false;
   for (uint64_t i = 0; i < n; i++)
      if (!pv_cs_read_u64(d, &ids[i]))
         return false;
   if (host_storage)
      store_ptr(args + m->offset, host);
   store_ptr(args + m->aux, ids);
   pv_cs_store_uint(args + m->aux2, 4, n);
   return true;
}

/* Input handles at the top level also hand the renderer their objects. */
static bool
dec_in_handles(struct pv_cs_decoder *d, const struct pv_cs_member *m,
               const struct pv_cs_member *sib, uint8_t *args, const char *owner)
{
   uint64_t n, id, h;
   struct pv_object *obj;
   if (m->shape == PV_CS_S_VALUE) {
      if (!pv_cs_read_u64(d, &id))
         return false;
      if (!id && null_forbidden(d, m, sib, args))
         return pv_cs_decoder_fail(d, "%s.%s: VK_NULL_HANDLE where a handle is required", owner,
                                   m->name);
      if (!dec_xlate(d, m, id, &h, &obj, owner))
         return false;
      pv_cs_store_handle(args + m->offset, m->elem_size, h);
      store_ptr(args + m->aux, obj);
      return true;
   }
   if (!dec_array_size(d, m, sib, args, &n, owner) || n == 0)
      return !d->failed;
   if (n > pv_cs_decoder_remaining(d) / 8)
      return pv_cs_decoder_fail(d, "%s.%s: array larger than the stream", owner, m->name);
   uint8_t *host = pv_cs_alloc(d, (size_t)n, m->elem_size);
   struct pv_object **objs = host ? pv_cs_alloc(d, (size_t)n, sizeof(*objs)) : NULL;
   if (!objs)
      return false;
   for (uint64_t i = 0; i < n; i++) {
      if (!pv_cs_read_u64(d, &id) || !dec_xlate(d, m, id, &h, &objs[i], owner))
         return false;
      if (!id && (m->flags & PV_CS_F_ELEMS_REQUIRED))
         return pv_cs_decoder_fail(d, "%s.%s[%llu]: VK_NULL_HANDLE where a handle is required",
                                   owner, m->name, (unsigned long long)i);
      pv_cs_store_handle(host + i * m->elem_size, m->elem_size, h);
   }
   store_ptr(args + m->offset, host);
   store_ptr(args + m->aux, objs);
   return true;
}

/* The command's generated fast decoder, if it has one and it takes these
 * bytes; otherwise everything it did is undone.  Host side only: the
 * client's raw handles and lenient replies go through the tables. */
static bool
decode_fast(struct pv_cs_decoder *d, const struct pv_cs_command_info *info, void *args)
{
   pv_cs_fast_fn fast = pv_cs_fast_decoders[info - pv_cs_commands];
   if (!fast || d->raw_handles || d->lenient || d->tables_only || !d->lookup || d->failed)
      return false;
   struct pv_cs_scratch_mark mark = pv_cs_scratch_mark(d);
   struct pvf f = { d, d->cur, d->end };
   if (fast(&f, args)) {
      d->cur = f.p;
      d->fast_decoded++;
      return true;
   }
   pv_cs_scratch_release(d, mark);
   d->failed = false; /* a failed allocation: the tables will say so */
   d->error[0] = '\0';
   return false;
}

bool
pv_cs_decode_args(struct pv_cs_decoder *d, const struct pv_cs_command_info *info, void *argp)
{
   uint8_t *args = argp;
   const struct pv_cs_member *sib = &pv_cs_members[info->first];
   d->command = info->name;
   if (decode_fast(d, info, argp))
      return true;
   memset(args, 0, info->args_size);
   for (unsigned i = 0; i < info->count; i++) {
      const struct pv_cs_member *m = &sib[i];
      bool ok;
      if (m->flags & PV_CS_F_HANDLE_IDS)
         ok = pv_cs_read_out_handles(d, m, sib, args, info->name, true);
      else if ((m->flags & PV_CS_F_HANDLE_OBJ) && !d->raw_handles)
         ok = dec_in_handles(d, m, sib, args, info->name);
      else
         ok = dec_member(d, m, sib, args, (m->flags & PV_CS_F_OUT) != 0, 0, info->name);
      if (!ok)
         return false;
   }
   return true;
}

static bool
enc_out_handles(struct pv_cs_encoder *e, const struct pv_cs_member *m,
                const struct pv_cs_member *sib, const uint8_t *args)
{
   const uint64_t *ids = load_ptr(args + m->aux);
   uint64_t avail = ids ? load_uint(args + m->aux2, 4) : 0;
   uint64_t n = 0;
   if (m->shape == PV_CS_S_PTR) {
      if (!pv_cs_write_u64(e, avail ? 1 : 0))
         return false;
      return avail ? pv_cs_write_u64(e, ids[0]) : true;
   }
   if (ids && !eval_len(m, sib, args, &n))
      return pv_cs_encoder_fail(e, "%s: count overflow", m->name);
   if (n > avail)
      return pv_cs_encoder_fail(e, "%s: %llu handles but %llu ids", m->name,
                                (unsigned long long)n, (unsigned long long)avail);
   if (!pv_cs_write_u64(e, n))
      return false;
   for (uint64_t i = 0; i < n; i++)
      if (!pv_cs_write_u64(e, ids[i]))
         return false;
   return true;
}

static bool
enc_ret(struct pv_cs_encoder *e, const struct pv_cs_command_info *info, const uint8_t *args)
{
   uint64_t v = load_uint(args + info->ret_offset, info->ret_size);
   if (info->ret_kind == PV_CS_K_U64)
      return pv_cs_write_u64(e, v);
   return pv_cs_write_u32(e, (uint32_t)v);
}

bool
pv_cs_encode_members(struct pv_cs_encoder *e, const struct pv_cs_command_info *info,
                     const void *argp, bool outputs_only)
{
   const uint8_t *args = argp;
   const struct pv_cs_member *sib = &pv_cs_members[info->first];
   for (unsigned i = 0; i < info->count; i++) {
      const struct pv_cs_member *m = &sib[i];
      bool out = (m->flags & PV_CS_F_OUT) != 0;
      if (outputs_only && !out)
         continue;
      bool ok = (m->flags & PV_CS_F_HANDLE_IDS)
                   ? enc_out_handles(e, m, sib, args)
                   : enc_member(e, m, sib, args, out && !outputs_only, 0);
      if (!ok)
         return false;
   }
   return true;
}

bool
pv_cs_encode_reply(struct pv_cs_encoder *e, const struct pv_cs_command_info *info, const void *argp)
{
   e->command = info->name;
   return pv_cs_write_u32(e, info->id) && (!info->has_return || enc_ret(e, info, argp)) &&
          pv_cs_encode_members(e, info, argp, true);
}

size_t
pv_cs_reply_size(const struct pv_cs_command_info *info, const void *args)
{
   struct pv_cs_encoder e;
   pv_cs_encoder_init(&e, NULL, 0);
   return pv_cs_encode_reply(&e, info, args) ? e.pos : 0;
}

bool
pv_cs_decode_member(struct pv_cs_decoder *d, const struct pv_cs_member *m,
                    const struct pv_cs_member *sib, uint8_t *base, const char *owner)
{
   return dec_member(d, m, sib, base, false, 0, owner);
}
