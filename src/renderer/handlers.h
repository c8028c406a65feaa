/*
 * handlers.h — every command the renderer handles by hand, in one list.
 *
 * `grep -n vkFoo src/renderer/handlers.h` tells whether vkFoo is handled;
 * its handler is pv_handle_vkFoo() in the file each entry names (under
 * src/renderer/).  Each handler takes the dispatcher and the generated
 * argument struct.  What else runs for a command (the guards) is listed by
 * `pv-venus info --route vkFoo`.
 */
#ifndef PV_RENDERER_HANDLERS_H
#define PV_RENDERER_HANDLERS_H

#include "cs/pv_cs_generated.h"
#include "renderer/vk/dispatch.h"

/* Commands only newer registries define (the generated header says which). */
#ifdef PV_CS_HAS_vkCopyMemoryToImageMESA
#define PV_HANDLED_HOST_COPY(X)                                                \
   X("objects/host_copy.c", vkCopyMemoryToImageMESA)                           \
   X("objects/host_copy.c", vkCopyImageToMemoryMESA)
#else
#define PV_HANDLED_HOST_COPY(X)
#endif

#define PV_HANDLED_COMMANDS(X)                                                 \
   PV_HANDLED_HOST_COPY(X)                                                     \
   X("transport.c", vkSetReplyCommandStreamMESA)                               \
   X("transport.c", vkSeekReplyCommandStreamMESA)                              \
   X("transport.c", vkExecuteCommandStreamsMESA)                               \
   X("transport.c", vkCreateRingMESA)                                          \
   X("transport.c", vkDestroyRingMESA)                                         \
   X("transport.c", vkNotifyRingMESA)                                          \
   X("transport.c", vkWriteRingExtraMESA)                                      \
   X("transport.c", vkSubmitVirtqueueSeqnoMESA)                                \
   X("transport.c", vkWaitVirtqueueSeqnoMESA)                                  \
   X("transport.c", vkWaitRingSeqnoMESA)                                       \
   X("objects/instance.c", vkEnumerateInstanceVersion)                         \
   X("objects/instance.c", vkEnumerateInstanceExtensionProperties)             \
   X("objects/instance.c", vkCreateInstance)                                   \
   X("objects/instance.c", vkDestroyInstance)                                  \
   X("objects/physical_device.c", vkEnumeratePhysicalDevices)                  \
   X("objects/physical_device.c", vkEnumeratePhysicalDeviceGroups)             \
   X("objects/physical_device.c", vkEnumerateDeviceExtensionProperties)        \
   X("objects/physical_device.c", vkEnumerateDeviceLayerProperties)            \
   X("objects/physical_device.c", vkGetPhysicalDeviceProperties)               \
   X("objects/physical_device.c", vkGetPhysicalDeviceProperties2)              \
   X("objects/physical_device.c", vkGetPhysicalDeviceFeatures)                 \
   X("objects/physical_device.c", vkGetPhysicalDeviceFeatures2)                \
   X("objects/physical_device.c", vkGetPhysicalDeviceQueueFamilyProperties)    \
   X("objects/physical_device.c", vkGetPhysicalDeviceQueueFamilyProperties2)   \
   X("objects/physical_device.c", vkGetPhysicalDeviceMemoryProperties)         \
   X("objects/physical_device.c", vkGetPhysicalDeviceMemoryProperties2)        \
   X("objects/physical_device.c", vkGetPhysicalDeviceFormatProperties)         \
   X("objects/physical_device.c", vkGetPhysicalDeviceFormatProperties2)        \
   X("objects/physical_device.c", vkGetPhysicalDeviceImageFormatProperties)    \
   X("objects/physical_device.c", vkGetPhysicalDeviceImageFormatProperties2)   \
   X("objects/physical_device.c", vkGetPhysicalDeviceSparseImageFormatProperties)\
   X("objects/physical_device.c", vkGetPhysicalDeviceSparseImageFormatProperties2)\
   X("objects/physical_device.c", vkGetPhysicalDeviceExternalBufferProperties) \
   X("objects/physical_device.c", vkGetPhysicalDeviceExternalFenceProperties)  \
   X("objects/physical_device.c", vkGetPhysicalDeviceExternalSemaphoreProperties)\
   X("objects/physical_device.c", vkGetPhysicalDeviceToolProperties)           \
   X("objects/device.c", vkCreateDevice)                                       \
   X("objects/device.c", vkDestroyDevice)                                      \
   X("objects/device.c", vkGetDeviceQueue2)                                    \
   X("objects/device.c", vkDeviceWaitIdle)                                     \
   X("objects/device.c", vkQueueWaitIdle)                                      \
   X("objects/submit.c", vkQueueSubmit)                                        \
   X("objects/submit.c", vkQueueSubmit2)                                       \
   X("objects/buffer.c", vkCreateBuffer)                                       \
   X("objects/buffer.c", vkBindBufferMemory)                                   \
   X("objects/buffer.c", vkBindBufferMemory2)                                  \
   X("objects/buffer.c", vkCmdCopyBuffer)                                      \
   X("objects/buffer.c", vkCmdCopyBuffer2)                                     \
   X("objects/buffer.c", vkCmdUpdateBuffer)                                    \
   X("objects/buffer.c", vkCmdFillBuffer)                                      \
   X("objects/buffer.c", vkCmdDispatchIndirect)                                \
   X("objects/buffer.c", vkCmdDrawIndirect)                                    \
   X("objects/buffer.c", vkCmdDrawIndexedIndirect)                             \
   X("objects/buffer.c", vkCmdBindTransformFeedbackBuffersEXT)                 \
   X("objects/buffer.c", vkCmdBeginTransformFeedbackEXT)                       \
   X("objects/buffer.c", vkCmdEndTransformFeedbackEXT)                         \
   X("objects/image.c", vkCreateImage)                                         \
   X("objects/image.c", vkCreateImageView)                                     \
   X("objects/image.c", vkBindImageMemory)                                     \
   X("objects/image.c", vkBindImageMemory2)                                    \
   X("objects/image.c", vkGetImageSubresourceLayout)                           \
   X("objects/image.c", vkGetImageSubresourceLayout2)                          \
   X("objects/image.c", vkCmdCopyBufferToImage)                                \
   X("objects/image.c", vkCmdCopyBufferToImage2)                               \
   X("objects/image.c", vkCmdCopyImageToBuffer)                                \
   X("objects/image.c", vkCmdCopyImageToBuffer2)                               \
   X("objects/image.c", vkCmdCopyImage)                                        \
   X("objects/image.c", vkCmdCopyImage2)                                       \
   X("objects/image.c", vkCmdBlitImage)                                        \
   X("objects/image.c", vkCmdBlitImage2)                                       \
   X("objects/image.c", vkCmdResolveImage)                                     \
   X("objects/image.c", vkCmdResolveImage2)                                    \
   X("objects/image.c", vkCmdClearColorImage)                                  \
   X("objects/image.c", vkCmdClearDepthStencilImage)                           \
   X("objects/descriptor.c", vkCreateDescriptorSetLayout)                      \
   X("objects/descriptor.c", vkCreatePipelineLayout)                           \
   X("objects/descriptor.c", vkCmdPushDescriptorSet)                           \
   X("objects/descriptor.c", vkCreateBufferView)                               \
   X("objects/descriptor.c", vkAllocateDescriptorSets)                         \
   X("objects/descriptor.c", vkUpdateDescriptorSets)                           \
   X("objects/descriptor.c", vkCmdBindDescriptorSets)                          \
   X("objects/render_pass.c", vkCreateRenderPass)                              \
   X("objects/render_pass.c", vkCreateRenderPass2)                             \
   X("objects/render_pass.c", vkCreateFramebuffer)                             \
   X("objects/render_pass.c", vkCmdBeginRenderPass)                            \
   X("objects/render_pass.c", vkCmdBeginRenderPass2)                           \
   X("objects/render_pass.c", vkCmdBeginRendering)                             \
   X("objects/shader.c", vkCreateShaderModule)                                 \
   X("objects/pipeline.c", vkCreateGraphicsPipelines)                          \
   X("objects/pipeline.c", vkCreateComputePipelines)                           \
   X("objects/pipeline.c", vkCreateRayTracingPipelinesKHR)                     \
   X("objects/query.c", vkCreateQueryPool)                                     \
   X("objects/query.c", vkGetQueryPoolResults)                                 \
   X("objects/query.c", vkCmdCopyQueryPoolResults)                             \
   X("objects/semaphore.c", vkCreateSemaphore)                                 \
   X("objects/semaphore.c", vkImportSemaphoreResourceMESA)                     \
   X("objects/semaphore.c", vkWaitSemaphoreResourceMESA)                       \
   X("objects/semaphore.c", vkWaitForFences)                                   \
   X("objects/semaphore.c", vkWaitSemaphores)                                  \
   X("objects/wsi_emulation.c", vkGetImageDrmFormatModifierPropertiesEXT)      \
   X("objects/wsi_emulation.c", vkGetDeviceImageMemoryRequirements)            \
   X("objects/wsi_emulation.c", vkGetDeviceImageSparseMemoryRequirements)      \
   X("objects/wsi_emulation.c", vkCmdPipelineBarrier)                          \
   X("objects/wsi_emulation.c", vkCmdPipelineBarrier2)                         \
   X("objects/wsi_emulation.c", vkCmdWaitEvents)                               \
   X("objects/wsi_emulation.c", vkCmdWaitEvents2)                              \
   X("objects/wsi_emulation.c", vkCmdSetEvent2)                                \
   X("objects/memory.c", vkAllocateMemory)                                     \
   X("objects/memory.c", vkFreeMemory)                                         \
   X("objects/memory.c", vkFlushMappedMemoryRanges)                            \
   X("objects/memory.c", vkInvalidateMappedMemoryRanges)

#define PV_DECLARE_HANDLER(file, name)                                         \
   void pv_handle_##name(struct pv_dispatcher *d, struct pv_##name##_args *a);
PV_HANDLED_COMMANDS(PV_DECLARE_HANDLER)
#undef PV_DECLARE_HANDLER

#endif
