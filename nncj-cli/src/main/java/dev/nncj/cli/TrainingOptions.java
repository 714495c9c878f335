package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.OptionException;
import dev.nncj.train.trainer.Checkpoints;
import dev.nncj.train.finetune.FineTuneOptions;
import java.nio.file.Path;
import java.util.OptionalInt;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * The training knobs every training command shares (finetune, distill, movement, quantize --qat,
 * --recover), as a {@link FineTuneOptions}, and the run's checkpoint folder: OUT.checkpoint beside
 * the output, or the one --resume continues.
 */
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

    @Option(names = "--seed", defaultValue = "1", description = "seed of every random choice: shuffling, initialization, sampling (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--eval-every", defaultValue = "200", paramLabel = "STEPS",
            description = "evaluate on --eval every this many steps, and at the end (distill without --eval: checkpoint); default ${DEFAULT-VALUE}")
    int evalEvery;

    @Option(names = "--patience", defaultValue = "3", description = "evaluations without a new best before stopping; 0 never stops (default ${DEFAULT-VALUE})")
    int patience;

    @Option(names = "--max-train", paramLabel = "N", description = "train on the first N examples only")
    Integer maxTrain;

    @Option(names = "--resume", paramLabel = "DIR",
            description = "continue the interrupted run whose checkpoint folder is DIR (OUT.checkpoint; SIGTERM and Ctrl-C"
                    + " stop a run there); the same command, options and files end with the weights of an uninterrupted run")
    Path resume;

    private Checkpoints opened;

    /**
     * The options with the run's checkpoints; {@code command} is the command's spec, whose options
     * and files identify the run ({@link RunFingerprint}), {@code output} where its result goes.
     * An interrupted run's folder is refused here, before any work, unless resumed. The folder is
     * announced on stderr when training starts, unless --quiet (a stop names it anyway).
     */
    FineTuneOptions toOptions(CommandSpec command, Path output) {
        if (opened == null) {
            String fingerprint = RunFingerprint.of(command);
            Checkpoints checkpoints = resume != null ? Checkpoints.resuming(resume, fingerprint)
                    : Checkpoints.startingIn(beside(output), fingerprint);
            boolean quiet = quiet(command);
            boolean[] announced = {false};
            opened = checkpoints.announcingTo(folder -> {
                if (!quiet && !announced[0]) { // once, however many phases the run trains in
                    announced[0] = true;
                    command.commandLine().getErr().println("nncj: checkpoints go to " + folder + " (SIGTERM or Ctrl-C"
                            + " stops at the next step and keeps one; continue with --resume " + folder + ")");
                }
            });
        }
        return toOptions().withCheckpoints(opened);
    }

    private static boolean quiet(CommandSpec command) {
        OptionSpec quiet = command.findOption("--quiet");
        return quiet != null && Boolean.TRUE.equals(quiet.getValue());
    }

    /** Refuses --resume for a command that does not train unless {@code training}, which {@code flag} turns on. */
    void refuseResumeUnless(boolean training, String flag) {
        if (resume != null && !training) {
            throw new OptionException("--resume continues an interrupted training run; without " + flag + " nothing trains");
        }
    }

    /** The run's result is saved: its checkpoint folder goes. */
    void finished() {
        if (opened != null) {
            opened.remove();
        }
    }

    /** OUT.checkpoint, the folder of a new run's checkpoints. */
    static Path beside(Path output) {
        Path absolute = output.toAbsolutePath();
        return absolute.resolveSibling(absolute.getFileName() + ".checkpoint");
    }

    FineTuneOptions toOptions() {
        try {
            return new FineTuneOptions(epochs, batchSize, learningRate, warmup, weightDecay, maxLength, seed, evalEvery,
                    patience, maxTrain == null ? OptionalInt.empty() : OptionalInt.of(maxTrain));
        } catch (IllegalArgumentException e) {
            throw new NncjException(e.getMessage());
        }
    }
}
