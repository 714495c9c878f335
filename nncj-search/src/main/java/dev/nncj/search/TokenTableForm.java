package dev.nncj.search;

/**
 * How a candidate stores its word-embedding table: as the teacher does, in 8- or 4-bit blocks, or as
 * two factors at half the hidden width (a truncated SVD, ALBERT's factorized embedding) whose tall
 * factor is stored in 4-bit blocks. Declared from the largest to the most compact (the search's
 * anchors take the last one allowed).
 */
public enum TokenTableForm {
    FP32("table-fp32", 32, false),
    INT8_BLOCKS("table-int8", 8, false),
    INT4_BLOCKS("table-int4", 4, false),
    /**
     * For a 30,522 x 384 table, 4-bit blocks take 0.073 of MiniLM's file alone, more than a 0.08x
     * budget leaves for the encoder; at half rank the table takes about half that. A candidate in
     * this form is distilled as two factors, so training recovers what the truncation loses.
     */
    INT4_HALF_RANK("table-int4-half-rank", 4, true);

    private final String label;
    private final int bits;
    private final boolean halfRank;

    TokenTableForm(String label, int bits, boolean halfRank) {
        this.label = label;
        this.bits = bits;
        this.halfRank = halfRank;
    }

    public String label() {
        return label;
    }

    /** Bits per stored table entry: 32 (as the teacher's), 8 or 4 (in blocks with a scale each). */
    public int bits() {
        return bits;
    }

    /** Whether the table is stored as two factors whose inner width is half the hidden width. */
    public boolean halfRank() {
        return halfRank;
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
