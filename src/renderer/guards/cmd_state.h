/*
 * cmd_state.h — the cmd_state guard (pv_guard_cmd_state, guards.h):
 * command buffer lifecycle checks (cmd_state.c).
 */
#ifndef PV_RENDERER_CMD_STATE_H
#define PV_RENDERER_CMD_STATE_H

#include <stdbool.h>

#include "renderer/guards/guards.h"
#include "renderer/vk/dispatch.h"

/* The command buffer a command-buffer command names (its first
 * parameter), or NULL. */
struct pv_command_buffer *pv_cmd_first_command_buffer(const struct pv_cs_command_info *info,
                                                      const void *args);

#endif
