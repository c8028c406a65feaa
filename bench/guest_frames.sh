#!/bin/sh
# guest_frames.sh — frame pacing through each packaged guest driver: vkcube
# in steady state through the guest's venus driver and pv-venus serve,
# beside the same vkcube natively on the same host driver, in turns.
#
#   bench/guest_frames.sh [--glmark2] [ROUNDS] [GUEST...]
#                                          (root: it uses ./dev.sh vm --vtest)
#
# With --glmark2, glmark2 over the root's zink instead (pv-glmark2-frames:
# build, texture and shading scenes; default guests trixie-backports
# trixie, whose zink 25.0 runs on this host's lavapipe), with each scene's
# frame rates after the rounds.
#
# In each guest root (default: sid trixie-backports trixie) pv-vkcube-frames
# (tests/vm) runs ROUNDS rounds (default 3).  A round measures 1000 frames
# of vkcube on an Xvfb display (a 1200-frame run minus a 200-frame run, so
# start-up cancels) through us and natively on the host's own lavapipe
# copied into the root, the order alternating between rounds.  Per round it
# prints the wall time per frame of each side and their ratio (native time /
# through time: 1.00 = as fast as native), and the machine's busy CPU time
# per frame (every process: the guest, the server, the host driver, X), which
# on a machine whose cores the CPU driver keeps busy is what a frame costs.
# The last line per guest gives the medians.  trixie's Mesa 25.0 presents
# only with the server's --wsi-dma-buf and MESA_VK_WSI_DEBUG=sw
# (tests/vm/guest-args.sh, docs/GUESTS.md).
# A benchmark: it never fails on time.
set -u
PROG=pv-vkcube-frames DEFAULT_GUESTS="sid trixie-backports trixie"
if [ "${1:-}" = --glmark2 ]; then
   PROG=pv-glmark2-frames DEFAULT_GUESTS="trixie-backports trixie"
   shift
fi
ROUNDS=${1:-3}
[ $# -gt 0 ] && shift
GUESTS=${*:-$DEFAULT_GUESTS}
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/tests/vm/guest-args.sh" # what each guest root needs (trixie: --wsi-dma-buf)
printf '%-17s %-6s %17s %17s %7s %19s\n' guest round "through us/frame" "native us/frame" ratio "CPU us/frame t / n"
for g in $GUESTS; do
   args=$(guest_serve_args "$g") envs=$(guest_env "$g")
   out=$("$here/dev.sh" vm --vtest --guest "$g" --timeout 1200 $args "$envs $PROG $ROUNDS" 2>&1)
   echo "$out" | grep -E "^$PROG: (SKIP|FAILED)" | sed "s/^/$g: /"
   echo "$out" | awk -v g="$g" '
      $1 == "frames:" { w[$2, $3] = $4; c[$2, $3] = $5; if ($2 > n) n = $2 }
      $1 == "scene:" { fps[$4, $3, $2] = $5; if (!($4 in seen)) { seen[$4] = 1; names[++ns] = $4 } }
      function median(a, k,   i, j, t) {
         for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
         return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
      }
      END {
         k = 0
         for (r = 1; r <= n; r++) {
            if (!((r, "through") in w) || !((r, "native") in w) || w[r, "through"] <= 0) continue
            k++
            tw[k] = w[r, "through"]; nw[k] = w[r, "native"]; ra[k] = nw[k] / tw[k]
            tc[k] = c[r, "through"]; nc[k] = c[r, "native"]
            printf "%-17s %-6d %14d us %14d us %7.2f %9d / %-9d\n", g, r, tw[k], nw[k], ra[k], tc[k], nc[k]
         }
         if (!k) { printf "%-17s no result\n", g; exit }
         printf "%-17s %-6s %14d us %14d us %7.2f %9d / %-9d\n", g, "median", median(tw, k),
                median(nw, k), median(ra, k), median(tc, k), median(nc, k)
         for (i = 1; i <= ns; i++) {
            m = 0
            for (r = 1; r <= n; r++)
               if (((names[i], "through", r) in fps) && ((names[i], "native", r) in fps)) {
                  m++; tf[m] = fps[names[i], "through", r]; nf[m] = fps[names[i], "native", r]
                  sr[m] = nf[m] ? tf[m] / nf[m] : 0
               }
            if (m)
               printf "%-17s scene %-10s fps through %6d, native %6d (medians), ratio %.2f (%s)\n",
                      g, names[i], median(tf, m), median(nf, m), median(sr, m), m " rounds"
         }
      }'
done
