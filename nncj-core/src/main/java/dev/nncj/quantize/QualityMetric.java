package dev.nncj.quantize;

import dev.nncj.NncjException;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.eval.EmbeddingFidelityEval;
import dev.nncj.eval.EvalOptions;
import dev.nncj.eval.TextClassificationEval;
import dev.nncj.ProgressListener;
import dev.nncj.report.Evaluation;
import java.nio.file.Path;
import java.util.function.ToDoubleFunction;

/**
 * The task metric an accuracy-driven run keeps within budget, higher is better: the drop of a
 * candidate is {@code reference - score(candidate)}.
 *
 * @param name what is measured ("mean cosine to fp32", "accuracy")
 * @param reference the original model's score (1 for cosine fidelity, its accuracy for a classifier)
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
                throw new NncjException("--max-drop: the evaluation data has no sentences");
            }
            int n = Math.min(PROBE_SIZE, f.sentences().size());
            return new QualityMetric("mean cosine to the original", 1.0,
                    file -> fidelity(file, original, f, f.sentences(), options),
                    file -> fidelity(file, original, f, f.sentences().subList(0, n), options), n);
        }
        if (evaluation instanceof Evaluation.TextClassification c) {
            double reference = accuracy(original, c, c.data(), options);
            var probeData = c.data().firstN(PROBE_SIZE);
            return new QualityMetric("accuracy", reference, file -> accuracy(file, c, c.data(), options),
                    file -> accuracy(file, c, probeData, options), Math.min(PROBE_SIZE, c.data().size()));
        }
        throw new NncjException("--max-drop needs --eval-data (sentences for an embedder, labelled data for a classifier)");
    }

    private static double fidelity(Path file, Path original, Evaluation.EmbeddingFidelity f,
                                   java.util.List<String> sentences, EvalOptions options) {
        try (TextTokenizer tokenizer = TextTokenizer.load(f.tokenizer(), TokenizerOptions.defaults())) {
            return EmbeddingFidelityEval.run(file, original, sentences, tokenizer, options, ProgressListener.NONE).value();
        }
    }

    private static double accuracy(Path file, Evaluation.TextClassification c,
                                   dev.nncj.data.TextClassificationDataset data, EvalOptions options) {
        try (TextTokenizer tokenizer = TextTokenizer.load(c.tokenizer(), TokenizerOptions.defaults())) {
            return TextClassificationEval.run(file, data, tokenizer, options, ProgressListener.NONE).value();
        }
    }
}
