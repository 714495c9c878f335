package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.OptionException;
import dev.nncj.ProgressListener;
import dev.nncj.calibration.CalibrationData;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.provenance.Provenance;
import dev.nncj.report.CompressionReport;
import dev.nncj.report.Evaluation;
import dev.nncj.sparsity.PruningCriterion;
import dev.nncj.sparsity.PruningPattern;
import dev.nncj.sparsity.Sparsifier;
import dev.nncj.sparsity.SparsifyOptions;
import dev.nncj.sparsity.SparsifyResult;
import dev.nncj.sparsity.Storage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
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

@Command(name = "sparsify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Zero out individual weights of MatMul, Gemm and Conv nodes.",
            "Unstructured pruning of MatMul/Gemm/Conv weights (a sparsity or N:M; ranked by |w| or, with --criterion activation, by |w| x input RMS), stored as ONNX sparse initializers or in a .nncj container.",
            "Prints sparsity, size, p50 latency (both models interleaved in one process) and, with --eval-data, the task metric."})
final class SparsifyCommand implements Callable<Integer> {
    /** Why latency does not move, printed with every result so nobody reads the size as speed. */
    static final String DENSIFY_NOTE = "ONNX Runtime's CPU provider expands sparse initializers to dense tensors when it "
            + "loads the model: the file is smaller, but the session holds dense weights, so it runs no faster and needs no less memory";

    static final String CONTAINER_NOTE = "a .nncj container is for storage and shipping, ONNX Runtime cannot load it: "
            + "`nncj unpack OUT -o MODEL.onnx` restores the dense ONNX model (latency and metric above were measured on it)";

    @Parameters(index = "0", paramLabel = "IN.onnx", converter = ModelArgument.class, description = "the float model")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT",
            description = "OUT.onnx (ONNX sparse initializers, runs as is) or OUT.nncj (bitmask container, about half the size; `nncj unpack` restores ONNX)")
    Path output;

    @Option(names = "--sparsity", paramLabel = "S", description = "magnitude pruning: fraction of the selected weights set to zero, in [0, 1)")
    Double sparsity;

    @Option(names = "--scope", defaultValue = "global", paramLabel = "SCOPE",
            description = "global (default: one threshold over all selected weights) or per-layer (each weight loses S)")
    String scope;

    @Option(names = "--include-embeddings", description = "--sparsity: prune the token-embedding table too (half of a MiniLM's bytes)")
    boolean includeEmbeddings;

    @Option(names = "--nm", paramLabel = "N:M", description = "semi-structured: keep the N largest of every M consecutive weights along the input axis (2:4)")
    String nm;

    @Option(names = "--criterion", defaultValue = "magnitude", paramLabel = "C",
            description = "what weights are ranked by: magnitude |w| (default), or activation: |w| times the RMS of the input feature"
                    + " it multiplies over --calibration-data (Wanda, Sun et al. 2023; compares weights within a tensor: use it with"
                    + " --scope per-layer or --nm, where it beats magnitude without retraining)")
    String criterion;

    @Option(names = "--calibration-data", paramLabel = "FILE",
            description = "--criterion activation: sentences (TSV/CSV/txt) the inputs' RMS is measured on")
    Path calibrationData;

    @Option(names = "--calibration-samples", defaultValue = "256",
            description = "sentences used for --criterion activation (default ${DEFAULT-VALUE})")
    int calibrationSamples;

    @Mixin
    NodeFilterOptions nodes;

    /** How an ONNX output stores the zeros, as --storage names it. */
    enum StorageChoice { SPARSE, DENSE }

    @Option(names = "--storage", paramLabel = "FORM",
            description = "for OUT.onnx: sparse (default: ONNX sparse_initializer where smaller) or dense (zeros stored densely, for comparison)")
    String storage;

    @Mixin
    ReportOptions report;

    @Mixin
    QuietOption quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        SparsifyOptions options = options(); // bad options fail before anything is read or written
        report.checkOutput(input, output, ModelOutput.Format.ONNX_OR_CONTAINER);
        Evaluation evaluation = report.evaluation(input); // a bad --eval-data fails before any work
        ProgressListener progress = quiet.progress();
        OnnxModel model = InputModel.load(input);
        if (rankedByActivation()) {
            CalibrationData calibration = new CalibrationData.Sentences(CalibrationSentences.read(calibrationData,
                    calibrationSamples), report.tokenizerFor(input), Sparsifier.CALIBRATION_BATCH_SIZE);
            options = options.withInputMeanSquares(Sparsifier.inputMeanSquares(model, options.filter(), calibration, progress));
        }
        SparsifyResult result = Sparsifier.sparsify(model, input, options);
        Provenance.record(model, input, "sparsify", CommandProvenance.options(spec));
        CompressionReport measured = container() ? writeContainer(model, evaluation, progress)
                : writeOnnx(model, evaluation, progress);
        PrintWriter out = spec.commandLine().getOut();
        if (report.json) {
            Map<String, Object> obj = ReportPrinter.toJson(measured);
            obj.put("pattern", patternName(options.pattern()));
            obj.put("weights", result.weights().size());
            obj.put("weight_elements", result.elements());
            obj.put("zeros", result.zeros());
            obj.put("sparsity", result.sparsity());
            obj.put("stored_sparse", result.storedSparse());
            obj.put("container", container());
            obj.put("notes", notes(result, options, measured));
            out.println(Json.write(obj));
        } else {
            out.printf(Locale.ROOT, "%s: %s, %d weights, %s of %s elements zero (sparsity %.4f, density %.4f), %s%n",
                    output, patternName(options.pattern()), result.weights().size(), Sizes.count(result.zeros()),
                    Sizes.count(result.elements()), result.sparsity(), 1 - result.sparsity(),
                    container() ? "packed in a .nncj container" : result.storedSparse() + " stored as ONNX sparse_initializer");
            notes(result, options, measured).forEach(n -> out.println("note: " + n));
            ReportPrinter.print(measured, out);
        }
        return 0;
    }

    private CompressionReport writeOnnx(OnnxModel model, Evaluation evaluation, ProgressListener progress) {
        return report.saveAndMeasure(model, input, output, evaluation, progress);
    }

    private CompressionReport writeContainer(OnnxModel model, Evaluation evaluation, ProgressListener progress) {
        return report.packAndMeasure(model, input, output, evaluation, progress).report();
    }

    private boolean container() {
        return output.getFileName().toString().endsWith(".nncj");
    }

    private List<String> notes(SparsifyResult result, SparsifyOptions options, CompressionReport measured) {
        List<String> notes = new ArrayList<>(result.notes());
        if (rankedByActivation() && options.pattern() instanceof PruningPattern.Magnitude m && m.scope() == PruningPattern.Scope.GLOBAL) {
            notes.add("--criterion activation under one global threshold compares scores of different layers, whose inputs have"
                    + " their own scales; --scope per-layer ranks within each tensor, as Wanda does");
        }
        if (container()) {
            notes.add(CONTAINER_NOTE.replace("OUT", output.toString()));
        } else if (result.storedSparse() > 0) {
            notes.add(DENSIFY_NOTE + String.format(Locale.ROOT, " (p50 ratio measured here: %.3fx)", measured.latencyRatio()));
        } else if (options.storage() == Storage.SPARSE_INITIALIZERS && result.zeros() > 0) {
            notes.add("no pruned weight is smaller as an ONNX sparse_initializer (a non-zero costs its value plus a "
                    + "2- to 4-byte index, so it pays only below density 0.5): the file does not shrink; "
                    + "-o OUT.nncj packs the zeros with a bitmask instead");
        } else if (options.storage() == Storage.DENSE) {
            notes.add("zeros stored densely (--storage dense): the file does not shrink");
        }
        return notes;
    }

    SparsifyOptions options() {
        if ((sparsity == null) == (nm == null)) {
            throw new NncjException("give exactly one of --sparsity S or --nm N:M");
        }
        NodeFilter filter = nodes.filter();
        if (rankedByActivation() != (calibrationData != null)) {
            throw new NncjException(calibrationData == null ? "--criterion activation needs --calibration-data FILE"
                    : "--calibration-data is for --criterion activation");
        }
        if (container() && storage != null) {
            throw new NncjException("--storage is for .onnx outputs; a .nncj container always packs zeros with a bitmask");
        }
        Storage form = switch (Flags.choice(StorageChoice.class, storage == null ? "sparse" : storage, "storage")) {
            case SPARSE -> container() ? Storage.DENSE : Storage.SPARSE_INITIALIZERS; // the container packs dense zeros
            case DENSE -> Storage.DENSE;
        };
        PruningPattern.Scope s = Flags.choice(PruningPattern.Scope.class, scope, "scope");
        PruningPattern pattern;
        try {
            pattern = sparsity != null ? new PruningPattern.Magnitude(sparsity, s) : PruningPattern.NofM.parse(nm);
        } catch (IllegalArgumentException e) {
            throw new NncjException((sparsity != null ? "--sparsity: " : "--nm: ") + e.getMessage());
        }
        try {
            return new SparsifyOptions(pattern, filter, includeEmbeddings, form);
        } catch (OptionException e) {
            throw Flags.asFailure(e);
        }
    }

    private boolean rankedByActivation() {
        try {
            return PruningCriterion.parse(criterion) == PruningCriterion.ACTIVATION;
        } catch (OptionException e) {
            throw Flags.asFailure(e);
        }
    }

    private static String patternName(PruningPattern p) {
        if (p instanceof PruningPattern.Magnitude m) {
            return String.format(Locale.ROOT, "magnitude %s %s", m.sparsity(),
                    m.scope() == PruningPattern.Scope.GLOBAL ? "global" : "per-layer");
        }
        if (p instanceof PruningPattern.LayerRates r) {
            return "magnitude per layer " + r;
        }
        return "N:M " + p;
    }
}
