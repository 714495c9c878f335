package dev.nncj.search;

import dev.nncj.ProgressListener;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.ImportanceScores;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Predicts a candidate's p50 latency without building it: the fixed part (embeddings, mask, head)
 * of its numeric and table form plus one entry per kept layer, looked up by (heads, FFN width,
 * numeric form). nn-Meter's idea at the granularity of an encoder block, which is what the search
 * varies.
 *
 * <p>How the entries are measured, per numeric form: a one-layer and a two-layer encoder of one
 * reference block give the block's time as their difference and the one-layer model's fixed part as
 * what remains; every other block is then one one-layer model minus that fixed part. The whole
 * model's fixed part per (form, table) is the teacher's time minus its blocks. Every figure is the
 * timer's p50; the search measures the final front for real, never trusting this table alone.
 */
public final class LatencyTable {
    /** One block's cost: its width and numeric form. */
    public record Block(int heads, int ffn, NumericForm form) {}

    private final Map<Block, Double> blockMillis;
    private final Map<String, Double> fixedMillis;

    LatencyTable(Map<Block, Double> blockMillis, Map<String, Double> fixedMillis) {
        this.blockMillis = Map.copyOf(blockMillis);
        this.fixedMillis = Map.copyOf(fixedMillis);
    }

    /** Times every block width the space allows and the fixed parts; {@code space.tables()} x forms teacher runs. */
    public static LatencyTable measure(EncoderSpec teacher, ImportanceScores scores, SearchSpace space,
                                       CandidateWriter writer, ModelTimer timer, ProgressListener progress) {
        // every (heads, FFN) width some layer of the space can be cut to
        Set<List<Integer>> widths = new LinkedHashSet<>();
        for (int l = 0; l < space.teacherDepth(); l++) {
            for (int h = space.headStep(); h <= space.teacherHeads()[l]; h += space.headStep()) {
                for (int f = space.ffnStep(); f <= space.teacherFfn()[l]; f += space.ffnStep()) {
                    widths.add(List.of(h, f));
                }
            }
        }
        // the reference block is the widest layer whole, timed in models of 1, 2, ... such layers (every
        // teacher layer at least as wide, cut to that width): the least-squares slope over depth is the
        // block, the intercept the one-layer model's fixed part. A slope over several depths is robust
        // where the difference of two timings was not (measured: negative blocks on a busy machine).
        int widest = widestLayer(space);
        int refHeads = space.teacherHeads()[widest];
        int refFfn = space.teacherFfn()[widest];
        List<LayerChoice> stack = new java.util.ArrayList<>();
        for (int l = 0; l < space.teacherDepth(); l++) {
            if (space.teacherHeads()[l] >= refHeads && space.teacherFfn()[l] >= refFfn) {
                stack.add(new LayerChoice(l, refHeads, refFfn));
            }
        }
        if (stack.size() < 2) {
            throw new IllegalArgumentException("a latency table needs two layers as wide as the widest one ("
                    + refHeads + " heads, FFN " + refFfn + ")");
        }
        progress.start("latency table", (long) space.forms().size() * (widths.size() + stack.size()
                + space.tables().size()));
        Map<Block, Double> blocks = new LinkedHashMap<>();
        Map<String, Double> fixed = new LinkedHashMap<>();
        try {
            for (NumericForm form : space.forms()) {
                TokenTableForm table = space.tables().get(0);
                double[] depthMillis = new double[stack.size()];
                for (int k = 1; k <= stack.size(); k++) {
                    depthMillis[k - 1] = time(teacher, scores, writer, timer, form, table, stack.subList(0, k));
                }
                double reference = slope(depthMillis);
                double oneLayerFixed = mean(depthMillis) - reference * (stack.size() + 1) / 2.0;
                progress.advance(stack.size());
                for (List<Integer> w : widths) {
                    int h = w.get(0);
                    int f = w.get(1);
                    double block = reference;
                    if (h != refHeads || f != refFfn) {
                        LayerChoice layer = new LayerChoice(layerAtLeast(space, h, f), h, f);
                        block = time(teacher, scores, writer, timer, form, table, List.of(layer)) - oneLayerFixed;
                    }
                    blocks.put(new Block(h, f, form), block);
                    progress.advance(1);
                }
                for (TokenTableForm t : space.tables()) {
                    Architecture full = space.full(form, t);
                    double whole = timer.p50Millis(writer.write(CandidateEncoder.of(teacher, scores, full), form, t));
                    double layers = 0;
                    for (LayerChoice c : full.layers()) {
                        layers += blocks.get(new Block(c.heads(), c.ffn(), form));
                    }
                    fixed.put(fixedKey(form, t), whole - layers);
                    progress.advance(1);
                }
            }
        } finally {
            progress.finish();
        }
        return new LatencyTable(blocks, fixed);
    }

    /** The predicted p50 in milliseconds. */
    public double predictMillis(Architecture a) {
        Double total = fixedMillis.get(fixedKey(a.form(), a.table()));
        if (total == null) {
            throw new IllegalArgumentException("no fixed part measured for " + a.form().label() + " " + a.table().label());
        }
        double t = total;
        for (LayerChoice c : a.layers()) {
            Double block = blockMillis.get(new Block(c.heads(), c.ffn(), a.form()));
            if (block == null) {
                throw new IllegalArgumentException("no block measured for " + c.heads() + " heads, FFN " + c.ffn()
                        + ", " + a.form().label());
            }
            t += block;
        }
        return t;
    }

    public Map<Block, Double> blocks() {
        return blockMillis;
    }

    /** Fixed parts by "form table" label, e.g. "int8-static table-int4". */
    public Map<String, Double> fixedParts() {
        return fixedMillis;
    }

    /**
     * The table as a JSON-ready map under {@code device} (CPU model, SIMD flags, runtime version,
     * threads, batch, sequence length): a table is only valid on the device and settings it was
     * measured with, and {@link #fromMap} refuses any other.
     */
    public Map<String, Object> toMap(String device) {
        Map<String, Object> blocks = new java.util.TreeMap<>();
        blockMillis.forEach((b, ms) -> blocks.put(b.heads() + " " + b.ffn() + " " + b.form().label(), ms));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("device", device);
        m.put("blocks_ms", blocks);
        m.put("fixed_ms", new java.util.TreeMap<>(fixedMillis));
        return m;
    }

    /** The table {@link #toMap} wrote, if it was measured on {@code device}; empty otherwise. */
    public static java.util.Optional<LatencyTable> fromMap(Map<?, ?> m, String device) {
        if (!device.equals(m.get("device"))) {
            return java.util.Optional.empty();
        }
        Map<Block, Double> blocks = new LinkedHashMap<>();
        ((Map<?, ?>) m.get("blocks_ms")).forEach((k, v) -> {
            String[] w = k.toString().split(" ");
            blocks.put(new Block(Integer.parseInt(w[0]), Integer.parseInt(w[1]), NumericForm.ofLabel(w[2])),
                    ((Number) v).doubleValue());
        });
        Map<String, Double> fixed = new LinkedHashMap<>();
        ((Map<?, ?>) m.get("fixed_ms")).forEach((k, v) -> fixed.put(k.toString(), ((Number) v).doubleValue()));
        return java.util.Optional.of(new LatencyTable(blocks, fixed));
    }

    static String fixedKey(NumericForm form, TokenTableForm table) {
        return form.label() + " " + table.label();
    }

    private static double time(EncoderSpec teacher, ImportanceScores scores, CandidateWriter writer, ModelTimer timer,
                               NumericForm form, TokenTableForm table, List<LayerChoice> layers) {
        Architecture a = new Architecture(layers, form, table);
        return timer.p50Millis(writer.write(CandidateEncoder.of(teacher, scores, a), form, table));
    }

    /** The least-squares slope of {@code y} over x = 1, 2, ... */
    static double slope(double[] y) {
        int n = y.length;
        double meanX = (n + 1) / 2.0;
        double meanY = mean(y);
        double num = 0;
        double den = 0;
        for (int i = 0; i < n; i++) {
            num += (i + 1 - meanX) * (y[i] - meanY);
            den += (i + 1 - meanX) * (i + 1 - meanX);
        }
        return num / den;
    }

    private static double mean(double[] y) {
        return java.util.Arrays.stream(y).average().orElseThrow();
    }

    /** The first layer with at least {@code heads} heads and {@code ffn} FFN units (every width measured has one). */
    private static int layerAtLeast(SearchSpace space, int heads, int ffn) {
        for (int l = 0; l < space.teacherDepth(); l++) {
            if (space.teacherHeads()[l] >= heads && space.teacherFfn()[l] >= ffn) {
                return l;
            }
        }
        throw new IllegalArgumentException("no teacher layer has " + heads + " heads and FFN " + ffn);
    }

    private static int widestLayer(SearchSpace space) {
        int best = 0;
        for (int l = 1; l < space.teacherDepth(); l++) {
            if (space.teacherHeads()[l] * (long) space.teacherFfn()[l]
                    > space.teacherHeads()[best] * (long) space.teacherFfn()[best]) {
                best = l;
            }
        }
        return best;
    }
}
