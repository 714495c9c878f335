package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.cluster.ClusterInit;
import dev.nncj.cluster.ClusterOptions;
import dev.nncj.cluster.ClusterResult;
import dev.nncj.cluster.WeightClusterer;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.provenance.Provenance;
import dev.nncj.quantize.NodeFilter;
import dev.nncj.report.CompressionReport;
import dev.nncj.sparsity.NncjContainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "share", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Parameter sharing by weight clustering (Deep Compression): k-means per MatMul/Gemm/Conv weight, stored as uint8 indices and a float codebook that ONNX Runtime expands at load.",
            "Prints size, p50 latency (both models interleaved in one process) and, with --eval-data, the task metric. OUT.nncj Huffman-codes the indices."})
final class ShareCommand implements Callable<Integer> {
    static final String SIZE_NOTE = "clustering is a size method: ONNX Runtime folds the Cast/Gather of each codebook into a dense "
            + "float32 weight when the session loads, so latency and memory are float32's";

    @Parameters(index = "0", paramLabel = "IN.onnx", description = "the float model")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT",
            description = "OUT.onnx (uint8 indices + codebook, runs as is) or OUT.nncj (indices Huffman-coded; `nncj unpack` restores ONNX)")
    Path output;

    @Option(names = "--clusters", required = true, paramLabel = "K", description = "centroids per weight tensor, 1..255 (pruned zeros stay exactly zero, outside the K)")
    int clusters;

    @Option(names = "--init", defaultValue = "linear", paramLabel = "INIT",
            description = "k-means start: linear (evenly over [min, max], default), density (quantiles) or random (Forgy)")
    String init;

    @Option(names = "--include-embeddings", description = "cluster the token-embedding table too (half of a MiniLM's bytes)")
    boolean includeEmbeddings;

    @Option(names = "--seed", defaultValue = "42", description = "for --init random (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--include", paramLabel = "PATTERN", description = "only nodes of this op type or whose name matches this regex (repeatable)")
    List<String> include = new ArrayList<>();

    @Option(names = "--exclude", paramLabel = "PATTERN", description = "never nodes of this op type or whose name matches this regex (repeatable)")
    List<String> exclude = new ArrayList<>();

    @Mixin
    ReportOptions report;

    @Mixin
    QuietOption quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ClusterOptions options;
        try {
            options = new ClusterOptions(clusters, ClusterInit.parse(init), new NodeFilter(include, exclude), includeEmbeddings, seed);
        } catch (IllegalArgumentException e) {
            throw new NncjException(e.getMessage());
        }
        ProgressListener progress = quiet.progress();
        OnnxModel model = OnnxFiles.load(input);
        ClusterResult result = WeightClusterer.cluster(model, input, options);
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("clusters", clusters);
        record.put("init", options.init().cliName());
        record.put("include_embeddings", includeEmbeddings);
        record.put("include", include);
        record.put("exclude", exclude);
        Provenance.record(model, input, "share", record);
        boolean container = output.getFileName().toString().endsWith(".nncj");
        CompressionReport measured;
        Double codedBits = null;
        if (container) {
            ReportOptions.Packed packed = report.packAndMeasure(model, input, output, report.evaluation(input), progress);
            measured = packed.report();
            codedBits = 8.0 * packed.pack().tensors().stream().mapToLong(NncjContainer.PackedTensor::payloadBytes).sum()
                    / Math.max(1, result.elements());
        } else {
            measured = report.saveAndMeasure(model, input, output, report.evaluation(input), progress);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (report.json) {
            Map<String, Object> obj = ReportPrinter.toJson(measured);
            obj.put("clusters", clusters);
            obj.put("init", options.init().cliName());
            obj.put("weights", result.weights().size());
            obj.put("weight_elements", result.elements());
            obj.put("nonzero_weights", result.nonZeros());
            obj.put("fixed_length_bits_per_weight", result.fixedLengthBitsPerWeight());
            obj.put("coded_bits_per_weight", codedBits);
            obj.put("container", container);
            obj.put("notes", List.of(SIZE_NOTE));
            out.println(Json.write(obj));
        } else {
            out.printf(Locale.ROOT, "%s: %d weights clustered to K=%d (%s init), %s elements (%s non-zero); %.2f bits per weight "
                    + "with fixed-length indices%s%n", output, result.weights().size(), clusters, options.init().cliName(),
                    Sizes.count(result.elements()), Sizes.count(result.nonZeros()), result.fixedLengthBitsPerWeight(),
                    codedBits == null ? " (the ONNX file stores 8-bit indices)"
                            : String.format(Locale.ROOT, ", %.2f Huffman-coded in the container", codedBits));
            out.println("note: " + SIZE_NOTE);
            if (container) {
                out.println("note: " + SparsifyCommand.CONTAINER_NOTE.replace("OUT", output.toString()));
            }
            ReportPrinter.print(measured, out);
        }
        return 0;
    }
}
