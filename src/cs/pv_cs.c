/*
 * pv_cs.c — bounds-checked reader/writer and the decoder's scratch arena.
 */
#include "cs/pv_cs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Arena chunks are linked newest first; the first chunk is kept across
 * resets so steady-state decoding does not call malloc. */
struct pv_cs_scratch_chunk {
   struct pv_cs_scratch_chunk *next;
   size_t size;
   size_t used;
   max_align_t data[];
};

#define PV_CS_CHUNK_MIN (64u << 10)

void
pv_cs_decoder_init(struct pv_cs_decoder *dec, const void *data, size_t size,
                   pv_cs_lookup_fn lookup, void *user)
{
   memset(dec, 0, sizeof(*dec));
   dec->lookup = lookup;
   dec->user = user;
   dec->scratch_limit = PV_CS_DEFAULT_SCRATCH_LIMIT;
   pv_cs_decoder_set_stream(dec, data, size);
}

void
pv_cs_decoder_set_stream(struct pv_cs_decoder *dec, const void *data, size_t size)
{
   dec->start = data;
   dec->cur = data;
   dec->end = data ? dec->cur + size : dec->cur; /* no arithmetic on NULL (UB) */
   dec->failed = false;
   dec->error[0] = '\0';
   dec->command = NULL;
}

void
pv_cs_decoder_reset_scratch(struct pv_cs_decoder *dec)
{
   struct pv_cs_scratch_chunk *c = dec->chunks;
   while (c && c->next) {
      struct pv_cs_scratch_chunk *next = c->next;
      free(c);
      c = next;
   }
   dec->chunks = c;
   if (c)
      c->used = 0;
   dec->scratch_used = 0;
}

struct pv_cs_scratch_mark
pv_cs_scratch_mark(const struct pv_cs_decoder *dec)
{
   struct pv_cs_scratch_mark m = { dec->chunks, dec->chunks ? dec->chunks->used : 0,
                                   dec->scratch_used };
   return m;
}

void
pv_cs_scratch_release(struct pv_cs_decoder *dec, struct pv_cs_scratch_mark mark)
{
   /* chunks are linked newest first: those made after the mark lead */
   while (dec->chunks && dec->chunks != mark.chunk) {
      struct pv_cs_scratch_chunk *next = dec->chunks->next;
      free(dec->chunks);
      dec->chunks = next;
   }
   if (dec->chunks)
      dec->chunks->used = mark.chunk_used;
   dec->scratch_used = mark.scratch_used;
}

void
pv_cs_decoder_fini(struct pv_cs_decoder *dec)
{
   pv_cs_decoder_reset_scratch(dec);
   free(dec->chunks);
   dec->chunks = NULL;
}

bool
pv_cs_decoder_fail(struct pv_cs_decoder *dec, const char *fmt, ...)
{
   if (!dec->failed) {
      va_list ap;
      int n = 0;
      if (dec->command)
         n = snprintf(dec->error, sizeof(dec->error), "%s: ", dec->command);
      if (n < 0 || (size_t)n >= sizeof(dec->error))
         n = 0;
      va_start(ap, fmt);
      vsnprintf(dec->error + n, sizeof(dec->error) - (size_t)n, fmt, ap);
      va_end(ap);
      dec->failed = true;
   }
   return false;
}

bool
pv_cs_read(struct pv_cs_decoder *dec, void *dst, size_t size)
{
   if (dec->failed)
      return false;
   if (size > pv_cs_decoder_remaining(dec))
      return pv_cs_decoder_fail(dec, "truncated stream (need %zu bytes, %zu left)",
                                size, pv_cs_decoder_remaining(dec));
   if (size)
      memcpy(dst, dec->cur, size);
   dec->cur += size;
   return true;
}

bool
pv_cs_read_padded(struct pv_cs_decoder *dec, void *dst, size_t size)
{
   if (size > SIZE_MAX - 3)
      return pv_cs_decoder_fail(dec, "blob size overflow");
   size_t padded = pv_cs_align4(size);
   if (dec->failed)
      return false;
   if (padded > pv_cs_decoder_remaining(dec))
      return pv_cs_decoder_fail(dec, "truncated stream (need %zu bytes, %zu left)",
                                padded, pv_cs_decoder_remaining(dec));
   if (size)
      memcpy(dst, dec->cur, size);
   dec->cur += padded; /* padding is uninitialized guest memory: ignored */
   return true;
}

bool
pv_cs_peek_u64(const struct pv_cs_decoder *dec, uint64_t *val)
{
   if (dec->failed || pv_cs_decoder_remaining(dec) < sizeof(*val))
      return false;
   memcpy(val, dec->cur, sizeof(*val));
   return true;
}

bool
pv_cs_read_command_header(struct pv_cs_decoder *dec, uint32_t *type, uint32_t *flags)
{
   dec->command = NULL; /* errors from here on belong to the new command */
   return pv_cs_read_u32(dec, type) && pv_cs_read_u32(dec, flags);
}

static struct pv_cs_scratch_chunk *
pv_cs_new_chunk(size_t need)
{
   size_t size = need > PV_CS_CHUNK_MIN ? need : PV_CS_CHUNK_MIN;
   struct pv_cs_scratch_chunk *c = malloc(sizeof(*c) + size);
   if (c) {
      c->next = NULL;
      c->size = size;
      c->used = 0;
   }
   return c;
}

void *
pv_cs_alloc(struct pv_cs_decoder *dec, size_t count, size_t size)
{
   size_t bytes;
   if (dec->failed)
      return NULL;
   if (pv_cs_mul_overflows(count, size, &bytes) || bytes > SIZE_MAX - 16) {
      pv_cs_decoder_fail(dec, "allocation size overflow");
      return NULL;
   }
   bytes = (bytes + 15) & ~(size_t)15;
   if (bytes == 0)
      bytes = 16;
   if (bytes > dec->scratch_limit - dec->scratch_used) {
      pv_cs_decoder_fail(dec, "scratch limit exceeded (%zu bytes requested)", bytes);
      return NULL;
   }
   struct pv_cs_scratch_chunk *c = dec->chunks;
   if (!c || c->size - c->used < bytes) {
      struct pv_cs_scratch_chunk *n = pv_cs_new_chunk(bytes);
      if (!n) {
         pv_cs_decoder_fail(dec, "out of memory");
         return NULL;
      }
      n->next = c;
      dec->chunks = c = n;
   }
   void *p = (uint8_t *)c->data + c->used;
   c->used += bytes;
   dec->scratch_used += bytes;
   memset(p, 0, bytes);
   return p;
}

void
pv_cs_encoder_init(struct pv_cs_encoder *enc, void *buf, size_t size)
{
   memset(enc, 0, sizeof(*enc));
   enc->buf = buf;
   enc->size = buf ? size : 0;
}

bool
pv_cs_encoder_fail(struct pv_cs_encoder *enc, const char *fmt, ...)
{
   if (!enc->failed) {
      va_list ap;
      int n = 0;
      if (enc->command)
         n = snprintf(enc->error, sizeof(enc->error), "%s: ", enc->command);
      if (n < 0 || (size_t)n >= sizeof(enc->error))
         n = 0;
      va_start(ap, fmt);
      vsnprintf(enc->error + n, sizeof(enc->error) - (size_t)n, fmt, ap);
      va_end(ap);
      enc->failed = true;
   }
   return false;
}

bool
pv_cs_write(struct pv_cs_encoder *enc, const void *src, size_t size)
{
   if (enc->failed)
      return false;
   if (!enc->buf) {
      if (size > SIZE_MAX - enc->pos)
         return pv_cs_encoder_fail(enc, "size overflow");
      enc->pos += size;
      return true;
   }
   if (size > enc->size - enc->pos)
      return pv_cs_encoder_fail(enc, "output full (need %zu bytes, %zu left)",
                                size, enc->size - enc->pos);
   if (size)
      memcpy(enc->buf + enc->pos, src, size);
   enc->pos += size;
   return true;
}

bool
pv_cs_write_padded(struct pv_cs_encoder *enc, const void *src, size_t size)
{
   static const uint8_t zeros[4];
   if (size > SIZE_MAX - 3)
      return pv_cs_encoder_fail(enc, "size overflow");
   return pv_cs_write(enc, src, size) &&
          pv_cs_write(enc, zeros, pv_cs_align4(size) - size);
}

bool
pv_cs_write_u32(struct pv_cs_encoder *enc, uint32_t val)
{
   return pv_cs_write(enc, &val, sizeof(val));
}

bool
pv_cs_write_u64(struct pv_cs_encoder *enc, uint64_t val)
{
   return pv_cs_write(enc, &val, sizeof(val));
}
