#!/usr/bin/env bash
# Runs a command and samples its resident memory (VmRSS of the process, from /proc) every INTERVAL
# seconds into OUT.tsv, then prints a summary: the first sample after WARMUP seconds, the last, the
# peak, and the least-squares slope after the warm-up in MB per minute (flat memory: near 0).
# Usage: bench/rss-sample.sh OUT.tsv INTERVAL WARMUP -- command args...
set -euo pipefail
out="$1"; interval="$2"; warmup="$3"; shift 3
[ "$1" = "--" ] && shift
"$@" > "${out%.tsv}.log" 2>&1 &
pid=$!
SECONDS=0
echo -e "seconds\trss_kb" > "$out"
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  [ -n "$rss" ] && printf '%d\t%s\n' "$SECONDS" "$rss" >> "$out"
  sleep "$interval"
done
rc=0; wait "$pid" || rc=$?
summarize() {
awk -v w="$warmup" -v rc="$rc" 'NR > 1 {
    if ($2 > peak) peak = $2
    if ($1 >= w) { n++; if (n == 1) first = $2; last = $2; sx += $1; sy += $2; sxx += $1 * $1; sxy += $1 * $2 }
  } END {
    slope = (n > 1) ? (n * sxy - sx * sy) / (n * sxx - sx * sx) : 0
    printf "exit %d; samples after %ss: %d; RSS first %.1f MB, last %.1f MB, peak %.1f MB; slope %+.3f MB/min\n",
      rc, w, n, first / 1024, last / 1024, peak / 1024, slope * 60 / 1024
  }' "$out"
}
summarize
