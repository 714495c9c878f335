package dev.nncj.search;

/**
 * How much a candidate is trained before it is scored, cheapest first: its weights as inherited
 * from the teacher, a short distillation, a full distillation (eight times the short one's
 * sentences). Int8 forms are quantized after training, without quantization-aware training: no
 * stage runs QAT yet. The journal names the stage of every score, and a candidate is scored at a
 * stage at most once.
 */
public enum Fidelity {
    INHERITED("inherited"),
    SHORT_DISTILL("short-distill"),
    FULL_DISTILL("full-distill");

    private final String label;

    Fidelity(String label) {
        this.label = label;
    }

    public String label() {
        return label;
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
