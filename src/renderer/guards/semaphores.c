/*
 * semaphores.c — the semaphores guard: binary semaphores are waited on
 * only after a signal was submitted, and submitted work waits for the
 * timeline values it needs to be reachable.
 *
 * A driver that runs a wait with no signal to come (or a batch behind a
 * timeline value nobody will signal) blocks its queue thread for good.
 * The bookkeeping — which signals are pending, which values reachable —
 * is the semaphore objects' own (objects/semaphore.c), shared with the
 * MESA semaphore commands; this guard runs it around submissions and host
 * signals.
 */
#include "renderer/guards/guards.h"
#include "renderer/objects/semaphore.h"

static unsigned
semaphores_watch(uint32_t id)
{
   return id == PV_CMD_vkQueueSubmit || id == PV_CMD_vkQueueSubmit2 ||
          id == PV_CMD_vkQueueBindSparse || id == PV_CMD_vkSignalSemaphore
             ? PV_GUARD_BOTH : 0;
}

static bool
semaphores_before(struct pv_dispatcher *d, const struct pv_cs_command_info *info,
                  const void *args)
{
   return pv_semaphore_before(d, info->id, args);
}

static void
semaphores_after(struct pv_dispatcher *d, const struct pv_cs_command_info *info,
                 const void *args)
{
   pv_semaphore_after(d, info->id, args);
}

const struct pv_guard pv_guard_semaphores = {
   .name = "semaphores",
   .file = "guards/semaphores.c",
   .what = "a binary wait needs a signal submitted before it; a batch behind timeline values "
           "not yet reachable waits (abandonably) until they are",
   .watches = semaphores_watch,
   .before = semaphores_before,
   .after = semaphores_after,
};
