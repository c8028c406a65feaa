/*
 * recorder.h — recording what a guest sends, for replays, bug reports and
 * fuzz seeds (PV_VENUS_RECORD=dir, or pv_renderer_config::record_dir).
 *
 * One file per context, in the record format of the shared captures:
 * records of  u32 magic "PVCS", u32 kind, u32 size, then size bytes.
 * Kinds 0-2 are the captures' own; the others are ours:
 *
 *   PV_RECORD_COMMAND     u64 channel (0: the context, else the ring id),
 *                         then one command's bytes, recorded after it
 *                         decoded and before it runs (so a command that
 *                         crashes the host is in the file); a command that
 *                         fails to decode is recorded with all bytes left.
 *   PV_RECORD_NESTED      the same for a command of a stream run by
 *                         vkExecuteCommandStreamsMESA (its bytes live in
 *                         guest memory, which is not recorded).
 *   PV_RECORD_BLOB        u32 type, u32 flags, u64 size, u64 blob_id,
 *                         u32 res_id the server chose.
 *   PV_RECORD_UNREF       u32 res_id.
 *
 * `pv-venus replay FILE` feeds such a file to a fresh context.
 */
#ifndef PV_RENDERER_RECORDER_H
#define PV_RENDERER_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include "util/pv_log.h"

#define PV_RECORD_MAGIC 0x53435650u /* "PVCS" */

enum pv_record_kind {
   PV_RECORD_CAPTURE_CONTEXT = 0, /* a context stream (captures) */
   PV_RECORD_CAPTURE_RING = 1,    /* a ring chunk, ring unknown (captures) */
   PV_RECORD_COMMAND = 16,
   PV_RECORD_NESTED = 17,
   PV_RECORD_BLOB = 18,
   PV_RECORD_UNREF = 19,
};

struct pv_recorder;

/* Open DIR/NAME-PID-SERIAL.pvcs for writing.  Returns 0 or -errno. */
int pv_recorder_open(const char *dir, const char *name, uint32_t serial,
                     const struct pv_logger *log, struct pv_recorder **out);
void pv_recorder_close(struct pv_recorder *rec);

/* Append one record: `head` (may be empty) followed by `data`.  Any thread;
 * records are written whole and in call order.  Write errors are logged
 * once and recording stops. */
void pv_recorder_write(struct pv_recorder *rec, uint32_t kind, const void *head, size_t head_size,
                       const void *data, size_t size);

#endif
