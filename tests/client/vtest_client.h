/*
 * vtest_client.h — a minimal guest-side vtest client, speaking to a vtest
 * server the way Mesa 26.2's venus driver does (docs/PROTOCOL.md §1, §14 M1).
 * For tests: the end-to-end suites encode Venus commands themselves and
 * submit them with pv_vtc_submit_cmd2().
 *
 * Every function returns 0 or a negative errno; -EPROTO means the server
 * answered with an unexpected header.  Not thread-safe per client.
 */
#ifndef PV_VTEST_CLIENT_H
#define PV_VTEST_CLIENT_H

#include <stddef.h>
#include <stdint.h>

struct pv_vtc {
   int fd;
   uint32_t protocol_version;   /* negotiated */
   uint32_t max_timeline_count; /* GET_PARAM answer */
};

struct pv_vtc_sync {
   uint32_t id;
   uint64_t value;
};

/* Connect to `path`.  c->fd is -1 on failure. */
int pv_vtc_connect(struct pv_vtc *c, const char *path);
void pv_vtc_close(struct pv_vtc *c);

/*
 * Mesa's handshake: CREATE_RENDERER(name), PING + RESOURCE_BUSY_WAIT(0)
 * probe, PROTOCOL_VERSION(4), GET_PARAM(MAX_TIMELINE_COUNT).  Fails with
 * -ENOTSUP if the server lacks ping, negotiates < 3 or reports no
 * timelines, as Mesa would.
 */
int pv_vtc_handshake(struct pv_vtc *c, const char *name);

/* GET_CAPSET.  *valid receives the server's flag; on valid, up to *size
 * bytes are copied to buf and *size is set to the capset's size. */
int pv_vtc_get_capset(struct pv_vtc *c, uint32_t id, uint32_t version, int *valid, void *buf,
                      size_t *size);
int pv_vtc_context_init(struct pv_vtc *c, uint32_t capset_id);

/* connect + handshake + capset check (wire format 1) + CONTEXT_INIT(4). */
int pv_vtc_open_venus(struct pv_vtc *c, const char *path, const char *name);

int pv_vtc_get_param(struct pv_vtc *c, uint32_t param, uint32_t *valid, uint32_t *value);

/* RESOURCE_CREATE_BLOB; *fd_out receives the one fd the server sends. */
int pv_vtc_create_blob(struct pv_vtc *c, uint32_t type, uint32_t flags, uint64_t size,
                       uint64_t blob_id, uint32_t *res_id, int *fd_out);
/* Shared memory the way Mesa creates every shmem (HOST3D, MAPPABLE,
 * blob_id 0), mapped read-write. */
int pv_vtc_create_shm(struct pv_vtc *c, size_t size, uint32_t *res_id, void **map);
int pv_vtc_resource_unref(struct pv_vtc *c, uint32_t res_id);

/* SUBMIT_CMD2 with one batch in Mesa 26.2's 8-dword form (cmd_offset 9),
 * flags RING_IDX; `syncs` are attached to timeline ring_idx. */
int pv_vtc_submit_cmd2(struct pv_vtc *c, const void *cmds, size_t cmd_bytes, uint32_t ring_idx,
                       const struct pv_vtc_sync *syncs, uint32_t sync_count);

int pv_vtc_sync_create(struct pv_vtc *c, uint64_t value, uint32_t *id);
int pv_vtc_sync_unref(struct pv_vtc *c, uint32_t id);
int pv_vtc_sync_read(struct pv_vtc *c, uint32_t id, uint64_t *value);
int pv_vtc_sync_write(struct pv_vtc *c, uint32_t id, uint64_t value);
/* SYNC_WAIT; *fd_out receives the pollable fd.  timeout_ms 0xffffffff =
 * infinite.  flags: 1 = any. */
int pv_vtc_sync_wait(struct pv_vtc *c, uint32_t flags, uint32_t timeout_ms,
                     const struct pv_vtc_sync *syncs, uint32_t count, int *fd_out);

/* poll() one fd for readability: 1 readable, 0 timeout, <0 error. */
int pv_vtc_poll_readable(int fd, int timeout_ms);

/* Raw access for hostile-client tests. */
int pv_vtc_send(struct pv_vtc *c, const void *data, size_t size);
int pv_vtc_send_msg(struct pv_vtc *c, uint32_t cmd, const uint32_t *payload, uint32_t dwords);
/* Read a reply header and check it is {dwords, cmd}. */
int pv_vtc_expect(struct pv_vtc *c, uint32_t cmd, uint32_t dwords);
int pv_vtc_read(struct pv_vtc *c, void *buf, size_t size);

#endif /* PV_VTEST_CLIENT_H */
