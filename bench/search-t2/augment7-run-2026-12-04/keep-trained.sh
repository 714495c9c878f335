#!/bin/bash
# copies every finished full distillation's model out of t2b/training before the search discards it
for i in $(seq 1 2000); do
  for f in /work/w/t2b/training/full-distill-*/trained.onnx; do
    [ -f "$f" ] || continue
    d=$(basename $(dirname "$f"))
    [ -f /work/w/t2b-kept/$d.onnx ] || { sleep 2; cp "$f" /work/w/t2b-kept/$d.onnx.tmp && mv /work/w/t2b-kept/$d.onnx.tmp /work/w/t2b-kept/$d.onnx; }
  done
  [ -f /work/w/t2b/pareto.json ] && break
  sleep 3
done
