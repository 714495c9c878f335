package dev.nncj.quantize;

import dev.nncj.NncjException;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.eval.EvalOptions;
import dev.nncj.eval.TextClassificationEval;
import dev.nncj.ProgressListener;
import dev.nncj.report.Evaluation;
import dev.nncj.eval.TextModelSession;
import dev.nncj.eval.VocabularyCheck;
import dev.nncj.eval.stats.Cosine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The task metric an accuracy-driven run keeps within budget, higher is better: the drop of a
 * candidate is {@code reference - score(candidate)}.
 *
 * @param name what is measured ("mean cosine to fp32", "accuracy")
 * @param reference the original model's score (1 for cosine fidelity, its accuracy for a classifier)
 * <p>Its data is selection data: it decides which nodes stay in float, so its figures are not test
 * figures (see {@link AccuracyDrivenQuantizer}).
 *
 * @param score the full evaluation, which decides whether the budget holds
 * @param probe a cheaper evaluation (a subset of the data) that ranks layer sensitivities
 * @param probeSize how many examples the probe uses, for the report
 */
public record QualityMetric(String name, double reference, ToDoubleFunction<Path> score, ToDoubleFunction<Path> probe,
                            int probeSize) {
    /** Sentences (or examples) a sensitivity probe uses: enough to rank layers, few enough to try each. */
    public static final int PROBE_SIZE = 128;

    public static QualityMetric of(Evaluation evaluation, Path original, EvalOptions options) {
        if (evaluation instanceof Evaluation.EmbeddingFidelity f) {
            if (f.sentences().isEmpty()) {
                throw new NncjException("the selection data of an accuracy-driven quantization has no sentences");
            }
            int n = Math.min(PROBE_SIZE, f.sentences().size());
            Fidelity full = new Fidelity(original, f.sentences(), f.tokenizer(), options);
            Fidelity probe = new Fidelity(original, f.sentences().subList(0, n), f.tokenizer(), options);
            return new QualityMetric("mean cosine to the original", 1.0, full::score, probe::score, n);
        }
        if (evaluation instanceof Evaluation.TextClassification c) {
            double reference = accuracy(original, c, c.data(), options);
            var probeData = c.data().firstN(PROBE_SIZE);
            return new QualityMetric("accuracy", reference, file -> accuracy(file, c, c.data(), options),
                    file -> accuracy(file, c, probeData, options), Math.min(PROBE_SIZE, c.data().size()));
        }
        throw new NncjException("an accuracy-driven quantization needs selection data (sentences for an embedder, labelled"
                + " data for a classifier)");
    }

    /**
     * Mean cosine of a candidate's sentence embeddings to the original's, batched exactly as
     * {@code EmbeddingFidelityEval} does (so the figures agree), with the original's embeddings
     * computed once: a sensitivity sweep scores dozens of candidates against the same reference.
     */
    private static final class Fidelity {
        private final Path original;
        private final List<String> sentences;
        private final Path tokenizerFile;
        private final EvalOptions options;
        private List<float[][]> reference;

        Fidelity(Path original, List<String> sentences, Path tokenizerFile, EvalOptions options) {
            this.original = original;
            this.sentences = sentences;
            this.tokenizerFile = tokenizerFile;
            this.options = options;
        }

        double score(Path file) {
            try (TextTokenizer tokenizer = TextTokenizer.load(tokenizerFile, TokenizerOptions.defaults())) {
                if (reference == null) {
                    reference = embed(original, tokenizer);
                }
                List<float[][]> candidate = embed(file, tokenizer);
                double sum = 0;
                for (int b = 0; b < candidate.size(); b++) {
                    for (int i = 0; i < candidate.get(b).length; i++) {
                        sum += Cosine.similarity(candidate.get(b)[i], reference.get(b)[i]);
                    }
                }
                return sum / sentences.size();
            }
        }

        private List<float[][]> embed(Path file, TextTokenizer tokenizer) {
            VocabularyCheck.check(file, tokenizer);
            List<float[][]> out = new ArrayList<>();
            try (TextModelSession session = new TextModelSession(file, options.runtime(), options.outputName())) {
                for (int start = 0; start < sentences.size(); start += options.batchSize()) {
                    int end = Math.min(sentences.size(), start + options.batchSize());
                    out.add(session.sentenceEmbeddings(tokenizer.encode(sentences.subList(start, end))));
                }
            }
            return out;
        }
    }

    private static double accuracy(Path file, Evaluation.TextClassification c,
                                   dev.nncj.data.TextClassificationDataset data, EvalOptions options) {
        try (TextTokenizer tokenizer = TextTokenizer.load(c.tokenizer(), TokenizerOptions.defaults())) {
            return TextClassificationEval.run(file, data, tokenizer, options, ProgressListener.NONE).value();
        }
    }
}
