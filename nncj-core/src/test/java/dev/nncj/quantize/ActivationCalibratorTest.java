package dev.nncj.quantize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.ProgressListener;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TinyModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pins the min-max ranges static int8 calibrates, computed here from the embedding table alone. */
class ActivationCalibratorTest {
    static final List<String> SENTENCES = List.of("the cat sat on the mat.", "a dog", "dogs sat", "the mat", "cats");

    @TempDir
    Path dir;

    /**
     * input_ids ── Gather(emb) ── g ── MatMul(w). Min-max observes every position fed, padding too, in
     * batches of 2: the range of g is the extreme entries of the table rows of all ids the tokenizer
     * gives the batches, [PAD]'s included.
     */
    @Test
    void minMaxIsTheRangeOfEveryRowFedPaddingIncluded() throws Exception {
        Path tokenizerFile = TinyTokenizer.write(dir);
        OnnxModel model = TinyModels.projectedEmbedder(TinyTokenizer.VOCABULARY_SIZE, 3);
        String g = model.graph().nodes().get(0).output(0);
        float[] table = model.graph().initializers().get("embeddings.word_embeddings.weight").toFloats();
        table[64] = 40; // the [PAD] row (id 1) holds the extremes, so whether padding is observed shows
        table[65] = -40;
        model.graph().replaceInitializer(Tensor.ofFloats("embeddings.word_embeddings.weight",
                new long[] {TinyTokenizer.VOCABULARY_SIZE, 64}, table));

        Map<String, float[]> ranges = ActivationCalibrator.ranges(model, Set.of(g),
                new Calibration(SENTENCES, tokenizerFile, Calibration.Method.MIN_MAX, 0, 2), ProgressListener.NONE);

        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        float realLo = Float.POSITIVE_INFINITY; // over real tokens only
        float realHi = Float.NEGATIVE_INFINITY;
        boolean padded = false;
        try (TextTokenizer tokenizer = TextTokenizer.load(tokenizerFile)) {
            for (int from = 0; from < SENTENCES.size(); from += 2) {
                for (long[] row : tokenizer.encode(SENTENCES.subList(from, Math.min(SENTENCES.size(), from + 2))).inputIds()) {
                    for (long id : row) {
                        padded |= id == 1;
                        for (int c = 0; c < 64; c++) {
                            float v = table[(int) id * 64 + c];
                            lo = Math.min(lo, v);
                            hi = Math.max(hi, v);
                            if (id != 1) {
                                realLo = Math.min(realLo, v);
                                realHi = Math.max(realHi, v);
                            }
                        }
                    }
                }
            }
        }
        assertThat(padded).isTrue(); // the sentences differ in length, so some batches are padded
        assertThat(new float[] {realLo, realHi}).isNotEqualTo(new float[] {lo, hi}); // and padding widens the range
        assertThat(ranges).containsOnlyKeys(g);
        assertThat(ranges.get(g)).containsExactly(lo, hi);
    }
}
