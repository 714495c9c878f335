package dev.nncj.cli;

import dev.nncj.search.Fidelity;
import dev.nncj.train.distill.DistillOptions;
import dev.nncj.train.finetune.FineTuneOptions;
import java.io.Serializable;
import java.util.Optional;

/**
 * How a search's stages distil a candidate from the teacher: soft targets and labels, plus the
 * hidden states of the student's layers against the teacher's (TinyBERT's uniform layer map: the
 * student's last layer learns the teacher's last), on the first {@code shortSamples} training
 * sentences for a short distillation and eight times as many, {@code fullEpochs} times over, for a full one.
 *
 * @param hiddenWeight weight of the hidden-state term (0: soft targets and labels only)
 */
record SearchDistillation(int shortSamples, int fullEpochs, double hiddenWeight) implements Serializable {
    private static final long serialVersionUID = 1L;

    SearchDistillation {
        if (shortSamples < 1 || fullEpochs < 1 || !(hiddenWeight >= 0) || Double.isInfinite(hiddenWeight)) {
            throw new IllegalArgumentException("distillation needs samples and epochs >= 1 and a finite hidden weight >= 0: "
                    + shortSamples + ", " + fullEpochs + ", " + hiddenWeight);
        }
    }

    /** The distillation {@code stage} runs, or none for inherited weights. */
    Optional<DistillOptions> options(Fidelity stage, long seed) {
        if (stage == Fidelity.INHERITED) {
            return Optional.empty();
        }
        boolean full = stage == Fidelity.FULL_DISTILL;
        FineTuneOptions training = FineTuneOptions.defaults().withEpochs(full ? fullEpochs : 1).withBatchSize(32)
                .withMaxLength(64).withLearningRate(1e-4).withSeed(seed).withMaxTrainExamples(full ? 8 * shortSamples : shortSamples);
        return Optional.of(DistillOptions.recovery().withHiddenWeight(hiddenWeight).withTraining(training));
    }

    /**
     * The settings the search's fingerprint names besides the short distillation's sentences (which it
     * names with the data): a journal is resumed only with the same ones.
     */
    String describe() {
        return "full-distill epochs " + fullEpochs + " hidden-weight " + hiddenWeight;
    }
}
