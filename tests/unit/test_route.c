/*
 * test_route.c — the guard layer's route: which guards run around which
 * commands, and the listing `pv-venus info --route` prints from it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/pv_cs_desc.h"
#include "cs/pv_cs_generated.h"
#include "renderer/command_loop.h"
#include "renderer/guards/guards.h"
#include "renderer/route.h"
#include "tests/pv_test.h"

/* Whether guard `name` has a hook in `phases` for command `id`. */
static bool
runs_in(uint32_t id, unsigned phases, const char *name)
{
   const struct pv_guard *g[8];
   unsigned n = pv_guards_of(id, phases, g, 8);
   for (unsigned i = 0; i < n && i < 8; i++)
      if (!strcmp(g[i]->name, name))
         return true;
   return false;
}

static bool
runs(uint32_t id, const char *name)
{
   return runs_in(id, PV_GUARD_BOTH, name);
}

static void
test_guards_watch_their_commands(void)
{
   CHECK(runs(PV_CMD_vkQueueSubmit, "cmd_state"));
   CHECK(runs(PV_CMD_vkQueueSubmit, "semaphores"));
   CHECK(runs(PV_CMD_vkQueueSubmit, "inflight"));
   CHECK(runs(PV_CMD_vkQueueSubmit, "compare_sampling"));
   CHECK(runs(PV_CMD_vkCmdDraw, "pipeline_bound"));
   CHECK(runs(PV_CMD_vkCmdDispatchIndirect, "pipeline_bound")); /* hand-written handler */
   CHECK(runs(PV_CMD_vkCmdSetViewport, "ranges"));
   CHECK(runs(PV_CMD_vkCreateGraphicsPipelines, "pipeline_state"));
   CHECK(runs(PV_CMD_vkFreeMemory, "inflight"));
   CHECK(!runs(PV_CMD_vkCreateInstance, "cmd_state"));
   const struct pv_guard *g[8];
   CHECK_EQ(pv_guards_of(PV_CMD_vkEnumerateInstanceVersion, PV_GUARD_BOTH, g, 8), 0);
   /* before and after run in the list's order: the inflight guard numbers
    * a submission before the semaphores guard stamps signals with it */
   unsigned n = pv_guards_of(PV_CMD_vkQueueSubmit, PV_GUARD_AFTER, g, 8);
   int inflight = -1, semaphores = -1;
   for (unsigned i = 0; i < n; i++) {
      if (!strcmp(g[i]->name, "inflight"))
         inflight = (int)i;
      if (!strcmp(g[i]->name, "semaphores"))
         semaphores = (int)i;
   }
   CHECK(inflight >= 0 && inflight < semaphores);
}

/* A hook runs only where it does something: the commonest recorded
 * commands run the lifecycle check before them and nothing after. */
static void
test_hooks_run_only_where_they_act(void)
{
   static const struct {
      uint32_t id;
      unsigned phase;
      const char *guard;
      bool runs;
   } expect[] = {
      { PV_CMD_vkCmdPipelineBarrier, PV_GUARD_BEFORE, "cmd_state", true },
      { PV_CMD_vkCmdPipelineBarrier, PV_GUARD_BOTH, "compare_sampling", false },
      /* a draw is checked for a bound pipeline and noted for sampling */
      { PV_CMD_vkCmdDraw, PV_GUARD_BEFORE, "pipeline_bound", true },
      { PV_CMD_vkCmdDraw, PV_GUARD_AFTER, "pipeline_bound", false },
      { PV_CMD_vkCmdDraw, PV_GUARD_AFTER, "compare_sampling", true },
      { PV_CMD_vkCmdDraw, PV_GUARD_AFTER, "cmd_state", false },
      /* binding and beginning change state, which only after hooks record */
      { PV_CMD_vkCmdBindPipeline, PV_GUARD_AFTER, "pipeline_bound", true },
      { PV_CMD_vkCmdBindPipeline, PV_GUARD_BEFORE, "pipeline_bound", false },
      { PV_CMD_vkBeginCommandBuffer, PV_GUARD_AFTER, "cmd_state", true },
      { PV_CMD_vkBeginCommandBuffer, PV_GUARD_BEFORE, "cmd_state", false },
      { PV_CMD_vkQueueSubmit, PV_GUARD_BEFORE, "compare_sampling", true },
      { PV_CMD_vkQueueSubmit, PV_GUARD_AFTER, "compare_sampling", false },
      /* a release waits before its handler, a submission is marked after */
      { PV_CMD_vkFreeMemory, PV_GUARD_BEFORE, "inflight", true },
      { PV_CMD_vkFreeMemory, PV_GUARD_AFTER, "inflight", false },
      { PV_CMD_vkQueueSubmit, PV_GUARD_AFTER, "inflight", true },
      { PV_CMD_vkQueueSubmit, PV_GUARD_BEFORE, "inflight", false },
   };
   for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
      if (runs_in(expect[i].id, expect[i].phase, expect[i].guard) != expect[i].runs)
         fprintf(stderr, "expectation %zu: %s\n", i, expect[i].guard);
      CHECK(runs_in(expect[i].id, expect[i].phase, expect[i].guard) == expect[i].runs);
   }
   const struct pv_guard *g[8];
   CHECK_EQ(pv_guards_of(PV_CMD_vkCmdPipelineBarrier, PV_GUARD_AFTER, g, 8), 0);
   CHECK_EQ(pv_guards_of(PV_CMD_vkCmdPushConstants, PV_GUARD_AFTER, g, 8), 0);
}

/* Every command id of the protocol is inside the route table. */
static void
test_route_covers_every_command(void)
{
   CHECK(pv_cs_command_id_count <= 1024);
   unsigned handled = 0;
   for (uint32_t id = 0; id < pv_cs_command_id_count; id++)
      handled += pv_handler_file(id) != NULL;
   CHECK(handled > 200);
   CHECK(pv_handler_file(PV_CMD_vkCreateBuffer) &&
         !strcmp(pv_handler_file(PV_CMD_vkCreateBuffer), "objects/buffer.c"));
}

static void
test_route_listing(void)
{
   char *buf = NULL;
   size_t len = 0;
   FILE *f = open_memstream(&buf, &len);
   CHECK_EQ(pv_route_print(f, "vkCmdDraw"), 0);
   CHECK_EQ(pv_route_print(f, "vkNoSuchCommand"), -1);
   pv_route_print_index(f);
   fclose(f);
   CHECK(strstr(buf, "guards/pipeline_bound.c") != NULL);
   /* vkCmdDraw's listing names pipeline_bound before the handler only */
   const char *handler = strstr(buf, "\n handler:");
   const char *bound = strstr(buf, "guard pipeline_bound");
   CHECK(handler && bound && bound < handler && !strstr(handler, "guard pipeline_bound"));
   CHECK(strstr(buf, "vkCreateGraphicsPipelines") != NULL);
   CHECK(strstr(buf, "objects/pipeline.c | guards: pipeline_state") != NULL);
   free(buf);
}

int
main(void)
{
   RUN(test_guards_watch_their_commands);
   RUN(test_hooks_run_only_where_they_act);
   RUN(test_route_covers_every_command);
   RUN(test_route_listing);
   return pv_test_summary();
}
