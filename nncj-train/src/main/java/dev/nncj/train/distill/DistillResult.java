package dev.nncj.train.distill;

import dev.nncj.onnx.OnnxModel;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * What {@link Distiller} produced.
 *
 * @param student the trained student (best evaluated weights when there was an eval set, else the
 *     last), with provenance when the teacher came from a file
 * @param steps optimizer steps taken
 * @param keptStep the step after which the kept weights were taken
 * @param evalAccuracy accuracy of the kept weights on the eval set, measured by the trainer (PyTorch); empty without one
 * @param stoppedEarly whether evaluations stopped improving before the planned steps were done
 * @param losses the training loss of every step, in order
 * @param layerMap student layer to teacher layer used by the hidden-state and attention terms (empty when off)
 */
public record DistillResult(OnnxModel student, int steps, int keptStep, OptionalDouble evalAccuracy,
        boolean stoppedEarly, List<Double> losses, Map<Integer, Integer> layerMap) {
    public DistillResult {
        losses = List.copyOf(losses);
        layerMap = Map.copyOf(layerMap);
    }
}
