package dev.nncj.train;

import java.util.List;
import java.util.regex.Pattern;

/**
 * How an ONNX graph is turned into trainable parameters.
 *
 * @param frozen initializers whose name matches any of these patterns (anywhere in the name, as
 *     {@link java.util.regex.Matcher#find()}) get no gradients: a frozen embedding table, say
 */
public record ExecutorOptions(List<Pattern> frozen) {
    public ExecutorOptions {
        frozen = List.copyOf(frozen);
    }

    /** Every floating-point initializer trainable. */
    public static ExecutorOptions defaults() {
        return new ExecutorOptions(List.of());
    }

    /** These options with initializers matching {@code regex} frozen as well. */
    public ExecutorOptions freezing(String regex) {
        List<Pattern> more = new java.util.ArrayList<>(frozen);
        more.add(Pattern.compile(regex));
        return new ExecutorOptions(more);
    }

    boolean isFrozen(String initializer) {
        return frozen.stream().anyMatch(p -> p.matcher(initializer).find());
    }
}
