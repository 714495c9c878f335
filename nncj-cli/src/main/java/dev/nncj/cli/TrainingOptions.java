package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.train.FineTuneOptions;
import java.util.OptionalInt;
import picocli.CommandLine.Option;

/** The training knobs every training command shares (finetune, distill), as a {@link FineTuneOptions}. */
final class TrainingOptions {
    @Option(names = "--epochs", defaultValue = "1", description = "default ${DEFAULT-VALUE}")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "16", description = "default ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--lr", defaultValue = "5e-5", description = "peak learning rate (default ${DEFAULT-VALUE})")
    double learningRate;

    @Option(names = "--warmup", defaultValue = "0.1", paramLabel = "FRACTION", description = "share of steps warming up (default ${DEFAULT-VALUE})")
    double warmup;

    @Option(names = "--weight-decay", defaultValue = "0.01", description = "default ${DEFAULT-VALUE}")
    double weightDecay;

    @Option(names = "--max-length", defaultValue = "128", description = "tokens per example (default ${DEFAULT-VALUE})")
    int maxLength;

    @Option(names = "--seed", defaultValue = "1", description = "default ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--eval-every", defaultValue = "200", paramLabel = "STEPS",
            description = "evaluate on --eval every this many steps, and at the end (distill without --eval: checkpoint); default ${DEFAULT-VALUE}")
    int evalEvery;

    @Option(names = "--patience", defaultValue = "3", description = "evaluations without a new best before stopping; 0 never stops (default ${DEFAULT-VALUE})")
    int patience;

    @Option(names = "--max-train", paramLabel = "N", description = "train on the first N examples only")
    Integer maxTrain;

    FineTuneOptions toOptions() {
        try {
            return new FineTuneOptions(epochs, batchSize, learningRate, warmup, weightDecay, maxLength, seed, evalEvery,
                    patience, maxTrain == null ? OptionalInt.empty() : OptionalInt.of(maxTrain));
        } catch (IllegalArgumentException e) {
            throw new NncjException(e.getMessage());
        }
    }
}
