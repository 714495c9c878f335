#!/usr/bin/env bash
# Re-measures the headline figures of bench/results on this machine: every command is printed
# before its output, so the resulting markdown file carries the commands that made each figure.
# Usage (after the README's build command): bench/reproduce.sh > bench/results/DATE-summary.md
set -euo pipefail
cd "$(dirname "$0")/.."
W=work/reproduce
DATA=data/sst2/test.tsv
CAL=${CALIBRATION_DATA:-/work/shared/data/sst2/train.tsv}

run() {
  echo
  echo "\`$*\`"
  echo
  echo '```'
  "$@" 2>&1 | grep -v '^SLF4J'
  echo '```'
}

echo "# NNCJ headline figures"
echo
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores;" \
     "load before starting: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)."

bin/nncj zoo get all-minilm-l6-v2 -o $W/minilm -q >/dev/null
bin/nncj zoo get all-minilm-l6-v2-ort-int8 -o $W/ort-int8 -q >/dev/null
FP32=$W/minilm/model.onnx
ORT=$W/ort-int8/model.onnx

echo
echo "## Baseline: ONNX Runtime's int8 quantization vs fp32"
run bin/nncj bench $ORT --compare $FP32 --threads 1 -q
run bin/nncj eval $ORT --task embedding-fidelity --reference $FP32 --data $DATA -q

echo
echo "## Quantization (issue 3)"
for mode in dynamic-int8 static-int8 int4-weight fp8 fp16 int8-weight; do
  extra=()
  case $mode in
    static-int8) extra=(--calibration-data "$CAL" --calibration-samples 256) ;;
    int4-weight) extra=(--error-compensation --calibration-data "$CAL" --calibration-samples 256) ;;
  esac
  out=$W/q-$mode/model.onnx
  echo
  echo "### $mode"
  run bin/nncj quantize $FP32 -o $out --mode $mode "${extra[@]}" --eval-data $DATA --bench-runs 20 -q --force
  run bin/nncj bench $out --compare $ORT --threads 1 -q
  run bin/nncj bench $out --compare $ORT --threads 2 -q
done

echo
echo "### dynamic-int8 --attention fused (QAttention)"
out=$W/q-dynamic-int8-fused/model.onnx
run bin/nncj quantize $FP32 -o $out --mode dynamic-int8 --attention fused --eval-data $DATA --bench-runs 20 -q --force
run bin/nncj bench $out --compare $ORT --threads 1 --profile -q
run bin/nncj bench $out --compare $ORT --threads 2 -q

echo
echo "## Structured pruning (issue 4)"
run bin/nncj prune $FP32 -o $W/p-layers/model.onnx --keep-layers 0,2,4 --eval-data $DATA --bench-runs 100 -q --force
run bin/nncj prune $FP32 -o $W/p-heads-ffn/model.onnx --heads 0.5 --ffn 0.5 --eval-data $DATA --bench-runs 100 -q --force
run bin/nncj inspect $W/p-heads-ffn/model.onnx

echo
echo "## Unstructured sparsity (issue 4)"
run bin/nncj sparsify $FP32 -o $W/s80/model.onnx --sparsity 0.8 --include-embeddings --eval-data $DATA --bench-runs 20 -q --force
run bin/nncj sparsify $FP32 -o $W/s80.nncj --sparsity 0.8 --include-embeddings --bench-runs 20 -q --force
