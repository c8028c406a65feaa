/*
 * fuzz_ring — libFuzzer target: a ring layout and ring traffic fed through
 * the real ring (src/ring/pv_ring.h) and its real consumer, the renderer's
 * command dispatcher, exactly as a guest drives them: shm blobs, then
 * vkCreateRingMESA on the context, then the guest writes commands into the
 * ring buffer, publishes tail and notifies.
 *
 * Input:
 *   byte 0   buffer size: 1 << (4 + b % 13) bytes (16 B .. 64 KiB)
 *   byte 1   bit 0: take the layout from the 80 bytes after the header
 *            (raw u64 offset, size, head, tail, status, buffer offset,
 *            buffer size, extra offset, extra size, idle timeout ns;
 *            the ring blob is then 256 KiB); else Mesa's layout for that
 *            buffer size.  bit 1: chain VkRingMonitorInfoMESA.
 *   bytes 2-3 ignored
 *   then steps, each a u32 w:
 *     w & 0x80000000: a hostile tail jump, tail += w & 0x7fffffff;
 *     else n = w & 0xffff (at most the buffer size) bytes follow and are
 *     written at tail (wrapping), tail += n.
 *   After each step the harness notifies the ring and waits (up to 1 s)
 *   until the reader caught up or the ring is FATAL.
 * Resource 1 is the ring, resource 2 a 1 MiB reply shmem (the ids Mesa's
 * first shmems get, so ring chunks cut from real captures work).
 */
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include "fuzz_util.h"

#define RAW_LAYOUT 0x1u
#define MONITOR 0x2u
#define RAW_RING_BLOB (256u << 10)
#define REPLY_SIZE (1u << 20)
#define RING_ID 0x5555aaaaull

static uint64_t
now_ns(void)
{
   struct timespec ts;
   clock_gettime(CLOCK_MONOTONIC, &ts);
   return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
submit(struct pv_context *ctx, uint32_t id, const void *args)
{
   struct pv_fuzz_stream s;
   pv_fuzz_stream_init(&s);
   const struct pv_cs_command_info *info = pv_cs_command_info(id);
   if (!info || !pv_cs_encode_command(&s.enc, info, 0, args))
      return -1;
   return pv_context_submit(ctx, s.buf, s.enc.pos);
}

static uint64_t
get64(const uint8_t *p)
{
   uint64_t v;
   memcpy(&v, p, 8);
   return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
   if (size < 4)
      return 0;
   const uint32_t bs = 1u << (4 + data[0] % 13);
   const uint8_t flags = data[1];
   size_t off = 4;

   VkRingMonitorInfoMESA mon = { .sType = (VkStructureType)1000384006, /* RING_MONITOR_INFO */
                                 .maxReportingPeriodMicroseconds = 3000000 };
   VkRingCreateInfoMESA ci = {
      .sType = (VkStructureType)1000384000, /* RING_CREATE_INFO_MESA */
      .pNext = (flags & MONITOR) ? &mon : NULL, .offset = 0, .size = 192 + bs + 4,
      .idleTimeout = 1000000, .headOffset = 0, .tailOffset = 64, .statusOffset = 128,
      .bufferOffset = 192, .bufferSize = bs, .extraOffset = 192 + bs, .extraSize = 4,
   };
   size_t blob = 192 + bs + 4;
   if (flags & RAW_LAYOUT) {
      if (size < off + 80)
         return 0;
      const uint8_t *r = data + off;
      ci.offset = get64(r);
      ci.size = get64(r + 8);
      ci.headOffset = get64(r + 16);
      ci.tailOffset = get64(r + 24);
      ci.statusOffset = get64(r + 32);
      ci.bufferOffset = get64(r + 40);
      ci.bufferSize = get64(r + 48);
      ci.extraOffset = get64(r + 56);
      ci.extraSize = get64(r + 64);
      ci.idleTimeout = get64(r + 72) % 100000000; /* a long idle only slows the harness */
      off += 80;
      blob = RAW_RING_BLOB;
   }

   struct pv_context *ctx;
   if (pv_context_create(pv_fuzz_renderer(), "fuzz-ring", PV_CAPSET_VENUS, &ctx))
      return 0;
   struct pv_fuzz_shm mem = { 0 }, reply = { 0 };
   if (pv_fuzz_shm_create(ctx, blob, &mem) || pv_fuzz_shm_create(ctx, REPLY_SIZE, &reply))
      goto out;
   ci.resourceId = mem.res_id;
   struct pv_vkCreateRingMESA_args cr = { .ring = RING_ID, .pCreateInfo = &ci };
   if (submit(ctx, PV_CMD_vkCreateRingMESA, &cr))
      goto out; /* a layout the host refused: the context is fatal */

   /* The host validated the layout against the blob; check again before
    * this "guest" touches the words (the harness must not be the bug). */
   if (ci.offset > blob || ci.headOffset > blob - ci.offset - 4 ||
       ci.tailOffset > blob - ci.offset - 4 || ci.statusOffset > blob - ci.offset - 4 ||
       ci.bufferOffset > blob - ci.offset || ci.bufferSize > blob - ci.offset - ci.bufferOffset)
      goto destroy;
   uint8_t *base = mem.map + ci.offset;
   _Atomic uint32_t *head = (_Atomic uint32_t *)(base + ci.headOffset);
   _Atomic uint32_t *tail = (_Atomic uint32_t *)(base + ci.tailOffset);
   _Atomic uint32_t *status = (_Atomic uint32_t *)(base + ci.statusOffset);
   uint8_t *buf = base + ci.bufferOffset;
   const uint32_t size_b = (uint32_t)ci.bufferSize, mask = size_b - 1;
   uint32_t cur = 0;

   while (off + 4 <= size && !pv_context_is_fatal(ctx)) {
      uint32_t w;
      memcpy(&w, data + off, 4);
      off += 4;
      if (w & 0x80000000u) {
         cur += w & 0x7fffffffu;
      } else {
         size_t n = w & 0xffffu;
         if (n > size - off)
            n = size - off;
         if (n > size_b)
            n = size_b;
         for (size_t i = 0; i < n; i++)
            buf[(cur + i) & mask] = data[off + i];
         off += n;
         cur += (uint32_t)n;
      }
      atomic_store_explicit(tail, cur, memory_order_release);
      struct pv_vkNotifyRingMESA_args nr = { .ring = RING_ID, .seqno = cur };
      if (submit(ctx, PV_CMD_vkNotifyRingMESA, &nr))
         break;
      uint64_t deadline = now_ns() + 1000000000ull;
      while (atomic_load_explicit(head, memory_order_acquire) != cur &&
             !(atomic_load(status) & 0x2u /* FATAL */) && !pv_context_is_fatal(ctx) &&
             now_ns() < deadline)
         sched_yield();
   }
destroy:;
   struct pv_vkDestroyRingMESA_args dr = { .ring = RING_ID };
   (void)submit(ctx, PV_CMD_vkDestroyRingMESA, &dr);
out:
   pv_fuzz_shm_unmap(&mem);
   pv_fuzz_shm_unmap(&reply);
   pv_context_destroy(ctx);
   return 0;
}
