package dev.nncj.train.distill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.ProgressListener;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextTokenizer;
import dev.nncj.eval.EvalOptions;
import dev.nncj.eval.TextClassificationEval;
import dev.nncj.eval.TextModelSession;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.runtime.RuntimeOptions;
import dev.nncj.train.execution.MiniLmExecutionTest;
import dev.nncj.train.finetune.ClassifierHead;
import dev.nncj.train.finetune.FineTuneOptions;
import dev.nncj.zoo.ModelZoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real path on all-MiniLM-L6-v2: a classifier (MiniLM + head, as finetune builds it, PyTorch
 * export style) is lifted with its head, a 3-layer student (layers 0, 2, 4) is derived and distilled
 * with soft targets, hidden states and attention, and ONNX Runtime scores the result.
 *
 * <p>So that there is something to distil: the teacher's head is fitted here to the 16 SST-2
 * sentences the test uses (least squares on MiniLM's pooled embeddings, right on all 16 by
 * construction), and the student's head starts fresh (N(0, 0.02²), as ClassifierHead draws it), so
 * the undistilled student is at chance. The labels are withheld from the student (hard-label weight
 * 0): whatever it learns of the task comes from the teacher. bench/results/2026-11-27-distill.md has
 * the accuracy on real splits.
 */
class MiniLmDistillIntegrationTest {
    @TempDir
    Path dir;

    @Test
    void derivesAndDistillsAThreeLayerStudentThatOnnxRuntimeRuns() throws IOException {
        ModelZoo.Fetched minilm = ModelZoo.get("all-minilm-l6-v2", dir.resolve("minilm"), ProgressListener.NONE);
        List<String> rows = Files.readAllLines(MiniLmExecutionTest.SST2_TEST).subList(0, 17);
        Path data = Files.write(dir.resolve("sst2-16.tsv"), rows);
        TextClassificationDataset sentences = TextClassificationDataset.load(data);

        OnnxModel encoder = OnnxFiles.load(minilm.modelFile());
        ClassifierHead.attach(encoder, "last_hidden_state", 2, 1);
        replaceHeadWeight(encoder, fittedHead(minilm, sentences));
        Path teacher = dir.resolve("teacher.onnx");
        OnnxFiles.save(encoder, teacher);

        OnnxModel teacherModel = OnnxFiles.load(teacher);
        StudentDerivation.DerivedStudent student = StudentDerivation.derive(teacherModel, teacher,
                StudentShape.layers(List.of(0, 2, 4)));
        replaceHeadWeight(student.model(), freshHead(HIDDEN, 7));
        Path untrained = dir.resolve("untrained.onnx");
        OnnxFiles.save(student.model(), untrained);
        // two epochs of two batches; a learning rate high enough for a fresh head to learn in four steps
        DistillOptions options = DistillOptions.recovery().withHardWeight(0).withHiddenWeight(1).withAttentionWeight(1)
                .withLayerMap(student.layerMap())
                .withTraining(FineTuneOptions.defaults().withEpochs(2).withBatchSize(8).withMaxLength(32).withLearningRate(1e-3));
        DistillResult r = Distiller.distill(List.of(teacherModel), student.model(),
                new DistillData(DistillTexts.load(data), Optional.empty(), minilm.tokenizerFile()), options,
                ProgressListener.NONE, List.of());

        assertThat(r.steps()).isEqualTo(4);
        assertThat(r.losses()).allSatisfy(l -> assertThat(l).isFinite().isPositive());
        assertThat(LayerValues.find(r.student().graph()).orElseThrow().layers()).isEqualTo(3);
        assertThat((double) r.student().graph().parameterCount()).isLessThan(0.8 * teacherModel.graph().parameterCount());
        Path distilled = dir.resolve("student.onnx");
        OnnxFiles.save(r.student(), distilled);
        try (TextTokenizer tokenizer = TextTokenizer.load(minilm.tokenizerFile())) {
            assertThat(accuracy(teacher, sentences, tokenizer)).as("the fitted teacher").isEqualTo(1.0);
            // 8 of the 16 are positive: a fresh head's near-constant answer scores 0.5 (measured 0.5)
            assertThat(accuracy(untrained, sentences, tokenizer)).as("the undistilled student").isLessThanOrEqualTo(0.625);
            // measured 15/16; the band (13/16, within 3 sentences of the teacher) allows two more
            // sentences near the boundary to flip, and is 5 sentences above what no training gives
            assertThat(accuracy(distilled, sentences, tokenizer)).as("the distilled student").isGreaterThanOrEqualTo(0.8125);
            // and its logits approach the teacher's: the mean squared gap difference fell from 15.9 to 7.5
            float[] target = logitGaps(teacher, sentences, tokenizer);
            assertThat(squaredDistance(target, logitGaps(distilled, sentences, tokenizer)))
                    .isLessThan(0.75 * squaredDistance(target, logitGaps(untrained, sentences, tokenizer)));
        }
    }

    private static final int HIDDEN = 384;

    private static double accuracy(Path model, TextClassificationDataset data, TextTokenizer tokenizer) {
        return TextClassificationEval.run(model, data, tokenizer, EvalOptions.defaults(), ProgressListener.NONE).value();
    }

    /** logit(1) - logit(0) per sentence, by ONNX Runtime: all a 2-class softmax depends on. */
    private static float[] logitGaps(Path model, TextClassificationDataset data, TextTokenizer tokenizer) {
        try (TextModelSession session = new TextModelSession(model, RuntimeOptions.defaults(), Optional.empty())) {
            float[][] logits = session.sentenceEmbeddings(tokenizer.encode(data.texts()));
            float[] gaps = new float[logits.length];
            for (int i = 0; i < gaps.length; i++) {
                gaps[i] = logits[i][1] - logits[i][0];
            }
            return gaps;
        }
    }

    private static double squaredDistance(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        return sum / a.length;
    }

    /**
     * The head weight [hidden, 2] whose logit gap is exactly ±4 on each sentence (+ for label 1):
     * with X the sentences' pooled MiniLM embeddings and y = ±4, the minimum-norm w with X w = y is
     * X^T (X X^T)^-1 y; the two columns are -w/2 and +w/2 (the bias stays 0).
     */
    private static float[] fittedHead(ModelZoo.Fetched minilm, TextClassificationDataset data) {
        float[][] x;
        try (TextTokenizer tokenizer = TextTokenizer.load(minilm.tokenizerFile());
                TextModelSession session = new TextModelSession(minilm.modelFile(), RuntimeOptions.defaults(),
                        Optional.of("last_hidden_state"))) {
            x = session.sentenceEmbeddings(tokenizer.encode(data.texts()));
        }
        int n = x.length;
        double[][] system = new double[n][n + 1]; // [X X^T | y]
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < HIDDEN; k++) {
                    system[i][j] += (double) x[i][k] * x[j][k];
                }
            }
            system[i][n] = data.examples().get(i).label() == 1 ? 4 : -4;
        }
        double[] a = solve(system);
        float[] w = new float[HIDDEN * 2];
        for (int k = 0; k < HIDDEN; k++) {
            double wk = 0;
            for (int i = 0; i < n; i++) {
                wk += a[i] * x[i][k];
            }
            w[k * 2] = (float) (-wk / 2);
            w[k * 2 + 1] = (float) (wk / 2);
        }
        return w;
    }

    private static float[] freshHead(int hidden, long seed) {
        Random random = new Random(seed);
        float[] w = new float[hidden * 2];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * 0.02);
        }
        return w;
    }

    private static void replaceHeadWeight(OnnxModel classifier, float[] w) {
        var graph = classifier.graph();
        String weight = graph.nodes().stream().filter(n -> n.outputs().contains(ClassifierHead.LOGITS)).findFirst()
                .orElseThrow().input(1);
        graph.replaceInitializer(Tensor.ofFloats(weight, new long[] {w.length / 2, 2}, w));
    }

    /** Gauss-Jordan elimination with partial pivoting on [A | b]; returns x with A x = b. */
    private static double[] solve(double[][] m) {
        int n = m.length;
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int row = col + 1; row < n; row++) {
                if (Math.abs(m[row][col]) > Math.abs(m[pivot][col])) {
                    pivot = row;
                }
            }
            double[] t = m[col];
            m[col] = m[pivot];
            m[pivot] = t;
            for (int row = 0; row < n; row++) {
                if (row != col) {
                    double f = m[row][col] / m[col][col];
                    for (int k = col; k <= n; k++) {
                        m[row][k] -= f * m[col][k];
                    }
                }
            }
        }
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = m[i][n] / m[i][i];
        }
        return x;
    }
}
