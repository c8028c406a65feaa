# guest-args.sh — sourced by .ci/run and bench/guest_frames.sh: what a
# packaged guest root needs from `./dev.sh vm --vtest` besides the command.
#
# trixie's Mesa 25.0 offers VK_KHR_swapchain only when the host's renderer
# has dma-buf export, DRM format modifiers and the foreign queue family,
# which bookworm's lavapipe lacks: pv-venus serve --wsi-dma-buf serves them
# (off by default: newer venus then presents through dma-bufs, which Xvfb
# cannot take).  On Xvfb, which has no DRI3, 25.0 then presents only with
# MESA_VK_WSI_DEBUG=sw: it has no CPU fallback for a device that is not a
# software one (venus 25.2 and later choose it themselves).
guest_serve_args() { case $1 in trixie) echo "--serve-arg=--wsi-dma-buf" ;; esac; }
guest_env() { case $1 in trixie) echo "export MESA_VK_WSI_DEBUG=sw;" ;; esac; }
