package dev.nncj.share;

import dev.nncj.NncjException;
import dev.nncj.OptionException;
import dev.nncj.OptionName;

/** Where a group's shared layer starts from. */
public sealed interface SharedInit {
    /** The element-wise mean of the group's layers (every weight, bias and LayerNorm parameter). */
    record Mean() implements SharedInit {
        @Override
        public String toString() {
            return "mean";
        }
    }

    /** The group's layer at this position (0 = the group's first layer), copied. */
    record Layer(int indexInGroup) implements SharedInit {
        public Layer {
            if (indexInGroup < 0) {
                throw new OptionException(OptionName.of("init"), " layer:N needs N >= 0, got " + indexInGroup);
            }
        }

        @Override
        public String toString() {
            return "layer:" + indexInGroup;
        }
    }

    /** "mean", "first" (= layer:0) or "layer:N". */
    static SharedInit parse(String text) {
        if (text.equals("mean")) {
            return new Mean();
        }
        if (text.equals("first")) {
            return new Layer(0);
        }
        if (text.startsWith("layer:")) {
            try {
                return new Layer(Integer.parseInt(text.substring("layer:".length())));
            } catch (NumberFormatException e) {
                // fall through to the message below
            }
        }
        throw new OptionException(OptionName.of("init"), " must be mean, first or layer:N (N counted within each group), not '" + text + "'");
    }
}
