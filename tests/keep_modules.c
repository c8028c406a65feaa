/*
 * keep_modules.c — preloaded into the sanitizer test runs (dev.sh test
 * sanitize): dlclose() does nothing, so every module stays loaded until
 * the process exits.
 *
 * Why: a host Vulkan driver may keep memory in its globals for the life of
 * the module (lavapipe's CPU detection keeps its L3 cache masks on AMD
 * hosts).  The Vulkan loader unloads the driver at vkDestroyInstance; the
 * memory is then unreachable and LeakSanitizer reports it, without a module
 * to name or to suppress.  Kept loaded, that memory stays reachable, as in
 * any process that never unloads its driver, while leaks of ours still
 * show: they are unreachable either way.
 */
int dlclose(void *handle);

int
dlclose(void *handle)
{
   (void)handle;
   return 0;
}
