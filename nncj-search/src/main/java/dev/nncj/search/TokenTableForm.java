package dev.nncj.search;

/**
 * How a candidate stores its word-embedding table: as the teacher does, or in 8- or 4-bit blocks.
 * Declared from the largest to the most compact (the search's anchors take the last one allowed).
 */
public enum TokenTableForm {
    FP32("table-fp32"),
    INT8_BLOCKS("table-int8"),
    INT4_BLOCKS("table-int4");

    private final String label;

    TokenTableForm(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static TokenTableForm ofLabel(String label) {
        for (TokenTableForm f : values()) {
            if (f.label.equals(label)) {
                return f;
            }
        }
        throw new IllegalArgumentException("no token-table form '" + label + "'");
    }
}
