package dev.nncj.search;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

/**
 * Every candidate the search may propose, derived from the teacher: keep any subset of at least
 * {@code minLayers} of its layers (in order), per kept layer a multiple of {@code headStep} heads up
 * to the teacher's and a multiple of {@code ffnStep} FFN units up to the teacher's, one of the
 * allowed numeric forms and token-table forms. Sampling, mutation and crossover stay inside it.
 *
 * @param teacherHeads heads of each teacher layer
 * @param teacherFfn   FFN width of each teacher layer
 */
public record SearchSpace(int[] teacherHeads, int[] teacherFfn, int minLayers, int headStep, int ffnStep,
                          List<NumericForm> forms, List<TokenTableForm> tables) {
    public SearchSpace {
        teacherHeads = teacherHeads.clone();
        teacherFfn = teacherFfn.clone();
        forms = List.copyOf(forms);
        tables = List.copyOf(tables);
        if (teacherHeads.length == 0 || teacherHeads.length != teacherFfn.length) {
            throw new IllegalArgumentException("the teacher needs at least one layer, with heads and FFN for each");
        }
        if (minLayers < 1 || minLayers > teacherHeads.length || headStep < 1 || ffnStep < 1) {
            throw new IllegalArgumentException("minLayers must be 1.." + teacherHeads.length + ", steps >= 1");
        }
        if (forms.isEmpty() || tables.isEmpty()) {
            throw new IllegalArgumentException("at least one numeric form and one token-table form");
        }
        for (int l = 0; l < teacherHeads.length; l++) {
            if (teacherHeads[l] < headStep || teacherFfn[l] < ffnStep) {
                throw new IllegalArgumentException("layer " + l + " has fewer heads or FFN units than one step");
            }
        }
    }

    public int teacherDepth() {
        return teacherHeads.length;
    }

    /** The teacher itself in the given forms: every layer, every head and unit. */
    public Architecture full(NumericForm form, TokenTableForm table) {
        List<LayerChoice> layers = new ArrayList<>();
        for (int l = 0; l < teacherDepth(); l++) {
            layers.add(new LayerChoice(l, teacherHeads[l], teacherFfn[l]));
        }
        return new Architecture(layers, form, table);
    }

    /**
     * This space with the teacher's own forms (fp32, the fp32 table) allowed too: a latency table
     * predicts ratios to the teacher, so it times the teacher's form even when candidates may not take it.
     */
    public SearchSpace withTeacherForms() {
        List<NumericForm> f = new ArrayList<>(forms);
        List<TokenTableForm> t = new ArrayList<>(tables);
        if (!f.contains(NumericForm.FP32)) {
            f.add(0, NumericForm.FP32);
        }
        if (!t.contains(TokenTableForm.FP32)) {
            t.add(0, TokenTableForm.FP32);
        }
        return new SearchSpace(teacherHeads, teacherFfn, minLayers, headStep, ffnStep, f, t);
    }

    public boolean contains(Architecture a) {
        if (a.depth() < minLayers || !forms.contains(a.form()) || !tables.contains(a.table())) {
            return false;
        }
        for (LayerChoice c : a.layers()) {
            if (c.source() >= teacherDepth() || c.heads() % headStep != 0 || c.heads() > teacherHeads[c.source()]
                    || c.ffn() % ffnStep != 0 || c.ffn() > teacherFfn[c.source()]) {
                return false;
            }
        }
        return true;
    }

    /** A candidate drawn uniformly per choice: depth, then which layers, then widths and forms. */
    public Architecture sample(Random random) {
        int depth = minLayers + random.nextInt(teacherDepth() - minLayers + 1);
        List<Integer> sources = new ArrayList<>();
        for (int l = 0; l < teacherDepth(); l++) {
            sources.add(l);
        }
        java.util.Collections.shuffle(sources, random);
        List<Integer> kept = new ArrayList<>(sources.subList(0, depth));
        kept.sort(null);
        List<LayerChoice> layers = new ArrayList<>();
        for (int s : kept) {
            layers.add(randomLayer(s, random));
        }
        return new Architecture(layers, pick(forms, random), pick(tables, random));
    }

    /** One random change: drop or add a layer, one step of heads or FFN in one layer, or another form. */
    public Architecture mutate(Architecture a, Random random) {
        List<LayerChoice> layers = new ArrayList<>(a.layers());
        NumericForm form = a.form();
        TokenTableForm table = a.table();
        switch (random.nextInt(6)) {
            case 0 -> {
                if (layers.size() > minLayers) {
                    layers.remove(random.nextInt(layers.size()));
                }
            }
            case 1 -> {
                List<Integer> missing = new ArrayList<>();
                for (int l = 0; l < teacherDepth(); l++) {
                    int source = l;
                    if (layers.stream().noneMatch(c -> c.source() == source)) {
                        missing.add(l);
                    }
                }
                if (!missing.isEmpty()) {
                    layers.add(randomLayer(pick(missing, random), random));
                    layers.sort(java.util.Comparator.comparingInt(LayerChoice::source));
                }
            }
            case 2 -> {
                int i = random.nextInt(layers.size());
                LayerChoice c = layers.get(i);
                int heads = clamp(c.heads() + (random.nextBoolean() ? headStep : -headStep), headStep,
                        maxHeads(c.source()));
                layers.set(i, new LayerChoice(c.source(), heads, c.ffn()));
            }
            case 3 -> {
                int i = random.nextInt(layers.size());
                LayerChoice c = layers.get(i);
                int ffn = clamp(c.ffn() + (random.nextBoolean() ? ffnStep : -ffnStep), ffnStep, maxFfn(c.source()));
                layers.set(i, new LayerChoice(c.source(), c.heads(), ffn));
            }
            case 4 -> form = pick(forms, random);
            default -> table = pick(tables, random);
        }
        return new Architecture(layers, form, table);
    }

    /**
     * A child taking each layer either parent keeps: a layer both keep is kept with its widths from
     * one of them, a layer one keeps is kept with probability 1/2; forms from either parent.
     */
    public Architecture crossover(Architecture a, Architecture b, Random random) {
        TreeMap<Integer, List<LayerChoice>> bySource = new TreeMap<>();
        for (LayerChoice c : a.layers()) {
            bySource.computeIfAbsent(c.source(), k -> new ArrayList<>()).add(c);
        }
        for (LayerChoice c : b.layers()) {
            bySource.computeIfAbsent(c.source(), k -> new ArrayList<>()).add(c);
        }
        List<LayerChoice> kept = new ArrayList<>();
        List<LayerChoice> dropped = new ArrayList<>();
        for (List<LayerChoice> options : bySource.values()) {
            LayerChoice choice = pick(options, random);
            if (options.size() == 2 || random.nextBoolean()) {
                kept.add(choice);
            } else {
                dropped.add(choice);
            }
        }
        java.util.Collections.shuffle(dropped, random);
        while (kept.size() < minLayers) {
            kept.add(dropped.remove(dropped.size() - 1));
        }
        kept.sort(java.util.Comparator.comparingInt(LayerChoice::source));
        return new Architecture(kept, random.nextBoolean() ? a.form() : b.form(),
                random.nextBoolean() ? a.table() : b.table());
    }

    /** One line naming the space, for the journal's fingerprint and the report. */
    public String describe() {
        return "teacher heads " + java.util.Arrays.toString(teacherHeads) + " ffn " + java.util.Arrays.toString(teacherFfn)
                + " min layers " + minLayers + " head step " + headStep + " ffn step " + ffnStep
                + " forms " + forms.stream().map(NumericForm::label).toList()
                + " tables " + tables.stream().map(TokenTableForm::label).toList();
    }

    private LayerChoice randomLayer(int source, Random random) {
        int heads = headStep * (1 + random.nextInt(maxHeads(source) / headStep));
        int ffn = ffnStep * (1 + random.nextInt(maxFfn(source) / ffnStep));
        return new LayerChoice(source, heads, ffn);
    }

    /** The most heads of a layer a candidate may keep: the teacher's, down to a whole number of steps. */
    private int maxHeads(int source) {
        return headStep * (teacherHeads[source] / headStep);
    }

    private int maxFfn(int source) {
        return ffnStep * (teacherFfn[source] / ffnStep);
    }

    private static int clamp(int v, int low, int high) {
        return Math.max(low, Math.min(high, v));
    }

    private static <T> T pick(List<T> options, Random random) {
        return options.get(random.nextInt(options.size()));
    }
}
