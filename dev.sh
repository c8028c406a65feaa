#!/usr/bin/env bash
# dev.sh — set up, build, run and test PearVisor Venus on Debian/Ubuntu.
#
#   ./dev.sh serve [ARGS…]   install what is needed, build, run `pv-venus serve`
#                            (default socket /tmp/.virgl_test; ARGS go to serve)
#   ./dev.sh test [VARIANT]  install what is needed, build, run the whole suite
#                            VARIANT: default | portable | sanitize
#   ./dev.sh vm [ARGS…] [CMD…]  install what is needed, build, boot a Debian
#                            guest in Debian's QEMU with our libvirglrenderer
#                            and run CMD in it (default: vulkaninfo --summary);
#                            images are built once into ~/.cache/pv-venus
#                            (PV_VENUS_CACHE); `./dev.sh vm --help` for options
#   ./dev.sh deps            only install the Debian packages
#
# Build directories: build/ (default), build-portable/, build-sanitize/.
# The protocol code comes from the newest Vulkan registry available: the
# system's vk.xml if it is 1.4, else Debian's newest (fetched once into
# ~/.cache/pv-venus/registry, PV_VENUS_CACHE); see codegen/newest_registry.py.
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(meson ninja-build gcc pkg-config python3 libvulkan-dev
          mesa-vulkan-drivers vulkan-tools glslang-tools spirv-tools clang
          libclang-rt-14-dev gnuplot-nox debootstrap cpio)

deps() {
   local missing=()
   for p in "${PACKAGES[@]}"; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
   done
   [ ${#missing[@]} -eq 0 ] && return 0
   local sudo=""
   [ "$(id -u)" -eq 0 ] || sudo="sudo"
   echo "dev.sh: installing ${missing[*]}"
   $sudo apt-get update -qq
   DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The system Python of Debian runs Meson and the generator; a pyenv or venv
# python3 earlier in PATH must not shadow it.
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

# The protocol code is generated from the newest Vulkan registry this
# machine can have (codegen/newest_registry.py: the system's when it is 1.4,
# else Debian's newest libvulkan-dev, fetched once into the cache).
CACHE=${PV_VENUS_CACHE:-$HOME/.cache/pv-venus}

build() {
   local dir=$1; shift
   local xml
   xml=$(python3 codegen/newest_registry.py "$CACHE")
   set -- "-Dvk_xml=$xml" "$@"
   if [ ! -d "$dir" ]; then
      meson setup "$dir" "$@" >/dev/null
   else
      meson configure "$dir" "$@" >/dev/null 2>&1 || meson setup --wipe "$dir" "$@" >/dev/null
   fi
   ninja -C "$dir"
}

variant_dir() {
   case "${1:-default}" in
      default) echo build ;;
      portable) echo build-portable ;;
      sanitize) echo build-sanitize ;;
      *) echo "dev.sh: unknown variant '$1' (default, portable, sanitize)" >&2; exit 2 ;;
   esac
}

variant_args() {
   case "${1:-default}" in
      default) ;;
      portable) echo "-Dportable=true" ;;
      sanitize) echo "-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug" ;;
   esac
}

cmd=${1:-}
shift || true
case "$cmd" in
   deps)
      deps ;;
   serve)
      deps
      build build
      exec ./build/tools/pv-venus serve "$@" ;;
   vm)
      deps
      build build >/dev/null
      exec ./tests/vm/pv-vm "$@" ;;
   test)
      deps
      variant=${1:-default}
      dir=$(variant_dir "$variant")
      # shellcheck disable=SC2046
      build "$dir" $(variant_args "$variant")
      export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
      export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
      if [ "$variant" = sanitize ]; then
         # Modules stay loaded until exit (tests/keep_modules.c says why);
         # built without the sanitizer, so ASan's runtime is not first.
         ${CC:-cc} -shared -fPIC -o "$dir/keep-modules.so" tests/keep_modules.c
         export LD_PRELOAD="$PWD/$dir/keep-modules.so${LD_PRELOAD:+:$LD_PRELOAD}"
         export ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"
      fi
      meson test -C "$dir" --print-errorlogs ;;
   *)
      sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
      [ -z "$cmd" ] || [ "$cmd" = "-h" ] || [ "$cmd" = "--help" ] || exit 2 ;;
esac
