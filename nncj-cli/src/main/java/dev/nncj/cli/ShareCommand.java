package dev.nncj.cli;

import dev.nncj.OptionException;
import dev.nncj.ProgressListener;
import dev.nncj.cluster.ClusterInit;
import dev.nncj.cluster.ClusterOptions;
import dev.nncj.cluster.ClusterResult;
import dev.nncj.cluster.WeightClusterer;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.provenance.Provenance;
import dev.nncj.report.CompressionReport;
import dev.nncj.share.CrossLayerOptions;
import dev.nncj.share.CrossLayerResult;
import dev.nncj.share.CrossLayerSharing;
import dev.nncj.share.SharedModel;
import dev.nncj.sparsity.NncjContainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "share", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Share parameters: cluster weights or tie encoder layers.",
            "Parameter sharing, one of:",
            "  --clusters K   weight clustering (Deep Compression): k-means per MatMul/Gemm/Conv weight, stored as uint8",
            "                 indices and a float codebook that ONNX Runtime expands at load; OUT.nncj Huffman-codes them;",
            "                 --include/--exclude/--include-embeddings choose the weights",
            "  --cross-layer  ALBERT-style sharing of a BERT-family encoder's layers, all of them or in --groups G",
            "                 contiguous groups; each group computes with one set of weights, stored once in the file",
            "With --recover either is fine-tuned by distillation from the original (clusters: the codebooks train, the indices stay).",
            "Prints parameters, size, p50 latency (both models interleaved in one process) and, with --eval-data, the task metric."})
final class ShareCommand implements Callable<Integer> {
    static final String SIZE_NOTE = "clustering is a size method: ONNX Runtime folds the Cast/Gather of each codebook into a dense "
            + "float32 weight when the session loads, so latency and memory are float32's";

    @Parameters(index = "0", paramLabel = "IN.onnx", converter = ModelArgument.class, description = "the float model")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT",
            description = "OUT.onnx, or with --clusters OUT.nncj (indices Huffman-coded; `nncj unpack` restores ONNX)")
    Path output;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Mode mode;

    static final class Mode {
        @Option(names = "--clusters", paramLabel = "K",
                description = "centroids per weight tensor, 1..255 (pruned zeros stay exactly zero, outside the K)")
        Integer clusters;

        @Option(names = "--cross-layer", description = "share weights across layers (ALBERT)")
        boolean crossLayer;
    }

    @Option(names = "--init", paramLabel = "INIT", description = {"where sharing starts. --clusters: linear (default,"
            + " evenly over [min, max]), density (quantiles) or random (Forgy); --cross-layer: mean (default, the group's"
            + " element-wise mean), first, or layer:N (N-th layer of each group)"})
    String init;

    @Option(names = "--groups", paramLabel = "G", description = "--cross-layer: contiguous groups of layers, each sharing"
            + " one layer's weights; must divide the layer count (default 1: all layers share)")
    Integer groups;

    @Option(names = "--include-embeddings", description = "--clusters: cluster the token-embedding table too (half of a MiniLM's bytes)")
    boolean includeEmbeddings;

    @Mixin
    NodeFilterOptions nodes;

    @Mixin
    RecoveryOptions recovery;

    @Mixin
    ReportOptions report;

    @Mixin
    QuietOption quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        report.checkOutput(input, output, ModelOutput.Format.ONNX_OR_CONTAINER);
        return mode.clusters != null ? clusters() : crossLayer();
    }

    private int clusters() {
        if (groups != null) {
            throw new OptionException("--groups applies to --cross-layer, not to --clusters");
        }
        recovery.check(spec, output, report.evalData);
        ClusterOptions options;
        try {
            options = new ClusterOptions(mode.clusters, ClusterInit.parse(init == null ? "linear" : init),
                    nodes.filter(), includeEmbeddings, recovery.training.seed);
        } catch (IllegalArgumentException e) {
            throw new OptionException(e.getMessage());
        }
        var evaluation = report.evaluation(input); // a bad --eval-data fails before any work
        ProgressListener progress = quiet.progress();
        OnnxModel model = InputModel.load(input);
        ClusterResult result = WeightClusterer.cluster(model, input, options);
        Provenance.record(model, input, "share", CommandProvenance.options(spec));
        // Recovery trains the codebooks (each centroid's gradient is the sum of its weights'), never the indices.
        RecoveryOptions.Recovered recovered = recovery.apply(input, model, report.tokenizerFor(input), report.dataFile, progress);
        model = recovered.model();
        boolean container = output.getFileName().toString().endsWith(".nncj");
        CompressionReport measured;
        Double codedBits = null;
        if (container) {
            ReportOptions.Packed packed = report.packAndMeasure(model, input, output, evaluation, progress);
            measured = packed.report();
            codedBits = 8.0 * packed.pack().tensors().stream().mapToLong(NncjContainer.PackedTensor::payloadBytes).sum()
                    / Math.max(1, result.elements());
        } else {
            measured = report.saveAndMeasure(model, input, output, evaluation, progress);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (report.json) {
            Map<String, Object> obj = ReportPrinter.toJson(measured);
            obj.put("recovery", recovered.run() == null ? null : recovered.json());
            obj.put("clusters", mode.clusters);
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
                    + "with fixed-length indices%s%n", output, result.weights().size(), mode.clusters, options.init().cliName(),
                    Sizes.count(result.elements()), Sizes.count(result.nonZeros()), result.fixedLengthBitsPerWeight(),
                    codedBits == null ? " (the ONNX file stores 8-bit indices)"
                            : String.format(Locale.ROOT, ", %.2f Huffman-coded in the container", codedBits));
            if (recovered.run() != null) {
                out.println(recovered.line());
            }
            out.println("note: " + SIZE_NOTE);
            if (container) {
                out.println("note: " + SparsifyCommand.CONTAINER_NOTE.replace("OUT", output.toString()));
            }
            ReportPrinter.print(measured, out);
        }
        return 0;
    }

    private int crossLayer() {
        if (includeEmbeddings || nodes.given()) {
            throw new OptionException("--include, --exclude and --include-embeddings apply to --clusters, not to --cross-layer");
        }
        if (output.getFileName().toString().endsWith(".nncj")) {
            throw new OptionException("--cross-layer writes ONNX (each shared weight is stored once already), not " + output);
        }
        CrossLayerOptions options = CrossLayerOptions.of(groups == null ? 1 : groups, init == null ? "mean" : init);
        recovery.check(spec, output, report.evalData);
        var evaluation = report.evaluation(input);
        ProgressListener progress = quiet.progress();
        OnnxModel model = InputModel.load(input);
        SharedModel shared = CrossLayerSharing.share(model, input, options);
        Provenance.record(shared.model(), input, "share", CommandProvenance.options(spec));
        RecoveryOptions.Recovered recovered = recovery.apply(input, shared.model(), report.tokenizerFor(input), report.dataFile,
                progress);
        CompressionReport measured = report.saveAndMeasure(recovered.model(), input, output, evaluation, progress);
        printCrossLayer(shared.sharing(), recovered, model.graph().parameterCount(),
                recovered.model().graph().parameterCount(), measured, options);
        return 0;
    }

    private void printCrossLayer(CrossLayerResult r, RecoveryOptions.Recovered recovered, long before, long after,
                                 CompressionReport measured, CrossLayerOptions options) {
        PrintWriter out = spec.commandLine().getOut();
        if (report.json) {
            Map<String, Object> obj = ReportPrinter.toJson(measured);
            obj.put("recovery", recovered.run() == null ? null : recovered.json());
            obj.put("groups", r.groups());
            obj.put("init", options.init().toString());
            obj.put("layer_parameters_before", r.layerParametersBefore());
            obj.put("layer_parameters_after", r.layerParametersAfter());
            obj.put("parameters_before", before);
            obj.put("parameters_after", after);
            out.println(Json.write(obj));
            return;
        }
        out.printf(Locale.ROOT, "%s: %d layers in %d shared group(s) %s, from %s%n", output,
                r.groups().stream().mapToInt(List::size).sum(), r.groups().size(), r.groups(), options.init());
        out.printf(Locale.ROOT, "layer parameters %,d -> %,d (%.3fx); all parameters %,d -> %,d (%.3fx)%n",
                r.layerParametersBefore(), r.layerParametersAfter(),
                (double) r.layerParametersAfter() / r.layerParametersBefore(), before, after, (double) after / before);
        if (recovered.run() != null) {
            out.println(recovered.line());
        }
        ReportPrinter.print(measured, out);
    }
}
