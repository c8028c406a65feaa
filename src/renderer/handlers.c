/*
 * handlers.c — which handler runs a command: the hand-written one listed in
 * handlers.h if there is one, else the generated one (pv_handlers_gen.c).
 * Both tables are constant and indexed by command id.
 */
#include "renderer/handlers.h"

#include "renderer/command_loop.h"

#define PV_THUNK(name)                                                         \
   static void thunk_##name(struct pv_dispatcher *d, void *args)               \
   {                                                                           \
      pv_handle_##name(d, args);                                               \
   }
PV_HANDLED_COMMANDS(PV_THUNK)
#undef PV_THUNK

#define PV_HAND_ID_COUNT (sizeof(pv_generated_handlers) / sizeof(pv_generated_handlers[0]))

static const pv_handler_fn hand_written[PV_HAND_ID_COUNT] = {
#define PV_ENTRY(name) [PV_CMD_##name] = thunk_##name,
   PV_HANDLED_COMMANDS(PV_ENTRY)
#undef PV_ENTRY
};

pv_handler_fn
pv_handler_for(uint32_t id)
{
   if (id >= PV_HAND_ID_COUNT)
      return NULL;
   return hand_written[id] ? hand_written[id] : pv_generated_handlers[id];
}
