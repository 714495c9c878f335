#!/usr/bin/env bash
# Issue 15 T3: evolution against random search at the same number of evaluations (80 inherited-weight candidates each),
# three seeds each, the SST-2 classifier as teacher; the first run measures the latency table, the others reuse it.
set -uo pipefail
cd /work/run3
N=/work/run5/bin/nncj
COMMON="work/clf.onnx --data /work/shared/data/sst2/train.tsv --eval work/sst2-dev-rest.tsv --test /work/shared/data/sst2/test.tsv --stages inherited --latency-checks 0 --timing-runs 30"
T=work/t3/evo1/latency-table.json
for seed in 1 2 3; do
  for kind in evo rand; do
    out=work/t3/$kind$seed
    [ -f $out/pareto.json ] && continue
    extra=""; [ $kind = rand ] && extra="--random"
    table=""; [ -f $T ] && table="--latency-table $T"
    resume=""; [ -d $out ] && resume="--resume"
    echo "== $(date -u +%H:%M:%S) $kind seed $seed"
    $N search $COMMON -o $out --seed $seed $extra $table $resume > work/t3/$kind$seed.log 2>&1
    echo "== $(date -u +%H:%M:%S) exit $?"
  done
done
