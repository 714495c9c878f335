package dev.nncj.eval;

import dev.nncj.ProgressListener;
import dev.nncj.data.SentencePairs;
import dev.nncj.data.TextTokenizer;
import dev.nncj.eval.stats.Cosine;
import dev.nncj.eval.stats.Spearman;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * STS-style evaluation of an embedder: Spearman's rank correlation between the cosine similarity
 * of each pair's embeddings and its gold score, as the sentence-transformers papers report it.
 */
public final class SentenceSimilarityEval {
    private SentenceSimilarityEval() {}

    public static EvalResult run(Path model, SentencePairs pairs, TextTokenizer tokenizer, EvalOptions options,
                                 ProgressListener progress) {
        VocabularyCheck.check(model, tokenizer);
        double[] predicted = new double[pairs.size()];
        List<String> first = pairs.firstSentences();
        List<String> second = pairs.secondSentences();
        try (TextModelSession session = new TextModelSession(model, options.runtime(), options.outputName())) {
            progress.start("sts", pairs.size());
            for (int start = 0; start < pairs.size(); start += options.batchSize()) {
                int end = Math.min(pairs.size(), start + options.batchSize());
                float[][] a = session.sentenceEmbeddings(tokenizer.encode(first.subList(start, end)));
                float[][] b = session.sentenceEmbeddings(tokenizer.encode(second.subList(start, end)));
                for (int i = 0; i < a.length; i++) {
                    predicted[start + i] = Cosine.similarity(a[i], b[i]);
                }
                progress.advance(end - start);
            }
        } finally {
            progress.finish();
        }
        Spearman rho = Spearman.correlation(predicted, pairs.scores());
        return new EvalResult("sts", model.toString(), "spearman", rho.rho(), rho.ci95(), rho.n(),
                Map.of("spearman", rho.rho()));
    }
}
