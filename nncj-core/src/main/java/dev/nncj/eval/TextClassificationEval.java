package dev.nncj.eval;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.data.EncodedBatch;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextClassificationDataset.Example;
import dev.nncj.data.TextTokenizer;
import java.nio.file.Path;
import java.util.List;

/** Accuracy of a text classifier (logits [batch, classes]) on labelled sentences or pairs. */
public final class TextClassificationEval {
    private TextClassificationEval() {}

    public static EvalResult run(Path model, TextClassificationDataset data, TextTokenizer tokenizer,
                                 EvalOptions options, ProgressListener progress) {
        VocabularyCheck.check(model, tokenizer);
        int correct = 0;
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
                    if (argmax(logits.row(i)) == batch.get(i).label()) {
                        correct++;
                    }
                }
                progress.advance(batch.size());
            }
        } finally {
            progress.finish();
        }
        return EvalResult.accuracy("text-classification", model.toString(), correct, data.size());
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
