package dev.nncj.report;

import dev.nncj.ProgressListener;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.eval.EmbeddingFidelityEval;
import dev.nncj.eval.EvalOptions;
import dev.nncj.eval.EvalResult;
import dev.nncj.eval.TextClassificationEval;
import dev.nncj.runtime.Benchmark;
import dev.nncj.runtime.BenchmarkOptions;
import dev.nncj.runtime.ComparisonResult;
import dev.nncj.runtime.ModelFiles;
import java.nio.file.Path;
import java.util.Optional;

/** Measures a {@link CompressionReport}: both files are judged by ONNX Runtime, never by simulation. */
public final class CompressionReports {
    private CompressionReports() {}

    public static CompressionReport measure(Path original, Path compressed, BenchmarkOptions bench,
                                            Evaluation evaluation, EvalOptions evalOptions, ProgressListener progress) {
        ComparisonResult latency = Benchmark.compare(compressed, original, bench, progress);
        Optional<EvalResult> before = Optional.empty();
        Optional<EvalResult> after = Optional.empty();
        if (evaluation instanceof Evaluation.EmbeddingFidelity f) {
            try (TextTokenizer tokenizer = TextTokenizer.load(f.tokenizer(), TokenizerOptions.defaults())) {
                after = Optional.of(EmbeddingFidelityEval.run(compressed, original, f.sentences(), tokenizer,
                        evalOptions, progress));
            }
        } else if (evaluation instanceof Evaluation.TextClassification c) {
            try (TextTokenizer tokenizer = TextTokenizer.load(c.tokenizer(), TokenizerOptions.defaults())) {
                before = Optional.of(TextClassificationEval.run(original, c.data(), tokenizer, evalOptions, progress));
                after = Optional.of(TextClassificationEval.run(compressed, c.data(), tokenizer, evalOptions, progress));
            }
        }
        return new CompressionReport(original, compressed, ModelFiles.totalBytes(original),
                ModelFiles.totalBytes(compressed), latency, before, after);
    }
}
