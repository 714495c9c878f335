package dev.nncj.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The machine a speed figure was measured on. Latencies mean little without it: the same int8 model
 * is several times faster on a CPU with VNNI dot-product instructions than on one without, so the
 * relevant SIMD extensions are recorded alongside the CPU model.
 *
 * @param cpuModel "model name" from /proc/cpuinfo, or the architecture where that is unavailable
 * @param logicalCores processors visible to the JVM
 * @param simd the SIMD extensions ONNX Runtime's kernels choose between (avx2, avx512f, avx512_vnni,
 *     avx_vnni, amx, fma, asimd, asimddp, ...) that this CPU reports; empty when unknown
 * @param os name, version and architecture
 * @param javaVersion runtime version and VM name
 * @param ortVersion ONNX Runtime's version, or "unknown"
 */
public record MachineInfo(String cpuModel, int logicalCores, List<String> simd, String os, String javaVersion,
        String ortVersion) {

    private static final Path CPUINFO = Path.of("/proc/cpuinfo");
    private static final Set<String> SIMD_FLAGS = Set.of("sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c",
            "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16", "avx_vnni",
            "amx_tile", "amx_int8", "amx_bf16", "asimd", "asimddp", "asimdhp", "sve", "sve2", "i8mm", "bf16");

    public MachineInfo {
        simd = List.copyOf(simd);
    }

    /** Facts about the machine this process runs on. Reads /proc/cpuinfo on Linux; never throws. */
    public static MachineInfo current() {
        String cpu = null;
        List<String> simd = new ArrayList<>();
        try (Stream<String> lines = Files.lines(CPUINFO)) {
            for (String line : (Iterable<String>) lines::iterator) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).strip();
                String value = line.substring(colon + 1).strip();
                if (cpu == null && key.equals("model name")) {
                    cpu = value;
                } else if (simd.isEmpty() && (key.equals("flags") || key.equals("Features"))) {
                    for (String flag : value.split("\\s+")) {
                        if (SIMD_FLAGS.contains(flag.toLowerCase(Locale.ROOT))) {
                            simd.add(flag);
                        }
                    }
                }
                if (cpu != null && !simd.isEmpty()) {
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or /proc is hidden: the other facts still identify the machine well enough.
        }
        if (cpu == null) {
            cpu = System.getProperty("os.arch", "unknown");
        }
        String os = System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch");
        String java = Runtime.version() + " (" + System.getProperty("java.vm.name") + ")";
        return new MachineInfo(cpu, Runtime.getRuntime().availableProcessors(), simd, os, java,
                OrtSessions.ortVersion());
    }
}
