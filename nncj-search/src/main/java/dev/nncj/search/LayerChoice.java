package dev.nncj.search;

/**
 * One layer a candidate keeps: which layer of the teacher it inherits its weights from, and how
 * many attention heads and FFN units of that layer it keeps (the most important ones).
 */
public record LayerChoice(int source, int heads, int ffn) {
    public LayerChoice {
        if (source < 0 || heads < 1 || ffn < 1) {
            throw new IllegalArgumentException("a kept layer needs a source >= 0, heads >= 1 and FFN >= 1: "
                    + source + "/" + heads + "/" + ffn);
        }
    }
}
