package dev.nncj.cli;

import dev.nncj.data.HeldOutData;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A command's selection data (what chose the weights kept, or the nodes kept in float) and its test
 * data (what its figures are reported on), with the options that named them. Built before any work:
 * the same data in both roles is refused by {@link HeldOutData}'s rule, naming the two options. Then
 * it labels the report, so that every figure says which set it comes from.
 *
 * @param selects what the selection data chose, for the report ("the weights kept")
 */
record SelectionData(String selectionOption, Optional<Path> selection, String testOption, Optional<Path> test,
                     String selects) {
    /** Either file may be null (not given); both given and the same data is a usage error. */
    static SelectionData of(String selectionOption, Path selection, String testOption, Path test, String selects) {
        if (selection != null && test != null) {
            HeldOutData.refuseShared(HeldOutData.Role.selection(selection).from(selectionOption),
                    HeldOutData.Role.test(test).from(testOption));
        }
        return new SelectionData(selectionOption, Optional.ofNullable(selection), testOption, Optional.ofNullable(test),
                selects);
    }

    /** The line under a report saying where its figures come from; empty when no data was given for either part. */
    Optional<String> line() {
        String tested = test.map(t -> "test " + t + " (" + testOption + ": the test figures, never used to select)")
                .orElse("no test data: no figure here is a test figure (give " + testOption + ")");
        if (selection.isEmpty()) {
            return test.map(t -> "data: " + tested + "; nothing was selected on data");
        }
        return Optional.of("data: selection " + selection.get() + " (" + selectionOption + ": chose " + selects + "), " + tested);
    }

    /** The same for --json: which file played which part, null for a part nobody played. */
    Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("selection", selection.map(Path::toString).orElse(null));
        m.put("selection_option", selectionOption);
        m.put("selects", selects);
        m.put("test", test.map(Path::toString).orElse(null));
        m.put("test_option", testOption);
        return m;
    }
}
