/*
 * vtest_conn.c — one vtest client: read a message, check it, answer it.
 *
 * The client is hostile: every length, offset and count is checked with
 * 64-bit arithmetic before use, and any violation ends this client only
 * (docs/PROTOCOL.md §14 N2: Mesa then spins on EOF, but a broken client must not
 * hurt the others).
 */
#include "vtest/vtest_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "vtest/vtest_protocol.h"

#define REPLY_MAX_DWORDS 48u

static const char *const cmd_names[PV_VCMD_MAX + 1] = {
   [PV_VCMD_GET_CAPS] = "GET_CAPS",
   [PV_VCMD_RESOURCE_CREATE] = "RESOURCE_CREATE",
   [PV_VCMD_RESOURCE_UNREF] = "RESOURCE_UNREF",
   [PV_VCMD_TRANSFER_GET] = "TRANSFER_GET",
   [PV_VCMD_TRANSFER_PUT] = "TRANSFER_PUT",
   [PV_VCMD_SUBMIT_CMD] = "SUBMIT_CMD",
   [PV_VCMD_RESOURCE_BUSY_WAIT] = "RESOURCE_BUSY_WAIT",
   [PV_VCMD_CREATE_RENDERER] = "CREATE_RENDERER",
   [PV_VCMD_GET_CAPS2] = "GET_CAPS2",
   [PV_VCMD_PING_PROTOCOL_VERSION] = "PING_PROTOCOL_VERSION",
   [PV_VCMD_PROTOCOL_VERSION] = "PROTOCOL_VERSION",
   [PV_VCMD_RESOURCE_CREATE2] = "RESOURCE_CREATE2",
   [PV_VCMD_TRANSFER_GET2] = "TRANSFER_GET2",
   [PV_VCMD_TRANSFER_PUT2] = "TRANSFER_PUT2",
   [PV_VCMD_GET_PARAM] = "GET_PARAM",
   [PV_VCMD_GET_CAPSET] = "GET_CAPSET",
   [PV_VCMD_CONTEXT_INIT] = "CONTEXT_INIT",
   [PV_VCMD_RESOURCE_CREATE_BLOB] = "RESOURCE_CREATE_BLOB",
   [PV_VCMD_SYNC_CREATE] = "SYNC_CREATE",
   [PV_VCMD_SYNC_UNREF] = "SYNC_UNREF",
   [PV_VCMD_SYNC_READ] = "SYNC_READ",
   [PV_VCMD_SYNC_WRITE] = "SYNC_WRITE",
   [PV_VCMD_SYNC_WAIT] = "SYNC_WAIT",
   [PV_VCMD_SUBMIT_CMD2] = "SUBMIT_CMD2",
};

static const char *
cmd_name(uint32_t cmd)
{
   const char *n = cmd <= PV_VCMD_MAX ? cmd_names[cmd] : NULL;
   return n ? n : "unknown command";
}

/* End this client: remember why (the first reason wins) and return -1. */
static int __attribute__((format(printf, 2, 3)))
drop(struct pv_vtest_conn *c, const char *fmt, ...)
{
   if (!c->why[0]) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(c->why, sizeof(c->why), fmt, ap);
      va_end(ap);
   }
   return -1;
}

static int
reply(struct pv_vtest_conn *c, uint32_t cmd, const uint32_t *payload, uint32_t dwords)
{
   uint32_t msg[2 + REPLY_MAX_DWORDS];
   if (dwords > REPLY_MAX_DWORDS)
      return drop(c, "internal error: reply of %u dwords", dwords);
   msg[0] = dwords;
   msg[1] = cmd;
   if (dwords)
      memcpy(msg + 2, payload, dwords * 4u);
   int ret = pv_write_full(c->fd, msg, (2u + dwords) * 4u);
   if (ret)
      return drop(c, "writing the %s reply: %s", cmd_name(cmd), strerror(-ret));
   return 0;
}

/* Send an fd we own after its reply, then close our copy. */
static int
send_fd(struct pv_vtest_conn *c, uint32_t cmd, int fd)
{
   int ret = pv_send_fd(c->fd, fd);
   pv_close(fd);
   if (ret)
      return drop(c, "sending the %s fd: %s", cmd_name(cmd), strerror(-ret));
   return 0;
}

static int
want_len(struct pv_vtest_conn *c, uint32_t cmd, uint32_t len, uint32_t expected)
{
   if (len != expected)
      return drop(c, "%s with length %u, expected %u", cmd_name(cmd), len, expected);
   return 0;
}

static int
want_ctx(struct pv_vtest_conn *c, uint32_t cmd)
{
   if (!c->ctx)
      return drop(c, "%s before CONTEXT_INIT", cmd_name(cmd));
   return 0;
}

static uint64_t
u64_of(const uint32_t *p)
{
   return (uint64_t)p[0] | ((uint64_t)p[1] << 32);
}

/* ---- handshake ---------------------------------------------------------- */

/* Bound how long a read may block (0: for ever).  A connection that never
 * says who it is would otherwise hold a thread for as long as it lives. */
static void
set_read_timeout(int fd, unsigned ms)
{
   struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };
   setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static int
on_create_renderer(struct pv_vtest_conn *c, const uint32_t *p, uint32_t len)
{
   if (c->named)
      return drop(c, "second CREATE_RENDERER");
   /* The payload is `len` bytes: the process name, NUL included, unpadded. */
   const char *s = (const char *)p;
   size_t n = 0;
   while (n < len && n + 1 < sizeof(c->name) && s[n]) {
      unsigned char ch = (unsigned char)s[n];
      c->name[n++] = (ch < 0x20 || ch >= 0x7f) ? '?' : (char)ch;
   }
   c->name[n] = '\0';
   if (!n)
      snprintf(c->name, sizeof(c->name), "unnamed");
   c->named = true;
   set_read_timeout(c->fd, 0); /* a named client may stay silent */
   pv_info(c->log, "vtest: client #%u '%s' connected", c->serial, c->name);
   return 0;
}

static int
on_protocol_version(struct pv_vtest_conn *c, const uint32_t *p)
{
   uint32_t v = p[0] < PV_VTEST_PROTOCOL_VERSION ? p[0] : PV_VTEST_PROTOCOL_VERSION;
   c->protocol_version = v;
   pv_debug(c->log, "vtest: client #%u: protocol %u (asked %u)", c->serial, v, p[0]);
   return reply(c, PV_VCMD_PROTOCOL_VERSION, &v, 1);
}

static int
on_get_param(struct pv_vtest_conn *c, const uint32_t *p)
{
   uint32_t out[2] = { 0, 0 }; /* valid, value */
   if (p[0] == PV_VTEST_PARAM_MAX_TIMELINE_COUNT) {
      out[0] = 1;
      out[1] = PV_VTEST_MAX_TIMELINE_COUNT;
   }
   pv_trace(c->log, "vtest: client #%u: param %u -> valid %u value %u", c->serial, p[0], out[0],
            out[1]);
   return reply(c, PV_VCMD_GET_PARAM, out, 2);
}

static int
on_get_capset(struct pv_vtest_conn *c, const uint32_t *p)
{
   uint32_t out[1 + PV_CAPSET_VENUS_SIZE / 4];
   size_t size = sizeof(out) - 4;
   int ret = pv_renderer_get_capset(c->srv->cfg.renderer, p[0], p[1], out + 1, &size);
   if (ret || size % 4 || size > sizeof(out) - 4) {
      /* Exactly {1,16}{0}: Mesa reads one dword after valid = 0 (§14 N6). */
      pv_debug(c->log, "vtest: client #%u: capset %u v%u not served", c->serial, p[0], p[1]);
      out[0] = 0;
      return reply(c, PV_VCMD_GET_CAPSET, out, 1);
   }
   out[0] = 1;
   return reply(c, PV_VCMD_GET_CAPSET, out, 1 + (uint32_t)(size / 4));
}

static void
context_event(struct pv_vtest_conn *c, bool created)
{
   if (c->srv->cfg.context_event)
      c->srv->cfg.context_event(c->srv->cfg.context_event_user, c->ctx, c->name, created);
}

static int
on_context_init(struct pv_vtest_conn *c, const uint32_t *p)
{
   uint32_t capset_id = p[0];
   if (c->ctx) {
      if (capset_id == c->capset_id)
         return 0;
      return drop(c, "CONTEXT_INIT(%u) after CONTEXT_INIT(%u)", capset_id, c->capset_id);
   }
   if (capset_id == 0)
      return drop(c, "CONTEXT_INIT with capset 0");
   int ret = pv_context_create(c->srv->cfg.renderer, c->name, capset_id, &c->ctx);
   if (ret)
      return drop(c, "CONTEXT_INIT(%u): %s", capset_id, strerror(-ret));
   c->capset_id = capset_id;
   context_event(c, true);
   return 0;
}

/* ---- resources ---------------------------------------------------------- */

static int
on_create_blob(struct pv_vtest_conn *c, const uint32_t *p)
{
   uint32_t type = p[0], flags = p[1];
   uint64_t size = u64_of(p + 2), blob_id = u64_of(p + 4);
   uint32_t res_id = 0;
   struct pv_blob_info info;
   int ret = pv_context_create_blob(c->ctx, type, flags, size, blob_id, &res_id, &info);
   if (ret) {
      /* Mesa always waits for an fd: there is no way to say "failed". */
      return drop(c, "RESOURCE_CREATE_BLOB(type %u, flags 0x%x, size %" PRIu64
                     ", blob_id %" PRIu64 "): %s",
                  type, flags, size, blob_id, strerror(-ret));
   }
   c->stats.blobs++;
   c->stats.blob_bytes += size;
   pv_trace(c->log, "vtest: client #%u: blob res %u (%" PRIu64 " bytes, blob_id %" PRIu64 ")",
            c->serial, res_id, size, blob_id);
   if (reply(c, PV_VCMD_RESOURCE_CREATE_BLOB, &res_id, 1)) {
      pv_close(info.fd);
      return -1;
   }
   return send_fd(c, PV_VCMD_RESOURCE_CREATE_BLOB, info.fd);
}

static int
on_resource_unref(struct pv_vtest_conn *c, const uint32_t *p)
{
   int ret = pv_context_unref_resource(c->ctx, p[0]);
   if (ret)
      return drop(c, "RESOURCE_UNREF(%u): %s", p[0], strerror(-ret));
   return 0;
}

/* ---- syncs -------------------------------------------------------------- */

static int
on_sync_create(struct pv_vtest_conn *c, const uint32_t *p)
{
   uint32_t id = 0;
   int ret = pv_sync_create(c->ctx, u64_of(p), &id);
   if (ret)
      return drop(c, "SYNC_CREATE: %s", strerror(-ret));
   return reply(c, PV_VCMD_SYNC_CREATE, &id, 1);
}

static int
on_sync_unref(struct pv_vtest_conn *c, const uint32_t *p)
{
   int ret = pv_sync_unref(c->ctx, p[0]);
   return ret ? drop(c, "SYNC_UNREF(%u): %s", p[0], strerror(-ret)) : 0;
}

static int
on_sync_read(struct pv_vtest_conn *c, const uint32_t *p)
{
   uint64_t value = 0;
   int ret = pv_sync_read(c->ctx, p[0], &value);
   if (ret)
      return drop(c, "SYNC_READ(%u): %s", p[0], strerror(-ret));
   uint32_t out[2] = { (uint32_t)value, (uint32_t)(value >> 32) };
   return reply(c, PV_VCMD_SYNC_READ, out, 2);
}

static int
on_sync_write(struct pv_vtest_conn *c, const uint32_t *p)
{
   int ret = pv_sync_write(c->ctx, p[0], u64_of(p + 1));
   return ret ? drop(c, "SYNC_WRITE(%u): %s", p[0], strerror(-ret)) : 0;
}

/* Read `count` (id, lo, hi) triples; the caller checked they fit. */
static struct pv_sync_point *
read_points(const uint32_t *p, uint32_t count)
{
   struct pv_sync_point *pts = calloc(count ? count : 1, sizeof(*pts));
   for (uint32_t i = 0; pts && i < count; i++) {
      pts[i].sync_id = p[3 * i];
      pts[i].value = u64_of(p + 3 * i + 1);
   }
   return pts;
}

static int
on_sync_wait(struct pv_vtest_conn *c, const uint32_t *p, uint32_t len)
{
   if (len < 2 || (len - 2) % PV_VTEST_SYNC_ENTRY_DWORDS)
      return drop(c, "SYNC_WAIT with length %u (want 2 + 3n)", len);
   uint32_t flags = p[0], timeout_ms = p[1], count = (len - 2) / PV_VTEST_SYNC_ENTRY_DWORDS;
   if (flags & ~PV_VTEST_SYNC_WAIT_FLAG_ANY)
      return drop(c, "SYNC_WAIT with unknown flags 0x%x", flags);
   struct pv_sync_point *pts = read_points(p + 2, count);
   if (!pts)
      return drop(c, "SYNC_WAIT: out of memory");
   uint64_t timeout_ns = timeout_ms == PV_VTEST_SYNC_WAIT_INFINITE
                            ? UINT64_MAX
                            : (uint64_t)timeout_ms * 1000000u;
   int fd = -1;
   int ret = pv_sync_wait(c->ctx, (flags & PV_VTEST_SYNC_WAIT_FLAG_ANY) ? PV_SYNC_WAIT_ANY : 0,
                          pts, count, timeout_ns, &fd);
   free(pts);
   if (ret)
      return drop(c, "SYNC_WAIT(%u syncs): %s", count, strerror(-ret));
   c->stats.sync_waits++;
   if (reply(c, PV_VCMD_SYNC_WAIT, NULL, 0)) {
      pv_close(fd);
      return -1;
   }
   return send_fd(c, PV_VCMD_SYNC_WAIT, fd);
}

/* ---- SUBMIT_CMD2 -------------------------------------------------------- */

/* Execute one batch; `b` points at its header, `p`/`n` is the payload. */
static int
run_batch(struct pv_vtest_conn *c, const uint32_t *b, bool has_syncobj_counts, const uint32_t *p,
          uint32_t n, uint32_t idx)
{
   uint32_t flags = b[PV_VTEST_BATCH_FLAGS];
   uint32_t cmd_off = b[PV_VTEST_BATCH_CMD_OFFSET], cmd_size = b[PV_VTEST_BATCH_CMD_SIZE];
   uint32_t sync_off = b[PV_VTEST_BATCH_SYNC_OFFSET], sync_count = b[PV_VTEST_BATCH_SYNC_COUNT];
   uint32_t ring_idx = b[PV_VTEST_BATCH_RING_IDX];
   if (flags & ~PV_VTEST_SUBMIT_CMD2_FLAG_RING_IDX)
      return drop(c, "SUBMIT_CMD2 batch %u: flags 0x%x (fence fds are not supported)", idx, flags);
   if (has_syncobj_counts &&
       (b[PV_VTEST_BATCH_NUM_IN_SYNCOBJ] || b[PV_VTEST_BATCH_NUM_OUT_SYNCOBJ]))
      return drop(c, "SUBMIT_CMD2 batch %u: DRM sync objects are not supported", idx);
   /* Offsets and sizes are dwords from the payload start; all in range? */
   if (cmd_off > n || cmd_size > n - cmd_off)
      return drop(c, "SUBMIT_CMD2 batch %u: commands [%u, +%u) outside the %u-dword message", idx,
                  cmd_off, cmd_size, n);
   if (sync_off > n || sync_count > (n - sync_off) / PV_VTEST_SYNC_ENTRY_DWORDS)
      return drop(c, "SUBMIT_CMD2 batch %u: %u syncs at %u outside the %u-dword message", idx,
                  sync_count, sync_off, n);
   bool ring = flags & PV_VTEST_SUBMIT_CMD2_FLAG_RING_IDX;
   if (ring && ring_idx >= PV_MAX_TIMELINES)
      return drop(c, "SUBMIT_CMD2 batch %u: ring_idx %u >= %u", idx, ring_idx, PV_MAX_TIMELINES);
   pv_trace(c->log, "vtest: client #%u: batch %u: %u cmd dwords at %u, %u syncs at %u, ring %d",
            c->serial, idx, cmd_size, cmd_off, sync_count, sync_off, ring ? (int)ring_idx : -1);

   if (cmd_size) {
      c->stats.submits++;
      c->stats.submit_bytes += (uint64_t)cmd_size * 4;
      int ret = pv_context_submit(c->ctx, p + cmd_off, (size_t)cmd_size * 4);
      if (ret) {
         const char *why = pv_context_fatal_reason(c->ctx);
         return drop(c, "command stream failed: %s", why ? why : strerror(-ret));
      }
   }
   if (!sync_count)
      return 0;
   /* Without RING_IDX the syncs are set at once: that is timeline 0. */
   struct pv_sync_point *pts = read_points(p + sync_off, sync_count);
   if (!pts)
      return drop(c, "SUBMIT_CMD2: out of memory");
   int ret = pv_context_submit_fence(c->ctx, ring ? ring_idx : 0, 0, pts, sync_count);
   free(pts);
   if (ret)
      return drop(c, "SUBMIT_CMD2 batch %u: fence on timeline %u: %s", idx, ring ? ring_idx : 0,
                  strerror(-ret));
   return 0;
}

static int
on_submit_cmd2(struct pv_vtest_conn *c, const uint32_t *p, uint32_t n)
{
   if (n < 1)
      return drop(c, "SUBMIT_CMD2 without a batch count");
   uint32_t count = p[0];
   /*
    * Batch 0's six leading dwords are the same in Mesa 24's 6-dword and
    * Mesa 26.2's 8-dword header; its cmd_offset/sync_offset are honoured
    * as given.  Further batches (Mesa never sends them) use the reference
    * server's stride of 8.  The syncobj counts exist only in the 8-dword
    * form, i.e. when the commands start at dword 9 or later.
    */
   uint64_t need = count <= 1 ? 1 + (uint64_t)count * PV_VTEST_BATCH_DWORDS_OLD
                              : 1 + (uint64_t)count * PV_VTEST_BATCH_DWORDS;
   if (need > n)
      return drop(c, "SUBMIT_CMD2: %u batches need %" PRIu64 " dwords, message has %u", count,
                  need, n);
   for (uint32_t i = 0; i < count; i++) {
      const uint32_t *b = p + 1 + (uint64_t)i * PV_VTEST_BATCH_DWORDS;
      bool counts = count > 1 || (b[PV_VTEST_BATCH_CMD_OFFSET] >= 1 + PV_VTEST_BATCH_DWORDS &&
                                  n >= 1 + PV_VTEST_BATCH_DWORDS);
      if (run_batch(c, b, counts, p, n, i))
         return -1;
   }
   return 0;
}

/* ---- the message loop --------------------------------------------------- */

/* Handlers of fixed-length commands that need a context. */
struct fixed_cmd {
   uint32_t len;
   int (*fn)(struct pv_vtest_conn *c, const uint32_t *p);
};

static const struct fixed_cmd ctx_cmds[PV_VCMD_MAX + 1] = {
   [PV_VCMD_RESOURCE_CREATE_BLOB] = { 6, on_create_blob },
   [PV_VCMD_RESOURCE_UNREF] = { 1, on_resource_unref },
   [PV_VCMD_SYNC_CREATE] = { 2, on_sync_create },
   [PV_VCMD_SYNC_UNREF] = { 1, on_sync_unref },
   [PV_VCMD_SYNC_READ] = { 1, on_sync_read },
   [PV_VCMD_SYNC_WRITE] = { 3, on_sync_write },
};

static int
handle(struct pv_vtest_conn *c, uint32_t cmd, const uint32_t *p, uint32_t len)
{
   if (cmd <= PV_VCMD_MAX && ctx_cmds[cmd].fn) {
      if (want_len(c, cmd, len, ctx_cmds[cmd].len) || want_ctx(c, cmd))
         return -1;
      return ctx_cmds[cmd].fn(c, p);
   }
   switch (cmd) {
   case PV_VCMD_PING_PROTOCOL_VERSION:
      return want_len(c, cmd, len, 0) ? -1 : reply(c, cmd, NULL, 0);
   case PV_VCMD_RESOURCE_BUSY_WAIT: {
      /* Only Mesa's ping probe sends it (handle 0); nothing is ever busy. */
      uint32_t busy = 0;
      return want_len(c, cmd, len, 2) ? -1 : reply(c, cmd, &busy, 1);
   }
   case PV_VCMD_PROTOCOL_VERSION:
      return want_len(c, cmd, len, 1) ? -1 : on_protocol_version(c, p);
   case PV_VCMD_GET_PARAM:
      return want_len(c, cmd, len, 1) ? -1 : on_get_param(c, p);
   case PV_VCMD_GET_CAPSET:
      return want_len(c, cmd, len, 2) ? -1 : on_get_capset(c, p);
   case PV_VCMD_CONTEXT_INIT:
      return want_len(c, cmd, len, 1) ? -1 : on_context_init(c, p);
   case PV_VCMD_SYNC_WAIT:
      return want_ctx(c, cmd) ? -1 : on_sync_wait(c, p, len);
   case PV_VCMD_SUBMIT_CMD2:
      return want_ctx(c, cmd) ? -1 : on_submit_cmd2(c, p, len);
   case PV_VCMD_CREATE_RENDERER:
      return drop(c, "second CREATE_RENDERER");
   default:
      return drop(c, "%s (%u) is not supported by a Venus server", cmd_name(cmd), cmd);
   }
}

/* Make room for `bytes` of payload (plus a NUL for names). */
static int
reserve(struct pv_vtest_conn *c, size_t bytes)
{
   if (bytes + 4 <= c->buf_size)
      return 0;
   size_t size = c->buf_size ? c->buf_size : 4096;
   while (size < bytes + 4)
      size *= 2;
   uint32_t *buf = malloc(size);
   if (!buf)
      return -ENOMEM;
   free(c->buf);
   c->buf = buf;
   c->buf_size = size;
   return 0;
}

/* Read exactly `size` bytes of the stream: from what an earlier read
 * brought in first, then with as few reads as there is data for (a large
 * payload straight into place).  0, -EPIPE at the end, or -errno. */
static int
stream_read(struct pv_vtest_conn *c, void *dst, size_t size)
{
   uint8_t *d = dst;
   while (size) {
      if (c->in_pos == c->in_len) {
         if (size >= sizeof(c->in))
            return pv_read_full(c->fd, d, size);
         long r = pv_read_some(c->fd, c->in, sizeof(c->in));
         if (r < 0)
            return (int)r;
         c->in_pos = 0;
         c->in_len = (size_t)r;
      }
      size_t n = c->in_len - c->in_pos < size ? c->in_len - c->in_pos : size;
      memcpy(d, c->in + c->in_pos, n);
      c->in_pos += n;
      d += n;
      size -= n;
   }
   return 0;
}

/* Where the renderer busy-waits (pv_context_busy_waits), poll the socket
 * for the client's next message a while before sleeping in read(): a guest
 * that waits for one submission at a time sends its next message within
 * microseconds of waking, and a sleeping thread's wake-up costs tens of
 * microseconds (26-40 in the H100 host's VM; there an empty submit + fence
 * wait went from 42 to 36 us, natively 32: docs/GUESTS.md). */
#define MESSAGE_POLL_NS 1000000ull

static void
poll_for_message(struct pv_vtest_conn *c)
{
   if (c->in_pos != c->in_len || !pv_context_busy_waits(c->ctx))
      return;
   uint64_t start = pv_now_ns();
   do {
      long r = pv_read_nowait(c->fd, c->in, sizeof(c->in));
      if (r > 0) {
         c->in_pos = 0;
         c->in_len = (size_t)r;
         return;
      }
      if (r != -EAGAIN)
         return; /* the blocking read sees the end or the error again */
      pv_yield();
   } while (pv_now_ns() - start < MESSAGE_POLL_NS);
}

/* Read one message.  1 = got one, 0 = orderly end of stream, -1 = drop. */
static int
read_message(struct pv_vtest_conn *c, uint32_t hdr[2])
{
   poll_for_message(c);
   int ret = stream_read(c, hdr, PV_VTEST_HDR_SIZE);
   if (ret == -EPIPE)
      return 0; /* a goodbye (possibly inside a header: nothing was started) */
   if (!c->named && (ret == -EAGAIN || ret == -EWOULDBLOCK))
      return drop(c, "no CREATE_RENDERER within %u ms", c->srv->cfg.handshake_timeout_ms);
   if (ret)
      return drop(c, "reading a header: %s", strerror(-ret));
   uint32_t len = hdr[PV_VTEST_HDR_LENGTH], cmd = hdr[PV_VTEST_HDR_CMD];
   if (!c->named && cmd != PV_VCMD_CREATE_RENDERER)
      return drop(c, "first message is %s (%u), not CREATE_RENDERER", cmd_name(cmd), cmd);
   /* CREATE_RENDERER's length counts bytes; every other one dwords. */
   uint64_t bytes = cmd == PV_VCMD_CREATE_RENDERER ? len : (uint64_t)len * 4;
   uint64_t cap = cmd == PV_VCMD_CREATE_RENDERER ? PV_VTEST_MAX_NAME_BYTES
                                                 : c->srv->cfg.max_message_bytes;
   if (bytes > cap)
      return drop(c, "%s of %" PRIu64 " bytes (limit %" PRIu64 ")", cmd_name(cmd), bytes, cap);
   if (reserve(c, (size_t)bytes))
      return drop(c, "out of memory for a %" PRIu64 "-byte message", bytes);
   ret = stream_read(c, c->buf, (size_t)bytes);
   if (ret == -EPIPE)
      return drop(c, "closed in the middle of %s", cmd_name(cmd));
   if (ret)
      return drop(c, "reading %s: %s", cmd_name(cmd), strerror(-ret));
   ((char *)c->buf)[bytes] = '\0';
   return 1;
}

static int
serve(struct pv_vtest_conn *c)
{
   for (;;) {
      uint32_t hdr[2];
      int ret = read_message(c, hdr);
      if (ret <= 0)
         return ret;
      uint32_t len = hdr[PV_VTEST_HDR_LENGTH], cmd = hdr[PV_VTEST_HDR_CMD];
      c->stats.messages++;
      pv_debug(c->log, "vtest: client #%u: %s, length %u", c->serial, cmd_name(cmd), len);
      ret = cmd == PV_VCMD_CREATE_RENDERER ? on_create_renderer(c, c->buf, len)
                                           : handle(c, cmd, c->buf, len);
      if (ret)
         return -1;
      /* Rings run on their own threads and may have poisoned the context. */
      if (c->ctx && pv_context_is_fatal(c->ctx))
         return drop(c, "context is fatal: %s", pv_context_fatal_reason(c->ctx));
   }
}

static void
log_summary(struct pv_vtest_conn *c, int result)
{
   const struct pv_vtest_conn_stats *s = &c->stats;
   double secs = (double)(pv_now_ns() - c->start_ns) / 1e9;
   enum pv_log_level level = result < 0 ? PV_LOG_WARN : PV_LOG_INFO;
   PV_LOG(c->log, level,
          "vtest: client #%u '%s' disconnected (%s) after %.2f s: %" PRIu64 " messages, %" PRIu64
          " submits (%" PRIu64 " KiB), %" PRIu64 " blobs (%" PRIu64 " KiB), %" PRIu64 " sync waits",
          c->serial, c->named ? c->name : "(no CREATE_RENDERER)",
          result < 0                           ? c->why
          : atomic_load(&c->srv->stopping) ? "server stopping"
                                           : "closed by the client",
          secs, s->messages, s->submits,
          s->submit_bytes / 1024, s->blobs, s->blob_bytes / 1024, s->sync_waits);
}

void *
pv_vtest_conn_main(void *arg)
{
   struct pv_vtest_conn *c = arg;
   struct pv_vtest_server *srv = c->srv;
   set_read_timeout(c->fd, srv->cfg.handshake_timeout_ms);
   int result = serve(c);
   log_summary(c, result);
   if (c->ctx) {
      context_event(c, false);
      pv_context_destroy(c->ctx);
      c->ctx = NULL;
   }
   free(c->buf);
   c->buf = NULL;
   pthread_mutex_lock(&srv->lock);
   pv_close(c->fd);
   c->fd = -1;
   pthread_mutex_unlock(&srv->lock);
   /* Give the heap's free memory back once the last client is gone, not
    * per client: a trim walks the whole heap, and a thousand clients
    * leaving at once made teardown take seconds.  Not while stopping. */
   if (atomic_fetch_sub(&srv->active, 1) == 1 && !atomic_load(&srv->stopping))
      pv_heap_release_free();
   atomic_store(&c->finished, true);
   pv_pollfd_signal(&srv->wake);
   return NULL;
}
