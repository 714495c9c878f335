package dev.nncj.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * TinyBERT's data augmentation for task distillation (Jiao et al. 2020, section 3.3), with the
 * teacher's own word-embedding table where TinyBERT used GloVe and BERT's masked-language model: a
 * word of a sentence that is a whole token of the vocabulary is replaced, with probability
 * {@link #PROBABILITY}, by one of its {@link #NEIGHBOURS} nearest whole-word tokens (cosine of their
 * rows in the table). The rewritten sentences do not keep their labels (the neighbours of "good"
 * include "bad"): they are for a teacher to label, as distillation on unlabeled text does.
 */
public final class WordSubstitution {
    /** Candidates per word: TinyBERT's K. */
    public static final int NEIGHBOURS = 15;
    /** Chance that a word is replaced: TinyBERT's p_t. */
    public static final double PROBABILITY = 0.4;
    /** Words and substitutes are tokens of letters only: no word pieces (##ing), digits or punctuation. */
    private static final Pattern WORD = Pattern.compile("\\p{L}{2,}");
    /** Queries compared with each table row at once: the table is read once per block, not once per word. */
    private static final int BLOCK = 8;

    private final Map<String, String[]> neighbours;

    private WordSubstitution(Map<String, String[]> neighbours) {
        this.neighbours = neighbours;
    }

    /**
     * The substitutes of every word of {@code sentences} that the vocabulary holds whole.
     *
     * @param vocabulary the tokenizer's tokens and their ids, the rows of {@code table}
     * @param table the word-embedding matrix, {@code rows x width}, row-major
     */
    public static WordSubstitution fromEmbeddings(Map<String, Integer> vocabulary, float[] table, int width,
            Collection<String> sentences) {
        if (width < 1 || table.length % width != 0) {
            throw new IllegalArgumentException("a table of " + table.length + " values has no rows of width " + width);
        }
        int rows = table.length / width;
        List<String> substitutes = vocabulary.entrySet().stream()
                .filter(e -> e.getValue() >= 0 && e.getValue() < rows && WORD.matcher(e.getKey()).matches())
                .map(Map.Entry::getKey).sorted().toList();
        Set<String> words = new LinkedHashSet<>();
        for (String sentence : sentences) {
            for (String word : words(sentence)) {
                Integer id = vocabulary.get(word);
                if (id != null && id >= 0 && id < rows && WORD.matcher(word).matches()) {
                    words.add(word);
                }
            }
        }
        float[] candidates = unitRows(substitutes, vocabulary, table, width);
        List<String> queries = List.copyOf(words);
        float[] queryRows = unitRows(queries, vocabulary, table, width);
        String[][] nearest = new String[queries.size()][];
        IntStream.range(0, (queries.size() + BLOCK - 1) / BLOCK).parallel().forEach(block -> {
            int from = block * BLOCK;
            int to = Math.min(queries.size(), from + BLOCK);
            int[][] best = nearestRows(queryRows, from, to, candidates, width);
            for (int q = from; q < to; q++) {
                String word = queries.get(q);
                nearest[q] = Arrays.stream(best[q - from]).filter(i -> i >= 0).mapToObj(substitutes::get)
                        .filter(s -> !s.equals(word)).limit(NEIGHBOURS).toArray(String[]::new);
            }
        });
        Map<String, String[]> byWord = new HashMap<>();
        for (int q = 0; q < queries.size(); q++) {
            if (nearest[q].length > 0) {
                byWord.put(queries.get(q), nearest[q]);
            }
        }
        return new WordSubstitution(byWord);
    }

    /** How many words of the sentences it was made for this substitution can replace. */
    public int replaceableWords() {
        return neighbours.size();
    }

    /** The substitutes of {@code word}, nearest first (empty: it is never replaced). */
    public List<String> substitutesOf(String word) {
        String[] n = neighbours.get(word);
        return n == null ? List.of() : List.of(n);
    }

    /**
     * Up to {@code copies} rewritings of {@code sentence}, each different from it and from each other
     * (fewer when the sentence has few replaceable words). Words are separated by single spaces.
     */
    public List<String> variants(String sentence, int copies, Random random) {
        String[] words = words(sentence);
        String original = String.join(" ", words);
        Set<String> out = new LinkedHashSet<>();
        for (int attempt = 0; attempt < 2 * copies && out.size() < copies; attempt++) {
            String[] rewritten = words.clone();
            for (int i = 0; i < rewritten.length; i++) {
                String[] n = neighbours.get(rewritten[i]);
                if (n != null && random.nextDouble() < PROBABILITY) {
                    rewritten[i] = n[random.nextInt(n.length)];
                }
            }
            String variant = String.join(" ", rewritten);
            if (!variant.equals(original)) {
                out.add(variant);
            }
        }
        return new ArrayList<>(out);
    }

    private static String[] words(String sentence) {
        String s = sentence.strip();
        return s.isEmpty() ? new String[0] : s.split("\\s+");
    }

    /** The rows of {@code tokens}, each scaled to length 1, one after another. */
    private static float[] unitRows(List<String> tokens, Map<String, Integer> vocabulary, float[] table, int width) {
        float[] out = new float[tokens.size() * width];
        for (int t = 0; t < tokens.size(); t++) {
            int row = vocabulary.get(tokens.get(t));
            double norm = 0;
            for (int j = 0; j < width; j++) {
                float v = table[row * width + j];
                norm += v * v;
            }
            float scale = norm > 0 ? (float) (1 / Math.sqrt(norm)) : 0;
            for (int j = 0; j < width; j++) {
                out[t * width + j] = table[row * width + j] * scale;
            }
        }
        return out;
    }

    /**
     * For queries {@code from..to-1}, the {@code NEIGHBOURS + 1} candidate rows of highest cosine, best
     * first (-1 where there are fewer candidates); one more than asked, as a query's own row is among them.
     */
    private static int[][] nearestRows(float[] queries, int from, int to, float[] candidates, int width) {
        int n = to - from;
        int keep = NEIGHBOURS + 1;
        float[][] bestScore = new float[n][keep];
        int[][] bestRow = new int[n][keep];
        for (int q = 0; q < n; q++) {
            Arrays.fill(bestScore[q], Float.NEGATIVE_INFINITY);
            Arrays.fill(bestRow[q], -1);
        }
        float[] dots = new float[n];
        int rows = candidates.length / width;
        for (int r = 0; r < rows; r++) {
            int offset = r * width;
            Arrays.fill(dots, 0);
            for (int q = 0; q < n; q++) {
                int qOffset = (from + q) * width;
                float a = 0;
                float b = 0;
                float c = 0;
                float d = 0;
                int j = 0;
                for (; j + 3 < width; j += 4) { // four sums: the adds need not wait for each other
                    a += queries[qOffset + j] * candidates[offset + j];
                    b += queries[qOffset + j + 1] * candidates[offset + j + 1];
                    c += queries[qOffset + j + 2] * candidates[offset + j + 2];
                    d += queries[qOffset + j + 3] * candidates[offset + j + 3];
                }
                for (; j < width; j++) {
                    a += queries[qOffset + j] * candidates[offset + j];
                }
                dots[q] = (a + b) + (c + d);
            }
            for (int q = 0; q < n; q++) {
                insert(bestScore[q], bestRow[q], dots[q], r);
            }
        }
        return bestRow;
    }

    /** Puts {@code row} among the best, kept in descending order of score, if it belongs there. */
    private static void insert(float[] scores, int[] rows, float score, int row) {
        int last = scores.length - 1;
        if (!(score > scores[last])) {
            return;
        }
        int i = last;
        while (i > 0 && scores[i - 1] < score) {
            scores[i] = scores[i - 1];
            rows[i] = rows[i - 1];
            i--;
        }
        scores[i] = score;
        rows[i] = row;
    }
}
