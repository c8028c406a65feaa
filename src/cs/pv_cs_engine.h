/*
 * pv_cs_engine.h — pieces of the table-driven engine (pv_cs_exec.c) that
 * the guest side (pv_cs_guest.c) shares.  Not for the renderer: it uses
 * pv_cs_desc.h.
 */
#ifndef PV_CS_ENGINE_H
#define PV_CS_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "cs/pv_cs_desc.h"

/* Every parameter of a command (outputs as the guest sends them: their
 * struct headers only), or with `outputs_only` the output parameters as
 * a reply carries them. */
bool pv_cs_encode_members(struct pv_cs_encoder *e, const struct pv_cs_command_info *info,
                          const void *args, bool outputs_only);

/* An output-handle parameter's ids into its *_ids / *_count fields; with
 * `host_storage` also zeroed room for the driver's handles. */
bool pv_cs_read_out_handles(struct pv_cs_decoder *d, const struct pv_cs_member *m,
                            const struct pv_cs_member *sib, uint8_t *args, const char *owner,
                            bool host_storage);

/* One member (whole, not just a struct header) into `base`. */
bool pv_cs_decode_member(struct pv_cs_decoder *d, const struct pv_cs_member *m,
                         const struct pv_cs_member *sib, uint8_t *base, const char *owner);

/* A `size`-byte unsigned integer field. */
void pv_cs_store_uint(void *p, unsigned size, uint64_t v);

#endif /* PV_CS_ENGINE_H */
