package dev.nncj.train.distill;

import dev.nncj.NncjException;
import dev.nncj.data.DelimitedTable;
import dev.nncj.data.SentenceFile;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.WordSubstitution;
import dev.nncj.train.finetune.TextBatches;
import dev.nncj.train.trainer.Batch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.Random;

/**
 * The text a student is distilled on: labelled (a GLUE-style TSV with a "label" column) or
 * unlabeled (one sentence per line in a .txt file, or a TSV/CSV without a label column), in which
 * case only the teacher's outputs teach the student.
 */
public final class DistillTexts {
    private static final String LABEL = "label";

    private final Path file;
    private final List<String> texts;
    private final List<String> pairs;
    private final int[] labels;

    private DistillTexts(Path file, List<String> texts, List<String> pairs, int[] labels) {
        if (texts.isEmpty()) {
            throw NncjException.inFile(file, "no sentences");
        }
        this.file = file;
        this.texts = List.copyOf(texts);
        this.pairs = pairs == null ? null : List.copyOf(pairs);
        this.labels = labels;
    }

    /** Reads {@code file}: labelled when it is a TSV/CSV whose header has a "label" column. */
    public static DistillTexts load(Path file) {
        boolean plain = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".txt");
        if (!plain && DelimitedTable.read(file, true).header().contains(LABEL)) {
            return labeled(TextClassificationDataset.load(file));
        }
        return unlabeled(file, SentenceFile.read(file));
    }

    public static DistillTexts labeled(TextClassificationDataset data) {
        return new DistillTexts(data.file(), data.texts(), data.isPairs() ? data.textPairs() : null, data.labels());
    }

    public static DistillTexts unlabeled(Path file, List<String> sentences) {
        return new DistillTexts(file, sentences, null, null);
    }

    /** The first {@code n} examples (all when there are fewer). */
    public DistillTexts firstN(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("the example limit must be at least 1, got " + n);
        }
        if (n >= texts.size()) {
            return this;
        }
        return new DistillTexts(file, texts.subList(0, n), pairs == null ? null : pairs.subList(0, n),
                labels == null ? null : Arrays.copyOf(labels, n));
    }

    /**
     * These sentences, each followed by up to {@code copies} rewritings of it ({@link WordSubstitution}),
     * unlabeled: the rewritten sentences need not keep their labels, so the teacher labels every one.
     */
    public DistillTexts withVariants(WordSubstitution substitution, int copies, long seed) {
        if (pairs != null) {
            throw NncjException.inFile(file, "holds sentence pairs: augmentation rewrites single sentences");
        }
        Random random = new Random(seed);
        List<String> out = new ArrayList<>();
        for (String text : texts) {
            out.add(text);
            out.addAll(substitution.variants(text, copies, random));
        }
        return new DistillTexts(file, out, null, null);
    }

    /** The sentences (the first of each pair). */
    public List<String> texts() {
        return texts;
    }

    public Path file() {
        return file;
    }

    public int size() {
        return texts.size();
    }

    public boolean isLabeled() {
        return labels != null;
    }

    /** The largest label, when labelled. */
    public OptionalInt maxLabel() {
        return labels == null ? OptionalInt.empty() : Arrays.stream(labels).max();
    }

    /**
     * Tokenized batches of examples of similar length: sorted by characters before batching, so
     * that dynamic padding pads little (SST-2 mixes 2-word phrases with 50-word sentences); the
     * trainer shuffles the batch order every epoch. Unlabeled examples carry label -1, which only
     * the hard-label loss would read.
     */
    List<Batch> batches(TextTokenizer tokenizer, int batchSize, List<String> graphInputs) {
        Integer[] order = new Integer[texts.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, java.util.Comparator.comparingInt(
                i -> texts.get(i).length() + (pairs == null ? 0 : pairs.get(i).length())));
        List<String> sortedTexts = Arrays.stream(order).map(texts::get).toList();
        List<String> sortedPairs = pairs == null ? null : Arrays.stream(order).map(pairs::get).toList();
        long[] sortedLabels = Arrays.stream(order).mapToLong(i -> labels == null ? -1 : labels[i]).toArray();
        return TextBatches.of(sortedTexts, sortedPairs, sortedLabels, tokenizer, batchSize, graphInputs);
    }

    /** The data as provenance records it. */
    public String describe() {
        return file.getFileName() + " (" + texts.size() + (isLabeled() ? " labelled" : " unlabeled") + " examples)";
    }
}
