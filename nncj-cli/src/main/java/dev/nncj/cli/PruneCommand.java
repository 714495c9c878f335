package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.folder.ArchitectureEdit;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.provenance.Provenance;
import dev.nncj.report.CompressionReport;
import dev.nncj.train.distill.DistillData;
import dev.nncj.train.distill.DistillOptions;
import dev.nncj.train.distill.DistillationRecovery;
import dev.nncj.train.pruning.IterativePruner;
import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.HeadPlan;
import dev.nncj.transformer.ImportanceScorer;
import dev.nncj.transformer.StructuredPruneOptions;
import dev.nncj.transformer.StructuredPruneResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "prune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Remove layers, attention heads or FFN neurons of an encoder.",
            "Structured pruning of a BERT-family encoder.",
            "The model is lifted into layers, pruned units are physically removed, and a clean ONNX graph is written.",
            "Prints size, p50 latency (both models interleaved in one process) and, with --eval-data, the task metric.",
            "(Unstructured sparsity is `nncj sparsify`.)"})
final class PruneCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN.onnx", converter = ModelArgument.class, description = "the encoder")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.onnx", description = "where to write the result")
    Path output;

    @Option(names = "--keep-layers", split = ",", paramLabel = "I", description = "keep these layers, in this order (e.g. 0,2,4)")
    List<Integer> keepLayers;

    @Option(names = "--drop-layers", split = ",", paramLabel = "I", description = "drop these layers")
    List<Integer> dropLayers;

    @Option(names = "--heads", paramLabel = "FRACTION", description = "fraction of attention heads removed from every layer, in [0, 1)")
    Double heads;

    @Option(names = "--heads-per-layer", split = ",", paramLabel = "N",
            description = "attention heads each (kept) layer keeps, e.g. 12,8,8,6")
    List<Integer> headsPerLayer;

    @Option(names = "--ffn", paramLabel = "FRACTION", description = "fraction of FFN neurons removed from every layer, in [0, 1)")
    Double ffn;

    @Option(names = "--importance", defaultValue = "magnitude", paramLabel = "SCORE",
            description = "how heads and neurons are ranked: magnitude (default), activation (needs --calibration-data),"
                    + " gradient (Michel et al. 2019: E|dLoss/dmask| of a classifier on labelled --data) or random")
    String importance;

    @Option(names = "--calibration-data", paramLabel = "FILE", description = "sentences (TSV/CSV/txt) for --importance activation")
    Path calibrationData;

    @Option(names = "--calibration-samples", defaultValue = "256",
            description = "sentences (activation) or labelled examples (gradient) the importance is measured on (default ${DEFAULT-VALUE})")
    int calibrationSamples;

    @Option(names = "--data", paramLabel = "TRAIN.tsv",
            description = "labelled task data (sentence and label columns) for --importance gradient and --recover")
    Path data;

    @Option(names = "--recover", description = "after each pruning round, fine-tune the pruned classifier on --data by"
            + " distillation from the unpruned one or --teacher (soft targets at T = 2 plus labels; --hidden-weight adds hidden states)")
    boolean recover;

    @Option(names = "--attention", defaultValue = "plain", paramLabel = "STYLE",
            description = "how attention is written: plain (default, MatMul/Softmax) or fused (com.microsoft.Attention)")
    String attention;

    @Option(names = "--iterations", defaultValue = "1", paramLabel = "N",
            description = "prune in N rounds, each removing its share of the target and re-scoring what the previous round left (default ${DEFAULT-VALUE})")
    int iterations;

    @Mixin
    TeacherOption teacher;

    @Mixin
    LayerLossOptions layers;

    /** Recovery's training knobs; --seed also seeds --importance random. */
    @Mixin
    TrainingOptions training;

    @Mixin
    ReportOptions report;

    @Mixin
    QuietOption quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        report.checkOutput(input, output, ModelOutput.Format.ONNX);
        ProgressListener progress = quiet.progress();
        if (keepLayers == null && dropLayers == null && heads == null && headsPerLayer == null && ffn == null) {
            throw new NncjException("nothing to prune: give --keep-layers, --drop-layers, --heads, --heads-per-layer or --ffn");
        }
        if (keepLayers != null && dropLayers != null) {
            throw new NncjException("--keep-layers and --drop-layers cannot be combined");
        }
        if (heads != null && headsPerLayer != null) {
            throw new NncjException("--heads and --heads-per-layer cannot be combined");
        }
        if (recover && data == null) {
            throw new NncjException("--recover needs --data TRAIN.tsv (labelled task data to fine-tune on)");
        }
        if (data != null && !java.nio.file.Files.isRegularFile(data)) {
            throw NncjException.inFile(data, "does not exist");
        }
        Methods.IMPORTANCE.named(importance); // a criterion that does not exist is a usage error before any work
        teacher.check(recover);
        layers.checkUsedWith(recover, "--recover");
        training.refuseResumeUnless(recover, "--recover");
        EmitOptions emit = EmitOptions.defaults().withAttention(Flags.choice(EmitOptions.AttentionStyle.class, attention, "attention"));
        // everything a user can get wrong is checked before anything is written
        var evaluation = report.evaluation(input);
        OnnxModel model = InputModel.load(input);
        EncoderSpec encoder = EncoderLifter.lift(model, input);
        StructuredPruneOptions options = options(encoder.layers().size(), progress);
        IterativePruner.Result rounds = IterativePruner.prune(model, input, options, iterations, emit, recovery(model, progress));
        StructuredPruneResult result = rounds.overall();
        OnnxModel pruned = rounds.model();
        model.metadata().forEach(pruned::putMetadata);
        Provenance.record(pruned, input, "prune", CommandProvenance.options(spec));
        CompressionReport measured = report.saveAndMeasure(pruned, input, output, evaluation, progress,
                Optional.of(ArchitectureEdit.of(result)));
        PrintWriter out = spec.commandLine().getOut();
        if (report.json) {
            Map<String, Object> obj = ReportPrinter.toJson(measured);
            obj.put("parameters_before", result.parametersBefore());
            obj.put("parameters_after", result.parametersAfter());
            obj.put("layers", layersJson(result));
            out.println(Json.write(obj));
        } else {
            out.printf(Locale.ROOT, "%s: %d of %d layers, parameters %,d -> %,d (%,d removed), importance %s%n", output,
                    result.layers().size(), encoder.layers().size(), result.parametersBefore(),
                    result.parametersAfter(), result.parametersRemoved(), options.importance().name());
            for (int i = 0; i < result.layers().size(); i++) {
                out.printf(Locale.ROOT, "  layer %d (was %d): %d heads, FFN %d%n", i, result.layers().get(i),
                        result.keptHeads().get(i).length, result.keptNeurons().get(i).length);
            }
            ReportPrinter.print(measured, out);
        }
        return 0;
    }

    StructuredPruneOptions options(int layers, ProgressListener progress) {
        Optional<List<Integer>> keep = Optional.ofNullable(keepLayers);
        if (dropLayers != null) {
            keep = Optional.of(StructuredPruneOptions.keepAllBut(dropLayers, layers));
        }
        HeadPlan plan = heads != null ? new HeadPlan.Fraction(heads)
                : headsPerLayer != null ? new HeadPlan.PerLayer(headsPerLayer) : new HeadPlan.All();
        return new StructuredPruneOptions(keep, plan, ffn == null ? 0 : ffn, scorer(progress));
    }

    /** Distillation from the unpruned model (or --teacher) after each round with --recover; nothing otherwise. */
    private IterativePruner.Recovery recovery(OnnxModel original, ProgressListener progress) {
        if (!recover) {
            return IterativePruner.Recovery.NONE;
        }
        DistillData distillData = report.dataFile.distillData(data, null, report.tokenizerFor(input));
        DistillOptions distill = layers.applyTo(DistillOptions.recovery().withTraining(training.toOptions(spec, output)));
        return new DistillationRecovery(teacher.orElse(original), distillData, distill, progress);
    }

    /** The scorer of the --importance criterion, given the data it asks for (and only that is read). */
    private ImportanceScorer scorer(ProgressListener progress) {
        return Methods.IMPORTANCE.named(importance).scorer(new ImportanceInputs(importance, calibrationData, data,
                calibrationSamples, () -> report.tokenizerFor(input), report.dataFile, training, progress));
    }

    private static List<Map<String, Object>> layersJson(StructuredPruneResult r) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < r.layers().size(); i++) {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("original_index", r.layers().get(i));
            l.put("heads", r.keptHeads().get(i));
            l.put("ffn_neurons", r.keptNeurons().get(i).length);
            out.add(l);
        }
        return out;
    }
}
