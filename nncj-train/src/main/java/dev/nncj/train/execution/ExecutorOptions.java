package dev.nncj.train.execution;

import dev.nncj.train.ops.OpRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How an ONNX graph is turned into trainable parameters, and which kernels run it.
 *
 * @param frozen initializers whose name matches any of these patterns (anywhere in the name, as
 *     {@link java.util.regex.Matcher#find()}) get no gradients: a frozen embedding table, say
 * @param groups parameters trained at their own learning rate (the first matching group applies)
 * @param ops the kernels; {@link OpRegistry#standard()} unless a method adds its own ops
 */
public record ExecutorOptions(List<Pattern> frozen, List<ParameterGroup> groups, OpRegistry ops) {
    public ExecutorOptions {
        frozen = List.copyOf(frozen);
        groups = List.copyOf(groups);
        Objects.requireNonNull(ops, "ops");
    }

    /**
     * Parameters whose name matches {@code names} learn at {@code learningRateScale} times the
     * optimizer's rate, with or without weight decay.
     */
    public record ParameterGroup(Pattern names, double learningRateScale, boolean decays) {
        public ParameterGroup {
            if (!(learningRateScale > 0) || Double.isInfinite(learningRateScale)) {
                throw new IllegalArgumentException("learning-rate scale must be positive, got " + learningRateScale);
            }
        }
    }

    /** Every floating-point initializer trainable at the optimizer's rate, the standard kernels. */
    public static ExecutorOptions defaults() {
        return new ExecutorOptions(List.of(), List.of(), OpRegistry.standard());
    }

    /** These options with initializers matching {@code regex} frozen as well. */
    public ExecutorOptions freezing(String regex) {
        List<Pattern> more = new ArrayList<>(frozen);
        more.add(Pattern.compile(regex));
        return new ExecutorOptions(more, groups, ops);
    }

    /** These options with one more parameter group. */
    public ExecutorOptions withGroup(ParameterGroup group) {
        List<ParameterGroup> more = new ArrayList<>(groups);
        more.add(group);
        return new ExecutorOptions(frozen, more, ops);
    }

    /** These options running on {@code registry}'s kernels. */
    public ExecutorOptions withOps(OpRegistry registry) {
        return new ExecutorOptions(frozen, groups, registry);
    }

    boolean isFrozen(String initializer) {
        return frozen.stream().anyMatch(p -> p.matcher(initializer).find());
    }

    Optional<ParameterGroup> groupOf(String initializer) {
        return groups.stream().filter(g -> g.names().matcher(initializer).find()).findFirst();
    }
}
