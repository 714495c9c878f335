package dev.nncj.transformer;

/**
 * A failed structural match: names the pattern that was expected and the node where recognition
 * stopped ("layer 3: expected Softmax after the mask Add at node '/encoder/...', found Mul").
 * Matchers throw it instead of returning a bare false; {@link EncoderLifter} turns it into a
 * one-line {@code NncjException} naming the file.
 */
final class PatternMismatch extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PatternMismatch(String reason) {
        super(reason, null, false, false);
    }

    /** The same mismatch with a prefix saying where in the encoder it happened ("layer 3: "). */
    PatternMismatch within(String where) {
        return new PatternMismatch(where + getMessage());
    }
}
