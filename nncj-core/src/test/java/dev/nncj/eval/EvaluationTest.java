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
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    @Test
    void embeddingFidelityIsOneForTheSameModelAndLowerForAPerturbedOne() {
        Path reference = save(TinyModels.tokenEmbedder(TinyTokenizer.VOCABULARY_SIZE, 0f), "ref.onnx");
        Path same = save(TinyModels.tokenEmbedder(TinyTokenizer.VOCABULARY_SIZE, 0f), "same.onnx");
        Path perturbed = save(TinyModels.tokenEmbedder(TinyTokenizer.VOCABULARY_SIZE, 0.3f), "noisy.onnx");
        List<String> sentences = List.of("the cat sat on the mat.", "a dog", "dogs", "the mat", "cat");
        EvalResult identical = EmbeddingFidelityEval.run(same, reference, sentences, tokenizer,
                EvalOptions.defaults().withBatchSize(2), ProgressListener.NONE);
        assertThat(identical.value()).isCloseTo(1.0, within(1e-6));
        assertThat(identical.metrics().get("min_cosine")).isCloseTo(1.0, within(1e-6));
        assertThat(identical.n()).isEqualTo(5);

        EvalResult noisy = EmbeddingFidelityEval.run(perturbed, reference, sentences, tokenizer,
                EvalOptions.defaults(), ProgressListener.NONE);
        assertThat(noisy.value()).isLessThan(0.999).isGreaterThan(0.5);
        assertThat(noisy.metrics().get("min_cosine")).isLessThanOrEqualTo(noisy.value());
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
    void stsSpearmanFollowsTheGoldOrder() throws IOException {
        Path model = save(TinyModels.tokenEmbedder(TinyTokenizer.VOCABULARY_SIZE, 0f), "emb.onnx");
        Path pairs = Files.writeString(dir.resolve("sts.tsv"), "sentence1\tsentence2\tscore\n"
                + "the cat\tthe cat\t5\nthe cat\tthe cat sat\t4\nthe cat\ta dog on the mat\t1\nthe cat\tdogs\t0\n");
        EvalResult r = SentenceSimilarityEval.run(model, SentencePairs.load(pairs), tokenizer,
                EvalOptions.defaults(), ProgressListener.NONE);
        assertThat(r.metric()).isEqualTo("spearman");
        assertThat(r.n()).isEqualTo(4);
        assertThat(r.value()).isBetween(-1.0, 1.0);
        // identical sentences have cosine 1, the highest: the first pair ranks first as gold says
        assertThat(r.value()).isGreaterThan(0.0);
    }
}
