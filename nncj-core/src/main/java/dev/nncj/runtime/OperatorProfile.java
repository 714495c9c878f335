package dev.nncj.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nncj.NncjException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a model's run time goes, by operator type, as ONNX Runtime's own profiler measured it: the
 * kernel time of every node of the optimized graph (after ORT's fusions, so the types are the kernels
 * that really ran, e.g. FusedMatMul or MatMulIntegerToFloat), summed per type and averaged over the
 * timed runs. Warm-up runs are left out.
 *
 * @param operators one entry per operator type, most time first
 * @param runs timed runs averaged
 * @param kernelMsPerRun all kernels' time per run; the rest of a run's wall time is ORT's scheduling
 *     and the copies in and out
 * @param runMsPerRun ORT's own measure of a whole run, averaged
 */
public record OperatorProfile(List<OperatorTime> operators, int runs, double kernelMsPerRun, double runMsPerRun) {

    /**
     * @param opType the kernel's operator type (com.microsoft contrib ops by their bare name)
     * @param nodes how many nodes of this type ran in one run
     * @param msPerRun their summed kernel time per run
     * @param share of all kernel time, 0 to 1
     */
    public record OperatorTime(String opType, int nodes, double msPerRun, double share) {}

    private static final String KERNEL_SUFFIX = "_kernel_time";

    /**
     * Reads ORT's Chrome-trace profile {@code trace} of {@code warmupRuns} untimed runs followed by
     * timed ones.
     */
    static OperatorProfile read(Path trace, int warmupRuns) {
        JsonNode events;
        try {
            events = new ObjectMapper().readTree(trace.toFile());
        } catch (IOException e) {
            throw NncjException.inFile(trace, "cannot read ONNX Runtime's profile: " + e.getMessage(), e);
        }
        List<JsonNode> modelRuns = new ArrayList<>();
        for (JsonNode e : events) {
            if ("Session".equals(e.path("cat").asText()) && "model_run".equals(e.path("name").asText())) {
                modelRuns.add(e);
            }
        }
        modelRuns.sort(Comparator.comparingLong(e -> e.path("ts").asLong()));
        if (modelRuns.size() <= warmupRuns) {
            throw NncjException.inFile(trace, "ONNX Runtime's profile holds " + modelRuns.size()
                    + " runs, no timed run after the " + warmupRuns + " warm-up runs");
        }
        long firstTimed = modelRuns.get(warmupRuns).path("ts").asLong();
        int runs = modelRuns.size() - warmupRuns;
        double runMicros = modelRuns.subList(warmupRuns, modelRuns.size()).stream()
                .mapToLong(e -> e.path("dur").asLong()).sum();

        Map<String, Long> micros = new HashMap<>();
        Map<String, Set<String>> nodes = new HashMap<>();
        for (JsonNode e : events) {
            String name = e.path("name").asText();
            if (!"Node".equals(e.path("cat").asText()) || !name.endsWith(KERNEL_SUFFIX)
                    || e.path("ts").asLong() < firstTimed) {
                continue;
            }
            String op = e.path("args").path("op_name").asText("?");
            micros.merge(op, e.path("dur").asLong(), Long::sum);
            nodes.computeIfAbsent(op, k -> new HashSet<>()).add(name);
        }
        double total = micros.values().stream().mapToLong(Long::longValue).sum();
        List<OperatorTime> operators = new ArrayList<>();
        micros.forEach((op, us) -> operators.add(new OperatorTime(op, nodes.get(op).size(), us / 1000.0 / runs,
                total == 0 ? 0 : us / total)));
        operators.sort(Comparator.comparingDouble(OperatorTime::msPerRun).reversed()
                .thenComparing(OperatorTime::opType));
        return new OperatorProfile(List.copyOf(operators), runs, total / 1000.0 / runs, runMicros / 1000.0 / runs);
    }
}
