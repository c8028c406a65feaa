/*
 * pv_ring_monitor.c — the ALIVE heartbeat.  One thread per monitor (the
 * renderer keeps one per context) so that a ring whose reader is blocked in
 * a long guest-requested wait still reports that the host is alive.
 */
#include <errno.h>
#include <stdlib.h>

#include "platform/pv_platform.h"
#include "ring/pv_ring.h"

struct entry {
   struct pv_ring *ring;
   uint32_t period_us;
};

struct pv_ring_monitor {
   pthread_mutex_t lock;
   struct entry *entries;
   size_t count, cap;
   pv_event wake;
   atomic_bool stop;
   pv_thread thread;
};

/* Half the shortest period: the guest checks ALIVE about 0.5 s after its
 * period ends (docs/PROTOCOL.md §14 N15); half leaves a wide margin. */
static uint64_t
beat_ns(struct pv_ring_monitor *mon)
{
   uint64_t min_us = UINT64_MAX;
   for (size_t i = 0; i < mon->count; i++) {
      if (mon->entries[i].period_us < min_us)
         min_us = mon->entries[i].period_us;
   }
   return min_us == UINT64_MAX ? UINT64_MAX : min_us * 500;
}

static void *
monitor_main(void *arg)
{
   struct pv_ring_monitor *mon = arg;
   while (!atomic_load(&mon->stop)) {
      uint32_t seen = pv_event_peek(&mon->wake);
      pthread_mutex_lock(&mon->lock);
      for (size_t i = 0; i < mon->count; i++)
         pv_ring_set_alive(mon->entries[i].ring);
      uint64_t wait = beat_ns(mon);
      pthread_mutex_unlock(&mon->lock);
      pv_event_wait(&mon->wake, seen, wait);
   }
   return NULL;
}

int
pv_ring_monitor_create(struct pv_ring_monitor **out)
{
   struct pv_ring_monitor *mon = calloc(1, sizeof(*mon));
   if (!mon)
      return -ENOMEM;
   pthread_mutex_init(&mon->lock, NULL);
   int ret = pv_event_init(&mon->wake);
   if (!ret)
      ret = pv_thread_start(&mon->thread, "pv-alive", monitor_main, mon);
   if (ret) {
      pthread_mutex_destroy(&mon->lock);
      free(mon);
      return ret;
   }
   *out = mon;
   return 0;
}

void
pv_ring_monitor_destroy(struct pv_ring_monitor *mon)
{
   if (!mon)
      return;
   atomic_store(&mon->stop, true);
   pv_event_signal(&mon->wake);
   pv_thread_join(&mon->thread);
   pv_event_fini(&mon->wake);
   pthread_mutex_destroy(&mon->lock);
   free(mon->entries);
   free(mon);
}

int
pv_ring_monitor_add(struct pv_ring_monitor *mon, struct pv_ring *ring, uint32_t period_us)
{
   if (period_us == 0)
      return -EINVAL;
   pthread_mutex_lock(&mon->lock);
   if (mon->count == mon->cap) {
      size_t cap = mon->cap ? mon->cap * 2 : 4;
      struct entry *e = realloc(mon->entries, cap * sizeof(*e));
      if (!e) {
         pthread_mutex_unlock(&mon->lock);
         return -ENOMEM;
      }
      mon->entries = e;
      mon->cap = cap;
   }
   mon->entries[mon->count++] = (struct entry){ ring, period_us };
   pthread_mutex_unlock(&mon->lock);
   pv_event_signal(&mon->wake); /* report at once and adopt the new period */
   return 0;
}

void
pv_ring_monitor_remove(struct pv_ring_monitor *mon, struct pv_ring *ring)
{
   pthread_mutex_lock(&mon->lock);
   for (size_t i = 0; i < mon->count; i++) {
      if (mon->entries[i].ring == ring) {
         mon->entries[i] = mon->entries[--mon->count];
         break;
      }
   }
   pthread_mutex_unlock(&mon->lock);
}
