/*
 * venus_client.h — a minimal Venus guest driver core for tests and load
 * generators, doing on the wire what Mesa 26.2's venus driver does over
 * vtest (docs/PROTOCOL.md §3, §4, §10, §14):
 *
 *   - pv_vnc_open(): handshake + CONTEXT_INIT (pv_vtc_open_venus), the
 *     primary ring exactly like Mesa's instance ring (a 131,268-byte shm
 *     blob, 128 KiB buffer, vkCreateRingMESA through SUBMIT_CMD2 with
 *     VkRingMonitorInfoMESA{3,000,000 us} and idleTimeout 1 ms) and a
 *     1 MiB reply shm;
 *   - pv_vnc_call(): vkSetReplyCommandStreamMESA{reply shm, slot, exact
 *     reply size} then the command with GENERATE_REPLY, each its own ring
 *     write (tail store, then vkNotifyRingMESA through SUBMIT_CMD2 if the
 *     status shows IDLE); waits for head, decodes the reply and writes the
 *     outputs where the args point, as a Vulkan call would;
 *   - pv_vnc_send(): the same without a reply (Mesa's vn_async_*);
 *   - commands above the ring's direct limit (buffer / 16 = 8 KiB) go
 *     through an upload shm and vkExecuteCommandStreamsMESA, as Mesa does;
 *   - guest object ids from a counter starting at 1;
 *   - device memory mapped through RESOURCE_CREATE_BLOB{HOST3D, MAPPABLE,
 *     blob_id = the VkDeviceMemory's id} + mmap;
 *   - pv_vnc_close(): vkDestroyRingMESA with 26.2's synchronous pattern
 *     (SYNC_CREATE, SUBMIT_CMD2 with the sync, SYNC_WAIT, poll, SYNC_UNREF;
 *     §14 N20), then the shms are unreferenced and the socket closed.
 *
 * Arguments are the generated `struct pv_vkFoo_args` of
 * "cs/pv_cs_generated.h" with client conventions: every handle holds a
 * guest id (PV_VNC_HANDLE), and a command that creates objects also gets
 * their new ids in X_ids / X_count (pv_vnc_new_id).  On return from
 * pv_vnc_call, `ret` and every output the args point to (counts, structs
 * with their pNext chains, arrays) hold the host's answer; output handles
 * X receive the ids echoed by the host.
 *
 * Every function returns 0 or a negative errno:
 *   -EIO        the ring's status has FATAL (the host found the context
 *               malformed), or the connection is gone;
 *   -ETIMEDOUT  the ring did not reach a seqno within c->timeout_ns;
 *   -EPROTO     a reply that does not decode (pv_vnc_error() says why);
 *   -E2BIG      a command or reply larger than this client's buffers.
 * A failure is sticky only where the protocol is: after -EIO/-ETIMEDOUT the
 * stream position is unknown and the client should be closed.
 *
 * One client per thread; distinct clients are independent.
 */
#ifndef PV_VENUS_CLIENT_H
#define PV_VENUS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cs/pv_cs_generated.h"
#include "ring/pv_guest_ring.h"
#include "tests/client/vtest_client.h"

/* Mesa 26.2's primary ring (docs/PROTOCOL.md §3.1, §14 N13). */
#define PV_VNC_RING_BUFFER_SIZE (128u * 1024u)
#define PV_VNC_RING_SHM_SIZE 131268u
#define PV_VNC_RING_IDLE_TIMEOUT_NS 1000000ull
#define PV_VNC_RING_MONITOR_PERIOD_US 3000000u
#define PV_VNC_REPLY_SHM_SIZE (1u << 20)
#define PV_VNC_UPLOAD_SHM_SIZE (1u << 20)

/* VkCommandFlagsEXT */
#define PV_VNC_GENERATE_REPLY 1u

/* A guest id in a handle field: PV_VNC_HANDLE(VkDevice, id). */
#define PV_VNC_HANDLE(T, id) ((T)(uintptr_t)(id))
#define PV_VNC_ID(h) ((uint64_t)(uintptr_t)(h))

/*
 * How the client reaches a renderer: vtest (pv_vnc_open), or anything
 * else that can make blobs and run context commands, such as the
 * virglrenderer ABI in-process (pv_vnc_open_transport).  Each returns 0 or
 * a negative errno.
 */
struct pv_vnc_transport {
   /* A HOST3D MAPPABLE blob of `size` bytes: shared memory (blob_id 0) or
    * the device memory `blob_id`; *map receives a mapping of it.  With fd
    * != NULL also an fd of it, owned by the caller (-ENOTSUP if none). */
   int (*create_blob)(void *t, uint64_t size, uint64_t blob_id, uint32_t *res_id, void **map,
                      int *fd);
   /* Undo create_blob's mapping, then drop the resource. */
   void (*unmap)(void *t, void *map, uint64_t size);
   int (*unref)(void *t, uint32_t res_id);
   /* Run Venus commands on the context (not a ring); submit_wait returns
    * once they ran. */
   int (*submit)(void *t, const void *cmds, size_t size);
   int (*submit_wait)(void *t, const void *cmds, size_t size);
   void (*close)(void *t);
};

struct pv_vnc {
   struct pv_vtc vtc;           /* the vtest transport's connection */
   const struct pv_vnc_transport *ops;
   void *t;                     /* ops' own state (&vtc for vtest) */

   /* primary ring */
   uint64_t ring_id;            /* Mesa uses its vn_ring pointer */
   uint32_t ring_res;
   uint8_t *ring_map;
   struct pv_guest_ring ring;

   /* replies: one slot per call, bump-allocated, wrapping (calls are
    * synchronous, so every earlier slot has been read) */
   uint32_t reply_res;
   uint8_t *reply_map;
   size_t reply_pos;

   /* upload shm for commands above the direct limit */
   uint32_t upload_res;
   uint8_t *upload_map;
   size_t upload_pos;
   uint32_t upload_seqno;       /* ring seqno of its last user */

   uint64_t next_id;            /* guest object ids, from 1 */
   uint64_t timeout_ns;         /* longest wait for the ring (default 30 s) */
   uint64_t spin_ns;            /* waiting for the ring, spin this long before
                                 * yielding (default 0: yield at once, as
                                 * Mesa's venus does) */
   uint32_t last_seqno;         /* tail after the latest ring write */

   /* counters, for tests and load generators */
   uint64_t calls, sends, notifies, indirect;

   struct pv_cs_decoder dec;    /* replies */
   void *scratch_args;          /* decoded reply before the copy-back */
   uint8_t *cmd;                /* encode buffer */
   size_t cmd_cap;
   bool open;                   /* ring created */
   char error[256];
};

/* Connect to the vtest server at `path`, open a Venus context named
 * `name` and create the primary ring and the reply shm. */
int pv_vnc_open(struct pv_vnc *c, const char *path, const char *name);
/* The same over another transport; the context behind it exists already
 * and `name` is for messages only. */
int pv_vnc_open_transport(struct pv_vnc *c, const struct pv_vnc_transport *ops, void *t);

/* Synchronous call of command `cmd_id` (PV_CMD_vkFoo) with `args` (its
 * struct pv_vkFoo_args).  0 means the host answered: check args->ret. */
int pv_vnc_call(struct pv_vnc *c, uint32_t cmd_id, void *args);

/* Asynchronous: written into the ring without a reply. c->last_seqno is
 * the seqno to wait for (pv_vnc_wait_seqno) to know the host ran it. */
int pv_vnc_send(struct pv_vnc *c, uint32_t cmd_id, const void *args);

/* Type-checked forms: PV_VNC_CALL(c, vkCreateDevice, &args). */
#define PV_VNC_CALL(c, name, args)                                             \
   pv_vnc_call((c), PV_CMD_##name, 1 ? (args) : (struct pv_##name##_args *)0)
#define PV_VNC_SEND(c, name, args)                                             \
   pv_vnc_send((c), PV_CMD_##name, 1 ? (args) : (const struct pv_##name##_args *)0)

/* Encode command `cmd_id` (no reply) and submit it on the context with
 * SUBMIT_CMD2 (ring_idx 0, no syncs): the MESA commands that must not go
 * through a ring (vkNotifyRingMESA, vkWaitRingSeqnoMESA, …). */
int pv_vnc_submit_context(struct pv_vnc *c, uint32_t cmd_id, const void *args);

/* Raw bytes into the ring (a multiple of 4), with the IDLE check and
 * notify: for tests that send malformed commands. */
int pv_vnc_write_raw(struct pv_vnc *c, const void *data, size_t size);

/* Wait until the host consumed the ring up to `seqno`, or everything. */
int pv_vnc_wait_seqno(struct pv_vnc *c, uint32_t seqno);
int pv_vnc_wait_idle(struct pv_vnc *c);

/* The ring's status word (PV_RING_STATUS_IDLE / FATAL / ALIVE). */
uint32_t pv_vnc_ring_status(const struct pv_vnc *c);

/* A new guest object id. */
static inline uint64_t
pv_vnc_new_id(struct pv_vnc *c)
{
   return c->next_id++;
}

/* A device memory's blob, mapped read-write at offset 0. */
struct pv_vnc_mapping {
   uint32_t res_id;
   void *map;
   uint64_t size;
   int fd; /* -1 unless pv_vnc_map_memory was asked to keep it */
};

/*
 * Map VkDeviceMemory `memory_id` of `size` bytes (its allocationSize),
 * as Mesa's vkMapMemory does: vkWaitRingSeqnoMESA through SUBMIT_CMD2 if
 * the ring has not yet passed the allocation, then RESOURCE_CREATE_BLOB
 * {HOST3D, MAPPABLE, size, blob_id = memory_id} and mmap of the fd.  The fd
 * is closed after mmap unless keep_fd (then m->fd, closed by unmap).
 */
int pv_vnc_map_memory(struct pv_vnc *c, uint64_t memory_id, uint64_t size, bool keep_fd,
                      struct pv_vnc_mapping *m);
/* munmap, RESOURCE_UNREF, close the kept fd. */
void pv_vnc_unmap_memory(struct pv_vnc *c, struct pv_vnc_mapping *m);

/* Clean teardown: wait for the ring to drain, vkDestroyRingMESA with the
 * 26.2 sync pattern, RESOURCE_UNREF of every shm, close the socket.  Frees
 * everything local whatever happens; returns the first error. */
int pv_vnc_close(struct pv_vnc *c);

/* Drop the connection without any protocol teardown (a client that dies),
 * and free everything local. */
void pv_vnc_abandon(struct pv_vnc *c);

/* The last failure in words ("" if none). */
static inline const char *
pv_vnc_error(const struct pv_vnc *c)
{
   return c->error;
}

#endif /* PV_VENUS_CLIENT_H */
