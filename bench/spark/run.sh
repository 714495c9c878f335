#!/usr/bin/env bash
# usage: run.sh NAME [extra nncj args...]; stderr lines time-stamped (epoch seconds) into NAME.err
set -uo pipefail
cd /work/scratch-sparkcli/bench
name=$1; shift
D=$(echo /work/scratch-sparkcli/dist/nncj-*)
start=$(date +%s.%N)
$D/bin/nncj search /work/scratch-sparkcli/bench/clf/smoke-clf.onnx --data /work/run2/work/train64.tsv \
  --eval /work/scratch-sparkcli/bench/eval500.tsv -o "$name" --stages inherited --population 8 --generations 0 \
  --latency-checks 0 --timing-runs 10 --finalists 2 --seed 1 "$@" 2> >(while IFS= read -r l; do echo "$(date +%s.%N) $l"; done > "$name.err") > "$name.out"
rc=$?
end=$(date +%s.%N)
sleep 1
echo "$name rc=$rc wall=$(echo "$end - $start" | bc) s start=$start"
