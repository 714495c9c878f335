package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.eval.EvalOptions;
import dev.nncj.eval.TextClassificationEval;
import dev.nncj.runtime.Benchmark;
import dev.nncj.runtime.ComparisonResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The goals of a recipe, measured at the end of `nncj run` on the last output against the run's input,
 * by ONNX Runtime and in this process, whatever the steps reported along the way: size from the files,
 * p50 from one interleaved comparison (as `nncj bench --compare`), accuracy on the goals' data.
 */
final class RecipeGoals {
    private RecipeGoals() {}

    /** One goal: what was measured, its limit, whether it is met. */
    record Result(String name, double value, double limit, boolean met) {
        Map<String, Object> json() {
            Map<String, Object> obj = new LinkedHashMap<>();
            obj.put("value", value);
            obj.put("limit", limit);
            obj.put("met", met);
            return obj;
        }
    }

    /** Figures measured (accuracies, ratios) and the goals judged on them. */
    record Measured(Map<String, Object> figures, List<Result> goals) {
        boolean met() {
            return goals.stream().allMatch(Result::met);
        }
    }

    /** {@code evalData} is present whenever an accuracy goal is ({@link RunCommand} checks it before the steps). */
    static Measured measure(Recipe.Goals goals, Optional<Path> evalData, Path input, Path last, ProgressListener progress) {
        Map<String, Object> figures = new LinkedHashMap<>();
        List<Result> results = new ArrayList<>();
        try {
            double sizeRatio = (double) Files.size(last) / Files.size(input);
            figures.put("size_ratio", sizeRatio);
            goals.maxSizeRatio().ifPresent(limit -> results.add(new Result("max_size_ratio", sizeRatio, limit, sizeRatio <= limit)));
        } catch (IOException e) {
            throw NncjException.inFile(last, "cannot read its size: " + e.getMessage(), e);
        }
        if (goals.maxP50Ratio().isPresent()) {
            ComparisonResult c = Benchmark.compare(last, input,
                    BenchCommand.options(1, goals.seqLen(), goals.threads(), goals.benchRuns(), 10), progress);
            figures.put("p50_ratio", c.ratioP50());
            double limit = goals.maxP50Ratio().get();
            results.add(new Result("max_p50_ratio", c.ratioP50(), limit, c.ratioP50() <= limit));
        }
        if (evalData.isPresent()) {
            TextClassificationDataset data = TextClassificationDataset.load(evalData.get());
            double before = accuracy(input, data, progress);
            double after = accuracy(last, data, progress);
            figures.put("accuracy_input", before);
            figures.put("accuracy_last", after);
            goals.maxAccuracyDrop().ifPresent(limit -> results.add(new Result("max_accuracy_drop", before - after, limit,
                    before - after <= limit)));
        }
        return new Measured(figures, results);
    }

    private static double accuracy(Path model, TextClassificationDataset data, ProgressListener progress) {
        try (TextTokenizer tokenizer = TextTokenizer.load(ModelOutput.tokenizerBeside(model), TokenizerOptions.defaults())) {
            return TextClassificationEval.run(model, data, tokenizer, EvalOptions.defaults(), progress).value();
        }
    }
}
