#!/usr/bin/env bash
# Issue 15 T3: evolution against random search at the same number of evaluations (80 inherited-weight candidates
# each), three seeds each. The first run measures the latency table, the others reuse it; finished runs are skipped
# and an interrupted one resumes. Then the journal hypervolume of all six.
#   bench/search-t3/run.sh NNCJ_HOME TEACHER.onnx TRAIN.tsv DEV.tsv TEST.tsv OUT
# NNCJ_HOME holds bin/nncj: this checkout after `mvn package`, or an unpacked distribution.
# e.g. bench/search-t3/run.sh . work/clf.onnx ../shared/data/sst2/train.tsv work/sst2-dev-rest.tsv \
#        ../shared/data/sst2/test.tsv work/t3
set -uo pipefail
if [ $# -ne 6 ]; then
  echo "usage: $0 NNCJ_HOME TEACHER.onnx TRAIN.tsv DEV.tsv TEST.tsv OUT" >&2
  exit 2
fi
N=$1/bin/nncj; LIB=$1/lib; [ -d "$LIB" ] || LIB=$1/nncj-cli/target/lib; TEACHER=$2; TRAIN=$3; DEV=$4; TEST=$5; OUT=$6
COMMON="$TEACHER --data $TRAIN --eval $DEV --test $TEST --stages inherited --latency-checks 0 --timing-runs 30"
T=$OUT/evo1/latency-table.json
mkdir -p "$OUT"
for seed in 1 2 3; do
  for kind in evo rand; do
    out=$OUT/$kind$seed
    [ -f $out/pareto.json ] && continue
    extra=""; [ $kind = rand ] && extra="--random"
    table=""; [ -f $T ] && table="--latency-table $T"
    resume=""; [ -d $out ] && resume="--resume"
    echo "== $(date -u +%H:%M:%S) $kind seed $seed"
    $N search $COMMON -o $out --seed $seed $extra $table $resume > $OUT/$kind$seed.log 2>&1
    echo "== $(date -u +%H:%M:%S) exit $?"
  done
done
java -cp "$LIB/*" "$(dirname "$0")/JournalHypervolume.java" $OUT/{evo,rand}{1,2,3}/journal.jsonl
