/*
 * object_free.h — unbinding and freeing device children (object_free.c),
 * for the generated handlers and the object files.
 */
#ifndef PV_RENDERER_OBJECT_FREE_H
#define PV_RENDERER_OBJECT_FREE_H

#include <stdint.h>

#include "renderer/vk/dispatch.h"
#include "renderer/vk/vk_objects.h"

/* Unbind and free a mechanically created object (NULL is ignored); a
 * pool's children go with it. */
void pv_gen_unbind(struct pv_dispatcher *d, struct pv_object *obj);
/* Unbind and free every object allocated from `dev`'s pool `pool`. */
void pv_gen_unbind_children(struct pv_dispatcher *d, struct pv_device *dev, uint64_t pool);

/* Free a child object of a device (already out of the table) and what it
 * owns beside itself; its host object is the caller's. */
void pv_vk_object_free(struct pv_object *o);

#endif /* PV_RENDERER_OBJECT_FREE_H */
