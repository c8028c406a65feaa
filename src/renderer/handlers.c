/*
 * handlers.c — binds the handlers listed in handlers.h to command ids.
 *
 * Each context builds an id-indexed table once (names matched against the
 * generated metadata), so dispatch is one array load per command and no
 * table is shared between library instances.
 */
#include <stdlib.h>
#include <string.h>

#include "renderer/handlers.h"

#define PV_THUNK(name)                                                         \
   static void thunk_##name(struct pv_dispatcher *d, void *args)               \
   {                                                                           \
      pv_handle_##name(d, args);                                               \
   }
PV_HANDLED_COMMANDS(PV_THUNK)
#undef PV_THUNK

static const struct {
   const char *name;
   pv_handler_fn fn;
} handled[] = {
#define PV_ENTRY(name) { #name, thunk_##name },
   PV_HANDLED_COMMANDS(PV_ENTRY)
#undef PV_ENTRY
};

pv_handler_fn *
pv_handler_table_create(void)
{
   pv_handler_fn *table = calloc(pv_cs_command_id_count, sizeof(*table));
   if (!table)
      return NULL;
   for (uint32_t id = 0; id < pv_cs_command_id_count; id++) {
      const struct pv_cs_command_info *info = pv_cs_command_info(id);
      for (size_t i = 0; info && i < sizeof(handled) / sizeof(handled[0]); i++) {
         if (!strcmp(handled[i].name, info->name))
            table[id] = handled[i].fn;
      }
   }
   return table;
}
