package dev.nncj.cli;

import dev.nncj.data.WordSubstitution;
import dev.nncj.search.Fidelity;
import dev.nncj.train.distill.Augmentation;
import dev.nncj.train.distill.DistillData;
import dev.nncj.train.distill.DistillOptions;
import dev.nncj.train.finetune.FineTuneOptions;
import dev.nncj.transformer.EncoderSpec;
import java.io.Serializable;
import java.util.Optional;

/**
 * How a search's stages distil a candidate from the teacher: soft targets and labels, plus the
 * hidden states of the student's layers against the teacher's (TinyBERT's uniform layer map: the
 * student's last layer learns the teacher's last), on the first {@code shortSamples} training
 * sentences for a short distillation and eight times as many, {@code fullEpochs} times over, for a full one.
 * With {@code augment} copies, a full distillation's sentences are each followed by that many rewritings
 * ({@link WordSubstitution}, TinyBERT's augmentation) and only the teacher's outputs teach (no labels).
 * QAT trains the full distillation's model on twice the short distillation's sentences (not rewritten),
 * at a fifth of the distillations' learning rate: its weights start trained, and it only adapts them to
 * their integer grid (Q8BERT fine-tunes with fake quantization at the task's own fine-tuning rate).
 *
 * @param hiddenWeight weight of the hidden-state term (0: soft targets and labels only)
 * @param augment rewritten copies of each sentence a full distillation adds (0: none)
 */
record SearchDistillation(int shortSamples, int fullEpochs, double hiddenWeight, int augment) implements Serializable {
    private static final long serialVersionUID = 1L;
    /** How many times the short distillation's sentences a full one reads. */
    private static final int FULL_TO_SHORT = 8;
    /** How many times the short distillation's sentences QAT reads. */
    private static final int QAT_TO_SHORT = 2;
    private static final double DISTILL_LEARNING_RATE = 1e-4;
    private static final double QAT_LEARNING_RATE = 2e-5;

    SearchDistillation {
        if (shortSamples < 1 || fullEpochs < 1 || !(hiddenWeight >= 0) || Double.isInfinite(hiddenWeight) || augment < 0) {
            throw new IllegalArgumentException("distillation needs samples and epochs >= 1, a finite hidden weight >= 0 and"
                    + " copies >= 0: " + shortSamples + ", " + fullEpochs + ", " + hiddenWeight + ", " + augment);
        }
    }

    /** Whether {@code stage} trains on rewritten sentences besides the training data's own. */
    boolean augments(Fidelity stage) {
        return stage == Fidelity.FULL_DISTILL && augment > 0;
    }

    /**
     * A full distillation's text when it {@link #augments}: its sentences, each followed by rewritings
     * that {@code teacher}'s word table chooses; seeded.
     */
    DistillData augmented(DistillData data, EncoderSpec teacher, long seed) {
        return Augmentation.of(data, teacher, FULL_TO_SHORT * shortSamples, augment, seed);
    }

    /** The distillation {@code stage} runs, or none for inherited weights. */
    Optional<DistillOptions> options(Fidelity stage, long seed) {
        if (stage == Fidelity.INHERITED) {
            return Optional.empty();
        }
        boolean full = stage == Fidelity.FULL_DISTILL;
        int sentences = switch (stage) {
            case FULL_DISTILL -> FULL_TO_SHORT * shortSamples * (1 + (augments(stage) ? augment : 0));
            case QAT -> QAT_TO_SHORT * shortSamples;
            default -> shortSamples;
        };
        FineTuneOptions training = FineTuneOptions.defaults().withEpochs(full ? fullEpochs : 1).withBatchSize(32)
                .withMaxLength(64).withLearningRate(stage == Fidelity.QAT ? QAT_LEARNING_RATE : DISTILL_LEARNING_RATE)
                .withSeed(seed).withMaxTrainExamples(sentences);
        DistillOptions options = DistillOptions.recovery().withHiddenWeight(hiddenWeight).withTraining(training);
        // rewritten sentences may not keep their labels: the teacher's outputs alone teach them
        return Optional.of(augments(stage) ? options.withHardWeight(0) : options);
    }

    /**
     * The settings the search's fingerprint names besides the short distillation's sentences (which it
     * names with the data): a journal is resumed only with the same ones.
     */
    String describe() {
        return "full-distill epochs " + fullEpochs + " hidden-weight " + hiddenWeight + (augment > 0 ? " augment " + augment : "");
    }
}
