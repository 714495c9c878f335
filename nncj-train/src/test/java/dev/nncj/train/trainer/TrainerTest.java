package dev.nncj.train.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.nncj.NncjException;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.train.execution.ExecutorOptions;
import dev.nncj.train.execution.OnnxExecutor;
import dev.nncj.train.execution.OrtReference;
import dev.nncj.train.execution.Parameter;
import dev.nncj.train.ops.TensorArrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

public class TrainerTest {
    private static final int POINTS = 256;

    /**
     * A 2-16-2 MLP with random initial weights:
     * <pre>
     * x[batch,2] ── Gemm(W1[2,16], b1) ── Relu ── Gemm(W2[16,2], b2) ── logits[batch,2]
     * </pre>
     */
    public static OnnxModel mlp(long seed) {
        Random r = new Random(seed);
        GraphBuilder b = new GraphBuilder("mlp", 17);
        String x = b.input("x", DataType.FLOAT, "batch", 2);
        String h = b.op("Relu", b.op("Gemm", x, b.initializer(gaussian("W1", r, 0.7, 2, 16)),
                b.initializer(gaussian("b1", r, 0.1, 16))));
        b.output(b.op("Gemm", h, b.initializer(gaussian("W2", r, 0.3, 16, 2)), b.initializer(gaussian("b2", r, 0.1, 2))),
                "logits", DataType.FLOAT, "batch", 2);
        return b.build();
    }

    private static Tensor gaussian(String name, Random r, double scale, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return Tensor.ofFloats(name, shape, v);
    }

    /**
     * XOR of the quadrants, a task a linear model cannot solve: label 1 when x0 * x1 > 0. Points
     * keep a margin of 0.1 from the axes so that the task is separable.
     */
    public static float[] points(Random r, long[] labels) {
        float[] xy = new float[labels.length * 2];
        for (int i = 0; i < labels.length; i++) {
            float a;
            float b;
            do {
                a = (float) (r.nextDouble() * 2 - 1);
                b = (float) (r.nextDouble() * 2 - 1);
            } while (Math.abs(a) < 0.1 || Math.abs(b) < 0.1);
            xy[2 * i] = a;
            xy[2 * i + 1] = b;
            labels[i] = a * b > 0 ? 1 : 0;
        }
        return xy;
    }

    public static List<Batch> batches(float[] xy, long[] labels, int size) {
        List<Batch> out = new ArrayList<>();
        for (int start = 0; start < labels.length; start += size) {
            int n = Math.min(size, labels.length - start);
            float[] part = java.util.Arrays.copyOfRange(xy, 2 * start, 2 * (start + n));
            out.add(new Batch(Map.of("x", Tensor.ofFloats("x", new long[] {n, 2}, part)),
                    java.util.Arrays.copyOfRange(labels, start, start + n)));
        }
        return out;
    }

    /**
     * Trains and returns the flattened trained weights. Also checks that memory stays bounded: the
     * arrays held by the executor's manager (parameters, optimizer moments) number the same after
     * every step.
     */
    private static float[] train(OnnxModel model, List<Batch> batches, TrainerOptions options, List<StepResult> log) {
        java.util.Set<Integer> heldArrays = new java.util.TreeSet<>();
        try (OnnxExecutor executor = OnnxExecutor.create(model, ExecutorOptions.defaults());
                Trainer trainer = new Trainer(executor, Loss.softmaxCrossEntropy("logits"), options,
                        List.of(new TrainingListener() {
                            @Override
                            public void onStep(StepResult result) {
                                log.add(result);
                                heldArrays.add(executor.manager().getManagedArrays().size());
                            }
                        }))) {
            trainer.fit(batches, 1000);
            assertThat(trainer.steps()).isEqualTo(options.totalSteps());
            assertThat(heldArrays).as("arrays held after each step").hasSize(1);
            executor.writeParameters(model);
            return executor.trainableParameters().stream().map(p -> p.array().toFloatArray())
                    .reduce(new float[0], TrainerTest::concat);
        }
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int[] argmax(float[] logits) {
        int[] out = new int[logits.length / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = logits[2 * i + 1] > logits[2 * i] ? 1 : 0;
        }
        return out;
    }

    private static double accuracy(int[] predicted, long[] labels) {
        int right = 0;
        for (int i = 0; i < labels.length; i++) {
            right += predicted[i] == labels[i] ? 1 : 0;
        }
        return (double) right / labels.length;
    }

    /**
     * The MLP learns XOR to (near) 100% on held-out points, its trained weights written back into
     * the ONNX model give ONNX Runtime the executor's predictions exactly, and the loss falls.
     */
    @Test
    void tinyMlpLearnsXorAndOnnxRuntimeAgrees() throws Exception {
        Random r = new Random(1);
        long[] labels = new long[POINTS];
        float[] xy = points(r, labels);
        long[] heldOutLabels = new long[POINTS];
        float[] heldOut = points(r, heldOutLabels);
        OnnxModel model = mlp(3);
        Tensor test = Tensor.ofFloats("x", new long[] {POINTS, 2}, heldOut);
        double before = accuracy(argmax(OrtReference.runOrt(model, Map.of("x", test)).get("logits").toFloats()), heldOutLabels);

        TrainerOptions options = new TrainerOptions(0.03, 0.0001, 0.9, 0.999, 1e-8, 20, 400, 5.0, 11);
        List<StepResult> log = new ArrayList<>();
        train(model, batches(xy, labels, 32), options, log);

        float[] ortLogits = OrtReference.runOrt(model, Map.of("x", test)).get("logits").toFloats();
        float[] ourLogits = OrtReference.runExecutor(model, Map.of("x", test)).get("logits").toFloats();
        double after = accuracy(argmax(ortLogits), heldOutLabels);
        System.out.printf("XOR MLP held-out accuracy before %.3f, after %.3f; loss %.4f -> %.4f%n",
                before, after, log.get(0).loss(), log.get(log.size() - 1).loss());
        assertThat(before).isLessThan(0.8);
        assertThat(after).isGreaterThanOrEqualTo(0.98);
        assertThat(argmax(ortLogits)).containsExactly(argmax(ourLogits));
        try (OnnxExecutor executor = OnnxExecutor.create(model, ExecutorOptions.defaults())) {
            assertThat(new ClassificationAccuracy(batches(heldOut, heldOutLabels, 100), "logits").evaluate(executor))
                    .isEqualTo(after);
        }
        assertThat(ortLogits).containsExactly(ourLogits, org.assertj.core.data.Offset.offset(1e-4f));
        assertThat(log).hasSize(400);
        assertThat(log.get(log.size() - 1).loss()).isLessThan(log.get(0).loss() / 5);
        // warm-up then linear decay: peak at the end of warm-up, 0 is never used, smaller near the end
        assertThat(log.get(19).learningRate()).isEqualTo(0.03);
        assertThat(log.get(0).learningRate()).isEqualTo(0.03 / 20);
        assertThat(log.get(399).learningRate()).isLessThan(log.get(200).learningRate()).isGreaterThan(0);
    }

    /** Same seed, same data: bit-identical trained weights; another seed (another order): different. */
    @Test
    void sameSeedGivesTheSameWeights() {
        Random r = new Random(5);
        long[] labels = new long[64];
        List<Batch> batches = batches(points(r, labels), labels, 16);
        TrainerOptions options = new TrainerOptions(0.01, 0.01, 0.9, 0.999, 1e-8, 2, 12, 1.0, 7);
        float[] first = train(mlp(9), batches, options, new ArrayList<>());
        float[] second = train(mlp(9), batches, options, new ArrayList<>());
        float[] other = train(mlp(9), batches, options.withSeed(8), new ArrayList<>());
        assertThat(second).containsExactly(first);
        assertThat(other).isNotEqualTo(first);
    }

    /** Clipping scales the gradients the update used down to maxGradNorm; the step reports the norm before. */
    @Test
    void gradientsAreClippedToTheGlobalNorm() {
        Random r = new Random(3);
        long[] labels = new long[32];
        List<Batch> batches = batches(points(r, labels), labels, 32);
        TrainerOptions options = new TrainerOptions(0.01, 0, 0.9, 0.999, 1e-8, 0, 5, 0.01, 1);
        try (OnnxExecutor executor = OnnxExecutor.create(mlp(4), ExecutorOptions.defaults());
                Trainer trainer = new Trainer(executor, Loss.softmaxCrossEntropy("logits"), options, List.of())) {
            StepResult result = trainer.step(batches.get(0));
            double sumOfSquares = 0;
            for (Parameter p : executor.trainableParameters()) {
                try (NDArray g = p.array().getGradient()) { // gradients stay until the next step zeroes them
                    float[] v = g.toFloatArray();
                    for (float x : v) {
                        sumOfSquares += (double) x * x;
                    }
                }
            }
            assertThat(result.gradientNorm()).isGreaterThan(0.05);
            assertThat(Math.sqrt(sumOfSquares)).isCloseTo(0.01, org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    /** A learning rate that blows the loss up stops the run with one line naming the step. */
    @Test
    void aDivergingRunStopsWithTheStepNumber() {
        Random r = new Random(2);
        long[] labels = new long[32];
        List<Batch> batches = batches(points(r, labels), labels, 32);
        TrainerOptions options = new TrainerOptions(1e30, 0, 0.9, 0.999, 1e-8, 0, 50, 0, 1);
        try (OnnxExecutor executor = OnnxExecutor.create(mlp(4), ExecutorOptions.defaults());
                Trainer trainer = new Trainer(executor, Loss.softmaxCrossEntropy("logits"), options, List.of())) {
            assertThatThrownBy(() -> trainer.fit(batches, 50))
                    .isInstanceOf(NncjException.class)
                    .hasMessageMatching("loss is (NaN|Infinity) at step \\d+; lower the learning rate.*");
        }
    }

    @Test
    void crossEntropyEqualsItsDefinition() {
        try (OnnxExecutor executor = OnnxExecutor.create(mlp(1), ExecutorOptions.defaults());
                NDManager m = executor.manager().newSubManager()) {
            NDArray logits = m.create(new float[] {1, 2, 0.5f, -1}, new ai.djl.ndarray.types.Shape(2, 2));
            NDArray labels = m.create(new long[] {1, 0});
            double expected = -(Math.log(Math.exp(2) / (Math.exp(1) + Math.exp(2)))
                    + Math.log(Math.exp(0.5) / (Math.exp(0.5) + Math.exp(-1)))) / 2;
            double got = Loss.softmaxCrossEntropy("logits").compute(Map.of("logits", logits), labels, Map.of()).getFloat();
            assertThat(got).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-6));
            assertThat(TensorArrays.toTensor("l", logits).toFloats()).containsExactly(1, 2, 0.5f, -1);
        }
    }

    /** A listener that requests a stop, as SIGTERM does, once step {@code at} (from 0) is done. */
    public static TrainingListener stopAfter(int at) {
        return new TrainingListener() {
            @Override
            public void onStep(StepResult result) {
                if (result.step() == at) {
                    StopRequest.request();
                }
            }
        };
    }

    private static float[] parameters(OnnxExecutor executor) {
        return executor.trainableParameters().stream().map(p -> p.array().toFloatArray()).reduce(new float[0], TrainerTest::concat);
    }

    /**
     * Ten steps straight, against: a stop requested during step 6 (in the middle of the second
     * epoch), answered at the step boundary with a checkpoint, then a fresh executor and trainer
     * resuming from it for the four steps left: bit for bit the same weights, and every step's loss.
     */
    @Test
    void aStoppedRunResumedFromItsCheckpointEndsWithTheUninterruptedWeights(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        Random r = new Random(5);
        long[] labels = new long[64];
        List<Batch> batches = batches(points(r, labels), labels, 16);
        TrainerOptions options = new TrainerOptions(0.01, 0.01, 0.9, 0.999, 1e-8, 2, 10, 1.0, 7);
        List<StepResult> straightLog = new ArrayList<>();
        float[] straight = train(mlp(9), batches, options, straightLog);
        java.nio.file.Path folder = dir.resolve("run.checkpoint");

        try (OnnxExecutor executor = OnnxExecutor.create(mlp(9), ExecutorOptions.defaults());
                Trainer trainer = new Trainer(executor, Loss.softmaxCrossEntropy("logits"), options, List.of(stopAfter(5)))) {
            trainer.keepCheckpoints(Checkpoints.startingIn(folder, "run 1"), 4);
            assertThatThrownBy(() -> trainer.fit(batches, 1000)).isInstanceOf(TrainingStoppedException.class)
                    .hasMessage("training stopped on request at step 6 of 10; its checkpoint is in " + folder);
        }
        assertThat(StopRequest.pending()).as("the request was answered").isFalse();
        float[] resumed;
        try (OnnxExecutor executor = OnnxExecutor.create(mlp(9), ExecutorOptions.defaults());
                Trainer trainer = new Trainer(executor, Loss.softmaxCrossEntropy("logits"), options, List.of())) {
            trainer.keepCheckpoints(Checkpoints.resuming(folder, "run 1"), 4);
            assertThat(trainer.steps()).isEqualTo(6);
            System.gc(); // a restored parameter must own its memory, not read a buffer the collector frees
            trainer.fit(batches, 1000);
            assertThat(trainer.steps()).isEqualTo(10);
            assertThat(trainer.losses()).containsExactlyElementsOf(straightLog.stream().map(StepResult::loss).toList());
            resumed = parameters(executor);
        }
        assertThat(resumed).containsExactly(straight);

        // another seed cannot resume this run, nor can another run (another fingerprint)
        try (OnnxExecutor executor = OnnxExecutor.create(mlp(9), ExecutorOptions.defaults());
                Trainer trainer = new Trainer(executor, Loss.softmaxCrossEntropy("logits"), options.withSeed(8), List.of())) {
            assertThatThrownBy(() -> trainer.keepCheckpoints(Checkpoints.resuming(folder, "run 1"), 4))
                    .isInstanceOf(NncjException.class).hasMessageContaining("trained with seed 7, not 8");
        }
        assertThatThrownBy(() -> Checkpoints.resuming(folder, "run 2")).isInstanceOf(NncjException.class)
                .hasMessage(folder + ": is the checkpoint of another run: its options, input model or data differ from"
                        + " this one's (give exactly the command that started it)");
        assertThatThrownBy(() -> Checkpoints.startingIn(folder, "run 1")).isInstanceOf(NncjException.class)
                .hasMessageContaining("holds the checkpoint of an interrupted run");

        // a caller naming the folder itself continues what it finds, and only its own run
        assertThat(Checkpoints.continuingIn(folder, "run 1").resume()).isTrue();
        assertThatThrownBy(() -> Checkpoints.continuingIn(folder, "run 2")).isInstanceOf(NncjException.class)
                .hasMessageContaining("is the checkpoint of another run");
        java.nio.file.Path created = dir.resolve("created.checkpoint");
        assertThat(created.toFile().mkdir()).isTrue(); // killed before its first checkpoint: nothing to continue
        Checkpoints fresh = Checkpoints.continuingIn(created, "run 3");
        assertThat(fresh.resume()).isFalse();
        assertThat(created).doesNotExist();
        assertThat(Checkpoints.continuingIn(dir.resolve("new.checkpoint"), "run 4").resume()).isFalse();
    }

    /**
     * A checkpoint is written into a temporary directory and renamed whole: one killed halfway
     * (its directory left as it was) is ignored, the previous one resumed, the half-written one
     * removed by the next write.
     */
    @Test
    void aCheckpointCutShortLeavesThePreviousOneWhole(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        Random r = new Random(5);
        long[] labels = new long[64];
        List<Batch> batches = batches(points(r, labels), labels, 16);
        TrainerOptions options = new TrainerOptions(0.01, 0.01, 0.9, 0.999, 1e-8, 2, 10, 1.0, 7);
        float[] straight = train(mlp(9), batches, options, new ArrayList<>());
        java.nio.file.Path folder = dir.resolve("run.checkpoint");
        try (OnnxExecutor executor = OnnxExecutor.create(mlp(9), ExecutorOptions.defaults());
                Trainer trainer = new Trainer(executor, Loss.softmaxCrossEntropy("logits"), options, List.of(stopAfter(6)))) {
            trainer.keepCheckpoints(Checkpoints.startingIn(folder, "f"), 3);
            assertThatThrownBy(() -> trainer.fit(batches, 1000)).isInstanceOf(TrainingStoppedException.class);
        }
        // steps 3 and 6 checkpointed, then step 7 on the stop: only the latest is kept
        assertThat(names(folder)).containsExactly("000003", "run.properties");
        // a kill while writing the next one: a directory with some of its files
        java.nio.file.Path cut = java.nio.file.Files.createDirectory(folder.resolve("000004.tmp"));
        java.nio.file.Files.writeString(cut.resolve("model.onnx"), "half a model");

        try (OnnxExecutor executor = OnnxExecutor.create(mlp(9), ExecutorOptions.defaults());
                Trainer trainer = new Trainer(executor, Loss.softmaxCrossEntropy("logits"), options, List.of())) {
            trainer.keepCheckpoints(Checkpoints.resuming(folder, "f"), 3);
            assertThat(trainer.steps()).isEqualTo(7);
            trainer.fit(batches, 1000);
            assertThat(parameters(executor)).containsExactly(straight);
        }
        assertThat(names(folder)).containsExactly("000004", "run.properties"); // step 9's; the cut one is gone
    }

    private static List<String> names(java.nio.file.Path dir) throws java.io.IOException {
        try (var files = java.nio.file.Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * Evaluations (scripted here) every 2 steps, patience 3: 0.5 and 0.6 are bests (the weights of
     * the second kept), then 0.6, 0.55, 0.58 do not improve and the run stops at step 10 of 100.
     */
    @Test
    void earlyStoppingKeepsTheBestWeights() {
        Random r = new Random(6);
        long[] labels = new long[64];
        List<Batch> batches = batches(points(r, labels), labels, 16);
        double[] script = {0.5, 0.6, 0.6, 0.55, 0.58, 0.9, 0.95};
        int[] calls = {0};
        List<String> events = new ArrayList<>();
        TrainerOptions options = new TrainerOptions(0.01, 0, 0.9, 0.999, 1e-8, 0, 100, 1.0, 3);
        Map<Integer, float[]> weightsAt = new java.util.HashMap<>();
        OnnxModel model = mlp(2);
        try (OnnxExecutor executor = OnnxExecutor.create(model, ExecutorOptions.defaults());
                Trainer trainer = new Trainer(executor, Loss.softmaxCrossEntropy("logits"), options,
                        List.of(new TrainingListener() {
                            @Override
                            public void onEvaluation(int step, double metric, boolean best) {
                                events.add(step + ":" + metric + (best ? "*" : ""));
                            }
                        }))) {
            trainer.evaluateWith(e -> {
                weightsAt.put(trainer.steps(), parameters(e));
                return script[calls[0]++];
            }, new EarlyStopping(2, 3, true));
            trainer.fit(batches, 1000);
            assertThat(trainer.stoppedEarly()).isTrue();
            assertThat(trainer.steps()).isEqualTo(10);
            assertThat(trainer.bestMetric()).isEqualTo(0.6);
            assertThat(trainer.bestStep()).isEqualTo(4);
            assertThat(trainer.writeBestWeights(model)).isTrue();
        }
        assertThat(events).containsExactly("2:0.5*", "4:0.6*", "6:0.6", "8:0.55", "10:0.58");
        float[] kept = List.of("W1", "b1", "W2", "b2").stream().map(n -> model.graph().initializer(n).orElseThrow().toFloats())
                .reduce(new float[0], TrainerTest::concat);
        assertThat(kept).containsExactly(weightsAt.get(4)).isNotEqualTo(weightsAt.get(10));
    }
}
