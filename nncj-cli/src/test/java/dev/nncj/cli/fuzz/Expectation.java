package dev.nncj.cli.fuzz;

/**
 * What a fuzz case may do. Each case states its own expectation, so an input that is inherently
 * ambiguous (a bit flip that leaves a still-valid model) is classified where it is made instead of
 * loosening the assertions for every case.
 */
enum Expectation {
    /** The input is broken for this command: exit 1 or 2 with one line naming the file. */
    REJECT,
    /**
     * The input may still be valid for this command (a flipped mantissa bit, a parseable cut, an
     * unknown op domain that {@code inspect} only reports): exit 0 is allowed, and then the output,
     * if the command writes one, must be a model ONNX Runtime loads. A refusal must still be clean.
     */
    MAY_SUCCEED,
    /** An unmutated control: anything but exit 0 with a valid output means the harness is broken. */
    SUCCEED;

    /** REJECT when {@code broken} holds for the command at hand, else MAY_SUCCEED. */
    static Expectation rejectIf(boolean broken) {
        return broken ? REJECT : MAY_SUCCEED;
    }

    /** For bytes that no longer parse as a model, REJECT; for bytes that still do, MAY_SUCCEED. */
    static Expectation byParse(byte[] mutated) {
        return rejectIf(!ProtoEdits.parsesAsModel(mutated));
    }
}
