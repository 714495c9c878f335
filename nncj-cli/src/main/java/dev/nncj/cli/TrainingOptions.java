package dev.nncj.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options of commands that train after compressing (prune --recover, quantize --qat) or score
 * with gradients (prune --importance gradient): the labelled task data and the training knobs.
 */
final class TrainingOptions {
    @Option(names = "--data", paramLabel = "TRAIN.tsv",
            description = "labelled task data (sentence and label columns) for --importance gradient, --recover and --qat")
    Path data;

    @Option(names = "--epochs", defaultValue = "1", description = "training epochs over --data (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "16", description = "training batch size (default ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--lr", paramLabel = "RATE", description = "peak learning rate (default: 1e-5 for --qat, 5e-5 for --recover)")
    Double learningRate;

    @Option(names = "--max-length", defaultValue = "128", description = "tokens per training example (default ${DEFAULT-VALUE})")
    int maxLength;

    @Option(names = "--max-train", paramLabel = "N", description = "use the first N examples of --data only")
    Integer maxTrain;

    @Option(names = "--train-seed", defaultValue = "1", description = "seed of the training shuffle (default ${DEFAULT-VALUE})")
    long seed;
}
