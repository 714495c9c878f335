package dev.nncj.search;

/**
 * How much a candidate is trained before it is scored, cheapest first: its weights as inherited
 * from the teacher, a short distillation, a full distillation (eight times the short one's
 * sentences), then quantization-aware training of the full distillation's model in the candidate's
 * int8 form. Before QAT, int8 forms are quantized after training. The journal names the stage of
 * every score, and a candidate is scored at a stage at most once.
 */
public enum Fidelity {
    INHERITED("inherited"),
    SHORT_DISTILL("short-distill"),
    FULL_DISTILL("full-distill"),
    /** The full distillation's model trained further with the int8 form's fake quantization (a float form: as it was). */
    QAT("qat");

    private final String label;

    Fidelity(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /**
     * Whether this stage takes every candidate the stage before it scored, not the better half: QAT
     * adapts the finalists' trained weights to their integer grid at a fraction of a distillation's cost.
     */
    public boolean takesEveryFinalist() {
        return this == QAT;
    }

    public static Fidelity ofLabel(String label) {
        for (Fidelity f : values()) {
            if (f.label.equals(label)) {
                return f;
            }
        }
        throw new IllegalArgumentException("no fidelity stage '" + label + "'");
    }
}
