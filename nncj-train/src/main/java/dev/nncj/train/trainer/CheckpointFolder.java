package dev.nncj.train.trainer;

import dev.nncj.NncjException;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.SaveOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The checkpoint folder of a training run ({@link Checkpoints}; the CLI puts it beside the output,
 * OUT.onnx.checkpoint):
 * <pre>
 * run.properties          format=1, fingerprint=F (the run's options and input files); written when
 *                         the folder is created; resuming with another fingerprint is refused
 * 000012/                 one complete checkpoint; the highest number is the latest, older ones are
 *                         removed once a newer one is complete
 *   trainer.properties    phase, step, epoch, position (batches of the epoch done), optimizer_steps
 *                         (AdamW's t, its bias corrections), seed, threads (PyTorch's intra-op
 *                         threads: a matrix product split another way sums in another order),
 *                         best_metric, best_step, evaluations_without_improvement, stopped_early,
 *                         losses (every step's loss so far, comma-separated)
 *   model.onnx            the graph being trained with the weights after that step (what a run that
 *                         diverged later keeps as its last good weights)
 *   optimizer.djl         AdamW's moments "m:NAME", "v:NAME" (DJL's NDList encoding); none before the first step
 *   best.djl              the trainable parameters of the best evaluation so far, when there was one
 * 000013.tmp/             a checkpoint being written: a kill during the write leaves 000012 whole;
 *                         ignored when reading, removed by the next write
 * round-1.onnx            the result of a finished phase of a multi-phase run (iterative pruning's
 *                         round 1 after its recovery), written once by temporary name and rename
 * </pre>
 * Tensors are stored as raw float bits and doubles by {@link Double#toString}, which reads back to
 * the same bits, so a resumed run continues from exactly the state it stopped in. A checkpoint is a
 * directory renamed whole because its files only make sense together: the rename is the one atomic
 * step that switches all of them. The learning rate needs no field of its own: the schedule is a
 * function of the step; nor does the data order: epoch e is shuffled by (seed, e).
 */
final class CheckpointFolder {
    static final String FORMAT = "1";
    static final String RUN_FILE = "run.properties";
    static final String STATE_FILE = "trainer.properties";
    static final String MODEL_FILE = "model.onnx";
    static final String OPTIMIZER_FILE = "optimizer.djl";
    static final String BEST_FILE = "best.djl";
    private static final String WRITING = ".tmp";

    private final Path folder;

    CheckpointFolder(Path folder) {
        this.folder = folder;
    }

    Path path() {
        return folder;
    }

    /** What a checkpoint's files are written by, into the (temporary) directory given. */
    @FunctionalInterface
    interface Contents {
        void writeInto(Path dir) throws IOException;
    }

    /**
     * The trainer's state besides its arrays.
     *
     * @param bestMetric the best evaluation so far, NaN before the first
     * @param bestStep the step after which it was made, -1 before the first
     */
    record State(String phase, int step, int epoch, int position, int optimizerSteps, long seed, int threads,
            double bestMetric, int bestStep, int evaluationsWithoutImprovement, boolean stoppedEarly, List<Double> losses) {

        State {
            losses = List.copyOf(losses);
        }

        byte[] encode() throws IOException {
            Properties p = new Properties();
            p.setProperty("phase", phase);
            p.setProperty("step", Integer.toString(step));
            p.setProperty("epoch", Integer.toString(epoch));
            p.setProperty("position", Integer.toString(position));
            p.setProperty("optimizer_steps", Integer.toString(optimizerSteps));
            p.setProperty("seed", Long.toString(seed));
            p.setProperty("threads", Integer.toString(threads));
            p.setProperty("best_metric", Double.toString(bestMetric));
            p.setProperty("best_step", Integer.toString(bestStep));
            p.setProperty("evaluations_without_improvement", Integer.toString(evaluationsWithoutImprovement));
            p.setProperty("stopped_early", Boolean.toString(stoppedEarly));
            p.setProperty("losses", String.join(",", losses.stream().map(d -> Double.toString(d)).toList()));
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            p.store(bytes, "NNCJ trainer checkpoint");
            return bytes.toByteArray();
        }

        static State decode(Properties p) {
            String losses = p.getProperty("losses", "");
            return new State(p.getProperty("phase", ""), integer(p, "step"), integer(p, "epoch"), integer(p, "position"),
                    integer(p, "optimizer_steps"), Long.parseLong(required(p, "seed")), integer(p, "threads"),
                    Double.parseDouble(required(p, "best_metric")), integer(p, "best_step"),
                    integer(p, "evaluations_without_improvement"), Boolean.parseBoolean(required(p, "stopped_early")),
                    losses.isEmpty() ? List.of() : Arrays.stream(losses.split(",")).map(Double::valueOf).toList());
        }

        private static int integer(Properties p, String key) {
            return Integer.parseInt(required(p, key));
        }

        private static String required(Properties p, String key) {
            String v = p.getProperty(key);
            if (v == null) {
                throw new IllegalArgumentException("no " + key);
            }
            return v;
        }
    }

    /** Refuses a folder that holds no run, or another run's (another fingerprint). */
    static void checkResumable(Path folder, String fingerprint) {
        Path run = folder.resolve(RUN_FILE);
        if (!Files.isDirectory(folder) || !Files.isRegularFile(run)) {
            throw NncjException.inFile(folder, "is not a checkpoint folder (no " + RUN_FILE + ")");
        }
        Properties p = properties(run);
        if (!FORMAT.equals(p.getProperty("format"))) {
            throw NncjException.inFile(run, "checkpoint format " + p.getProperty("format") + " is not one this version reads ("
                    + FORMAT + ")");
        }
        if (!fingerprint.equals(p.getProperty("fingerprint"))) {
            throw NncjException.inFile(folder, "is the checkpoint of another run: its options, input model or data differ"
                    + " from this one's (give exactly the command that started it)");
        }
    }

    /**
     * Writes a new checkpoint (into a temporary directory renamed when complete) and removes the
     * older ones; returns the new checkpoint's directory.
     */
    Path write(String fingerprint, Contents contents) {
        try {
            prepare(fingerprint);
            int next = numbered().stream().mapToInt(CheckpointFolder::number).max().orElse(0) + 1;
            String name = String.format("%06d", next);
            Path temp = folder.resolve(name + WRITING);
            Files.createDirectory(temp);
            contents.writeInto(temp);
            Path done = folder.resolve(name);
            Files.move(temp, done, StandardCopyOption.ATOMIC_MOVE);
            for (Path older : numbered()) {
                if (number(older) < next) {
                    deleteRecursively(older);
                }
            }
            return done;
        } catch (IOException e) {
            throw NncjException.inFile(folder, "cannot write a checkpoint: " + e.getMessage(), e);
        }
    }

    /** The latest complete checkpoint's directory, if any. */
    Optional<Path> latest() {
        try {
            return numbered().stream().filter(p -> Files.isRegularFile(p.resolve(STATE_FILE)))
                    .max(Comparator.comparingInt(CheckpointFolder::number));
        } catch (IOException e) {
            throw NncjException.inFile(folder, "cannot read: " + e.getMessage(), e);
        }
    }

    static State state(Path checkpoint) {
        try {
            return State.decode(properties(checkpoint.resolve(STATE_FILE)));
        } catch (IllegalArgumentException e) {
            throw NncjException.inFile(checkpoint.resolve(STATE_FILE), "not a usable checkpoint: " + e.getMessage(), e);
        }
    }

    /** The recorded result of a finished phase, if that phase finished. */
    Optional<OnnxModel> phaseResult(String phase) {
        Path file = folder.resolve(phase + ".onnx");
        return Files.isRegularFile(file) ? Optional.of(OnnxFiles.load(file)) : Optional.empty();
    }

    /**
     * Records the result of a finished phase; its trainer checkpoints are stale from now on (the
     * next phase starts its own) and are removed.
     */
    void recordPhase(String fingerprint, String phase, OnnxModel result) {
        try {
            prepare(fingerprint);
            Path file = folder.resolve(phase + ".onnx");
            Path temp = folder.resolve(phase + ".onnx" + WRITING);
            OnnxFiles.save(result, temp, SaveOptions.defaults().withOverwriteInput(true));
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            for (Path p : numbered()) {
                deleteRecursively(p);
            }
        } catch (IOException e) {
            throw NncjException.inFile(folder, "cannot write a checkpoint: " + e.getMessage(), e);
        }
    }

    /** Removes the folder and everything in it (the run's result is saved). */
    void remove() {
        deleteRecursively(folder);
    }

    /** Creates the folder with its run.properties when it does not exist; clears checkpoints half written. */
    private void prepare(String fingerprint) throws IOException {
        Path run = folder.resolve(RUN_FILE);
        if (!Files.isRegularFile(run)) {
            Files.createDirectories(folder);
            Properties p = new Properties();
            p.setProperty("format", FORMAT);
            p.setProperty("fingerprint", fingerprint);
            Path temp = folder.resolve(RUN_FILE + WRITING);
            try (var out = Files.newOutputStream(temp)) {
                p.store(out, "NNCJ training run");
            }
            Files.move(temp, run, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        try (Stream<Path> entries = Files.list(folder)) {
            for (Path p : entries.filter(p -> p.getFileName().toString().endsWith(WRITING)).toList()) {
                deleteRecursively(p);
            }
        }
    }

    /** The complete checkpoint directories (six digits, no suffix). */
    private List<Path> numbered() throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(folder)) {
            return new ArrayList<>(entries.filter(p -> Files.isDirectory(p) && p.getFileName().toString().matches("\\d{6}"))
                    .toList());
        }
    }

    private static int number(Path checkpoint) {
        return Integer.parseInt(checkpoint.getFileName().toString());
    }

    private static Properties properties(Path file) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            throw NncjException.inFile(file, "cannot read: " + e.getMessage(), e);
        }
        return p;
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw NncjException.inFile(dir, "cannot remove: " + e.getMessage(), e);
        }
    }
}
