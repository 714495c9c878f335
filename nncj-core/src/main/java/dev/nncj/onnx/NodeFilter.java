package dev.nncj.onnx;

import dev.nncj.onnx.Node;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which nodes a pass may touch ({@code include} / {@code exclude} patterns): each pattern is an op type
 * (exact, e.g. "MatMul") or a regular expression matched against the node name (e.g.
 * "/encoder/layer\\.0/.*"). With no includes every node is included; excludes always win.
 */
public record NodeFilter(List<String> include, List<String> exclude) {
    public NodeFilter {
        include = List.copyOf(include);
        exclude = List.copyOf(exclude);
        // a typo in a pattern is the user's to fix: say which one, before any model is touched
        for (String p : include) {
            checkPattern(dev.nncj.OptionName.of("include"), p);
        }
        for (String p : exclude) {
            checkPattern(dev.nncj.OptionName.of("exclude"), p);
        }
    }

    private static void checkPattern(dev.nncj.OptionName option, String pattern) {
        try {
            Pattern.compile(pattern);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new dev.nncj.OptionException(option, " '" + pattern + "' is not a valid regular expression: "
                    + e.getDescription());
        }
    }

    public static NodeFilter all() {
        return new NodeFilter(List.of(), List.of());
    }

    public boolean accepts(Node node) {
        if (exclude.stream().anyMatch(p -> matches(p, node))) {
            return false;
        }
        return include.isEmpty() || include.stream().anyMatch(p -> matches(p, node));
    }

    private static boolean matches(String pattern, Node node) {
        return pattern.equals(node.opType()) || Pattern.compile(pattern).matcher(node.name()).matches();
    }
}
