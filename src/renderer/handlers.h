/*
 * handlers.h — every command the renderer handles by hand, in one list.
 *
 * `grep -n vkFoo src/renderer/handlers.h` tells whether vkFoo is handled;
 * its handler is pv_handle_vkFoo() in the file named by the section.
 * Each handler takes the dispatcher and the generated argument struct.
 */
#ifndef PV_RENDERER_HANDLERS_H
#define PV_RENDERER_HANDLERS_H

#include "cs/pv_cs_generated.h"
#include "renderer/vk/dispatch.h"

#define PV_HANDLED_COMMANDS(X)                                                 \
   /* transport.c */                                                           \
   X(vkSetReplyCommandStreamMESA)                                              \
   X(vkSeekReplyCommandStreamMESA)                                             \
   X(vkExecuteCommandStreamsMESA)                                              \
   X(vkCreateRingMESA)                                                         \
   X(vkDestroyRingMESA)                                                        \
   X(vkNotifyRingMESA)                                                         \
   X(vkWriteRingExtraMESA)                                                     \
   X(vkSubmitVirtqueueSeqnoMESA)                                               \
   X(vkWaitVirtqueueSeqnoMESA)                                                 \
   X(vkWaitRingSeqnoMESA)                                                      \
   /* instance.c */                                                            \
   X(vkEnumerateInstanceVersion)                                               \
   X(vkEnumerateInstanceExtensionProperties)                                   \
   X(vkCreateInstance)                                                         \
   X(vkDestroyInstance)                                                        \
   /* physical_device.c */                                                     \
   X(vkEnumeratePhysicalDevices)                                               \
   X(vkEnumeratePhysicalDeviceGroups)                                          \
   X(vkEnumerateDeviceExtensionProperties)                                     \
   X(vkEnumerateDeviceLayerProperties)                                         \
   X(vkGetPhysicalDeviceProperties)                                            \
   X(vkGetPhysicalDeviceProperties2)                                           \
   X(vkGetPhysicalDeviceFeatures)                                              \
   X(vkGetPhysicalDeviceFeatures2)                                             \
   X(vkGetPhysicalDeviceQueueFamilyProperties)                                 \
   X(vkGetPhysicalDeviceQueueFamilyProperties2)                                \
   X(vkGetPhysicalDeviceMemoryProperties)                                      \
   X(vkGetPhysicalDeviceMemoryProperties2)                                     \
   X(vkGetPhysicalDeviceFormatProperties)                                      \
   X(vkGetPhysicalDeviceFormatProperties2)                                     \
   X(vkGetPhysicalDeviceImageFormatProperties)                                 \
   X(vkGetPhysicalDeviceImageFormatProperties2)                                \
   X(vkGetPhysicalDeviceSparseImageFormatProperties)                           \
   X(vkGetPhysicalDeviceSparseImageFormatProperties2)                          \
   X(vkGetPhysicalDeviceExternalBufferProperties)                              \
   X(vkGetPhysicalDeviceExternalFenceProperties)                               \
   X(vkGetPhysicalDeviceExternalSemaphoreProperties)                           \
   X(vkGetPhysicalDeviceToolProperties)                                        \
   /* device.c */                                                              \
   X(vkCreateDevice)                                                           \
   X(vkDestroyDevice)                                                          \
   X(vkGetDeviceQueue2)                                                        \
   X(vkDeviceWaitIdle)                                                         \
   X(vkQueueWaitIdle)                                                          \
   /* buffer.c */                                                              \
   X(vkCreateBuffer)                                                           \
   X(vkBindBufferMemory)                                                       \
   X(vkBindBufferMemory2)                                                      \
   X(vkCmdCopyBuffer)                                                          \
   X(vkCmdCopyBuffer2)                                                         \
   X(vkCmdUpdateBuffer)                                                        \
   X(vkCmdFillBuffer)                                                          \
   X(vkCmdDispatchIndirect)                                                    \
   X(vkCmdDrawIndirect)                                                        \
   X(vkCmdDrawIndexedIndirect)                                                 \
   X(vkCmdBindTransformFeedbackBuffersEXT)                                     \
   X(vkCmdBeginTransformFeedbackEXT)                                           \
   X(vkCmdEndTransformFeedbackEXT)                                             \
   /* image.c */                                                               \
   X(vkCreateImage)                                                            \
   X(vkCreateImageView)                                                        \
   X(vkBindImageMemory)                                                        \
   X(vkBindImageMemory2)                                                       \
   X(vkGetImageSubresourceLayout)                                              \
   X(vkGetImageSubresourceLayout2)                                             \
   X(vkCmdCopyBufferToImage)                                                   \
   X(vkCmdCopyBufferToImage2)                                                  \
   X(vkCmdCopyImageToBuffer)                                                   \
   X(vkCmdCopyImageToBuffer2)                                                  \
   X(vkCmdCopyImage)                                                           \
   X(vkCmdCopyImage2)                                                          \
   X(vkCmdBlitImage)                                                           \
   X(vkCmdBlitImage2)                                                          \
   X(vkCmdResolveImage)                                                        \
   X(vkCmdResolveImage2)                                                       \
   X(vkCmdClearColorImage)                                                     \
   X(vkCmdClearDepthStencilImage)                                              \
   /* descriptor.c */                                                          \
   X(vkCreateDescriptorSetLayout)                                              \
   X(vkCreatePipelineLayout)                                                   \
   X(vkCmdPushDescriptorSet)                                                   \
   X(vkCreateBufferView)                                                       \
   X(vkAllocateDescriptorSets)                                                 \
   X(vkUpdateDescriptorSets)                                                   \
   X(vkCmdBindDescriptorSets)                                                  \
   /* render_pass.c */                                                         \
   X(vkCreateRenderPass)                                                       \
   X(vkCreateRenderPass2)                                                      \
   X(vkCreateFramebuffer)                                                      \
   X(vkCmdBeginRenderPass)                                                     \
   X(vkCmdBeginRenderPass2)                                                    \
   X(vkCmdBeginRendering)                                                      \
   /* shader.c */                                                              \
   X(vkCreateShaderModule)                                                     \
   /* pipeline.c */                                                            \
   X(vkCreateGraphicsPipelines)                                                \
   X(vkCreateComputePipelines)                                                 \
   X(vkCreateRayTracingPipelinesKHR)                                           \
   /* query.c */                                                               \
   X(vkCreateQueryPool)                                                        \
   X(vkGetQueryPoolResults)                                                    \
   X(vkCmdCopyQueryPoolResults)                                                \
   /* semaphore.c */                                                           \
   X(vkCreateSemaphore)                                                        \
   X(vkImportSemaphoreResourceMESA)                                            \
   X(vkWaitSemaphoreResourceMESA)                                              \
   X(vkWaitForFences)                                                          \
   X(vkWaitSemaphores)                                                         \
   /* memory.c */                                                              \
   X(vkAllocateMemory)                                                         \
   X(vkFreeMemory)                                                             \
   X(vkFlushMappedMemoryRanges)                                                \
   X(vkInvalidateMappedMemoryRanges)

#define PV_DECLARE_HANDLER(name)                                               \
   void pv_handle_##name(struct pv_dispatcher *d, struct pv_##name##_args *a);
PV_HANDLED_COMMANDS(PV_DECLARE_HANDLER)
#undef PV_DECLARE_HANDLER

#endif
