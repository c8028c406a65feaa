/* render_pass.h — what render_pass.c remembers of passes and framebuffers. */
#ifndef PV_RENDERER_RENDER_PASS_H
#define PV_RENDERER_RENDER_PASS_H

#include <stdbool.h>

#include "renderer/vk/vk_objects.h"

struct pv_render_pass {
   struct pv_vk_object obj;
   uint32_t attachment_count;
   uint32_t clears_needed; /* clear values a begin must give: last cleared attachment + 1 */
};

struct pv_framebuffer {
   struct pv_vk_object obj;
   uint32_t attachment_count;
   uint32_t width, height, layers;
   bool imageless;
};

#endif
