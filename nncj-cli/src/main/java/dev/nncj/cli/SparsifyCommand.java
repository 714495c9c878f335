package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.SaveOptions;
import dev.nncj.provenance.Provenance;
import dev.nncj.quantize.NodeFilter;
import dev.nncj.report.CompressionReport;
import dev.nncj.report.CompressionReports;
import dev.nncj.sparsity.PruningPattern;
import dev.nncj.sparsity.Sparsifier;
import dev.nncj.sparsity.SparsifyOptions;
import dev.nncj.sparsity.SparsifyResult;
import dev.nncj.sparsity.Storage;
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

@Command(name = "sparsify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Unstructured pruning of MatMul/Gemm/Conv weights (magnitude or N:M), stored as ONNX sparse initializers.",
            "Prints sparsity, size, p50 latency (both models interleaved in one process) and, with --eval-data, the task metric."})
final class SparsifyCommand implements Callable<Integer> {
    /** Why latency does not move, printed with every result so nobody reads the size as speed. */
    static final String DENSIFY_NOTE = "ONNX Runtime's CPU provider expands sparse initializers to dense tensors when it "
            + "loads the model: the file is smaller, memory and latency are those of the dense model";

    @Parameters(index = "0", paramLabel = "IN.onnx", description = "the float model")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.onnx", description = "where to write the result")
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

    @Option(names = "--include", paramLabel = "PATTERN", description = "only nodes of this op type or whose name matches this regex (repeatable)")
    List<String> include = new ArrayList<>();

    @Option(names = "--exclude", paramLabel = "PATTERN", description = "never nodes of this op type or whose name matches this regex (repeatable)")
    List<String> exclude = new ArrayList<>();

    @Option(names = "--storage", defaultValue = "sparse", paramLabel = "FORM",
            description = "sparse (default: ONNX sparse_initializer where smaller) or dense (zeros stored densely, for comparison)")
    String storage;

    @Option(names = "--force", description = "allow OUT to be the input file")
    boolean force;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Mixin
    ReportOptions report;

    @Mixin
    QuietOption quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        SparsifyOptions options = options(); // bad options fail before anything is read or written
        ProgressListener progress = quiet.progress();
        OnnxModel model = OnnxFiles.load(input);
        SparsifyResult result = Sparsifier.sparsify(model, input, options);
        Provenance.record(model, input, "sparsify", provenanceOptions());
        OnnxFiles.save(model, output, SaveOptions.defaults().withOverwriteInput(force));
        ModelOutput.copyTokenizer(report.tokenizerIfPresent(input), output);
        CompressionReport measured = CompressionReports.measure(input, output, report.benchmark(),
                report.evaluation(input), report.eval(), progress);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> obj = ReportPrinter.toJson(measured);
            obj.put("pattern", patternName(options.pattern()));
            obj.put("weights", result.weights().size());
            obj.put("weight_elements", result.elements());
            obj.put("zeros", result.zeros());
            obj.put("sparsity", result.sparsity());
            obj.put("stored_sparse", result.storedSparse());
            obj.put("notes", notes(result, options));
            out.println(Json.write(obj));
        } else {
            out.printf(Locale.ROOT, "%s: %s, %d weights, %s of %s elements zero (sparsity %.4f, density %.4f), %d stored as ONNX sparse_initializer%n",
                    output, patternName(options.pattern()), result.weights().size(), Sizes.count(result.zeros()),
                    Sizes.count(result.elements()), result.sparsity(), 1 - result.sparsity(), result.storedSparse());
            notes(result, options).forEach(n -> out.println("note: " + n));
            ReportPrinter.print(measured, out);
        }
        return 0;
    }

    private static List<String> notes(SparsifyResult result, SparsifyOptions options) {
        List<String> notes = new ArrayList<>(result.notes());
        if (result.storedSparse() > 0) {
            notes.add(DENSIFY_NOTE);
        } else if (options.storage() == Storage.DENSE) {
            notes.add("zeros stored densely (--storage dense): the file does not shrink");
        }
        return notes;
    }

    SparsifyOptions options() {
        if ((sparsity == null) == (nm == null)) {
            throw new NncjException("give exactly one of --sparsity S or --nm N:M");
        }
        NodeFilter filter = new NodeFilter(include, exclude);
        Storage form = switch (storage) {
            case "sparse" -> Storage.SPARSE_INITIALIZERS;
            case "dense" -> Storage.DENSE;
            default -> throw new NncjException("--storage must be sparse or dense, not '" + storage + "'");
        };
        PruningPattern pattern;
        try {
            if (sparsity != null) {
                PruningPattern.Scope s = switch (scope) {
                    case "global" -> PruningPattern.Scope.GLOBAL;
                    case "per-layer" -> PruningPattern.Scope.PER_LAYER;
                    default -> throw new NncjException("--scope must be global or per-layer, not '" + scope + "'");
                };
                pattern = new PruningPattern.Magnitude(sparsity, s);
            } else {
                pattern = PruningPattern.NofM.parse(nm);
            }
            return new SparsifyOptions(pattern, filter, includeEmbeddings, form);
        } catch (IllegalArgumentException e) {
            String option = sparsity != null ? "--sparsity" : "--nm";
            throw new NncjException((e.getMessage().startsWith("--") ? "" : option + ": ") + e.getMessage());
        }
    }

    private static String patternName(PruningPattern p) {
        if (p instanceof PruningPattern.Magnitude m) {
            return String.format(Locale.ROOT, "magnitude %s %s", m.sparsity(),
                    m.scope() == PruningPattern.Scope.GLOBAL ? "global" : "per-layer");
        }
        return "N:M " + p;
    }

    private Map<String, Object> provenanceOptions() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("sparsity", sparsity);
        o.put("scope", sparsity == null ? null : scope);
        o.put("nm", nm);
        o.put("include_embeddings", includeEmbeddings);
        o.put("include", include);
        o.put("exclude", exclude);
        o.put("storage", storage);
        return o;
    }
}
