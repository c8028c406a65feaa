#!/bin/sh
# What a VMM's dynamic linker sees: libpvvenus exports only pv_* (the
# functions of pvvenus.h), libvirglrenderer.so.1 only virglrenderer's ABI,
# and every virgl_renderer_* function Debian's QEMU 10 and 11 import
# (hw-display-virtio-gpu-gl.so) is there.
set -u
pvvenus=$1 virgl=$2
status=0
defined() { nm -D --defined-only "$1" | awk '$2 ~ /^[TtWwDdBbRr]$/ {print $3}' | sed 's/@.*//' | sort -u; }

bad=$(defined "$pvvenus" | grep -v '^pv_')
if [ -n "$bad" ]; then
   echo "libpvvenus exports $(echo "$bad" | wc -l) symbols outside pv_*:"; echo "$bad" | head; status=1
fi
n=$(defined "$pvvenus" | wc -l)
echo "libpvvenus: $n symbols, all pv_*"

bad=$(defined "$virgl" | grep -v -E '^virgl_(renderer_|set_debug_callback$|set_log_callback$)')
if [ -n "$bad" ]; then
   echo "libvirglrenderer exports symbols outside the ABI:"; echo "$bad" | head; status=1
fi
# The 28 names Debian's QEMU 10.0 and 11.1 import (nm -D --undefined-only on
# hw-display-virtio-gpu-gl.so of qemu-system-modules-opengl; the same list in
# both), and resource_map_fixed, which a QEMU 11 built against 1.3 headers
# calls.
have=$(defined "$virgl")
for f in cleanup context_create context_create_fence context_create_with_flags \
         context_destroy create_fence ctx_attach_resource ctx_detach_resource fill_caps \
         force_ctx_0 get_cap_set get_cursor_data init poll reset resource_attach_iov \
         resource_create resource_create_blob resource_detach_iov resource_get_info \
         resource_get_info_ext resource_get_map_info resource_map resource_map_fixed \
         resource_unmap resource_unref submit_cmd transfer_read_iov transfer_write_iov; do
   if ! echo "$have" | grep -qx "virgl_renderer_$f"; then
      echo "libvirglrenderer lacks virgl_renderer_$f"; status=1
   fi
done
soname=$(objdump -p "$virgl" | awk '$1 == "SONAME" {print $2}')
[ "$soname" = libvirglrenderer.so.1 ] || { echo "SONAME is '$soname'"; status=1; }
echo "libvirglrenderer: $(defined "$virgl" | wc -l) symbols, SONAME $soname"
exit $status
