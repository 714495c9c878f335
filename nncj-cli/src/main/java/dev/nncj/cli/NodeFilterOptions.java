package dev.nncj.cli;

import dev.nncj.onnx.NodeFilter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --include} / {@code --exclude}: which nodes a compression command touches, by op type or node-name regex. */
final class NodeFilterOptions {
    @Option(names = "--include", paramLabel = "PATTERN", description = "only nodes of this op type or whose name matches this regex (repeatable)")
    List<String> include = new ArrayList<>();

    @Option(names = "--exclude", paramLabel = "PATTERN", description = "never nodes of this op type or whose name matches this regex (repeatable)")
    List<String> exclude = new ArrayList<>();

    /** The filter; a bad regex is a usage error naming the option. */
    NodeFilter filter() {
        return new NodeFilter(include, exclude);
    }

    boolean given() {
        return !include.isEmpty() || !exclude.isEmpty();
    }
}
