#!/bin/sh
# vm_latency.sh — a guest's fence round trip in a real VM: Debian's QEMU and
# a Debian guest (./dev.sh vm), through our libvirglrenderer.so.1 and through
# Debian's virglrenderer with its render server (the reference), in turns.
#
#   bench/vm_latency.sh [RUNS] [ROUNDS]          (root: it uses ./dev.sh vm)
#
# Each run boots the VM once and runs `pv-vm-check --rounds ROUNDS latency`
# (default 20000): empty vkQueueSubmit + vkWaitForFences round trips through
# the guest's venus driver (Mesa 25.0, fence feedback), whose median and 90th
# percentile it prints, and the share of round trips over 100 us.  RUNS runs
# per side (default 4), alternating.  A round trip is fast (about 20 us: the
# fence's feedback lands while the guest still polls) or slow (about 300 us:
# after the guest gave up and slept), and the mix changes over a run and
# between runs, so long runs and the share say more than a few hundred
# rounds and a p90.
# Then the medians over the runs, and the ratio (reference / ours: above 1.00
# means ours is faster).  PV_VENUS_BUILD picks another build of ours, as for
# ./dev.sh vm.  A benchmark: it never fails on time.
set -u
RUNS=${1:-4}
ROUNDS=${2:-20000}
here=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
printf '%-10s %-4s %12s %12s %14s\n' side run "median us" "p90 us" "over 100 us"
i=1
while [ "$i" -le "$RUNS" ]; do
   for side in ours reference; do
      flag=
      [ "$side" = reference ] && flag=--reference
      line=$("$here/dev.sh" vm $flag --timeout 900 "pv-vm-check --rounds $ROUNDS latency" 2>&1 |
             grep -m1 '^pv-vm-check: latency')
      med=$(echo "$line" | sed -n 's/.*median \([0-9]*\) us.*/\1/p')
      p90=$(echo "$line" | sed -n 's/.*p90 \([0-9]*\) us.*/\1/p')
      over=$(echo "$line" | sed -n 's/.*, \([0-9.]*\)% over 100 us.*/\1/p')
      if [ -z "$med" ]; then
         printf '%-10s %-4d %s\n' "$side" "$i" "no result: ${line:-the VM did not run}"
      else
         printf '%-10s %-4d %12d %12d %13s%%\n' "$side" "$i" "$med" "$p90" "${over:-?}"
         echo "$side $med $p90 ${over:--}" >>"$out"
      fi
   done
   i=$((i + 1))
done
awk '
   function median(a, k,   i, j, t) {
      for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
   }
   { n[$1]++; m[$1, n[$1]] = $2; p[$1, n[$1]] = $3 }
   $4 != "-" { no[$1]++; o[$1, no[$1]] = $4 } # a pv-vm-check too old to print the share
   END {
      split("ours reference", sides, " ")
      for (x = 1; x <= 2; x++) {
         s = sides[x]
         if (!(s in n)) continue
         for (i = 1; i <= n[s]; i++) { a[i] = m[s, i]; b[i] = p[s, i] }
         for (i = 1; i <= no[s]; i++) c[i] = o[s, i]
         mm[s] = median(a, n[s]); pp[s] = median(b, n[s])
         oo = no[s] ? sprintf("%.1f%%", median(c, no[s])) : "?"
         printf "%-10s %-4s %12d %12d %14s   (medians of %d runs)\n", s, "all", mm[s], pp[s], oo, n[s]
      }
      if (("ours" in n) && ("reference" in n) && mm["ours"] > 0 && pp["ours"] > 0)
         printf "ratio reference/ours: median %.2f, p90 %.2f\n", mm["reference"] / mm["ours"],
                pp["reference"] / pp["ours"]
   }' "$out"
