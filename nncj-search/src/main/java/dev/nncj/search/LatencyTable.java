package dev.nncj.search;

import dev.nncj.ProgressListener;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.ImportanceScores;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Predicts a candidate's p50 latency without building it: the fixed part (embeddings, mask, head)
 * of its numeric and table form plus one entry per kept layer, looked up by (heads, FFN width,
 * numeric form). nn-Meter's idea at the granularity of an encoder block, which is what the search
 * varies.
 *
 * <p>How the entries are measured, per numeric form: whole models (the teacher in every table form
 * and random candidates of the space) are timed, and a block's cost is fitted over them as
 * {@code perLayer + perHead * heads + perFfnUnit * ffn}, with one fixed part per table form,
 * minimising the relative error (weights 1 / time^2). Measured on MiniLM, the earlier design (a
 * one-layer model of each width minus the intercept of a depth series) was not additive for int8:
 * one-layer models cost more than the series predicts, and its static-int8 blocks came out negative.
 * Fitting over whole models of every depth makes the table agree with what the search builds; the
 * models it was fitted on are kept ({@link #fittedOn}) so a check can use others. The search
 * measures the final front for real in any case, never trusting this table alone.
 */
public final class LatencyTable {
    /** One block's cost: its width and numeric form. */
    public record Block(int heads, int ffn, NumericForm form) {}

    /**
     * What {@link #toMap} records as the way the table was made, including the graphs each numeric
     * form is emitted as (a table that timed other graphs predicts them, not these); a table made
     * otherwise is measured again.
     */
    static final String METHOD = "whole models, per-form fit of block = layer + head * heads + unit * ffn;"
            + " int8-static as QuantizeLinear + MatMulIntegerToFloat";

    private final Map<Block, Double> blockMillis;
    private final Map<String, Double> fixedMillis;
    private final List<String> fittedOn;

    LatencyTable(Map<Block, Double> blockMillis, Map<String, Double> fixedMillis, List<String> fittedOn) {
        this.blockMillis = Map.copyOf(blockMillis);
        this.fixedMillis = Map.copyOf(fixedMillis);
        this.fittedOn = List.copyOf(fittedOn);
    }

    /**
     * Times, per numeric form of the space, the teacher in every table form and {@code randomModels}
     * random candidates in that numeric form, and fits the table to them; fp32 and the fp32 table are
     * timed even when the space leaves them out, as every ratio is to the teacher in its own form.
     */
    public static LatencyTable measure(EncoderSpec teacher, ImportanceScores scores, SearchSpace candidates,
                                       CandidateWriter writer, ModelTimer timer, int randomModels, long seed,
                                       ProgressListener progress) {
        SearchSpace space = candidates.withTeacherForms();
        if (randomModels < 3) {
            throw new IllegalArgumentException("a fit of per-layer, per-head and per-unit costs needs at least 3 random models");
        }
        Random random = new Random(seed);
        Map<Block, Double> blocks = new LinkedHashMap<>();
        Map<String, Double> fixed = new LinkedHashMap<>();
        List<String> fittedOn = new ArrayList<>();
        progress.start("latency table", (long) space.forms().size() * (randomModels + space.tables().size()));
        try {
            for (NumericForm form : space.forms()) {
                List<Architecture> models = new ArrayList<>();
                for (TokenTableForm t : space.tables()) {
                    models.add(space.full(form, t));
                }
                Set<String> seen = new LinkedHashSet<>();
                for (int attempts = 0; models.size() < space.tables().size() + randomModels && attempts < 100 * randomModels;
                        attempts++) {
                    Architecture drawn = space.sample(random);
                    Architecture a = new Architecture(drawn.layers(), form, drawn.table());
                    if (seen.add(a.toString()) && !a.equals(space.full(form, a.table()))) {
                        models.add(a);
                    }
                }
                double[] millis = new double[models.size()];
                for (int i = 0; i < models.size(); i++) {
                    Architecture a = models.get(i);
                    millis[i] = timer.p50Millis(writer.write(CandidateEncoder.of(teacher, scores, a), a.form(), a.table()));
                    fittedOn.add(a.toString());
                    progress.advance(1);
                }
                fit(space, form, models, millis, blocks, fixed);
            }
        } finally {
            progress.finish();
        }
        return new LatencyTable(blocks, fixed, fittedOn);
    }

    /**
     * Columns: one indicator per table form, then the number of layers, their heads and their FFN
     * units; each row weighted by 1 / time^2 so that a small model's error counts as much as a large one's.
     */
    private static void fit(SearchSpace space, NumericForm form, List<Architecture> models, double[] millis,
                            Map<Block, Double> blocks, Map<String, Double> fixed) {
        int tables = space.tables().size();
        double[][] x = new double[models.size()][tables + 3];
        double[] w = new double[models.size()];
        for (int i = 0; i < models.size(); i++) {
            Architecture a = models.get(i);
            x[i][space.tables().indexOf(a.table())] = 1;
            for (LayerChoice c : a.layers()) {
                x[i][tables] += 1;
                x[i][tables + 1] += c.heads();
                x[i][tables + 2] += c.ffn();
            }
            w[i] = 1 / Math.max(millis[i] * millis[i], 1e-12);
        }
        double[] b = WeightedLeastSquares.solve(x, millis, w);
        for (int t = 0; t < tables; t++) {
            fixed.put(fixedKey(form, space.tables().get(t)), b[t]);
        }
        for (List<Integer> width : widths(space)) {
            int h = width.get(0);
            int f = width.get(1);
            blocks.put(new Block(h, f, form), b[tables] + b[tables + 1] * h + b[tables + 2] * f);
        }
    }

    /** Every (heads, FFN) width some layer of the space can be cut to. */
    private static Set<List<Integer>> widths(SearchSpace space) {
        Set<List<Integer>> widths = new LinkedHashSet<>();
        for (int l = 0; l < space.teacherDepth(); l++) {
            for (int h = space.headStep(); h <= space.teacherHeads()[l]; h += space.headStep()) {
                for (int f = space.ffnStep(); f <= space.teacherFfn()[l]; f += space.ffnStep()) {
                    widths.add(List.of(h, f));
                }
            }
        }
        return widths;
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

    /** The candidates (as printed) the table was fitted on: a fair check times others. */
    public List<String> fittedOn() {
        return fittedOn;
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
        m.put("method", METHOD);
        m.put("blocks_ms", blocks);
        m.put("fixed_ms", new java.util.TreeMap<>(fixedMillis));
        m.put("fitted_on", fittedOn);
        return m;
    }

    /**
     * The table {@link #toMap} wrote, if it was measured on {@code device} the same way; empty otherwise.
     *
     * @throws IllegalArgumentException when the map is not one {@link #toMap} wrote (a field missing or of another type)
     */
    public static java.util.Optional<LatencyTable> fromMap(Map<?, ?> m, String device) {
        if (!device.equals(m.get("device")) || !METHOD.equals(m.get("method"))) {
            return java.util.Optional.empty();
        }
        if (!(m.get("blocks_ms") instanceof Map<?, ?> savedBlocks) || !(m.get("fixed_ms") instanceof Map<?, ?> savedFixed)
                || !(m.get("fitted_on") instanceof List<?> savedFittedOn)) {
            throw new IllegalArgumentException("blocks_ms, fixed_ms and fitted_on must all be there");
        }
        Map<Block, Double> blocks = new LinkedHashMap<>();
        savedBlocks.forEach((k, v) -> {
            String[] w = k.toString().split(" ");
            if (w.length != 3) {
                throw new IllegalArgumentException("block '" + k + "' is not 'heads ffn form'");
            }
            blocks.put(new Block(Integer.parseInt(w[0]), Integer.parseInt(w[1]), NumericForm.ofLabel(w[2])), millis(k, v));
        });
        Map<String, Double> fixed = new LinkedHashMap<>();
        savedFixed.forEach((k, v) -> fixed.put(k.toString(), millis(k, v)));
        List<String> fittedOn = savedFittedOn.stream().map(Object::toString).toList();
        return java.util.Optional.of(new LatencyTable(blocks, fixed, fittedOn));
    }

    private static double millis(Object key, Object value) {
        if (!(value instanceof Number n)) {
            throw new IllegalArgumentException("'" + key + "' has no number of milliseconds");
        }
        return n.doubleValue();
    }

    static String fixedKey(NumericForm form, TokenTableForm table) {
        return form.label() + " " + table.label();
    }
}
