package dev.nncj.search;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One evaluated candidate at one fidelity stage: its objectives, file bytes and evaluation time,
 * or why it failed.
 */
public record JournalEntry(Architecture architecture, String stage, Objectives objectives, long bytes,
                           double seconds, String failure) {
    public static JournalEntry ok(Architecture a, String stage, Objectives o, long bytes, double seconds) {
        return new JournalEntry(a, stage, o, bytes, seconds, "");
    }

    public static JournalEntry failed(Architecture a, String stage, String reason, double seconds) {
        return new JournalEntry(a, stage, new Objectives(Double.NaN, Double.NaN, Double.NaN), 0, seconds, reason);
    }

    public boolean isFailure() {
        return !failure.isEmpty();
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("candidate", architecture.toString());
        m.put("stage", stage);
        if (isFailure()) {
            m.put("failure", failure);
        } else {
            m.put("accuracy", objectives.accuracy());
            m.put("latency_ratio", objectives.latencyRatio());
            m.put("size_ratio", objectives.sizeRatio());
            m.put("bytes", bytes);
        }
        m.put("seconds", seconds);
        return m;
    }

    static JournalEntry fromMap(Map<?, ?> m) {
        Architecture a = Architecture.parse(String.valueOf(m.get("candidate")));
        String stage = String.valueOf(m.get("stage"));
        double seconds = ((Number) m.get("seconds")).doubleValue();
        if (m.containsKey("failure")) {
            return failed(a, stage, String.valueOf(m.get("failure")), seconds);
        }
        Objectives o = new Objectives(((Number) m.get("accuracy")).doubleValue(),
                ((Number) m.get("latency_ratio")).doubleValue(), ((Number) m.get("size_ratio")).doubleValue());
        return ok(a, stage, o, ((Number) m.get("bytes")).longValue(), seconds);
    }
}
