package dev.nncj.train.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import dev.nncj.ProgressListener;
import dev.nncj.cluster.ClusterInit;
import dev.nncj.cluster.CodebookWeight;
import dev.nncj.data.ImageDataset;
import dev.nncj.data.SyntheticImages;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.runtime.OrtSessions;
import dev.nncj.runtime.RuntimeOptions;
import dev.nncj.sparsity.MagnitudeMask;
import dev.nncj.sparsity.NncjContainer;
import dev.nncj.sparsity.PruningCriterion;
import dev.nncj.sparsity.PruningPattern;
import dev.nncj.sparsity.PruningSchedule;
import dev.nncj.sparsity.Sparsifier;
import dev.nncj.sparsity.SparsifyOptions;
import dev.nncj.sparsity.Storage;
import dev.nncj.sparsity.WeightSparsity;
import dev.nncj.train.execution.ExecutorOptions;
import dev.nncj.train.execution.OnnxExecutor;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training, retraining under the mask and the whole Deep Compression pipeline on a 4-class synthetic image task. */
class DeepCompressionTest {
    @TempDir
    static Path dir;

    static ImageDataset train;
    static ImageDataset test;
    static Path fp32;
    static OnnxModel trained;

    @BeforeAll
    static void trainOnce() throws Exception {
        SyntheticImages.IdxPair t = SyntheticImages.write(dir, "train", 512, 1);
        SyntheticImages.IdxPair v = SyntheticImages.write(dir, "test", 200, 2);
        train = ImageDataset.load(t.images(), t.labels());
        test = ImageDataset.load(v.images(), v.labels());
        OnnxModel model = LeNet.LENET_300_100.build(7);
        ClassifierTraining.train(model, train, ClassifierTraining.Options.defaults().withEpochs(3).withBatchSize(64),
                ProgressListener.NONE);
        fp32 = dir.resolve("mlp.onnx");
        OnnxFiles.save(model, fp32);
        trained = model;
    }

    /**
     * The trained MLP scores the task, and ONNX Runtime running the written file computes what
     * PyTorch computed in training: the executor's logits on the in-memory model against ORT's on
     * the file, for all 200 test images.
     */
    @Test
    void theMlpLearnsTheTaskAndOnnxRuntimeAgrees() throws Exception {
        assertThat(DeepCompression.accuracy(fp32, test, ProgressListener.NONE)).isGreaterThan(0.97);
        float[] pixels = test.pixels(0, test.size());
        long[] shape = {test.size(), test.imageSize()};
        float[] ort;
        try (OrtSession session = OrtSessions.open(fp32, RuntimeOptions.defaults());
                OnnxTensor input = OnnxTensor.createTensor(OrtSessions.environment(), FloatBuffer.wrap(pixels), shape);
                OrtSession.Result result = session.run(Map.of(LeNet.INPUT, input))) {
            FloatBuffer logits = ((OnnxTensor) result.get(LeNet.OUTPUT).orElseThrow()).getFloatBuffer();
            ort = new float[logits.remaining()];
            logits.get(ort);
        }
        float[] torch;
        try (OnnxExecutor executor = OnnxExecutor.create(trained, ExecutorOptions.defaults());
                NDManager scope = executor.manager().newSubManager()) {
            NDArray x = scope.create(pixels, new Shape(shape));
            torch = executor.infer(scope, Map.of(LeNet.INPUT, x)).get(LeNet.OUTPUT).toFloatArray();
        }
        // logits reach ~12; two float32 implementations of 784-, 300- and 100-wide sums differ by
        // a few ulps of that (measured 3.8e-6). 1e-4 leaves room; a wrong op or weight moves them by O(0.1).
        assertThat(ort).hasSize(test.size() * 10).hasSameSizeAs(torch);
        double worst = 0;
        for (int i = 0; i < ort.length; i++) {
            worst = Math.max(worst, Math.abs(ort[i] - torch[i]));
        }
        assertThat(worst).as("largest |ONNX Runtime - PyTorch| over %d logits", ort.length).isLessThan(1e-4);
    }

    @Test
    void retrainingKeepsPrunedWeightsExactlyZero() {
        OnnxModel model = OnnxFiles.load(fp32);
        Sparsifier.sparsify(model, fp32, SparsifyOptions.magnitude(0.9, PruningPattern.Scope.GLOBAL).withStorage(Storage.DENSE));
        float[] before = model.graph().initializer("fc1.weight").orElseThrow().toFloats();
        ClassifierTraining.train(model, train, ClassifierTraining.Options.defaults().withEpochs(1).withBatchSize(64)
                .withKeepZeros(true), ProgressListener.NONE);
        float[] after = model.graph().initializer("fc1.weight").orElseThrow().toFloats();
        int moved = 0;
        for (int i = 0; i < before.length; i++) {
            if (before[i] == 0f) {
                assertThat(after[i]).isZero();
            } else if (after[i] != before[i]) {
                moved++;
            }
        }
        assertThat(moved).as("kept weights train").isGreaterThan(before.length / 20);
    }

    @Test
    void pipelineShrinksTheModelAndKeepsItsAccuracy() throws Exception {
        Path out = dir.resolve("mlp.nncj");
        ClassifierTraining.Options retrain = ClassifierTraining.Options.defaults().withEpochs(1).withBatchSize(64).withLearningRate(5e-4);
        // the paper's way: a rate per layer; fc3 matches no pattern and gets the rate for the others
        PruningPattern rates = new PruningPattern.LayerRates(List.of(PruningPattern.LayerRate.parse("fc1.weight=0.95"),
                PruningPattern.LayerRate.parse("fc2.weight=0.9")), 0.7);
        DeepCompression.Options options = new DeepCompression.Options(rates, PruningCriterion.ACTIVATION, 2, PruningSchedule.GEOMETRIC, retrain, 16, ClusterInit.LINEAR,
                retrain.withLearningRate(1e-4), Optional.of(new ClassifierTraining.Distillation(2, 0.5)), Optional.empty());
        DeepCompression.Result r = DeepCompression.run(fp32, train, test, out, options, ProgressListener.NONE);
        // fp32, one per pruning round, clustered, fine-tuned, container
        assertThat(r.stages()).extracting(DeepCompression.Stage::name).hasSize(6)
                .element(2).asString().startsWith("pruned").endsWith("(round 2/2)");
        DeepCompression.Stage last = r.stages().get(5);
        assertThat(last.bytes()).isEqualTo(Files.size(out));
        assertThat(Files.size(fp32) / (double) last.bytes()).isGreaterThan(20);
        assertThat(last.accuracy()).isGreaterThan(0.95);
        // the container is lossless: unpacked, ONNX Runtime scores it exactly as the fine-tuned graph it holds
        assertThat(last.accuracy()).isEqualTo(r.stages().get(4).accuracy());
        // the container holds the clustered graph: indices, codebooks, the constant zero
        OnnxModel unpacked = NncjContainer.read(out);
        assertThat(CodebookWeight.find(unpacked.graph())).hasSize(3);
        assertThat(r.clustering().nonZeros()).isEqualTo(r.clustering().elements() - r.pruning().zeros());
        assertThat(r.pruning().weights()).extracting(WeightSparsity::zeros)
                .containsExactly(MagnitudeMask.count(0.95, 784 * 300), MagnitudeMask.count(0.9, 300 * 100), MagnitudeMask.count(0.7, 100 * 10));
    }

    @Test
    void softTargetsTeachWhatTheLabelsDoNot() throws Exception {
        // the training labels rotated: a student of the labels alone learns the wrong classes, one of the teacher the right ones
        SyntheticImages.IdxPair t = SyntheticImages.write(dir, "rotated", 512, 1);
        int[] labels = ImageDataset.load(t.images(), t.labels()).labels();
        byte[] rotated = new byte[labels.length];
        for (int i = 0; i < labels.length; i++) {
            rotated[i] = (byte) ((labels[i] + 1) % 4);
        }
        Path rotatedLabels = Files.write(dir.resolve("rotated-labels-wrong.idx"),
                SyntheticImages.idx(0x00000801, new int[] {labels.length}, rotated));
        ImageDataset wrong = ImageDataset.load(t.images(), rotatedLabels);
        ClassifierTraining.Options options = ClassifierTraining.Options.defaults().withEpochs(2).withBatchSize(64);
        ClassifierTraining.Teacher teacher = new ClassifierTraining.Teacher(OnnxFiles.load(fp32), new ClassifierTraining.Distillation(2, 1));

        OnnxModel taught = LeNet.LENET_300_100.build(3);
        ClassifierTraining.train(taught, wrong, options, Optional.of(teacher), ProgressListener.NONE);
        OnnxModel labelled = LeNet.LENET_300_100.build(3);
        ClassifierTraining.train(labelled, wrong, options, ProgressListener.NONE);
        assertThat(accuracy(taught, "taught.onnx")).isGreaterThan(0.9);
        assertThat(accuracy(labelled, "labelled.onnx")).isLessThan(0.3);
    }

    private static double accuracy(OnnxModel model, String name) {
        Path file = dir.resolve(name);
        OnnxFiles.save(model, file);
        return DeepCompression.accuracy(file, test, ProgressListener.NONE);
    }

    @Test
    void nofMIsRefused() {
        assertThatThrownBy(() -> new DeepCompression.Options(new PruningPattern.NofM(2, 4), PruningCriterion.MAGNITUDE, 1, PruningSchedule.LINEAR,
                ClassifierTraining.Options.defaults(), 16, ClusterInit.LINEAR, ClassifierTraining.Options.defaults(), Optional.empty(),
                Optional.empty()))
                .hasMessageContaining("not N:M");
    }
}
