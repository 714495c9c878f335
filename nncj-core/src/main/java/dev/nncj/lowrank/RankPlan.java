package dev.nncj.lowrank;

import dev.nncj.NncjException;
import dev.nncj.OptionException;
import dev.nncj.onnx.Node;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which rank rule applies to a node: the first per-layer override whose pattern matches (an op
 * type, or a regular expression matched against the whole node name, as a node filter reads
 * them, or against the weight's initializer name, which is the meaningful one in graphs NNCJ
 * emitted: "layer.3.ffn.up.weight"), else the default rule; a node no rule covers is not factorized.
 */
public record RankPlan(Optional<RankRule> defaultRule, List<Override> overrides) {
    public RankPlan {
        overrides = List.copyOf(overrides);
    }

    public static RankPlan of(RankRule rule) {
        return new RankPlan(Optional.of(rule), List.of());
    }

    /** No MatMul/Gemm weight is factorized (only the embedding table, if asked). */
    public static RankPlan none() {
        return new RankPlan(Optional.empty(), List.of());
    }

    public boolean isEmpty() {
        return defaultRule.isEmpty() && overrides.isEmpty();
    }

    /** PATTERN=R: nodes matching PATTERN get rule R. */
    public record Override(String pattern, RankRule rule) {
        public Override {
            try {
                Pattern.compile(pattern);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new OptionException(dev.nncj.OptionName.of("rank"), " '" + pattern + "' is not a valid regular expression: " + e.getDescription());
            }
        }

        /** Parses "PATTERN=R" (the last '=' separates, so patterns may contain '='). */
        public static Override parse(String text) {
            int eq = text.lastIndexOf('=');
            if (eq <= 0 || eq == text.length() - 1) {
                throw new OptionException(dev.nncj.OptionName.of("rank"), " must be PATTERN=R (e.g. '.*intermediate.*=0.25' or 'MatMul=64'), not '"
                        + text + "'");
            }
            return new Override(text.substring(0, eq), RankRule.parse(text.substring(eq + 1)));
        }

        boolean matches(Node node) {
            Pattern p = Pattern.compile(pattern);
            return pattern.equals(node.opType()) || p.matcher(node.name()).matches()
                    || (node.inputs().size() > 1 && p.matcher(node.input(1)).matches());
        }
    }

    public Optional<RankRule> ruleFor(Node node) {
        return overrides.stream().filter(o -> o.matches(node)).map(Override::rule).findFirst().or(() -> defaultRule);
    }
}
