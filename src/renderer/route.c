/*
 * route.c — a command's route through the renderer, from the same tables
 * the command loop uses (the handler table and the guards' route), so
 * what it prints is what runs.
 */
#include "renderer/route.h"

#include <string.h>

#include "cs/pv_cs_desc.h"
#include "renderer/command_loop.h"
#include "renderer/guards/guards.h"

#define MAX_GUARDS 8

static int
command_id(const char *name, uint32_t *id)
{
   for (uint32_t i = 0; i < pv_cs_command_id_count; i++) {
      const struct pv_cs_command_info *info = pv_cs_command_info(i);
      if (info && !strcmp(info->name, name)) {
         *id = i;
         return 0;
      }
   }
   return -1;
}

static void
print_hooks(FILE *out, uint32_t id, unsigned phase)
{
   const struct pv_guard *g[MAX_GUARDS];
   unsigned n = pv_guards_of(id, phase, g, MAX_GUARDS);
   for (unsigned i = 0; i < n && i < MAX_GUARDS; i++)
      fprintf(out, "  guard %-17s %s: %s\n", g[i]->name, g[i]->file, g[i]->what);
}

int
pv_route_print(FILE *out, const char *name)
{
   uint32_t id;
   if (command_id(name, &id))
      return -1;
   const char *file = pv_handler_file(id);
   fprintf(out, "%s (command id %u)\n", name, id);
   fprintf(out, "  decode                  generated from the registry: every size, count, "
                "enum and id checked\n");
   fprintf(out, " before the handler:\n");
   print_hooks(out, id, PV_GUARD_BEFORE);
   fprintf(out, " handler:\n  %s\n", file ? file : "none: the context turns fatal");
   fprintf(out, " after it (if the context is still healthy):\n");
   print_hooks(out, id, PV_GUARD_AFTER);
   fprintf(out, "  reply                   when the guest asked for one\n");
   return 0;
}

void
pv_route_print_index(FILE *out)
{
   for (uint32_t id = 0; id < pv_cs_command_id_count; id++) {
      const struct pv_cs_command_info *info = pv_cs_command_info(id);
      const char *file = pv_handler_file(id);
      if (!info || !file)
         continue;
      const struct pv_guard *g[MAX_GUARDS];
      unsigned n = pv_guards_of(id, PV_GUARD_BOTH, g, MAX_GUARDS);
      bool generated = !strncmp(file, "pv_handlers_gen.c", 17);
      if (generated && !n)
         continue;
      fprintf(out, "%-44s %s", info->name, generated ? "generated" : file);
      for (unsigned i = 0; i < n && i < MAX_GUARDS; i++)
         fprintf(out, "%s%s", i ? ", " : " | guards: ", g[i]->name);
      fputc('\n', out);
   }
}
