package dev.nncj.search;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A candidate of the search: the teacher's layers it keeps (in order, each with its heads and FFN
 * width), its numeric form and its token-table form. A value: equal candidates print equally, and
 * the printed line parses back ({@link #parse}), which is how the journal names them.
 * <pre>
 * layers 0,2,5 heads 12,8,6 ffn 1536,1024,512 int8-static table-int4
 * </pre>
 */
public record Architecture(List<LayerChoice> layers, NumericForm form, TokenTableForm table) {
    public Architecture {
        layers = List.copyOf(layers);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a candidate keeps at least one layer");
        }
        for (int i = 1; i < layers.size(); i++) {
            if (layers.get(i).source() <= layers.get(i - 1).source()) {
                throw new IllegalArgumentException("kept layers must be in the teacher's order: " + layers);
            }
        }
    }

    public int depth() {
        return layers.size();
    }

    @Override
    public String toString() {
        return shape() + " " + form.label() + " " + table.label();
    }

    /** The kept layers, heads and FFN units, without the forms: "layers 0,2 heads 12,8 ffn 1536,1024". */
    public String shape() {
        return "layers " + join(LayerChoice::source) + " heads " + join(LayerChoice::heads) + " ffn " + join(LayerChoice::ffn);
    }

    private String join(java.util.function.ToIntFunction<LayerChoice> f) {
        return layers.stream().map(l -> String.valueOf(f.applyAsInt(l))).collect(Collectors.joining(","));
    }

    /** The candidate a {@link #toString} line names. */
    public static Architecture parse(String line) {
        String[] w = line.trim().split(" +");
        if (w.length != 8 || !w[0].equals("layers") || !w[2].equals("heads") || !w[4].equals("ffn")) {
            throw new IllegalArgumentException("not a candidate line: '" + line + "'");
        }
        int[] sources = ints(w[1]);
        int[] heads = ints(w[3]);
        int[] ffn = ints(w[5]);
        if (heads.length != sources.length || ffn.length != sources.length) {
            throw new IllegalArgumentException("layers, heads and ffn differ in length: '" + line + "'");
        }
        List<LayerChoice> layers = new ArrayList<>();
        for (int i = 0; i < sources.length; i++) {
            layers.add(new LayerChoice(sources[i], heads[i], ffn[i]));
        }
        return new Architecture(layers, NumericForm.ofLabel(w[6]), TokenTableForm.ofLabel(w[7]));
    }

    private static int[] ints(String csv) {
        String[] parts = csv.split(",");
        int[] v = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            v[i] = Integer.parseInt(parts[i]);
        }
        return v;
    }
}
