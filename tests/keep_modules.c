/*
 * keep_modules.c — preloaded into the sanitizer test runs (dev.sh test
 * sanitize): dlclose() does nothing, so every module stays loaded until
 * the process exits.
 *
 * Why: a host Vulkan driver may keep memory in its globals for the life of
 * the module.  Seen on an AMD host: lavapipe 22.3 reallocates 128 bytes
 * under a pthread_once while vkEnumeratePhysicalDevices runs, and keeps
 * them (not on the hosts where the suite passed before).  The Vulkan loader
 * unloads the driver at vkDestroyInstance; that memory is then unreachable
 * and LeakSanitizer reports it, from no module it could name or suppress.
 * Kept loaded, the memory stays reachable, as in any process that never
 * unloads its driver, while leaks of ours still show: they are unreachable
 * either way.
 */
int dlclose(void *handle);

int
dlclose(void *handle)
{
   (void)handle;
   return 0;
}
