/*
 * cmd_state.h — command buffer lifecycle checks (cmd_state.c).
 */
#ifndef PV_RENDERER_CMD_STATE_H
#define PV_RENDERER_CMD_STATE_H

#include <stdbool.h>

#include "renderer/vk/dispatch.h"

/* Before a command: one that records needs a recording command buffer,
 * render passes open and close in order, and what is submitted or
 * executed is executable.  False after failing the context. */
bool pv_cmd_state_before(struct pv_dispatcher *d, const struct pv_cs_command_info *info,
                         const void *args);
/* After a command that succeeded: the state it moved a command buffer (or
 * pool) to. */
void pv_cmd_state_after(struct pv_dispatcher *d, const struct pv_cs_command_info *info,
                        const void *args);

/* The command buffer a command-buffer command names (its first
 * parameter), or NULL. */
struct pv_command_buffer *pv_cmd_first_command_buffer(const struct pv_cs_command_info *info,
                                                      const void *args);

#endif
