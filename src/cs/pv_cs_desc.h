/*
 * pv_cs_desc.h — the tables the generator emits, and the generic engine
 * that walks them (pv_cs_exec.c).
 *
 * Every struct, union and command the protocol carries is described by a
 * list of members; the engine decodes/encodes any of them from that list,
 * so the generated code is data, not thousands of unrolled functions.
 * Offsets and sizes come from offsetof/sizeof against the real Vulkan
 * headers, so the decoded memory is exactly what the host driver expects.
 *
 * Per command vkFoo the generated header "cs/pv_cs_generated.h" has:
 *   - PV_CMD_vkFoo: its VkCommandTypeEXT id;
 *   - struct pv_vkFoo_args: every parameter under its Vulkan name and native
 *     type, then `ret` (non-void commands), then for each top-level handle
 *     parameter:
 *       input handle  X:    struct pv_object *X_obj   (NULL for id 0)
 *       input handles X[]:  struct pv_object **X_objs
 *       output handle(s) X: uint64_t *X_ids + uint32_t X_count (the guest's
 *                           new ids); X itself points to zeroed host storage
 *                           of X_count handles for the driver to fill;
 *   - static inline wrappers pv_decode_vkFoo, pv_encode_reply_vkFoo,
 *     pv_reply_size_vkFoo (host side) and pv_encode_vkFoo,
 *     pv_decode_reply_vkFoo (test client), over the generic functions below.
 * Types the compiler's Vulkan headers lack (newer registry) are defined
 * there too, under their registry names.
 */
#ifndef PV_CS_DESC_H
#define PV_CS_DESC_H

#include "cs/pv_cs.h"

/* Element kinds: how one element sits in memory and on the wire. */
enum pv_cs_kind {
   PV_CS_K_U8,      /* 1 byte in memory; 4 on the wire as a scalar, packed in arrays */
   PV_CS_K_U16,     /* 2 bytes in memory, 4 on the wire */
   PV_CS_K_U32,     /* 4/4: ints, enums, flags, VkBool32, float */
   PV_CS_K_U64,     /* 8/8: 64-bit ints and flags, double */
   PV_CS_K_SIZE,    /* size_t in memory, always 8 on the wire */
   PV_CS_K_HANDLE,  /* u64 guest id on the wire; host handle in memory */
   PV_CS_K_STRUCT,
   PV_CS_K_UNION,
   PV_CS_K_BLOB,    /* void data: bytes, packed and padded (arrays only) */
   PV_CS_K_INVALID = 255, /* union member the protocol cannot carry */
};

/* How a member refers to its element(s). */
enum pv_cs_shape {
   PV_CS_S_VALUE,     /* one element inline */
   PV_CS_S_FIXED,     /* inline T[len_const]: u64 count + elements */
   PV_CS_S_PTR,       /* pointer to one element: u64 0/1 + element */
   PV_CS_S_ARRAY,     /* pointer to elements: u64 array_size (0 = NULL) + elements */
   PV_CS_S_STRING,    /* const char *: u64 strlen+1 (0 = NULL) + bytes padded */
   PV_CS_S_STRINGS,   /* const char *const *: u64 count + strings */
   PV_CS_S_PNEXT,     /* pNext chain: (u64 1 + sType + chain + members)* u64 0 */
   PV_CS_S_STYPE,     /* the sType member */
   PV_CS_S_ALLOCATOR, /* pAllocator or an opaque void *: u64 marker, must be 0 (NULL) */
   PV_CS_S_ARRAY2,    /* const T *const *: u64 outer size, then per entry an ARRAY;
                         inner count: aux2 == 0: aux; else field at offset aux of
                         element i of sibling array aux2 - 1 (uint32_t) */
};

enum pv_cs_member_flags {
   PV_CS_F_OUT = 1u << 0,         /* non-const pointer parameter: host output */
   PV_CS_F_COUNT = 1u << 1,       /* count of another member: sent in partial encodings */
   PV_CS_F_DISP = 1u << 2,        /* dispatchable handle (pointer-sized in memory) */
   PV_CS_F_HANDLE_OBJ = 1u << 3,  /* top-level input handle(s): aux = offset of *_obj(s) */
   PV_CS_F_HANDLE_IDS = 1u << 4,  /* top-level output handle(s): aux = offset of *_ids */
   PV_CS_F_SELECTOR = 1u << 5,    /* union selected by sibling len_member's value */
   PV_CS_F_REQUIRED = 1u << 6,    /* vk.xml does not allow NULL here: a NULL pointer,
                                     string or handle, or a NULL array whose count is
                                     not 0, is a decode error (if the member has a
                                     cond: only while it holds; with REQ_IF: only
                                     while req_member's value has its bit in req_mask) */
   PV_CS_F_REQ_IF = 1u << 7,
   PV_CS_F_ELEMS_REQUIRED = 1u << 8, /* a handle array whose elements may not be NULL
                                        (parameters and struct members alike) */
};

enum pv_cs_len_kind {
   PV_CS_L_NONE,
   PV_CS_L_CONST,        /* len_const */
   PV_CS_L_MEMBER,       /* (sibling len_member + len_add) / len_div */
   PV_CS_L_MEMBER_PTR,   /* *sibling len_member (count pointer) */
   PV_CS_L_PARAM_MEMBER, /* sibling len_member points to a struct; count at len_off */
};

enum pv_cs_cond {
   PV_CS_C_NONE,
   PV_CS_C_EQ,      /* encode only if sibling cond_member == cond_value */
   PV_CS_C_NOT_BIT, /* encode only if !(sibling cond_member & cond_value) */
};

struct pv_cs_member {
   const char *name;
   uint32_t offset;      /* in the parent struct, or in the args struct */
   uint32_t elem_size;   /* sizeof one element in memory */
   uint32_t aux;         /* HANDLE_OBJ/HANDLE_IDS: args offset of the _obj(s)/_ids field;
                            union member: selection value */
   uint32_t aux2;        /* HANDLE_IDS: args offset of the uint32_t _count field;
                            ARRAY2: inner count source (see PV_CS_S_ARRAY2) */
   uint32_t len_const;
   uint32_t cond_value;
   uint32_t type;        /* struct/union index, or VkObjectType for handles */
   uint16_t len_member;  /* sibling index (within the parent's member list) */
   uint16_t len_off;
   uint16_t cond_member;
   uint8_t kind, shape;
   uint16_t flags;       /* enum pv_cs_member_flags */
   uint8_t len_kind;
   uint8_t len_size, len_add, len_div, cond;
   uint16_t enum_index;  /* scalar enum: 1 + index into pv_cs_enums (values checked); 0 none */
   uint16_t req_member;  /* REQ_IF: sibling index of the selecting value */
   uint32_t req_mask;    /* REQ_IF: bit v set = NULL rejected while the selector is v */
};

/* The values an enum type may take, as the registry defines them. */
struct pv_cs_enum {
   const char *name;
   uint32_t first, count;  /* pv_cs_enum_values[first .. first+count), sorted */
};

struct pv_cs_struct {
   const char *name;
   uint32_t size;
   int32_t stype;
   uint16_t first, count;         /* pv_cs_members[first .. first+count) */
   uint16_t ext_first, ext_count; /* pv_cs_pnext[...]: structs allowed in pNext */
   uint8_t has_stype;
   uint8_t is_union;
   uint8_t selector;              /* union tagged by the owner's selector value */
   uint8_t default_tag;           /* member index the encoder writes */
};

enum pv_cs_category {
   PV_CS_CAT_INSTANCE,
   PV_CS_CAT_PHYSICAL_DEVICE,
   PV_CS_CAT_DEVICE,
   PV_CS_CAT_QUEUE,
   PV_CS_CAT_COMMAND_BUFFER,
   PV_CS_CAT_TRANSPORT,
};

/* One protocol command (one id). */
struct pv_cs_command_info {
   const char *name;
   uint32_t id;
   uint32_t args_size;       /* sizeof(struct pv_<name>_args) */
   uint16_t first, count;    /* parameters: pv_cs_members[...] with args offsets */
   uint16_t ret_offset;      /* offsetof(args, ret) */
   uint8_t ret_kind;         /* PV_CS_K_U32/U64; meaningful if has_return */
   uint8_t ret_size;         /* sizeof(ret) in memory; 0 if void */
   bool has_return;
   uint8_t category;         /* enum pv_cs_category */
};

/* generated tables */
extern const struct pv_cs_member pv_cs_members[];
extern const struct pv_cs_struct pv_cs_structs[];
extern const uint16_t pv_cs_pnext[];
extern const struct pv_cs_command_info pv_cs_commands[];
extern const uint32_t pv_cs_command_count;
extern const uint16_t pv_cs_command_index[];   /* id -> index+1, 0 = none */
extern const uint32_t pv_cs_command_id_count;  /* highest id + 1 */
extern const struct pv_cs_enum pv_cs_enums[];
extern const uint32_t pv_cs_enum_count;
extern const int32_t pv_cs_enum_values[];

/* Generated fast decoders (pv_cs_fast.c, codegen/pv_gen_fast.py), by
 * command index (pv_cs_commands): NULL for most.  One decodes its
 * command's common shape into *args through its own cursor, or returns
 * false — maybe with the arena grown and the decoder's error set, which
 * pv_cs_decode_args() undoes before the table engine decodes the same
 * bytes (src/cs/pv_cs_fast.h). */
struct pvf;
typedef bool (*pv_cs_fast_fn)(struct pvf *f, void *args);
extern const pv_cs_fast_fn pv_cs_fast_decoders[];

/* Whether `value` is a member of enum table entry `enum_index` (1-based,
 * as in pv_cs_member::enum_index; 0 accepts everything). */
bool pv_cs_enum_valid(uint16_t enum_index, int32_t value);

/* --- the engine (pv_cs_exec.c) ------------------------------------------ */

/* Metadata of command `id`; NULL for unknown, retired or never-sent ids and
 * for commands the registry used for generation does not define. */
const struct pv_cs_command_info *pv_cs_command_info(uint32_t id);

/* Host side.  Decodes the arguments that follow the command header into
 * *args (zeroed first; all memory from the decoder's arena): input handles
 * translated through dec->lookup, output params allocated with the shape the
 * guest sent (partial encodings, pNext chains rebuilt), output handles' guest
 * ids in *_ids.  Besides malformed bytes it rejects what vk.xml forbids and
 * a host driver may trust: a NULL where a pointer, string, handle or (with a
 * non-zero count) array is required (PV_CS_F_REQUIRED), and a value that is
 * not a member of its enum type (enum_index). */
bool pv_cs_decode_args(struct pv_cs_decoder *dec, const struct pv_cs_command_info *info, void *args);

/* Host side.  Writes the reply (command type, return value, every output
 * parameter) from *args after the host driver ran.  enc->handle_to_id maps
 * host handles the driver wrote inside output structs. */
bool pv_cs_encode_reply(struct pv_cs_encoder *enc, const struct pv_cs_command_info *info, const void *args);

/* Exact byte size of that reply. */
size_t pv_cs_reply_size(const struct pv_cs_command_info *info, const void *args);

/* Guest side (pv_cs_guest.c, library pv_cs_guest: tests and benchmarks):
 * encodes header + arguments; handles hold guest ids. */
bool pv_cs_encode_command(struct pv_cs_encoder *enc, const struct pv_cs_command_info *info,
                          uint32_t flags, const void *args);

/* Client side: decodes a reply into *args (outputs freshly allocated from
 * the decoder's arena; handles stay guest ids).  Input params untouched. */
bool pv_cs_decode_reply(struct pv_cs_decoder *dec, const struct pv_cs_command_info *info, void *args);

/* Capset data (generated). */
extern const uint32_t pv_cs_extension_mask[32];   /* vk_extension_mask1 */
extern const uint32_t pv_cs_vk_xml_version;       /* VK_HEADER_VERSION_COMPLETE */
struct pv_cs_extension {
   const char *name;
   uint32_t number;
   uint32_t spec_version;
};
extern const struct pv_cs_extension pv_cs_extensions[]; /* sorted by name */
extern const uint32_t pv_cs_extension_count;

/* Spec version of a covered extension, 0 if not covered. */
uint32_t pv_cs_extension_spec_version(const char *name);

#endif /* PV_CS_DESC_H */
