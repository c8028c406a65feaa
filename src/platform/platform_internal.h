/* platform_internal.h — the fallbacks that platform_linux.c may replace. */
#ifndef PV_PLATFORM_INTERNAL_H
#define PV_PLATFORM_INTERNAL_H

#include "platform/pv_platform.h"

int pv_posix_shm_create(const char *name, size_t size);
void pv_posix_event_signal(pv_event *ev);
int pv_posix_event_wait(pv_event *ev, uint32_t seen, uint64_t timeout_ns);
int pv_posix_pollfd_create(pv_pollfd *p);
int pv_posix_pollfd_ready(void);
void pv_posix_pollfd_signal(pv_pollfd *p);
void pv_posix_pollfd_clear(pv_pollfd *p);
int pv_posix_fd_wait_readable(int fd, uint64_t timeout_ns);

#endif
