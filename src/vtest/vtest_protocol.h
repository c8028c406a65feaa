/*
 * vtest_protocol.h — the vtest wire protocol as Mesa's venus driver uses it
 * (docs/PROTOCOL.md §1; §14 M1, N2–N7, N20).  Shared by the server and by our
 * test client.  All words are native 32-bit little-endian.
 */
#ifndef PV_VTEST_PROTOCOL_H
#define PV_VTEST_PROTOCOL_H

#include <stdint.h>

/* Header: { length, cmd_id }.  length counts payload dwords, except for
 * CREATE_RENDERER where it counts bytes. */
#define PV_VTEST_HDR_SIZE 8u
#define PV_VTEST_HDR_LENGTH 0
#define PV_VTEST_HDR_CMD 1

enum pv_vtest_cmd {
   PV_VCMD_GET_CAPS = 1,
   PV_VCMD_RESOURCE_CREATE = 2,
   PV_VCMD_RESOURCE_UNREF = 3,
   PV_VCMD_TRANSFER_GET = 4,
   PV_VCMD_TRANSFER_PUT = 5,
   PV_VCMD_SUBMIT_CMD = 6,
   PV_VCMD_RESOURCE_BUSY_WAIT = 7,
   PV_VCMD_CREATE_RENDERER = 8,
   PV_VCMD_GET_CAPS2 = 9,
   PV_VCMD_PING_PROTOCOL_VERSION = 10,
   PV_VCMD_PROTOCOL_VERSION = 11,
   PV_VCMD_RESOURCE_CREATE2 = 12,
   PV_VCMD_TRANSFER_GET2 = 13,
   PV_VCMD_TRANSFER_PUT2 = 14,
   PV_VCMD_GET_PARAM = 15,
   PV_VCMD_GET_CAPSET = 16,
   PV_VCMD_CONTEXT_INIT = 17,
   PV_VCMD_RESOURCE_CREATE_BLOB = 18,
   PV_VCMD_SYNC_CREATE = 19,
   PV_VCMD_SYNC_UNREF = 20,
   PV_VCMD_SYNC_READ = 21,
   PV_VCMD_SYNC_WRITE = 22,
   PV_VCMD_SYNC_WAIT = 23,
   PV_VCMD_SUBMIT_CMD2 = 24,
   PV_VCMD_MAX = 38, /* DRM_SYNC_* (25–37) and RESOURCE_EXPORT_FD (38): not for Venus */
};

/* What we speak: Mesa 26.2 sends 4 and needs >= 3. */
#define PV_VTEST_PROTOCOL_VERSION 4u

/* CREATE_RENDERER's name is capped (the reference server does the same). */
#define PV_VTEST_MAX_NAME_BYTES (1u << 20)

/* GET_PARAM */
#define PV_VTEST_PARAM_MAX_TIMELINE_COUNT 1u
#define PV_VTEST_PARAM_HAS_TIMELINE_SYNCOBJ 2u

/* SYNC_WAIT */
#define PV_VTEST_SYNC_WAIT_FLAG_ANY (1u << 0)
#define PV_VTEST_SYNC_WAIT_INFINITE 0xffffffffu

/* SUBMIT_CMD2: payload = batch_count, then batch headers.  Mesa 24 writes
 * 6-dword headers (cmd_offset 7), Mesa 26.2 writes 8 (cmd_offset 9). */
#define PV_VTEST_SUBMIT_CMD2_FLAG_RING_IDX (1u << 0)
#define PV_VTEST_SUBMIT_CMD2_FLAG_IN_FENCE_FD (1u << 1)
#define PV_VTEST_SUBMIT_CMD2_FLAG_OUT_FENCE_FD (1u << 2)
enum {
   PV_VTEST_BATCH_FLAGS = 0,
   PV_VTEST_BATCH_CMD_OFFSET = 1,
   PV_VTEST_BATCH_CMD_SIZE = 2,
   PV_VTEST_BATCH_SYNC_OFFSET = 3,
   PV_VTEST_BATCH_SYNC_COUNT = 4,
   PV_VTEST_BATCH_RING_IDX = 5,
   PV_VTEST_BATCH_NUM_IN_SYNCOBJ = 6,  /* 8-dword form only */
   PV_VTEST_BATCH_NUM_OUT_SYNCOBJ = 7, /* 8-dword form only */
   PV_VTEST_BATCH_DWORDS_OLD = 6,
   PV_VTEST_BATCH_DWORDS = 8,
};
/* A sync entry: sync_id, value_lo, value_hi. */
#define PV_VTEST_SYNC_ENTRY_DWORDS 3u

/* MAX_TIMELINE_COUNT answer: ring_idx 0…63 (§14 N5: 64 is right). */
#define PV_VTEST_MAX_TIMELINE_COUNT 64u

#endif /* PV_VTEST_PROTOCOL_H */
