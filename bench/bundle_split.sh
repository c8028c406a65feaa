#!/bin/bash
# bundle_split.sh — where a dispatch's time goes through a packaged guest
# driver on this host (a GPU box without chroots), beside the same program
# natively, with the server in one or more configurations, in turns.
#
#   bench/bundle_split.sh BUNDLE [ROUNDS] [LABEL=SERVE_ARGS...]
#
# BUNDLE is a folder made by bench/guest_bundle.sh with pv-vm-check in it.
# Each round runs, in turns: natively (the build's pv-vm-check on this
# host's Vulkan driver), then through `pv-venus serve SERVE_ARGS` for each
# configuration (default: one, "default="): `pv-vm-check split` (saxpy
# rounds over 1M floats, GPU timestamps set against the CPU clock: submit
# -> GPU start, GPU, GPU end -> awake, wall, and how often a round starts:
# wall plus reading the timestamps back) and `pv-vm-check latency`
# (empty submit + fence wait), with the server's CPU time for both.
# Then per side the medians over the rounds, and native / through of wall
# and of the round period (1.00 = as fast as native).  Default ROUNDS 3.  PV_VENUS and
# PV_VM_CHECK choose other binaries than the build's; SPLIT_ROUNDS (200)
# and LATENCY_ROUNDS (2000) the rounds inside each run; VN_PERF reaches
# the bundle's venus (no_query_feedback: without the query feedback that
# the split's own timestamp queries cause, docs/GUESTS.md).  A benchmark:
# it never fails on time.
#   e.g. bench/bundle_split.sh /tmp/sid 3 default= nobusy=--no-busy-wait
set -u
[ $# -ge 1 ] || { sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
bundle=$(cd "$1" && pwd) || exit 2
ROUNDS=3
if [ $# -ge 2 ] && [[ $2 =~ ^[0-9]+$ ]]; then
   ROUNDS=$2
   shift 2
else
   shift
fi
[ $# -gt 0 ] || set -- default=
PV_VENUS=${PV_VENUS:-$here/build/tools/pv-venus}
PV_VM_CHECK=${PV_VM_CHECK:-$here/build/tests/vm/pv-vm-check}
SPLIT_ROUNDS=${SPLIT_ROUNDS:-200} LATENCY_ROUNDS=${LATENCY_ROUNDS:-2000}
for f in "$PV_VENUS" "$PV_VM_CHECK" "$bundle/run" "$bundle/bin/pv-vm-check"; do
   [ -x "$f" ] || { echo "bundle_split: $f is missing or not executable" >&2; exit 2; }
done
dir=$(mktemp -d /tmp/pv-bundle-split.XXXXXX)
trap 'rm -rf "$dir"' EXIT
sock=$dir/sock

# "s g e w p l" of one run: the split's four medians, its round period and
# latency's median (us)
measure() { # RUNNER...
   local s l
   s=$("$@" pv-vm-check --rounds "$SPLIT_ROUNDS" split 2>&1 | sed -n 's/.*split ok: .*floats, //p')
   l=$("$@" pv-vm-check --rounds "$LATENCY_ROUNDS" latency 2>&1 | sed -n 's/.*latency ok: .*median \([0-9]*\) us.*/\1/p')
   [ -n "$s" ] && [ -n "$l" ] || return 1
   echo "$s" | awk -v l="$l" '{ n = split($0, f, /[^0-9]+/); print f[n-4], f[n-3], f[n-2], f[n-1], f[n-5], l }'
}
native_run() { "$PV_VM_CHECK" "${@:2}"; } # the build's pv-vm-check, the host's loader
bundle_run() { VN_DEBUG=vtest VTEST_SOCKET_NAME=$sock "$bundle/run" "$@"; }
cpu_ms() { awk '{ print ($14 + $15) * 1000 / '"$(getconf CLK_TCK)"' }' "/proc/$1/stat"; }

results=$dir/results
# keep one run's line "SIDE ROUND s g e w p l CPU_MS" and print it
record() {
   echo "$*" >>"$results"
   echo "$*" | awk '{ printf "%-12s %5d %11d us %5d us %9d us %5d us %6d us %7d us %11s\n", $1, $2, $3, $4, $5, $6,
                             $7, $8, $1 == "native" ? "-" : $9 " ms" }'
}
printf '%-12s %5s %14s %8s %12s %8s %9s %10s %11s\n' side round "submit->start" GPU "end->awake" wall every latency \
   "server CPU"
for r in $(seq "$ROUNDS"); do
   if v=$(measure native_run); then
      record native "$r" $v 0
   else
      echo "bundle_split: the native run failed" >&2
   fi
   for conf in "$@"; do
      label=${conf%%=*} args=${conf#*=}
      rm -f "$sock"
      # shellcheck disable=SC2086 # the arguments are split on purpose
      "$PV_VENUS" serve --socket-path "$sock" $args >"$dir/serve.log" 2>&1 &
      pid=$!
      for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
      v=$(measure bundle_run) || v=
      cpu=$(cpu_ms $pid)
      kill $pid; wait $pid 2>/dev/null
      if [ -z "$v" ]; then
         echo "bundle_split: $label failed; the server said: $(tail -n 2 "$dir/serve.log")" >&2
         continue
      fi
      record "$label" "$r" $v "$cpu"
   done
done
[ -s "$results" ] || exit 1
echo "medians over the rounds (ratios: native / this side, of wall and of every):"
awk '
   function med(a, n,   i, j, t) {
      for (i = 2; i <= n; i++)
         for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
   }
   !($1 in c) { order[++sides] = $1 }
   { c[$1]++; for (k = 3; k <= 9; k++) v[$1, c[$1], k] = $k }
   END {
      for (s = 1; s <= sides; s++) {
         x = order[s]
         for (k = 3; k <= 9; k++) { delete t; for (i = 1; i <= c[x]; i++) t[i] = v[x, i, k]; m[x, k] = med(t, c[x]) }
      }
      for (s = 1; s <= sides; s++) {
         x = order[s]
         printf "%-12s %5s %11d us %5d us %9d us %5d us %6d us %7d us", x, "", m[x, 3], m[x, 4], m[x, 5], m[x, 6],
                m[x, 7], m[x, 8]
         if (x == "native") printf " %11s\n", "-"
         else if (m["native", 6] > 0 && m["native", 7] > 0)
            printf " %8d ms  %.2f  %.2f\n", m[x, 9], m["native", 6] / m[x, 6], m["native", 7] / m[x, 7]
         else printf " %8d ms\n", m[x, 9]
      }
   }' "$results"
