package dev.nncj.eval;

import dev.nncj.ProgressListener;
import dev.nncj.data.EncodedBatch;
import dev.nncj.data.TextTokenizer;
import dev.nncj.eval.stats.Cosine;
import dev.nncj.eval.stats.MeanInterval;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How faithfully a model reproduces a reference model's sentence embeddings: per sentence, the
 * cosine similarity of the two mean-pooled embeddings; reported as mean (95% CI) and minimum. This
 * is the metric for a compressed embedder, which has no labels to be scored on.
 */
public final class EmbeddingFidelityEval {
    private EmbeddingFidelityEval() {}

    public static EvalResult run(Path model, Path reference, List<String> sentences, TextTokenizer tokenizer,
                                 EvalOptions options, ProgressListener progress) {
        if (sentences.isEmpty()) {
            throw new IllegalArgumentException("no sentences to compare");
        }
        VocabularyCheck.check(model, tokenizer);
        VocabularyCheck.check(reference, tokenizer);
        double[] cosines = new double[sentences.size()];
        try (TextModelSession candidate = new TextModelSession(model, options.runtime(), options.outputName());
             TextModelSession ref = new TextModelSession(reference, options.runtime(), options.outputName())) {
            progress.start("fidelity", sentences.size());
            for (int start = 0; start < sentences.size(); start += options.batchSize()) {
                int end = Math.min(sentences.size(), start + options.batchSize());
                EncodedBatch batch = tokenizer.encode(sentences.subList(start, end));
                float[][] a = candidate.sentenceEmbeddings(batch);
                float[][] b = ref.sentenceEmbeddings(batch);
                for (int i = 0; i < a.length; i++) {
                    cosines[start + i] = Cosine.similarity(a[i], b[i]);
                }
                progress.advance(end - start);
            }
        } finally {
            progress.finish();
        }
        MeanInterval summary = MeanInterval.of(cosines);
        return new EvalResult("embedding-fidelity", model.toString(), "mean_cosine", summary.mean(), summary.ci95(),
                summary.n(), Map.of("mean_cosine", summary.mean(), "min_cosine", summary.min(), "sd_cosine", summary.sd()));
    }
}
