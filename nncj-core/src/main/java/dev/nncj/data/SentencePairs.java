package dev.nncj.data;

import dev.nncj.NncjException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Sentence pairs with a gold similarity score (STS Benchmark, SICK-R): an embedding model is judged
 * by the Spearman correlation between the cosine of its two embeddings and the gold score, so only
 * the order of the scores matters and any finite scale (0-5, 0-1) is accepted.
 */
public final class SentencePairs {

    public record Pair(String sentence1, String sentence2, double score, long line) {}

    private final Path file;
    private final List<Pair> pairs;

    private SentencePairs(Path file, List<Pair> pairs) {
        this.file = file;
        this.pairs = List.copyOf(pairs);
    }

    /** Loads with a header naming sentence1, sentence2 and score. */
    public static SentencePairs load(Path file) {
        return load(file, SentencePairOptions.defaults());
    }

    public static SentencePairs load(Path file, SentencePairOptions options) {
        DelimitedTable table = DelimitedTable.read(file, options.header());
        int first = table.columnIndex(options.firstColumn());
        int second = table.columnIndex(options.secondColumn());
        int score = table.columnIndex(options.scoreColumn());
        List<Pair> pairs = new ArrayList<>(table.size());
        for (DelimitedTable.Row row : table.rows()) {
            pairs.add(new Pair(row.get(first), row.get(second), parseScore(file, row, score), row.line()));
        }
        if (pairs.isEmpty()) {
            throw NncjException.inFile(file, "no sentence pairs" + (options.header() ? " after the header line" : ""));
        }
        return new SentencePairs(file, pairs);
    }

    private static double parseScore(Path file, DelimitedTable.Row row, int column) {
        String value = row.get(column).strip();
        double score;
        try {
            score = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            score = Double.NaN;
        }
        if (!Double.isFinite(score)) {
            throw NncjException.atLine(file, row.line(), "score must be a finite number, found '" + value + "'");
        }
        return score;
    }

    public Path file() {
        return file;
    }

    public List<Pair> pairs() {
        return pairs;
    }

    public int size() {
        return pairs.size();
    }

    public List<String> firstSentences() {
        return pairs.stream().map(Pair::sentence1).toList();
    }

    public List<String> secondSentences() {
        return pairs.stream().map(Pair::sentence2).toList();
    }

    public double[] scores() {
        return pairs.stream().mapToDouble(Pair::score).toArray();
    }
}
