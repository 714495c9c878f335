#!/usr/bin/env bash
# One search generation of bench/results/2026-12-02-spark-generation.md, timed.
# usage: bench/spark/run.sh NAME [extra nncj args...]   (run in the bench folder, see all.sh)
# Writes NAME/ (the search folder), NAME.out and NAME.err (stderr lines prefixed with epoch seconds).
# Environment: NNCJ (the launcher, default bin/nncj of this checkout), CLF (the classifier), TRAIN and
# EVAL (tsv files); all.sh sets them.
set -uo pipefail
name=$1; shift
here=$(cd "$(dirname "$0")/../.." && pwd)
NNCJ=${NNCJ:-$here/bin/nncj}
: "${CLF:?set CLF to the classifier .onnx}" "${TRAIN:?set TRAIN to a training .tsv}" "${EVAL:?set EVAL to a selection .tsv}"
start=$(date +%s.%N)
"$NNCJ" search "$CLF" --data "$TRAIN" --eval "$EVAL" -o "$name" --stages inherited --population 8 --generations 0 \
  --latency-checks 0 --timing-runs 10 --finalists 2 --seed 1 "$@" \
  2> >(while IFS= read -r l; do echo "$(date +%s.%N) $l"; done > "$name.err") > "$name.out"
rc=$?
end=$(date +%s.%N)
sleep 1
echo "$name rc=$rc wall=$(echo "$end - $start" | bc) s start=$start"
