#!/bin/sh
# guest_split.sh — where a dispatch's time goes through each packaged guest
# driver, beside the same program natively on the same host driver.
#
#   bench/guest_split.sh [ROUNDS] [GUEST...]     (root: it uses ./dev.sh vm --vtest)
#
# In each guest root (default: trixie trixie-backports sid) `pv-vm-check
# split` runs ROUNDS times (default 3) through the guest's venus driver and
# pv-venus serve, and as often natively on the host's own lavapipe (copied
# into the root by pv-vm), in turns.  Each run is 50 saxpy dispatches over
# 1M floats with GPU timestamps set against CLOCK_MONOTONIC
# (VK_EXT_calibrated_timestamps; guest and host share the clock under
# vtest), and reports medians of:
#   submit->GPU start  the submit's way down (guest driver, transport, the
#                      renderer, the host driver's submit)
#   GPU                the work itself
#   GPU end->awake     the completion's way back (fence path, the guest
#                      driver's polling and sleeping)
#   wall               submit to the waiting thread awake
#   every              how often a round starts: wall plus reading the
#                      timestamps back and calibrating (host round trips
#                      through venus)
# The last columns are native / through of wall and of every: the
# throughput ratios (1.00 = as fast as native); and "same GPU", native wall
# / (native wall + the through side's submit->start and end->awake -
# native's): the wall ratio had the GPU work taken as long on both sides,
# since on a busy VM lavapipe's time for the same work drifts between runs.  A benchmark: it never fails on time.
# VN_PERF reaches the guest's venus on the through side: the split's own
# timestamp queries make venus record a query-feedback command buffer into
# every submission (docs/GUESTS.md); VN_PERF=no_query_feedback leaves it
# out, as for a program without queries.
set -u
ROUNDS=${1:-3}
[ $# -gt 0 ] && shift
GUESTS=${*:-trixie trixie-backports sid}
HOST=/usr/local/lib/pv-host-lavapipe
here=$(cd "$(dirname "$0")/.." && pwd)
printf '%-17s %-8s %14s %9s %14s %9s %9s %6s %6s %8s\n' guest side "submit->start" GPU "end->awake" wall every wall \
   every "same GPU"
for g in $GUESTS; do
   out=$("$here/dev.sh" vm --vtest --guest "$g" "for i in \$(seq $ROUNDS); do
         ${VN_PERF:+VN_PERF=$VN_PERF }pv-vm-check split | sed -n 's/^pv-vm-check: split ok: /through /p'
         VK_ICD_FILENAMES=$HOST/icd.json LD_LIBRARY_PATH=$HOST pv-vm-check split |
            sed -n 's/^pv-vm-check: split ok: /native /p'
      done" 2>/dev/null)
   echo "$out" | awk -v g="$g" '
      { side = $1
        n = split($0, f, /[^0-9]+/);
        # the four medians are the last four numbers of the line, the
        # round period the one before them
        s[side] += f[n-4]; gp[side] += f[n-3]; e[side] += f[n-2]; w[side] += f[n-1]
        p[side] += f[n-5]; c[side]++ }
      END {
         if (!c["through"] || !c["native"]) { printf "%-17s no result\n", g; exit }
         for (k = 0; k < 2; k++) {
            side = k ? "native" : "through"
            printf "%-17s %-8s %11.0f us %6.0f us %11.0f us %6.0f us %6.0f us", g, side,
                   s[side] / c[side], gp[side] / c[side], e[side] / c[side], w[side] / c[side],
                   p[side] / c[side]
            nw = w["native"] / c["native"]
            extra = (s["through"] + e["through"]) / c["through"] - (s["native"] + e["native"]) / c["native"]
            if (!k) printf " %6.2f %6.2f %8.2f", nw / (w["through"] / c["through"]),
                           (p["native"] / c["native"]) / (p["through"] / c["through"]), nw / (nw + extra)
            printf "\n"
         }
      }'
done
echo "(means over $ROUNDS runs of each run's medians; 1M floats, lavapipe: GPU time is CPU time)"
