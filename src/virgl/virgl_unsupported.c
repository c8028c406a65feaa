/*
 * virgl_unsupported.c — the ABI's OpenGL and fence-export entry points.
 * This renderer runs Venus without OpenGL: there are no GL textures, EGL
 * images or exportable GL fences.  Each call fails and says why.
 */
#include <errno.h>
#include <inttypes.h>

#include "virgl_internal.h"

static int
refuse(const char *what, int err)
{
   pv_virgl_once();
   pv_warn(&pv_virgl.log, "virgl: %s: not served (Venus only, no OpenGL)", what);
   return err;
}

VIRGL_EXPORT int
virgl_renderer_get_fd_for_texture(uint32_t tex_id, int *fd)
{
   (void)tex_id;
   if (fd)
      *fd = -1;
   return refuse("get_fd_for_texture", EINVAL);
}

VIRGL_EXPORT int
virgl_renderer_get_fd_for_texture2(uint32_t tex_id, int *fd, int *stride, int *offset)
{
   (void)tex_id, (void)stride, (void)offset;
   if (fd)
      *fd = -1;
   return refuse("get_fd_for_texture2", EINVAL);
}

VIRGL_EXPORT int
virgl_renderer_resource_import_eglimage(struct virgl_renderer_resource_create_args *args,
                                        void *image)
{
   (void)args, (void)image;
   return refuse("resource_import_eglimage", EINVAL);
}

VIRGL_EXPORT int
virgl_renderer_execute(void *execute_args, uint32_t execute_size)
{
   (void)execute_args, (void)execute_size;
   return refuse("execute", -EINVAL);
}

/* Fences retire through the callbacks; none becomes a sync fd. */
VIRGL_EXPORT int
virgl_renderer_export_fence(uint64_t client_fence_id, int *fd)
{
   (void)client_fence_id;
   if (fd)
      *fd = -1;
   return refuse("export_fence", -EINVAL);
}
