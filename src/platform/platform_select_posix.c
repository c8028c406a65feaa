/* platform_select_posix.c — a build that uses only the portable paths. */
#include "platform/platform_internal.h"

const char *
pv_platform_backend(void)
{
   return "posix";
}

int
pv_shm_create(const char *name, size_t size)
{
   return pv_posix_shm_create(name, size);
}

void
pv_event_signal(pv_event *ev)
{
   pv_posix_event_signal(ev);
}

int
pv_event_wait(pv_event *ev, uint32_t seen, uint64_t timeout_ns)
{
   return pv_posix_event_wait(ev, seen, timeout_ns);
}

int
pv_pollfd_create(pv_pollfd *p)
{
   return pv_posix_pollfd_create(p);
}

void
pv_pollfd_signal(pv_pollfd *p)
{
   pv_posix_pollfd_signal(p);
}

int
pv_pollfd_ready(void)
{
   return pv_posix_pollfd_ready();
}

void
pv_pollfd_clear(pv_pollfd *p)
{
   pv_posix_pollfd_clear(p);
}

int
pv_fd_wait_readable(int fd, uint64_t timeout_ns)
{
   return pv_posix_fd_wait_readable(fd, timeout_ns);
}

void
pv_thread_precise_timers(void)
{
}
