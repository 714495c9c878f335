package dev.nncj.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.data.SentencePairs;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Evaluation tasks end to end through ONNX Runtime, on tiny models whose answers we know. */
class EvaluationTest {
    @TempDir
    Path dir;

    private TextTokenizer tokenizer;

    @BeforeEach
    void tokenizer() throws IOException {
        tokenizer = TextTokenizer.load(TinyTokenizer.write(dir));
    }

    private Path save(dev.nncj.onnx.OnnxModel model, String name) {
        Path file = dir.resolve(name);
        OnnxFiles.save(model, file);
        return file;
    }

    @Test
    void textClassificationCountsCorrectPredictionsWithAWilsonInterval() throws IOException {
        Path model = save(TinyModels.bagOfWordsClassifier(TinyTokenizer.VOCABULARY_SIZE), "clf.onnx");
        // cat -> 1, dog -> 0; the last row is labelled wrong on purpose: 3 of 4 correct
        Path data = Files.writeString(dir.resolve("d.tsv"),
                "sentence\tlabel\nthe cat sat\t1\na dog\t0\nthe cat on the mat\t1\ndogs\t1\n");
        EvalResult r = TextClassificationEval.run(model, TextClassificationDataset.load(data), tokenizer,
                EvalOptions.defaults().withBatchSize(3), ProgressListener.NONE);
        assertThat(r.metric()).isEqualTo("accuracy");
        assertThat(r.value()).isEqualTo(0.75);
        assertThat(r.n()).isEqualTo(4);
        assertThat(r.ci95().low()).isLessThan(0.75);
        assertThat(r.ci95().high()).isGreaterThan(0.75).isLessThanOrEqualTo(1.0);
    }

    @Test
    void labelsTheModelCannotProduceAreRejectedWithTheirLine() throws IOException {
        Path model = save(TinyModels.bagOfWordsClassifier(TinyTokenizer.VOCABULARY_SIZE), "clf.onnx");
        Path data = Files.writeString(dir.resolve("three.tsv"), "sentence\tlabel\nthe cat\t1\na dog\t2\n");
        assertThatThrownBy(() -> TextClassificationEval.run(model, TextClassificationDataset.load(data), tokenizer,
                EvalOptions.defaults(), ProgressListener.NONE))
                .isInstanceOf(NncjException.class)
                .hasMessageContaining("three.tsv:3: label 2 cannot be produced by")
                .hasMessageContaining("outputs 2 classes");
    }

    @Test
    void aTokenizerLargerThanTheEmbeddingTableIsRejected() {
        Path model = save(TinyModels.bagOfWordsClassifier(10), "small-vocab.onnx");
        assertThatThrownBy(() -> VocabularyCheck.check(model, tokenizer))
                .isInstanceOf(NncjException.class)
                .hasMessageContaining("tokenizer.json: vocabulary has 14 tokens")
                .hasMessageContaining("embeds only 10");
    }

    /**
     * A token embedder whose table is written out by hand, so that every pooled embedding, and
     * hence every cosine, can be worked out on paper:
     * <pre>
     * input_ids ── Gather(table[14,4]) ── last_hidden_state      rows not listed are zero
     * </pre>
     * [CLS] and [SEP] are zero rows: they add nothing to the mean-pooled sum, and dividing by the
     * token count only scales the vector, which a cosine ignores.
     */
    private static dev.nncj.onnx.OnnxModel handTable(Map<String, float[]> rows) {
        Map<String, Integer> ids = Map.of("the", 4, "cat", 5, "sat", 6, "mat", 8, "dog", 9);
        float[] table = new float[TinyTokenizer.VOCABULARY_SIZE * 4];
        rows.forEach((word, row) -> System.arraycopy(row, 0, table, ids.get(word) * 4, 4));
        GraphBuilder b = new GraphBuilder("hand_table", 17);
        String input = b.input("input_ids", DataType.INT64, "batch", "seq");
        b.input("attention_mask", DataType.INT64, "batch", "seq");
        b.input("token_type_ids", DataType.INT64, "batch", "seq");
        String emb = b.initializer(Tensor.ofFloats("embeddings.word_embeddings.weight",
                new long[] {TinyTokenizer.VOCABULARY_SIZE, 4}, table));
        b.output(b.op("Gather", emb, input), "last_hidden_state", DataType.FLOAT, "batch", "seq", 4);
        return b.build();
    }

    /** cat e1, dog e2, the e3, sat e4, mat e1 + e2. */
    private static final Map<String, float[]> REFERENCE_ROWS = Map.of("cat", new float[] {1, 0, 0, 0},
            "dog", new float[] {0, 1, 0, 0}, "the", new float[] {0, 0, 1, 0}, "sat", new float[] {0, 0, 0, 1},
            "mat", new float[] {1, 1, 0, 0});

    @Test
    void embeddingFidelityIsTheMeanAndMinimumOfHandComputedCosines() {
        Path reference = save(handTable(REFERENCE_ROWS), "ref.onnx");
        Path same = save(handTable(REFERENCE_ROWS), "same.onnx");
        // the candidate moves two rows: cat (1,0,0,0) -> (3,4,0,0), sat (0,0,0,1) -> (0,0,0,5)
        Map<String, float[]> moved = new java.util.HashMap<>(REFERENCE_ROWS);
        moved.put("cat", new float[] {3, 4, 0, 0});
        moved.put("sat", new float[] {0, 0, 0, 5});
        Path candidate = save(handTable(moved), "moved.onnx");
        // sentence   reference sum   candidate sum   cosine
        // cat        (1,0,0,0)       (3,4,0,0)       3/5             = 0.6
        // dog        (0,1,0,0)       (0,1,0,0)       1
        // cat sat    (1,0,0,1)       (3,4,0,5)       (3+5)/(√2·√50)  = 0.8
        // the        (0,0,1,0)       (0,0,1,0)       1
        // sat        (0,0,0,1)       (0,0,0,5)       1 (only the length changed)
        // mean 4.4/5 = 0.88, min 0.6, sample sd √(0.128/4) = 0.178885
        List<String> sentences = List.of("cat", "dog", "cat sat", "the", "sat");
        EvalResult identical = EmbeddingFidelityEval.run(same, reference, sentences, tokenizer,
                EvalOptions.defaults().withBatchSize(2), ProgressListener.NONE);
        assertThat(identical.value()).isCloseTo(1.0, within(1e-6));
        assertThat(identical.metrics().get("min_cosine")).isCloseTo(1.0, within(1e-6));
        assertThat(identical.n()).isEqualTo(5);

        // in batches of 2, "the" is padded beside "cat sat": padding must not move a cosine
        EvalResult r = EmbeddingFidelityEval.run(candidate, reference, sentences, tokenizer,
                EvalOptions.defaults().withBatchSize(2), ProgressListener.NONE);
        assertThat(r.metric()).isEqualTo("mean_cosine");
        assertThat(r.value()).isCloseTo(0.88, within(1e-6));
        assertThat(r.metrics().get("min_cosine")).isCloseTo(0.6, within(1e-6));
        assertThat(r.metrics().get("sd_cosine")).isCloseTo(0.178885, within(1e-6));
        assertThat(r.n()).isEqualTo(5);
    }

    @Test
    void paddingDoesNotMoveMeanPooledEmbeddings() {
        // the same sentence alone and in a batch with a longer one must pool to the same vector
        Path model = save(TinyModels.tokenEmbedder(TinyTokenizer.VOCABULARY_SIZE, 0f), "emb.onnx");
        try (TextModelSession s = new TextModelSession(model, EvalOptions.defaults().runtime(), java.util.Optional.empty())) {
            float[] alone = s.sentenceEmbeddings(tokenizer.encode(List.of("a dog")))[0];
            float[] padded = s.sentenceEmbeddings(tokenizer.encode(List.of("a dog", "the cat sat on the mat.")))[0];
            assertThat(padded).containsExactly(alone, within(1e-6f));
        }
    }

    @Test
    void stsSpearmanEqualsTheHandComputedValueWithTiesOnBothSides() throws IOException {
        Path model = save(handTable(REFERENCE_ROWS), "emb.onnx");
        // pair                      cosine (from the rows above)     gold
        // cat | cat                 1                                 5
        // cat | mat                 1/√2                              3
        // dog | mat                 1/√2  (tied with the pair above)  4
        // cat | cat sat the         1/√3                              2
        // cat | dog                 0                                 2  (tied with the pair above)
        Path pairs = Files.writeString(dir.resolve("sts.tsv"), "sentence1\tsentence2\tscore\n"
                + "cat\tcat\t5\ncat\tmat\t3\ndog\tmat\t4\ncat\tcat sat the\t2\ncat\tdog\t2\n");
        EvalResult r = SentenceSimilarityEval.run(model, SentencePairs.load(pairs), tokenizer,
                EvalOptions.defaults().withBatchSize(2), ProgressListener.NONE);
        assertThat(r.metric()).isEqualTo("spearman");
        assertThat(r.n()).isEqualTo(5);
        // average ranks, cosine: 5, 3.5, 3.5, 2, 1; gold: 5, 3, 4, 1.5, 1.5; both have mean 3
        // deviations: (2, .5, .5, -1, -2) and (2, 0, 1, -1.5, -1.5)
        // covariance sum 4 + 0 + .5 + 1.5 + 3 = 9; squares 9.5 and 9.5; rho = 9 / 9.5 = 18/19
        // (ranking ties by position instead would give 9 / 10 = 0.9)
        assertThat(r.value()).isCloseTo(18.0 / 19, within(1e-9));
    }
}
