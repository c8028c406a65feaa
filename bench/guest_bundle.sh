#!/bin/sh
# guest_bundle.sh GUEST_ROOT OUT_DIR [PROGRAM...]
#
# A packaged guest driver that runs on another Linux host without a chroot:
# from a Debian guest root (as `./dev.sh vm --guest` builds them, e.g.
# ~/.cache/pv-venus/guest-trixie), copy Mesa's venus driver, the programs
# named (default: vulkaninfo, and pv-vm-check if the root has it) and every
# library they need, the guest's own dynamic loader included, into OUT_DIR:
#   OUT_DIR/run PROGRAM [ARGS...]   runs it with the guest's libraries and
#                                   the venus driver as the only Vulkan ICD
# so a guest userspace newer than the host's C library runs there (a trixie
# or sid guest on a host with an older glibc).  Then, beside `pv-venus serve`:
#   VN_DEBUG=vtest VTEST_SOCKET_NAME=SOCKET OUT_DIR/run vulkaninfo --summary
# Only files of the guest root are copied: Debian packages, nothing built.
set -eu
[ $# -ge 2 ] || { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
root=$(cd "$1" && pwd) out=$2
shift 2
progs=${*:-vulkaninfo pv-vm-check}
icd=$root/usr/share/vulkan/icd.d/virtio_icd.json
[ -f "$icd" ] || { echo "guest_bundle: no venus ICD in $root" >&2; exit 1; }
mkdir -p "$out/bin" "$out/lib"
driver=$(sed -n 's/.*"library_path": *"\([^"]*\)".*/\1/p' "$icd")
case $driver in /*) ;; *) driver=/usr/lib/x86_64-linux-gnu/$driver ;; esac
files=$driver
for p in $progs; do
   path=$(chroot "$root" sh -c "command -v $p" 2>/dev/null) || { echo "guest_bundle: no $p in $root" >&2; continue; }
   cp -L "$root$path" "$out/bin/"
   files="$files $path"
done
# the libraries of every program and of the driver, resolved in the guest
for lib in $(chroot "$root" ldd $files 2>/dev/null | awk '/=>/ { print $3 } /^\t\/.*ld-linux/ { print $1 }' | sort -u); do
   cp -L "$root$lib" "$out/lib/"
done
cp -L "$root$driver" "$out/lib/"
printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "lib/%s", "api_version": "1.4.0" } }\n' \
   "$(basename "$driver")" >"$out/venus_icd.json"
cat >"$out/run" <<'RUN'
#!/bin/sh
# Run a program of this bundle with the guest's loader, libraries and venus ICD.
here=$(cd "$(dirname "$0")" && pwd)
prog=$1; shift
# the host's implicit layers are built for its own libraries, not these
export VK_ICD_FILENAMES=$here/venus_icd.json VK_DRIVER_FILES=$here/venus_icd.json
export VK_LOADER_LAYERS_DISABLE="~implicit~" NODEVICE_SELECT=1
exec "$here/lib/ld-linux-x86-64.so.2" --library-path "$here/lib" "$here/bin/$prog" "$@"
RUN
chmod +x "$out/run"
echo "guest_bundle: $(du -sh "$out" | cut -f1) in $out ($(ls "$out/lib" | wc -l) libraries; programs: $(ls "$out/bin" | tr '\n' ' '))"
