package dev.nncj.calibration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.data.EncodedBatch;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.eval.FloatArray;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.TinyModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ActivationObserverTest {
    static final List<String> SENTENCES = List.of("the cat sat on the mat.", "a dog", "dogs sat", "the mat", "cats");

    @TempDir
    Path dir;

    /**
     * input_ids ── Gather(emb[14, 64]) ── g ── MatMul(w) ── last_hidden_state. The intermediate g, observed
     * in batches of 2, is row id of the table at every position fed, padding included: checked against the
     * table itself, batch by batch, over two sweeps of the same session.
     */
    @Test
    void eachSweepHandsOverEveryBatchInOrderWithTheValuesTheModelComputes() throws Exception {
        Path tokenizerFile = TinyTokenizer.write(dir);
        OnnxModel model = TinyModels.projectedEmbedder(TinyTokenizer.VOCABULARY_SIZE, 3);
        String g = model.graph().nodes().get(0).output(0);
        float[] table = model.graph().initializers().get("embeddings.word_embeddings.weight").toFloats();
        CalibrationData data = new CalibrationData.Sentences(SENTENCES, tokenizerFile, 2);
        List<Integer> steps = new ArrayList<>();
        ProgressListener progress = new ProgressListener() {
            @Override
            public void start(String task, long total) {
                steps.add((int) total);
            }

            @Override
            public void advance(long n) {}

            @Override
            public void finish() {}
        };

        try (ActivationObserver observer = ActivationObserver.open(model, List.of(g), data);
             TextTokenizer tokenizer = TextTokenizer.load(tokenizerFile)) {
            for (int sweep = 0; sweep < 2; sweep++) {
                List<Integer> sizes = new ArrayList<>();
                observer.sweep("test", progress, (batch, values) -> {
                    int from = 2 * sizes.size();
                    EncodedBatch expected = tokenizer.encode(SENTENCES.subList(from, from + batch.examples()));
                    sizes.add(batch.examples());
                    assertThat(batch.tokens().orElseThrow().inputIds()).isDeepEqualTo(expected.inputIds());
                    FloatArray value = values.get(g);
                    assertThat(value.shape()).containsExactly(batch.examples(), expected.sequenceLength(), 64);
                    float[] gathered = new float[value.data().length];
                    int at = 0;
                    for (long[] row : expected.inputIds()) {
                        for (long id : row) {
                            System.arraycopy(table, (int) id * 64, gathered, at, 64);
                            at += 64;
                        }
                    }
                    assertThat(value.data()).containsExactly(gathered);
                });
                assertThat(sizes).containsExactly(2, 2, 1);
            }
        }
        assertThat(steps).containsExactly(3, 3); // progress counts batches
        assertThat(model.graph().outputs()).hasSize(1); // the model observed is left as it was
    }

    @Test
    void noSentencesIsOneLineBeforeAnythingRuns() throws Exception {
        OnnxModel model = TinyModels.projectedEmbedder(TinyTokenizer.VOCABULARY_SIZE, 3);
        CalibrationData none = new CalibrationData.Sentences(List.of(), TinyTokenizer.write(dir), 2);
        assertThatThrownBy(() -> ActivationObserver.open(model, List.of("x"), none))
                .isInstanceOf(NncjException.class).hasMessage("calibration data: no sentences to calibrate on");
    }

    /** A Spark task's share of the machine: one thread observes the same values as every core. */
    @Test
    void observingOnOneThreadSeesWhatEveryCoreSees() throws Exception {
        Path tokenizerFile = TinyTokenizer.write(dir);
        OnnxModel model = TinyModels.projectedEmbedder(TinyTokenizer.VOCABULARY_SIZE, 3);
        String g = model.graph().nodes().get(0).output(0);
        CalibrationData.Sentences everyCore = new CalibrationData.Sentences(SENTENCES, tokenizerFile, 2);
        CalibrationData.Sentences oneThread = everyCore.withThreads(1);
        assertThat(oneThread.threads()).isEqualTo(1);
        assertThat(oneThread.withThreads(0)).isEqualTo(everyCore);
        List<float[]> seen = new ArrayList<>();
        for (CalibrationData data : List.of(everyCore, oneThread)) {
            try (ActivationObserver observer = ActivationObserver.open(model, List.of(g), data)) {
                observer.sweep("test", ProgressListener.NONE, (batch, values) -> seen.add(values.get(g).data().clone()));
            }
        }
        assertThat(seen).hasSize(6);
        for (int i = 0; i < 3; i++) {
            assertThat(seen.get(i + 3)).containsExactly(seen.get(i));
        }
        assertThatThrownBy(() -> everyCore.withThreads(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }

    @Test
    void aBatchSizeBelowOneIsRefused() {
        assertThatThrownBy(() -> new CalibrationData.Sentences(SENTENCES, dir.resolve("tokenizer.json"), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
    }
}
