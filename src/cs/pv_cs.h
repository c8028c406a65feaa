/*
 * pv_cs.h — bounds-checked command-stream primitives (docs/PROTOCOL.md §4).
 *
 * A decoder reads one byte range [data, data + size) of a guest command
 * stream and owns a scratch arena where decoded arguments live until the
 * next pv_cs_decoder_reset_scratch().  An encoder writes into one byte range
 * (or only measures, when given no buffer).  Neither ever touches memory
 * outside its range; every failure is a value: the call returns false, the
 * object is marked failed, and pv_cs_*_error() names what went wrong
 * (command and field where known).  Once failed, every further call fails.
 *
 * Nothing here is thread-safe: one decoder/encoder per thread (per ring).
 */
#ifndef PV_CS_H
#define PV_CS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <vulkan/vulkan_core.h>

#include "renderer/vk/pv_object.h"

#define PV_CS_ERROR_MAX 192

/* Default per-command scratch limit: a guest cannot make one command use
 * more host memory than this for its decoded arguments. */
#define PV_CS_DEFAULT_SCRATCH_LIMIT (64u << 20)

/* Deepest nesting of structs / pNext chains the decoder follows. */
#define PV_CS_MAX_DEPTH 32

/* Translates a guest id into the renderer's object.  Returns NULL for an
 * unknown id or an object of another type (a decode error).  Never called
 * for id 0, which decodes as VK_NULL_HANDLE. */
typedef struct pv_object *(*pv_cs_lookup_fn)(void *user, uint64_t id, VkObjectType type);

/* Maps a host handle back to the guest id the renderer bound it to, for
 * handles the host fills inside output structs
 * (VkPhysicalDeviceGroupProperties::physicalDevices).  0 if unbound. */
typedef uint64_t (*pv_cs_handle_to_id_fn)(void *user, VkObjectType type, uint64_t handle);

struct pv_cs_scratch_chunk;

struct pv_cs_decoder {
   const uint8_t *start;
   const uint8_t *cur;
   const uint8_t *end;

   /* handle translation: host side uses lookup; with raw_handles set (the
    * test client) ids are stored as handle values and lookup is unused */
   pv_cs_lookup_fn lookup;
   void *user;
   bool raw_handles;

   /* scratch arena */
   struct pv_cs_scratch_chunk *chunks;
   size_t scratch_used;   /* bytes handed out since the last reset */
   size_t scratch_limit;  /* per-command budget */

   /* replies (client side): accept what a host driver wrote (enum values
    * newer than our registry, NULL outputs) without the host-side checks */
   bool lenient;

   /* host side: decode through the tables alone, never a generated fast
    * decoder (tests compare the two; benchmarks measure both) */
   bool tables_only;
   uint64_t fast_decoded; /* commands a fast decoder took */

   const char *command;   /* name of the command being decoded, for errors */
   bool failed;
   char error[PV_CS_ERROR_MAX];
};

struct pv_cs_encoder {
   uint8_t *buf;          /* NULL: measure only */
   size_t size;
   size_t pos;

   pv_cs_handle_to_id_fn handle_to_id;  /* NULL: handles are ids already */
   void *user;

   const char *command;
   bool failed;
   char error[PV_CS_ERROR_MAX];
};

/* --- decoder ------------------------------------------------------------ */

/* Starts decoding [data, data + size).  lookup may be NULL only with
 * raw_handles.  The arena starts empty; pv_cs_decoder_fini frees it. */
void pv_cs_decoder_init(struct pv_cs_decoder *dec, const void *data, size_t size,
                        pv_cs_lookup_fn lookup, void *user);
void pv_cs_decoder_fini(struct pv_cs_decoder *dec);

/* Points the decoder at a new byte range; keeps arena and callbacks and
 * clears the error state. */
void pv_cs_decoder_set_stream(struct pv_cs_decoder *dec, const void *data, size_t size);

/* Frees everything the arena handed out (call between commands). */
void pv_cs_decoder_reset_scratch(struct pv_cs_decoder *dec);

/* A point in the arena to go back to: pv_cs_scratch_release() frees what
 * was handed out after pv_cs_scratch_mark() (a decode attempt abandoned). */
struct pv_cs_scratch_mark {
   struct pv_cs_scratch_chunk *chunk;
   size_t chunk_used;
   size_t scratch_used;
};
struct pv_cs_scratch_mark pv_cs_scratch_mark(const struct pv_cs_decoder *dec);
void pv_cs_scratch_release(struct pv_cs_decoder *dec, struct pv_cs_scratch_mark mark);

static inline size_t
pv_cs_decoder_remaining(const struct pv_cs_decoder *dec)
{
   return (size_t)(dec->end - dec->cur);
}

static inline const char *
pv_cs_decoder_error(const struct pv_cs_decoder *dec)
{
   return dec->failed ? dec->error : NULL;
}

/* Marks the decoder failed with a printf-style message (first error wins). */
bool pv_cs_decoder_fail(struct pv_cs_decoder *dec, const char *fmt, ...)
#if defined(__GNUC__)
   __attribute__((format(printf, 2, 3)))
#endif
   ;

bool pv_cs_read(struct pv_cs_decoder *dec, void *dst, size_t size);
/* Reads size bytes, then skips the padding up to the next 4-byte boundary. */
bool pv_cs_read_padded(struct pv_cs_decoder *dec, void *dst, size_t size);

/* Scalars: inline, since every decoded member reads one; the out-of-line
 * pv_cs_read reports truncation and an already-failed decoder. */
static inline bool
pv_cs_read_u32(struct pv_cs_decoder *dec, uint32_t *val)
{
   if (dec->failed || pv_cs_decoder_remaining(dec) < sizeof(*val))
      return pv_cs_read(dec, val, sizeof(*val));
   memcpy(val, dec->cur, sizeof(*val));
   dec->cur += sizeof(*val);
   return true;
}

static inline bool
pv_cs_read_u64(struct pv_cs_decoder *dec, uint64_t *val)
{
   if (dec->failed || pv_cs_decoder_remaining(dec) < sizeof(*val))
      return pv_cs_read(dec, val, sizeof(*val));
   memcpy(val, dec->cur, sizeof(*val));
   dec->cur += sizeof(*val);
   return true;
}
/* Peeks a u64 without consuming it. */
bool pv_cs_peek_u64(const struct pv_cs_decoder *dec, uint64_t *val);

/* Zeroed scratch memory of count * size bytes (overflow- and limit-checked);
 * count 0 returns a valid non-NULL pointer. NULL on failure (decoder failed). */
void *pv_cs_alloc(struct pv_cs_decoder *dec, size_t count, size_t size);

/* Reads a command header: i32 VkCommandTypeEXT + u32 VkCommandFlagsEXT. */
bool pv_cs_read_command_header(struct pv_cs_decoder *dec, uint32_t *type, uint32_t *flags);

/* --- encoder ------------------------------------------------------------ */

/* buf NULL with size 0 makes a measuring encoder (pos counts bytes). */
void pv_cs_encoder_init(struct pv_cs_encoder *enc, void *buf, size_t size);

static inline const char *
pv_cs_encoder_error(const struct pv_cs_encoder *enc)
{
   return enc->failed ? enc->error : NULL;
}

bool pv_cs_encoder_fail(struct pv_cs_encoder *enc, const char *fmt, ...)
#if defined(__GNUC__)
   __attribute__((format(printf, 2, 3)))
#endif
   ;

bool pv_cs_write(struct pv_cs_encoder *enc, const void *src, size_t size);
/* Writes size bytes then zero padding up to the next 4-byte boundary. */
bool pv_cs_write_padded(struct pv_cs_encoder *enc, const void *src, size_t size);
bool pv_cs_write_u32(struct pv_cs_encoder *enc, uint32_t val);
bool pv_cs_write_u64(struct pv_cs_encoder *enc, uint64_t val);

/* --- size arithmetic ---------------------------------------------------- */

static inline bool
pv_cs_mul_overflows(size_t a, size_t b, size_t *out)
{
   if (b && a > SIZE_MAX / b)
      return true;
   *out = a * b;
   return false;
}

static inline size_t
pv_cs_align4(size_t n)
{
   return (n + 3) & ~(size_t)3;
}

#endif /* PV_CS_H */
