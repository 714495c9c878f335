package dev.nncj.cli;

import dev.nncj.ProgressListener;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.provenance.Provenance;
import dev.nncj.report.CompressionReport;
import dev.nncj.share.CrossLayerOptions;
import dev.nncj.share.CrossLayerResult;
import dev.nncj.share.CrossLayerSharing;
import dev.nncj.share.SharedModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
        description = {"Parameter sharing. --cross-layer: ALBERT-style sharing of a BERT-family encoder's layers, all of them or",
            "in --groups G contiguous groups; each group's layers compute with one set of weights, stored once in the ONNX file.",
            "Prints parameters, size, p50 latency (both models interleaved in one process) and, with --eval-data, the task metric."})
final class ShareCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN.onnx", description = "the encoder")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.onnx", description = "where to write the result")
    Path output;

    @Option(names = "--cross-layer", required = true, description = "share weights across layers (ALBERT)")
    boolean crossLayer;

    @Option(names = "--groups", defaultValue = "1", paramLabel = "G",
            description = "contiguous groups of layers, each sharing one layer's weights; must divide the layer count (default ${DEFAULT-VALUE}: all layers share)")
    int groups;

    @Option(names = "--init", defaultValue = "mean", paramLabel = "INIT",
            description = "the shared layer starts from: mean (default, the group's element-wise mean), first, or layer:N (N-th layer of each group)")
    String init;

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
        CrossLayerOptions options = CrossLayerOptions.of(groups, init);
        recovery.check();
        var evaluation = report.evaluation(input);
        ProgressListener progress = quiet.progress();
        OnnxModel model = OnnxFiles.load(input);
        SharedModel shared = CrossLayerSharing.share(model, input, options);
        Provenance.record(shared.model(), input, "share", provenanceOptions(options));
        RecoveryOptions.Recovered recovered = recovery.apply(input, shared.model(), report.tokenizerFor(input), progress);
        CompressionReport measured = report.saveAndMeasure(recovered.model(), input, output, evaluation, progress);
        print(shared.sharing(), recovered, model.graph().parameterCount(), recovered.model().graph().parameterCount(),
                measured, options);
        return 0;
    }

    private void print(CrossLayerResult r, RecoveryOptions.Recovered recovered, long before, long after,
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
                r.groups().stream().mapToInt(java.util.List::size).sum(), r.groups().size(), r.groups(), options.init());
        out.printf(Locale.ROOT, "layer parameters %,d -> %,d (%.3fx); all parameters %,d -> %,d (%.3fx)%n",
                r.layerParametersBefore(), r.layerParametersAfter(),
                (double) r.layerParametersAfter() / r.layerParametersBefore(), before, after, (double) after / before);
        if (recovered.run() != null) {
            out.println(recovered.line());
        }
        ReportPrinter.print(measured, out);
    }

    private static Map<String, Object> provenanceOptions(CrossLayerOptions o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cross_layer", true);
        m.put("groups", o.groups());
        m.put("init", o.init().toString());
        return m;
    }
}
