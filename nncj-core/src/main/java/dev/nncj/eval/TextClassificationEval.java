package dev.nncj.eval;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.data.EncodedBatch;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextClassificationDataset.Example;
import dev.nncj.data.TextTokenizer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Accuracy of a text classifier (logits [batch, classes]) on labelled sentences or pairs. */
public final class TextClassificationEval {
    private TextClassificationEval() {}

    public static EvalResult run(Path model, TextClassificationDataset data, TextTokenizer tokenizer,
                                 EvalOptions options, ProgressListener progress) {
        return run(model, data, tokenizer, options, progress, Map.of());
    }

    /**
     * As {@link #run(Path, TextClassificationDataset, TextTokenizer, EvalOptions, ProgressListener)}, and,
     * when the classes have names (a Hugging Face config's id2label), each class's recall as the metric
     * {@code recall[NAME]} (a class without a name by its index), so a report says which class suffers.
     */
    public static EvalResult run(Path model, TextClassificationDataset data, TextTokenizer tokenizer,
                                 EvalOptions options, ProgressListener progress, Map<Integer, String> classNames) {
        VocabularyCheck.check(model, tokenizer);
        int correct = 0;
        Map<Integer, int[]> perClass = new TreeMap<>(); // label -> {correct, n}
        try (TextModelSession session = new TextModelSession(model, options.runtime(), options.outputName())) {
            long classes = session.outputWidth();
            if (classes > 0) {
                checkLabels(data, classes, model);
            }
            progress.start("eval", data.size());
            for (int start = 0; start < data.size(); start += options.batchSize()) {
                List<Example> batch = data.examples().subList(start, Math.min(data.size(), start + options.batchSize()));
                EncodedBatch encoded = data.isPairs()
                        ? tokenizer.encodePairs(batch.stream().map(Example::text).toList(),
                                batch.stream().map(e -> e.textPair().orElse("")).toList())
                        : tokenizer.encode(batch.stream().map(Example::text).toList());
                FloatArray logits = session.run(encoded);
                if (logits.rank() != 2) {
                    throw NncjException.inFile(model, "output has shape " + java.util.Arrays.toString(logits.shape())
                            + "; a classifier gives logits [batch, classes]");
                }
                if (classes <= 0) {
                    classes = logits.dim(1);
                    checkLabels(data, classes, model);
                }
                for (int i = 0; i < batch.size(); i++) {
                    int[] counts = perClass.computeIfAbsent(batch.get(i).label(), k -> new int[2]);
                    counts[1]++;
                    if (argmax(logits.row(i)) == batch.get(i).label()) {
                        correct++;
                        counts[0]++;
                    }
                }
                progress.advance(batch.size());
            }
        } finally {
            progress.finish();
        }
        EvalResult result = EvalResult.accuracy("text-classification", model.toString(), correct, data.size());
        if (classNames.isEmpty()) {
            return result;
        }
        Map<String, Double> metrics = new LinkedHashMap<>(result.metrics());
        perClass.forEach((label, counts) -> metrics.put("recall[" + classNames.getOrDefault(label, Integer.toString(label)) + "]",
                (double) counts[0] / counts[1]));
        return new EvalResult(result.task(), result.model(), result.metric(), result.value(), result.ci95(), result.n(),
                Map.copyOf(metrics));
    }

    /** Labels must be classes the model can output; names the first row that is not. */
    static void checkLabels(TextClassificationDataset data, long classes, Path model) {
        for (Example e : data.examples()) {
            if (e.label() >= classes) {
                throw NncjException.atLine(data.file(), e.line(), "label " + e.label() + " cannot be produced by "
                        + model + ", which outputs " + classes + " classes");
            }
        }
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
