package dev.nncj.quantize;

import dev.nncj.ProgressListener;
import dev.nncj.TempFiles;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A drop of at most X: quantize everything; if the task metric drops by more than X, measure each
 * quantized node's sensitivity (the metric gained, on a probe subset, by keeping only that node in
 * float), then fall back nodes to float, most sensitive first, until the full evaluation's drop is
 * within X. A "layer" here is one quantized node (a projection, an embedding lookup): the unit the
 * quantizers rewrite, and one that exists in every exported encoder whatever its naming.
 *
 * <p>Every score is ONNX Runtime's on a saved candidate file, never a simulation. Cost: one
 * quantization and probe per quantized node plus one full evaluation per fallback step.
 *
 * <p>The metric's data is selection data: it chooses the nodes, so the drops measured on it are
 * what the choice was fitted to, not a test figure. Report the drop on other data
 * ({@link dev.nncj.data.HeldOutData}).
 */
public final class AccuracyDrivenQuantizer {
    private AccuracyDrivenQuantizer() {}

    /** A node's measured sensitivity: the probe metric with it in float minus with everything quantized. */
    public record Sensitivity(String node, double gain) {}

    /**
     * The quantized model and the drops that chose it, both on the selection data.
     *
     * @param initialDrop the drop with every node quantized
     * @param finalDrop the drop of the returned model
     */
    public record Result(QuantizationResult quantization, String metric, double initialDrop, double finalDrop) {}

    public static Result quantize(Path input, QuantizeOptions options, double maxDrop,
                                              QualityMetric metric, ProgressListener progress) {
        Path dir = tempDir();
        try {
            QuantizationResult all = quantizeExcluding(input, options, List.of(), progress);
            Path allFile = save(all.model(), dir, "all");
            double drop = metric.reference() - metric.score().applyAsDouble(allFile);
            List<String> notes = new ArrayList<>(all.notes());
            if (drop <= maxDrop) {
                notes.add(String.format(Locale.ROOT, "max drop %.4f, on the selection data: %s drop %.4f with every node"
                        + " quantized; no fallback", maxDrop, metric.name(), drop));
                return new Result(new QuantizationResult(all.model(), all.quantizedNodes(), all.keptFloat(), notes),
                        metric.name(), drop, drop);
            }
            double probeAll = metric.probe().applyAsDouble(allFile);
            List<Sensitivity> ranked = new ArrayList<>();
            progress.start("measuring sensitivity of " + all.quantizedNodes().size() + " quantized nodes",
                    all.quantizedNodes().size());
            try {
                for (String node : all.quantizedNodes()) {
                    QuantizationResult without = quantizeExcluding(input, options, List.of(node), ProgressListener.NONE);
                    double score = metric.probe().applyAsDouble(save(without.model(), dir, "probe"));
                    ranked.add(new Sensitivity(node, score - probeAll));
                    progress.advance(1);
                }
            } finally {
                progress.finish();
            }
            ranked.sort(Comparator.comparingDouble(Sensitivity::gain).reversed());
            double initialDrop = drop;
            QuantizationResult current = all;
            List<Sensitivity> fallen = new ArrayList<>();
            progress.start("falling back sensitive nodes", ranked.size());
            try {
                for (Sensitivity s : ranked) {
                    if (drop <= maxDrop) {
                        break;
                    }
                    fallen.add(s);
                    current = quantizeExcluding(input, options, fallen.stream().map(Sensitivity::node).toList(),
                            ProgressListener.NONE);
                    drop = metric.reference() - metric.score().applyAsDouble(save(current.model(), dir, "step"));
                    progress.advance(1);
                }
            } finally {
                progress.finish();
            }
            Map<String, String> kept = new LinkedHashMap<>(current.keptFloat());
            for (Sensitivity s : fallen) {
                kept.put(s.node(), String.format(Locale.ROOT,
                        "accuracy-driven fallback: keeping it float gains %+.4f %s (probe of the selection data, %d examples)",
                        s.gain(), metric.name(), metric.probeSize()));
            }
            notes.add(String.format(Locale.ROOT, "max drop %.4f, on the selection data: %s drop %.4f with every node quantized;"
                    + " %d node(s) fell back to float, most sensitive first; final drop %.4f%s", maxDrop, metric.name(),
                    initialDrop, fallen.size(), drop, drop <= maxDrop ? "" : " (budget NOT met even with every node in float)"));
            return new Result(new QuantizationResult(current.model(), current.quantizedNodes(), kept, notes), metric.name(),
                    initialDrop, drop);
        } finally {
            TempFiles.delete(dir);
        }
    }

    private static QuantizationResult quantizeExcluding(Path input, QuantizeOptions options, List<String> nodes,
                                                        ProgressListener progress) {
        List<String> exclude = new ArrayList<>(options.nodes().exclude());
        for (String n : nodes) {
            exclude.add(Pattern.quote(n));
        }
        QuantizeOptions o = new QuantizeOptions(options.mode(), new NodeFilter(options.nodes().include(), exclude),
                options.perChannel(), options.symmetric(), options.blockSize(), options.fp8Format(),
                options.calibration(), options.errorCompensation(), options.quantizeEmbeddings(),
                options.embeddingBits(), options.quantizeAttention());
        OnnxModel model = OnnxFiles.load(input);
        return Quantizers.quantize(model, input, o, progress);
    }

    private static Path save(OnnxModel model, Path dir, String name) {
        Path file = dir.resolve(name + ".onnx");
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        OnnxFiles.save(model, file);
        return file;
    }

    private static Path tempDir() {
        try {
            return TempFiles.createDirectory("nncj-max-drop");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
