#!/bin/bash
# mesa_ab.sh — real programs natively and through `pv-venus serve` with
# Mesa's venus driver, in turns, and the ratio of each pair.
#
#   bench/mesa_ab.sh MESA_PREFIX [PV_VENUS] [ROUNDS]
#
# MESA_PREFIX holds a Mesa build with the venus driver
# (share/vulkan/icd.d/virtio_icd.*.json); PV_VENUS defaults to
# build/tools/pv-venus; ROUNDS (default 7) pairs per program.  Each round
# runs a program natively and through the server back to back, the order
# alternating between rounds, so a machine whose speed drifts (a shared VM)
# moves both sides of a pair alike; the per-round ratio is what to read.
#
#   vulkaninfo  wall time of `vulkaninfo --summary` without X (start-up: instance,
#               device, all queries), seconds, lower is better
#   vkcube      frames per second in steady state: (600 - 100) frames over
#               the difference of two runs' wall times, start-up cancelled
#   glmark2     glmark2 over zink, three short scenes, the score
#
# Needs vulkan-tools, vkcube, glmark2-x11 and Xvfb (a missing program is
# reported as skipped).  Host driver: HOST_ICD (default lavapipe); ONLY
# picks some of the programs.
set -u
MESA=${1:?usage: bench/mesa_ab.sh MESA_PREFIX [PV_VENUS] [ROUNDS]}
BIN=${2:-build/tools/pv-venus}
ROUNDS=${3:-7}
ONLY=${ONLY:-vulkaninfo vkcube glmark2}
HOST_ICD=${HOST_ICD:-/usr/share/vulkan/icd.d/lvp_icd.x86_64.json}
VN_ICD=$(ls "$MESA"/share/vulkan/icd.d/virtio_icd.*.json 2>/dev/null | head -1)
[ -n "$VN_ICD" ] || { echo "no venus ICD under $MESA/share/vulkan/icd.d"; exit 2; }
[ -x "$BIN" ] || { echo "no pv-venus at $BIN"; exit 2; }

WORK=$(mktemp -d)
SOCK=$WORK/vtest.sock
export XDG_RUNTIME_DIR=$WORK/xdg
mkdir -m 700 "$XDG_RUNTIME_DIR"
VK_ICD_FILENAMES=$HOST_ICD PV_VENUS_DEBUG=warn "$BIN" serve --socket-path "$SOCK" >"$WORK/server.log" 2>&1 &
SERVER=$!
XVFB=""
cleanup() { kill $SERVER 2>/dev/null; [ -n "$XVFB" ] && kill $XVFB 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || { echo "the server did not start:"; tail -5 "$WORK/server.log"; exit 2; }
if command -v Xvfb >/dev/null; then
  export DISPLAY=:$((50 + RANDOM % 40))
  Xvfb "$DISPLAY" -screen 0 1024x768x24 -nolisten tcp >/dev/null 2>&1 &
  XVFB=$!
  sleep 1
fi

native()  { env VK_ICD_FILENAMES="$HOST_ICD" "$@"; }
through() { env VK_ICD_FILENAMES="$VN_ICD" VN_DEBUG=vtest VTEST_SOCKET_NAME="$SOCK" "$@"; }
# Seconds a command takes; on failure nothing, and its exit status and last
# line of output on stderr.
secs() {
  local t0 rc
  t0=$(date +%s.%N)
  "$@" >"$WORK/out" 2>&1
  rc=$?
  if [ $rc -ne 0 ]; then echo "  '$*' exited $rc: $(tail -1 "$WORK/out")" >&2; return 1; fi
  echo "$(date +%s.%N) - $t0" | bc
}

# One measurement of program $2 by side $1 (native|through): a number on stdout.
measure() {
  local side=$1 prog=$2 a b
  case $prog in
    vulkaninfo) secs $side env -u DISPLAY vulkaninfo --summary ;; # no X: Xvfb refuses some connections
    vkcube)
      a=$(secs $side timeout 120 vkcube --c 100) || return 1
      b=$(secs $side timeout 300 vkcube --c 600) || return 1
      echo "500 / ($b - $a)" | bc -l ;;
    glmark2)
      $side env LIBGL_ALWAYS_SOFTWARE=1 MESA_LOADER_DRIVER_OVERRIDE=zink glmark2 --off-screen \
        -b build:duration=3 -b texture:duration=3 -b shading:shading=phong:duration=3 2>&1 |
        grep -oE 'Score: [0-9]+' | grep -oE '[0-9]+' ;;
  esac
}

median() { sort -g | awk '{v[NR] = $1} END {if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

printf '%-10s %6s %12s %12s %10s %10s %10s  %s\n' program rounds native through ratio min max unit
for prog in $ONLY; do
  case $prog in
    vulkaninfo) need=vulkaninfo unit="s (lower is better)" ;;
    vkcube) need=vkcube unit="frames/s (higher is better)" ;;
    glmark2) need=glmark2 unit="score (higher is better)" ;;
  esac
  if ! command -v $need >/dev/null || { [ $prog != vulkaninfo ] && [ -z "$XVFB" ]; }; then
    printf '%-10s skipped: %s or Xvfb missing\n' $prog $need
    continue
  fi
  : >"$WORK/n"; : >"$WORK/t"; : >"$WORK/r"
  for r in $(seq "$ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then
      n=$(measure native $prog); t=$(measure through $prog)
    else
      t=$(measure through $prog); n=$(measure native $prog)
    fi
    if [ -z "$n" ] || [ -z "$t" ]; then
      echo "$prog: round $r failed (native '${n}', through '${t}')" >&2
      continue
    fi
    echo "$n" >>"$WORK/n"; echo "$t" >>"$WORK/t"; echo "$t / $n" | bc -l >>"$WORK/r"
  done
  k=$(wc -l <"$WORK/r")
  [ "$k" -gt 0 ] || { printf '%-10s failed in every round\n' $prog; continue; }
  printf '%-10s %6d %12.4f %12.4f %10.3f %10.3f %10.3f  %s\n' $prog "$k" \
    "$(median <"$WORK/n")" "$(median <"$WORK/t")" "$(median <"$WORK/r")" \
    "$(sort -g "$WORK/r" | head -1)" "$(sort -g "$WORK/r" | tail -1)" "$unit"
done
echo "(ratio: median over rounds of through/native; min and max of the same)"
kill -0 $SERVER 2>/dev/null || { echo "the server died during the run:"; tail -5 "$WORK/server.log"; exit 1; }
