/* vtest_client.c — see vtest_client.h. */
#include "tests/client/vtest_client.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "platform/pv_platform.h"
#include "vtest/vtest_protocol.h"

int
pv_vtc_connect(struct pv_vtc *c, const char *path)
{
   memset(c, 0, sizeof(*c));
   c->fd = pv_socket_connect(path);
   return c->fd < 0 ? c->fd : 0;
}

void
pv_vtc_close(struct pv_vtc *c)
{
   pv_close(c->fd);
   c->fd = -1;
}

int
pv_vtc_send(struct pv_vtc *c, const void *data, size_t size)
{
   return pv_write_full(c->fd, data, size);
}

int
pv_vtc_send_msg(struct pv_vtc *c, uint32_t cmd, const uint32_t *payload, uint32_t dwords)
{
   uint32_t hdr[2] = { dwords, cmd };
   int ret = pv_write_full(c->fd, hdr, sizeof(hdr));
   if (!ret && dwords)
      ret = pv_write_full(c->fd, payload, (size_t)dwords * 4);
   return ret;
}

int
pv_vtc_read(struct pv_vtc *c, void *buf, size_t size)
{
   return pv_read_full(c->fd, buf, size);
}

int
pv_vtc_expect(struct pv_vtc *c, uint32_t cmd, uint32_t dwords)
{
   uint32_t hdr[2];
   int ret = pv_read_full(c->fd, hdr, sizeof(hdr));
   if (ret)
      return ret;
   return hdr[0] == dwords && hdr[1] == cmd ? 0 : -EPROTO;
}

/* Send a request and read a reply of exactly `out_dwords` dwords. */
static int
call(struct pv_vtc *c, uint32_t cmd, const uint32_t *in, uint32_t in_dwords, uint32_t *out,
     uint32_t out_dwords)
{
   int ret = pv_vtc_send_msg(c, cmd, in, in_dwords);
   if (!ret)
      ret = pv_vtc_expect(c, cmd, out_dwords);
   if (!ret && out_dwords)
      ret = pv_read_full(c->fd, out, (size_t)out_dwords * 4);
   return ret;
}

static int
create_renderer(struct pv_vtc *c, const char *name)
{
   /* The one message whose length counts bytes (NUL included). */
   size_t len = strlen(name) + 1;
   uint32_t hdr[2] = { (uint32_t)len, PV_VCMD_CREATE_RENDERER };
   int ret = pv_write_full(c->fd, hdr, sizeof(hdr));
   return ret ? ret : pv_write_full(c->fd, name, len);
}

/* Mesa's probe: PING, then a dummy busy-wait; the first reply tells. */
static int
ping_probe(struct pv_vtc *c)
{
   uint32_t busy_wait[2] = { 0, 0 };
   int ret = pv_vtc_send_msg(c, PV_VCMD_PING_PROTOCOL_VERSION, NULL, 0);
   if (!ret)
      ret = pv_vtc_send_msg(c, PV_VCMD_RESOURCE_BUSY_WAIT, busy_wait, 2);
   uint32_t hdr[2];
   if (!ret)
      ret = pv_read_full(c->fd, hdr, sizeof(hdr));
   if (ret)
      return ret;
   if (hdr[0] != 0 || hdr[1] != PV_VCMD_PING_PROTOCOL_VERSION)
      return -ENOTSUP; /* no ping: protocol 0, which Mesa refuses */
   uint32_t busy;
   ret = pv_vtc_expect(c, PV_VCMD_RESOURCE_BUSY_WAIT, 1);
   return ret ? ret : pv_read_full(c->fd, &busy, 4);
}

int
pv_vtc_get_param(struct pv_vtc *c, uint32_t param, uint32_t *valid, uint32_t *value)
{
   uint32_t out[2];
   int ret = call(c, PV_VCMD_GET_PARAM, &param, 1, out, 2);
   if (!ret) {
      *valid = out[0];
      *value = out[1];
   }
   return ret;
}

int
pv_vtc_handshake(struct pv_vtc *c, const char *name)
{
   int ret = create_renderer(c, name);
   if (!ret)
      ret = ping_probe(c);
   uint32_t version = PV_VTEST_PROTOCOL_VERSION;
   if (!ret)
      ret = call(c, PV_VCMD_PROTOCOL_VERSION, &version, 1, &c->protocol_version, 1);
   if (!ret && c->protocol_version < 3)
      ret = -ENOTSUP;
   uint32_t valid = 0;
   if (!ret)
      ret = pv_vtc_get_param(c, PV_VTEST_PARAM_MAX_TIMELINE_COUNT, &valid, &c->max_timeline_count);
   if (!ret && (!valid || !c->max_timeline_count))
      ret = -ENOTSUP;
   return ret;
}

int
pv_vtc_get_capset(struct pv_vtc *c, uint32_t id, uint32_t version, int *valid, void *buf,
                  size_t *size)
{
   uint32_t in[2] = { id, version }, hdr[2], flag;
   int ret = pv_vtc_send_msg(c, PV_VCMD_GET_CAPSET, in, 2);
   if (!ret)
      ret = pv_read_full(c->fd, hdr, sizeof(hdr));
   if (ret)
      return ret;
   if (hdr[1] != PV_VCMD_GET_CAPSET || hdr[0] < 1)
      return -EPROTO;
   ret = pv_read_full(c->fd, &flag, 4);
   if (ret)
      return ret;
   *valid = (int)flag;
   size_t got = (size_t)(hdr[0] - 1) * 4;
   if (!flag)
      return got ? -EPROTO : 0; /* must be exactly {1,16}{0} */
   /* Like Mesa: copy what fits, skip the rest. */
   size_t keep = got < *size ? got : *size;
   ret = pv_read_full(c->fd, buf, keep);
   for (size_t left = got - keep; !ret && left;) {
      char skip[256];
      size_t n = left < sizeof(skip) ? left : sizeof(skip);
      ret = pv_read_full(c->fd, skip, n);
      left -= n;
   }
   *size = got;
   return ret;
}

int
pv_vtc_context_init(struct pv_vtc *c, uint32_t capset_id)
{
   return pv_vtc_send_msg(c, PV_VCMD_CONTEXT_INIT, &capset_id, 1);
}

int
pv_vtc_open_venus(struct pv_vtc *c, const char *path, const char *name)
{
   int ret = pv_vtc_connect(c, path);
   if (!ret)
      ret = pv_vtc_handshake(c, name);
   uint32_t capset[40];
   size_t size = sizeof(capset);
   int valid = 0;
   if (!ret)
      ret = pv_vtc_get_capset(c, 4, 0, &valid, capset, &size);
   if (!ret && (!valid || size < 4 || capset[0] != 1))
      ret = -ENOTSUP; /* Mesa: wire format must be 1 */
   if (!ret)
      ret = pv_vtc_context_init(c, 4);
   if (ret && c->fd >= 0)
      pv_vtc_close(c);
   return ret;
}

int
pv_vtc_create_blob(struct pv_vtc *c, uint32_t type, uint32_t flags, uint64_t size,
                   uint64_t blob_id, uint32_t *res_id, int *fd_out)
{
   uint32_t in[6] = { type, flags, (uint32_t)size, (uint32_t)(size >> 32), (uint32_t)blob_id,
                      (uint32_t)(blob_id >> 32) };
   *fd_out = -1;
   int ret = call(c, PV_VCMD_RESOURCE_CREATE_BLOB, in, 6, res_id, 1);
   return ret ? ret : pv_recv_fd(c->fd, fd_out);
}

int
pv_vtc_create_shm(struct pv_vtc *c, size_t size, uint32_t *res_id, void **map)
{
   int fd;
   *map = NULL;
   int ret = pv_vtc_create_blob(c, 2 /* HOST3D */, 1 /* MAPPABLE */, size, 0, res_id, &fd);
   if (ret)
      return ret;
   void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
   pv_close(fd); /* Mesa closes it after mmap unless SHAREABLE */
   if (p == MAP_FAILED)
      return -errno;
   *map = p;
   return 0;
}

int
pv_vtc_resource_unref(struct pv_vtc *c, uint32_t res_id)
{
   return pv_vtc_send_msg(c, PV_VCMD_RESOURCE_UNREF, &res_id, 1);
}

int
pv_vtc_submit_cmd2(struct pv_vtc *c, const void *cmds, size_t cmd_bytes, uint32_t ring_idx,
                   const struct pv_vtc_sync *syncs, uint32_t sync_count)
{
   if (cmd_bytes % 4 || cmd_bytes / 4 > UINT32_MAX / 2 || sync_count > 1u << 20)
      return -EINVAL;
   uint32_t cmd_dwords = (uint32_t)(cmd_bytes / 4);
   uint32_t head = 1 + PV_VTEST_BATCH_DWORDS;
   uint32_t total = head + cmd_dwords + 3 * sync_count;
   uint32_t *msg = calloc((size_t)total + 2, 4);
   if (!msg)
      return -ENOMEM;
   msg[0] = total;
   msg[1] = PV_VCMD_SUBMIT_CMD2;
   uint32_t *p = msg + 2;
   p[0] = 1; /* batch_count */
   uint32_t *b = p + 1;
   b[PV_VTEST_BATCH_FLAGS] = PV_VTEST_SUBMIT_CMD2_FLAG_RING_IDX;
   b[PV_VTEST_BATCH_CMD_OFFSET] = head;
   b[PV_VTEST_BATCH_CMD_SIZE] = cmd_dwords;
   b[PV_VTEST_BATCH_SYNC_OFFSET] = head + cmd_dwords;
   b[PV_VTEST_BATCH_SYNC_COUNT] = sync_count;
   b[PV_VTEST_BATCH_RING_IDX] = ring_idx;
   if (cmd_bytes)
      memcpy(p + head, cmds, cmd_bytes);
   for (uint32_t i = 0; i < sync_count; i++) {
      uint32_t *s = p + head + cmd_dwords + 3 * i;
      s[0] = syncs[i].id;
      s[1] = (uint32_t)syncs[i].value;
      s[2] = (uint32_t)(syncs[i].value >> 32);
   }
   int ret = pv_write_full(c->fd, msg, ((size_t)total + 2) * 4);
   free(msg);
   return ret;
}

int
pv_vtc_sync_create(struct pv_vtc *c, uint64_t value, uint32_t *id)
{
   uint32_t in[2] = { (uint32_t)value, (uint32_t)(value >> 32) };
   return call(c, PV_VCMD_SYNC_CREATE, in, 2, id, 1);
}

int
pv_vtc_sync_unref(struct pv_vtc *c, uint32_t id)
{
   return pv_vtc_send_msg(c, PV_VCMD_SYNC_UNREF, &id, 1);
}

int
pv_vtc_sync_read(struct pv_vtc *c, uint32_t id, uint64_t *value)
{
   uint32_t out[2];
   int ret = call(c, PV_VCMD_SYNC_READ, &id, 1, out, 2);
   if (!ret)
      *value = (uint64_t)out[0] | ((uint64_t)out[1] << 32);
   return ret;
}

int
pv_vtc_sync_write(struct pv_vtc *c, uint32_t id, uint64_t value)
{
   uint32_t in[3] = { id, (uint32_t)value, (uint32_t)(value >> 32) };
   return pv_vtc_send_msg(c, PV_VCMD_SYNC_WRITE, in, 3);
}

int
pv_vtc_sync_wait(struct pv_vtc *c, uint32_t flags, uint32_t timeout_ms,
                 const struct pv_vtc_sync *syncs, uint32_t count, int *fd_out)
{
   *fd_out = -1;
   if (count > 1u << 20)
      return -EINVAL;
   uint32_t n = 2 + 3 * count;
   uint32_t *in = calloc(n, 4);
   if (!in)
      return -ENOMEM;
   in[0] = flags;
   in[1] = timeout_ms;
   for (uint32_t i = 0; i < count; i++) {
      in[2 + 3 * i] = syncs[i].id;
      in[3 + 3 * i] = (uint32_t)syncs[i].value;
      in[4 + 3 * i] = (uint32_t)(syncs[i].value >> 32);
   }
   int ret = call(c, PV_VCMD_SYNC_WAIT, in, n, NULL, 0);
   free(in);
   return ret ? ret : pv_recv_fd(c->fd, fd_out);
}

int
pv_vtc_poll_readable(int fd, int timeout_ms)
{
   struct pollfd p = { .fd = fd, .events = POLLIN };
   int ret;
   do {
      ret = poll(&p, 1, timeout_ms);
   } while (ret < 0 && errno == EINTR);
   if (ret < 0)
      return -errno;
   return ret && (p.revents & POLLIN) ? 1 : (ret ? -EIO : 0);
}
