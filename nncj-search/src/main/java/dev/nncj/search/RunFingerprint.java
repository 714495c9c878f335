package dev.nncj.search;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What makes two searches the same search, so that a journal is only ever resumed by the search
 * that wrote it: the teacher's and the data's digests, the space, the budget and the seed.
 */
public record RunFingerprint(String teacherSha256, String dataSha256, String space, String budget, long seed) {
    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("teacher_sha256", teacherSha256);
        m.put("data_sha256", dataSha256);
        m.put("space", space);
        m.put("budget", budget);
        m.put("seed", seed);
        return m;
    }

    static RunFingerprint fromMap(Map<?, ?> m) {
        return new RunFingerprint(String.valueOf(m.get("teacher_sha256")), String.valueOf(m.get("data_sha256")),
                String.valueOf(m.get("space")), String.valueOf(m.get("budget")), ((Number) m.get("seed")).longValue());
    }

    /** The first field in which {@code other} differs, as "teacher ... differs", or empty when equal. */
    String firstDifference(RunFingerprint other) {
        Map<String, Object> mine = toMap();
        Map<String, Object> theirs = other.toMap();
        for (var e : mine.entrySet()) {
            if (!e.getValue().equals(theirs.get(e.getKey()))) {
                return e.getKey() + " is " + theirs.get(e.getKey()) + " there, " + e.getValue() + " here";
            }
        }
        return "";
    }
}
