#!/usr/bin/env bash
# Deep Compression's LeNet-300-100 on Fashion-MNIST, recipes chosen on a validation split, then the
# chosen recipe run with three fresh seeds and reported on the test images (issue 21).
# Usage: bench/deep-compress-dev.sh WORKDIR [NNCJ]   (NNCJ defaults to bin/nncj; every run is one PyTorch thread)
set -euo pipefail
W="$1"; NNCJ="${2:-bin/nncj}"
mkdir -p "$W"
F=/usr/share/datasets/fashion-mnist
D="--images $F/train-images-idx3-ubyte.gz --labels $F/train-labels-idx1-ubyte.gz --test-images $F/t10k-images-idx3-ubyte.gz --test-labels $F/t10k-labels-idx1-ubyte.gz"
export OMP_NUM_THREADS=1
# 1. the reference, trained on 54,000 images: the default --validation holds out the same 6,000 images deep-compress selects on
[ -f "$W/ref.onnx" ] || $NNCJ train --arch lenet-300-100 $D --epochs 40 -o "$W/ref.onnx" -q --json > "$W/ref.json"
# 2. the candidate recipes (the previous session's ~40x runs), one seed each; chosen by the last stage's val acc
PAPER="--sparsity-per-layer fc1.weight=0.92,fc2.weight=0.91,fc3.weight=0.74 --prune-steps 3 --clusters 16 --recover-epochs 4"
candidate() { name="$1"; shift; [ -f "$W/$name.json" ] || $NNCJ deep-compress "$W/ref.onnx" $D $PAPER "$@" -o "$W/$name.nncj" -q --json > "$W/$name.json"; }
candidate mag-lr5e-4 --retrain-epochs 8 --retrain-lr 5e-4 &
candidate mag-lr1e-3 --retrain-epochs 8 --retrain-lr 1e-3
wait
candidate act-lr1e-3 --retrain-epochs 8 --retrain-lr 1e-3 --criterion activation &
candidate act-lr1e-3-e16 --retrain-epochs 16 --retrain-lr 1e-3 --criterion activation
wait
# 3. the recipe with the best validation accuracy of the last stage (the container as unpacked), never the test column
best=$(python3 - "$W" <<'PY'
import json, sys, pathlib
runs = {p.stem: json.load(open(p)) for p in pathlib.Path(sys.argv[1]).glob("*.json") if p.stem not in ("ref",) and "-seed" not in p.stem}
print(max(runs, key=lambda n: runs[n]["stages"][-1]["validation_accuracy"]))
PY
)
echo "chosen on validation: $best"
args=$(python3 - "$W/$best.json" <<'PY'
import json, sys
print({"mag-lr5e-4": "--retrain-epochs 8 --retrain-lr 5e-4", "mag-lr1e-3": "--retrain-epochs 8 --retrain-lr 1e-3",
       "act-lr1e-3": "--retrain-epochs 8 --retrain-lr 1e-3 --criterion activation",
       "act-lr1e-3-e16": "--retrain-epochs 16 --retrain-lr 1e-3 --criterion activation"}[sys.argv[1].split("/")[-1][:-5]])
PY
)
# 4. that recipe with three fresh seeds (the selection run's own test figure is not among them)
candidate "$best-seed1" $args --seed 1 &
candidate "$best-seed2" $args --seed 2 &
candidate "$best-seed3" $args --seed 3
wait
