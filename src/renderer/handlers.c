/*
 * handlers.c — which handler runs a command: the hand-written one listed in
 * handlers.h if there is one, else the generated one (pv_handlers_gen.c).
 * Both tables are constant and indexed by command id.
 */
#include "renderer/handlers.h"

#include "renderer/command_loop.h"

#define PV_THUNK(file, name)                                                   \
   static void thunk_##name(struct pv_dispatcher *d, void *args)               \
   {                                                                           \
      pv_handle_##name(d, args);                                               \
   }
PV_HANDLED_COMMANDS(PV_THUNK)
#undef PV_THUNK

#define PV_HAND_ID_COUNT (sizeof(pv_generated_handlers) / sizeof(pv_generated_handlers[0]))

static const pv_handler_fn hand_written[PV_HAND_ID_COUNT] = {
#define PV_ENTRY(file, name) [PV_CMD_##name] = thunk_##name,
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

static const char *const hand_written_file[PV_HAND_ID_COUNT] = {
#define PV_FILE(file, name) [PV_CMD_##name] = file,
   PV_HANDLED_COMMANDS(PV_FILE)
#undef PV_FILE
};

const char *
pv_handler_file(uint32_t id)
{
   if (id >= PV_HAND_ID_COUNT)
      return NULL;
   return hand_written_file[id] ? hand_written_file[id]
          : pv_generated_handlers[id] ? "pv_handlers_gen.c (generated)" : NULL;
}
