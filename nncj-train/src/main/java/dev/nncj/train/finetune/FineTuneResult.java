package dev.nncj.train.finetune;

import dev.nncj.onnx.OnnxModel;
import java.util.List;

/**
 * What {@link FineTuner} produced.
 *
 * @param classifier the encoder with its classification head, holding the best evaluated weights
 * @param classes number of classes of the head
 * @param steps optimizer steps taken
 * @param bestStep the step after which the kept weights were evaluated
 * @param bestEvalAccuracy accuracy of the kept weights on the eval set, measured by the trainer (PyTorch)
 * @param stoppedEarly whether evaluations stopped improving before the planned steps were done
 * @param losses the training loss of every step, in order
 */
public record FineTuneResult(OnnxModel classifier, int classes, int steps, int bestStep, double bestEvalAccuracy,
        boolean stoppedEarly, List<Double> losses) {
    public FineTuneResult {
        losses = List.copyOf(losses);
    }
}
