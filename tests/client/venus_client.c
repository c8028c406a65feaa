/* venus_client.c — see venus_client.h. */
#include "tests/client/venus_client.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "platform/pv_platform.h"

#define STYPE_RING_CREATE_INFO_MESA 1000384000
#define STYPE_RING_MONITOR_INFO_MESA 1000384006

static int
fail(struct pv_vnc *c, int ret, const char *fmt, ...)
#if defined(__GNUC__)
   __attribute__((format(printf, 3, 4)))
#endif
   ;

static int
fail(struct pv_vnc *c, int ret, const char *fmt, ...)
{
   va_list ap;
   va_start(ap, fmt);
   vsnprintf(c->error, sizeof(c->error), fmt, ap);
   va_end(ap);
   return ret;
}

uint32_t
pv_vnc_ring_status(const struct pv_vnc *c)
{
   return c->ring.status ? atomic_load(c->ring.status) : 0;
}

/* ---- encoding ------------------------------------------------------------- */

/* Encode into c->cmd; *size receives the byte count. */
static int
encode(struct pv_vnc *c, const struct pv_cs_command_info *info, uint32_t flags, const void *args,
       size_t *size)
{
   struct pv_cs_encoder e;
   pv_cs_encoder_init(&e, NULL, 0);
   if (!pv_cs_encode_command(&e, info, flags, args))
      return fail(c, -EINVAL, "encoding %s: %s", info->name, e.error);
   if (e.pos > c->cmd_cap) {
      size_t cap = c->cmd_cap ? c->cmd_cap : 4096;
      while (cap < e.pos)
         cap *= 2;
      uint8_t *p = realloc(c->cmd, cap);
      if (!p)
         return fail(c, -ENOMEM, "no memory for a %zu-byte command", e.pos);
      c->cmd = p;
      c->cmd_cap = cap;
   }
   *size = e.pos;
   pv_cs_encoder_init(&e, c->cmd, c->cmd_cap);
   if (!pv_cs_encode_command(&e, info, flags, args))
      return fail(c, -EINVAL, "encoding %s: %s", info->name, e.error);
   return 0;
}

static const struct pv_cs_command_info *
command_info(struct pv_vnc *c, uint32_t cmd_id)
{
   const struct pv_cs_command_info *info = pv_cs_command_info(cmd_id);
   if (!info)
      fail(c, -EINVAL, "command %u is not in the protocol tables", cmd_id);
   return info;
}

int
pv_vnc_submit_context(struct pv_vnc *c, uint32_t cmd_id, const void *args)
{
   const struct pv_cs_command_info *info = command_info(c, cmd_id);
   size_t size;
   if (!info)
      return -EINVAL;
   int ret = encode(c, info, 0, args, &size);
   if (!ret && (ret = c->ops->submit(c->t, c->cmd, size)))
      fail(c, ret, "submitting %s: %s", info->name, strerror(-ret));
   return ret;
}

/* ---- the ring --------------------------------------------------------------- */

int
pv_vnc_wait_seqno(struct pv_vnc *c, uint32_t seqno)
{
   uint64_t start = pv_now_ns();
   for (unsigned naps = 0;;) {
      if (pv_ring_seqno_reached(atomic_load_explicit(c->ring.head, memory_order_acquire), seqno))
         return 0;
      if (pv_vnc_ring_status(c) & PV_RING_STATUS_FATAL)
         return fail(c, -EIO, "the ring is FATAL (waiting for seqno %u)", seqno);
      /* Spin for spin_ns, yield until 200 us (a reply is usually
       * microseconds away, and a yield with nothing else runnable costs
       * about one), then nap with a growing sleep so a 2-core box keeps
       * its CPU for the host. */
      uint64_t waited = pv_now_ns() - start;
      if (waited < c->spin_ns) {
         pv_cpu_relax();
         continue;
      }
      if (waited < 200000) {
         pv_yield();
         continue;
      }
      if (waited > c->timeout_ns)
         return fail(c, -ETIMEDOUT, "the ring stayed at head %u, waiting for seqno %u",
                     atomic_load(c->ring.head), seqno);
      unsigned shift = naps++ / 64;
      pv_sleep_ns(shift >= 7 ? 1000000 : 10000ull << shift);
   }
}

int
pv_vnc_wait_idle(struct pv_vnc *c)
{
   return pv_vnc_wait_seqno(c, c->ring.cur);
}

/* One ring write as Mesa does it: wait for space, copy at tail, store
 * tail, then notify through the context if the reader went IDLE. */
static int
ring_write(struct pv_vnc *c, const void *data, size_t size)
{
   if (size > c->ring.buf_size || size % 4)
      return fail(c, -E2BIG, "a %zu-byte ring write", size);
   if (pv_vnc_ring_status(c) & PV_RING_STATUS_FATAL)
      return fail(c, -EIO, "the ring is FATAL");
   int ret = pv_vnc_wait_seqno(c, c->ring.cur + (uint32_t)size - c->ring.buf_size);
   if (ret)
      return ret;
   c->last_seqno = pv_guest_ring_write(&c->ring, NULL, data, size);
   if (pv_vnc_ring_status(c) & PV_RING_STATUS_IDLE) {
      struct pv_vkNotifyRingMESA_args n = { .ring = c->ring_id, .seqno = c->last_seqno };
      c->notifies++;
      /* encode() reuses c->cmd: the ring already has the bytes */
      ret = pv_vnc_submit_context(c, PV_CMD_vkNotifyRingMESA, &n);
   }
   return ret;
}

int
pv_vnc_write_raw(struct pv_vnc *c, const void *data, size_t size)
{
   return ring_write(c, data, size);
}

/* A command larger than the direct limit goes into the upload shm and the
 * ring gets vkExecuteCommandStreamsMESA (docs/PROTOCOL.md §14 N19). */
static int
ring_write_indirect(struct pv_vnc *c, size_t size)
{
   int ret;
   if (size > PV_VNC_UPLOAD_SHM_SIZE)
      return fail(c, -E2BIG, "a %zu-byte command", size);
   if (!c->upload_map) {
      void *map;
      ret = c->ops->create_blob(c->t, PV_VNC_UPLOAD_SHM_SIZE, 0, &c->upload_res, &map, NULL);
      if (ret)
         return fail(c, ret, "creating the upload shm: %s", strerror(-ret));
      c->upload_map = map;
   }
   if (c->upload_pos + size > PV_VNC_UPLOAD_SHM_SIZE) {
      if ((ret = pv_vnc_wait_seqno(c, c->upload_seqno)))
         return ret;
      c->upload_pos = 0;
   }
   memcpy(c->upload_map + c->upload_pos, c->cmd, size);
   VkCommandStreamDescriptionMESA s = {
      .resourceId = c->upload_res, .offset = c->upload_pos, .size = size,
   };
   struct pv_vkExecuteCommandStreamsMESA_args a = { .streamCount = 1, .pStreams = &s };
   size_t n;
   if ((ret = encode(c, command_info(c, PV_CMD_vkExecuteCommandStreamsMESA), 0, &a, &n)))
      return ret;
   if ((ret = ring_write(c, c->cmd, n)))
      return ret;
   c->upload_pos += (size + 63) & ~(size_t)63;
   c->upload_seqno = c->last_seqno;
   c->indirect++;
   return 0;
}

static int
ring_command(struct pv_vnc *c, const struct pv_cs_command_info *info, uint32_t flags,
             const void *args)
{
   size_t size;
   int ret = encode(c, info, flags, args, &size);
   if (ret)
      return ret;
   if (size > c->ring.buf_size >> 4)
      return ring_write_indirect(c, size);
   return ring_write(c, c->cmd, size);
}

/* ---- copying a decoded reply back into the caller's memory ----------------- */

static void *
load_ptr(const void *p)
{
   void *v;
   memcpy(&v, p, sizeof(v));
   return v;
}

static uint64_t
load_uint(const void *p, unsigned size)
{
   uint64_t v = 0;
   if (size == 1)
      v = *(const uint8_t *)p;
   else if (size == 2)
      memcpy(&v, p, 2); /* little-endian hosts only, like the protocol */
   else if (size == 4) {
      uint32_t x;
      memcpy(&x, p, 4);
      v = x;
   } else
      memcpy(&v, p, 8);
   return v;
}

/* Element count of an array member from its len rule (as the engine does). */
static uint64_t
array_len(const struct pv_cs_member *m, const struct pv_cs_member *sib, const uint8_t *base)
{
   const struct pv_cs_member *src = &sib[m->len_member];
   const uint8_t *p;
   switch (m->len_kind) {
   case PV_CS_L_CONST:
      return m->len_const;
   case PV_CS_L_MEMBER:
      return (load_uint(base + src->offset, src->elem_size) + m->len_add) /
             (m->len_div ? m->len_div : 1);
   case PV_CS_L_MEMBER_PTR:
      p = load_ptr(base + src->offset);
      return p ? load_uint(p, src->elem_size) : 0;
   case PV_CS_L_PARAM_MEMBER:
      p = load_ptr(base + src->offset);
      return p ? load_uint(p + m->len_off, m->len_size) : 0;
   default:
      return 0;
   }
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

static int copy_members(struct pv_vnc *c, const struct pv_cs_struct *s, uint8_t *dst,
                        const uint8_t *src, bool chain, unsigned depth);

static int
copy_elem(struct pv_vnc *c, const struct pv_cs_member *m, uint8_t *d, const uint8_t *s,
          unsigned depth)
{
   if (m->kind == PV_CS_K_STRUCT)
      return copy_members(c, &pv_cs_structs[m->type], d, s, true, depth + 1);
   memcpy(d, s, m->elem_size); /* scalars, handles (ids), unions */
   return 0;
}

static int
copy_member(struct pv_vnc *c, const struct pv_cs_member *m, const struct pv_cs_member *sib,
            uint8_t *dst_base, const uint8_t *src_base, uint64_t cap, unsigned depth)
{
   uint8_t *dp = dst_base + m->offset, *d;
   const uint8_t *sp = src_base + m->offset, *s;
   int ret = 0;
   if (depth > PV_CS_MAX_DEPTH)
      return fail(c, -EPROTO, "%s: nesting too deep", m->name);
   switch (m->shape) {
   case PV_CS_S_VALUE:
      return copy_elem(c, m, dp, sp, depth);
   case PV_CS_S_FIXED:
      if (m->kind == PV_CS_K_U8) {
         memcpy(dp, sp, m->len_const);
         return 0;
      }
      for (uint32_t i = 0; !ret && i < m->len_const; i++)
         ret = copy_elem(c, m, dp + (size_t)i * m->elem_size, sp + (size_t)i * m->elem_size, depth);
      return ret;
   case PV_CS_S_PTR:
      d = load_ptr(dp);
      s = load_ptr(sp);
      return d && s ? copy_elem(c, m, d, s, depth) : 0;
   case PV_CS_S_ARRAY: {
      d = load_ptr(dp);
      s = load_ptr(sp);
      if (!d || !s)
         return 0;
      uint64_t n = array_len(m, sib, src_base);
      if (n > cap)
         return fail(c, -EPROTO, "%s: the host returned %llu elements for %llu", m->name,
                     (unsigned long long)n, (unsigned long long)cap);
      if (m->kind == PV_CS_K_U8 || m->kind == PV_CS_K_BLOB) {
         memcpy(d, s, (size_t)n * (m->elem_size ? m->elem_size : 1));
         return 0;
      }
      for (uint64_t i = 0; !ret && i < n; i++)
         ret = copy_elem(c, m, d + i * m->elem_size, s + i * m->elem_size, depth);
      return ret;
   }
   default:
      return 0; /* strings, allocators, sTypes: never outputs */
   }
}

/* Copy the members of struct (or args) `s`; with `chain`, also every
 * struct of dst's pNext chain from its counterpart in src's chain.
 * Array capacities are taken from dst before anything is overwritten. */
static int
copy_members(struct pv_vnc *c, const struct pv_cs_struct *s, uint8_t *dst, const uint8_t *src,
             bool chain, unsigned depth)
{
   const struct pv_cs_member *sib = &pv_cs_members[s->first];
   uint64_t *caps = calloc(s->count ? s->count : 1, sizeof(*caps));
   int ret = 0;
   if (!caps)
      return fail(c, -ENOMEM, "out of memory");
   for (unsigned i = 0; i < s->count; i++) {
      if (sib[i].shape == PV_CS_S_ARRAY)
         caps[i] = array_len(&sib[i], sib, dst);
   }
   for (unsigned i = 0; !ret && i < s->count; i++) {
      const struct pv_cs_member *m = &sib[i];
      if (m->shape == PV_CS_S_STYPE)
         continue;
      if (m->shape != PV_CS_S_PNEXT) {
         ret = copy_member(c, m, sib, dst, src, caps[i], depth);
         continue;
      }
      if (!chain)
         continue;
      for (VkBaseOutStructure *dn = load_ptr(dst + m->offset); !ret && dn; dn = dn->pNext) {
         const VkBaseOutStructure *sn = load_ptr(src + m->offset);
         while (sn && sn->sType != dn->sType)
            sn = sn->pNext;
         const struct pv_cs_struct *ext = find_ext(s, dn->sType);
         if (sn && ext)
            ret = copy_members(c, ext, (uint8_t *)dn, (const uint8_t *)sn, false, depth + 1);
      }
   }
   free(caps);
   return ret;
}

/* The outputs of a decoded reply (in `src`, a copy of the args whose
 * output pointers the decoder replaced) into the caller's args. */
static int
copy_back(struct pv_vnc *c, const struct pv_cs_command_info *info, uint8_t *dst, const uint8_t *src)
{
   const struct pv_cs_member *sib = &pv_cs_members[info->first];
   if (info->has_return)
      memcpy(dst + info->ret_offset, src + info->ret_offset, info->ret_size);
   /* output handles: the ids the host echoed, into X */
   for (unsigned i = 0; i < info->count; i++) {
      const struct pv_cs_member *m = &sib[i];
      if (!(m->flags & PV_CS_F_HANDLE_IDS))
         continue;
      uint8_t *x = load_ptr(dst + m->offset);
      const uint64_t *ids = load_ptr(src + m->aux);
      uint64_t n = load_uint(src + m->aux2, 4), cap = load_uint(dst + m->aux2, 4);
      if (n > cap)
         return fail(c, -EPROTO, "%s: %llu ids echoed for %llu", m->name,
                     (unsigned long long)n, (unsigned long long)cap);
      for (uint64_t k = 0; x && ids && k < n; k++)
         memcpy(x + k * m->elem_size, &ids[k], m->elem_size < 8 ? m->elem_size : 8);
   }
   /* Everything else.  Array capacities come from dst before anything is
    * overwritten (the count may be an output too). */
   uint64_t *caps = calloc(info->count ? info->count : 1, sizeof(*caps));
   int ret = 0;
   if (!caps)
      return fail(c, -ENOMEM, "out of memory");
   for (unsigned i = 0; i < info->count; i++) {
      if (sib[i].shape == PV_CS_S_ARRAY)
         caps[i] = array_len(&sib[i], sib, dst);
   }
   for (unsigned i = 0; !ret && i < info->count; i++) {
      const struct pv_cs_member *m = &sib[i];
      if (!(m->flags & PV_CS_F_OUT) || (m->flags & PV_CS_F_HANDLE_IDS))
         continue;
      ret = copy_member(c, m, sib, dst, src, caps[i], 0);
   }
   free(caps);
   return ret;
}

/* ---- calls ------------------------------------------------------------------- */

int
pv_vnc_send(struct pv_vnc *c, uint32_t cmd_id, const void *args)
{
   const struct pv_cs_command_info *info = command_info(c, cmd_id);
   if (!info)
      return -EINVAL;
   c->sends++;
   return ring_command(c, info, 0, args);
}

int
pv_vnc_call(struct pv_vnc *c, uint32_t cmd_id, void *args)
{
   const struct pv_cs_command_info *info = command_info(c, cmd_id);
   if (!info)
      return -EINVAL;
   size_t size = pv_cs_reply_size(info, args);
   if (!size)
      return fail(c, -EINVAL, "%s: cannot size its reply", info->name);
   if (size > PV_VNC_REPLY_SHM_SIZE)
      return fail(c, -E2BIG, "%s: a %zu-byte reply", info->name, size);
   if (c->reply_pos + size > PV_VNC_REPLY_SHM_SIZE)
      c->reply_pos = 0;
   size_t off = c->reply_pos;
   c->reply_pos += (size + 7) & ~(size_t)7;
   /* Never decode a stale reply: 0xff.. is no command type. */
   memset(c->reply_map + off, 0xff, size);
   c->calls++;

   VkCommandStreamDescriptionMESA stream = {
      .resourceId = c->reply_res, .offset = off, .size = size,
   };
   struct pv_vkSetReplyCommandStreamMESA_args set = { .pStream = &stream };
   int ret = ring_command(c, command_info(c, PV_CMD_vkSetReplyCommandStreamMESA), 0, &set);
   if (!ret)
      ret = ring_command(c, info, PV_VNC_GENERATE_REPLY, args);
   if (!ret)
      ret = pv_vnc_wait_seqno(c, c->last_seqno);
   if (ret)
      return ret;

   void *scratch = realloc(c->scratch_args, info->args_size);
   if (!scratch)
      return fail(c, -ENOMEM, "out of memory");
   c->scratch_args = scratch;
   memcpy(scratch, args, info->args_size);
   pv_cs_decoder_set_stream(&c->dec, c->reply_map + off, size);
   pv_cs_decoder_reset_scratch(&c->dec);
   if (!pv_cs_decode_reply(&c->dec, info, scratch))
      return fail(c, -EPROTO, "%s: reply does not decode: %s", info->name,
                  pv_cs_decoder_error(&c->dec));
   return copy_back(c, info, args, scratch);
}

/* ---- memory --------------------------------------------------------------------- */

int
pv_vnc_map_memory(struct pv_vnc *c, uint64_t memory_id, uint64_t size, bool keep_fd,
                  struct pv_vnc_mapping *m)
{
   int ret;
   memset(m, 0, sizeof(*m));
   m->fd = -1;
   /* The allocation went out asynchronously: order the export after it. */
   if (!pv_ring_seqno_reached(atomic_load(c->ring.head), c->last_seqno)) {
      struct pv_vkWaitRingSeqnoMESA_args w = { .ring = c->ring_id, .seqno = c->last_seqno };
      if ((ret = pv_vnc_submit_context(c, PV_CMD_vkWaitRingSeqnoMESA, &w)))
         return ret;
   }
   ret = c->ops->create_blob(c->t, size, memory_id, &m->res_id, &m->map, keep_fd ? &m->fd : NULL);
   if (ret)
      return fail(c, ret, "creating a blob of memory %llu: %s", (unsigned long long)memory_id,
                  strerror(-ret));
   m->size = size;
   return 0;
}

void
pv_vnc_unmap_memory(struct pv_vnc *c, struct pv_vnc_mapping *m)
{
   if (m->map)
      c->ops->unmap(c->t, m->map, m->size);
   if (m->res_id)
      c->ops->unref(c->t, m->res_id);
   if (m->fd >= 0)
      pv_close(m->fd);
   memset(m, 0, sizeof(*m));
   m->fd = -1;
}

/* ---- the vtest transport --------------------------------------------------------- */

static int
vtest_create_blob(void *t, uint64_t size, uint64_t blob_id, uint32_t *res_id, void **map, int *fd_out)
{
   int fd = -1;
   int ret = pv_vtc_create_blob(t, 2 /* HOST3D */, 1 /* MAPPABLE */, size, blob_id, res_id, &fd);
   if (ret)
      return ret;
   void *p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
   if (p == MAP_FAILED) {
      ret = -errno;
      pv_close(fd);
      pv_vtc_resource_unref(t, *res_id);
      return ret;
   }
   *map = p;
   if (fd_out)
      *fd_out = fd;
   else
      pv_close(fd);
   return 0;
}

static void
vtest_unmap(void *t, void *map, uint64_t size)
{
   (void)t;
   munmap(map, (size_t)size);
}

static int
vtest_unref(void *t, uint32_t res_id)
{
   return pv_vtc_resource_unref(t, res_id);
}

static int
vtest_submit(void *t, const void *cmds, size_t size)
{
   return pv_vtc_submit_cmd2(t, cmds, size, 0, NULL, 0);
}

/* vtest runs context commands in order but answers nothing: a sync that a
 * fence behind the commands signals says when they ran. */
static int
vtest_submit_wait(void *t, const void *cmds, size_t size)
{
   struct pv_vtc *v = t;
   uint32_t sync = 0;
   int fd = -1;
   int ret = pv_vtc_sync_create(v, 0, &sync);
   struct pv_vtc_sync point = { sync, 1 };
   if (!ret)
      ret = pv_vtc_submit_cmd2(v, cmds, size, 0, &point, 1);
   if (!ret)
      ret = pv_vtc_sync_wait(v, 0, 0xffffffffu, &point, 1, &fd);
   if (!ret) {
      int r = pv_vtc_poll_readable(fd, 30000);
      ret = r == 1 ? 0 : r ? r : -ETIMEDOUT;
   }
   if (fd >= 0)
      pv_close(fd);
   if (sync) {
      int r = pv_vtc_sync_unref(v, sync);
      ret = ret ? ret : r;
   }
   return ret;
}

static void
vtest_close(void *t)
{
   struct pv_vtc *v = t;
   if (v->fd >= 0)
      pv_vtc_close(v);
}

static const struct pv_vnc_transport vtest_transport = {
   .create_blob = vtest_create_blob, .unmap = vtest_unmap, .unref = vtest_unref,
   .submit = vtest_submit, .submit_wait = vtest_submit_wait, .close = vtest_close,
};

/* ---- lifetime ------------------------------------------------------------------- */

static int
create_ring(struct pv_vnc *c)
{
   struct pv_ring_layout l;
   size_t size = pv_guest_ring_layout(&l, PV_VNC_RING_BUFFER_SIZE);
   void *map;
   int ret = c->ops->create_blob(c->t, size, 0, &c->ring_res, &map, NULL);
   if (ret)
      return fail(c, ret, "creating the ring shm: %s", strerror(-ret));
   c->ring_map = map;
   memset(map, 0, size); /* Mesa zeroes it */
   pv_guest_ring_init(&c->ring, map, &l);
   c->ring_id = (uint64_t)(uintptr_t)&c->ring; /* Mesa: its vn_ring pointer */

   VkRingMonitorInfoMESA monitor = {
      .sType = (VkStructureType)STYPE_RING_MONITOR_INFO_MESA,
      .maxReportingPeriodMicroseconds = PV_VNC_RING_MONITOR_PERIOD_US,
   };
   VkRingCreateInfoMESA info = {
      .sType = (VkStructureType)STYPE_RING_CREATE_INFO_MESA, .pNext = &monitor,
      .resourceId = c->ring_res, .offset = 0, .size = size,
      .idleTimeout = PV_VNC_RING_IDLE_TIMEOUT_NS,
      .headOffset = l.head_offset, .tailOffset = l.tail_offset, .statusOffset = l.status_offset,
      .bufferOffset = l.buffer_offset, .bufferSize = l.buffer_size,
      .extraOffset = l.extra_offset, .extraSize = l.extra_size,
   };
   struct pv_vkCreateRingMESA_args a = { .ring = c->ring_id, .pCreateInfo = &info };
   if ((ret = pv_vnc_submit_context(c, PV_CMD_vkCreateRingMESA, &a)))
      return ret;
   c->open = true;
   return 0;
}

static void
init_client(struct pv_vnc *c, const struct pv_vnc_transport *ops, void *t)
{
   memset(c, 0, sizeof(*c));
   c->vtc.fd = -1;
   c->ops = ops;
   c->t = t ? t : &c->vtc;
   c->next_id = 1;
   c->timeout_ns = 30ull * 1000 * 1000 * 1000;
   pv_thread_precise_timers(); /* the waits below nap for microseconds */
   pv_cs_decoder_init(&c->dec, NULL, 0, NULL, NULL);
   c->dec.raw_handles = true;
}

/* The ring and the reply shm, on an open transport. */
static int
start(struct pv_vnc *c)
{
   int ret = create_ring(c);
   if (!ret) {
      void *map;
      ret = c->ops->create_blob(c->t, PV_VNC_REPLY_SHM_SIZE, 0, &c->reply_res, &map, NULL);
      if (ret)
         fail(c, ret, "creating the reply shm: %s", strerror(-ret));
      else
         c->reply_map = map;
   }
   if (ret)
      pv_vnc_abandon(c);
   return ret;
}

int
pv_vnc_open(struct pv_vnc *c, const char *path, const char *name)
{
   init_client(c, &vtest_transport, NULL);
   int ret = pv_vtc_open_venus(&c->vtc, path, name);
   if (ret) {
      fail(c, ret, "opening a Venus context on %s: %s", path, strerror(-ret));
      pv_vnc_abandon(c);
      return ret;
   }
   return start(c);
}

int
pv_vnc_open_transport(struct pv_vnc *c, const struct pv_vnc_transport *ops, void *t)
{
   init_client(c, ops, t);
   return start(c);
}

static void
free_local(struct pv_vnc *c)
{
   struct { void *map; uint64_t size; } maps[] = {
      { c->ring_map, PV_VNC_RING_SHM_SIZE }, { c->reply_map, PV_VNC_REPLY_SHM_SIZE },
      { c->upload_map, PV_VNC_UPLOAD_SHM_SIZE },
   };
   for (unsigned i = 0; i < 3 && c->ops; i++) {
      if (maps[i].map)
         c->ops->unmap(c->t, maps[i].map, maps[i].size);
   }
   c->ring_map = c->reply_map = c->upload_map = NULL;
   memset(&c->ring, 0, sizeof(c->ring));
   if (c->ops)
      c->ops->close(c->t);
   c->ops = NULL;
   pv_cs_decoder_fini(&c->dec);
   free(c->cmd);
   free(c->scratch_args);
   c->cmd = NULL;
   c->scratch_args = NULL;
   c->cmd_cap = 0;
   c->open = false;
}

void
pv_vnc_abandon(struct pv_vnc *c)
{
   free_local(c);
}

/* vkDestroyRingMESA the way 26.2 does it (docs/PROTOCOL.md §14 N20): on the
 * context, waited for. */
static int
destroy_ring(struct pv_vnc *c)
{
   struct pv_vkDestroyRingMESA_args a = { .ring = c->ring_id };
   size_t size;
   int ret = encode(c, command_info(c, PV_CMD_vkDestroyRingMESA), 0, &a, &size);
   if (!ret && (ret = c->ops->submit_wait(c->t, c->cmd, size)))
      fail(c, ret, "vkDestroyRingMESA: %s", strerror(-ret));
   return ret;
}

int
pv_vnc_close(struct pv_vnc *c)
{
   int ret = 0;
   if (c->open && c->ops) {
      ret = pv_vnc_wait_idle(c);
      if (!ret)
         ret = destroy_ring(c);
      if (!ret) {
         uint32_t res[3] = { c->ring_res, c->reply_res, c->upload_res };
         for (unsigned i = 0; i < 3 && !ret; i++) {
            if (res[i] && (ret = c->ops->unref(c->t, res[i])))
               fail(c, ret, "RESOURCE_UNREF(%u): %s", res[i], strerror(-ret));
         }
      }
   }
   free_local(c);
   return ret;
}
