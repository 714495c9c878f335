package dev.nncj.search;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What makes two searches the same search, so that a journal is only ever resumed by the search
 * that wrote it: the teacher's and the data's digests, the space, the budget and the seed. The
 * teacher is identified by what it computes ({@code dev.nncj.onnx.ModelDigest}), not by its file's
 * bytes, so that a teacher made again by the same deterministic command continues its journal.
 */
public record RunFingerprint(String teacherDigest, String dataSha256, String space, String budget, long seed) {
    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("teacher_model_sha256", teacherDigest);
        m.put("data_sha256", dataSha256);
        m.put("space", space);
        m.put("budget", budget);
        m.put("seed", seed);
        return m;
    }

    static RunFingerprint fromMap(Map<?, ?> m) {
        return new RunFingerprint(text(m, "teacher_model_sha256"), text(m, "data_sha256"), text(m, "space"),
                text(m, "budget"), ((Number) m.get("seed")).longValue());
    }

    /** A field's text; an older journal may lack a field (it fingerprinted the teacher's file, not its model). */
    private static String text(Map<?, ?> m, String key) {
        return m.containsKey(key) ? String.valueOf(m.get(key)) : "absent";
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
