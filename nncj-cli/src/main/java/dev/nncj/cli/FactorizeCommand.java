package dev.nncj.cli;

import dev.nncj.OptionException;
import dev.nncj.ProgressListener;
import dev.nncj.calibration.CalibrationData;
import dev.nncj.lowrank.FactorizeOptions;
import dev.nncj.lowrank.FactorizeResult;
import dev.nncj.lowrank.FactorizedWeight;
import dev.nncj.lowrank.Factorizer;
import dev.nncj.lowrank.RankPlan;
import dev.nncj.lowrank.RankRule;
import dev.nncj.lowrank.SkippedWeight;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.provenance.Provenance;
import dev.nncj.report.CompressionReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "factorize", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Replace weight matrices by products of two low-rank matrices.",
            "Low-rank factorization: each selected MatMul/Gemm weight W [in, out] becomes the rank-r truncation of",
            "its SVD, computed as two thin products (x L) R, r (in + out) parameters instead of in x out.",
            "Weights whose factors would not be smaller are left as they are and listed. --embedding-rank E also",
            "factorizes the token-embedding table V x H into V x E and E x H (ALBERT). A classifier's head is usually a Gemm:",
            "--exclude Gemm keeps it whole.",
            "Prints parameters, size, p50 latency (both models interleaved in one process) and, with --eval-data, the task metric."})
final class FactorizeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN.onnx", converter = ModelArgument.class, description = "the float model")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.onnx", description = "where to write the result")
    Path output;

    @Option(names = "--rank-ratio", paramLabel = "R", description = "rank = R x full rank (min(in, out)), R in (0, 1]")
    Double rankRatio;

    @Option(names = "--energy", paramLabel = "E", description = "smallest rank keeping fraction E of the sum of squared singular values, E in (0, 1]")
    Double energy;

    @Option(names = "--rank", paramLabel = "PATTERN=R",
            description = "nodes whose op type is PATTERN, or whose name or weight's name matches the regex PATTERN, get rank R (an integer) or "
                    + "ratio R (with a decimal point, e.g. 0.25); first match wins, over --rank-ratio/--energy (repeatable)")
    List<String> ranks = new ArrayList<>();

    @Mixin
    NodeFilterOptions nodes;

    @Option(names = "--embedding-rank", paramLabel = "E", description = "also factorize the token-embedding table V x H into V x E and E x H")
    Integer embeddingRank;

    @Option(names = "--calibration-data", paramLabel = "FILE",
            description = "sentences (TSV/CSV/txt) whose activations weigh the truncation: each weight keeps what its "
                    + "frequently large inputs use (activation-aware SVD); without it, plain SVD of W")
    Path calibrationData;

    @Option(names = "--calibration-samples", defaultValue = "256", description = "sentences used for calibration (default ${DEFAULT-VALUE})")
    int calibrationSamples;

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
        report.checkOutput(input, output, ModelOutput.Format.ONNX);
        FactorizeOptions options = options(); // bad option values fail before anything is read
        recovery.check(spec, output, report.evalData);
        if (calibrationData != null) {
            options = options.withCalibration(new CalibrationData.Sentences(CalibrationSentences.read(calibrationData,
                    calibrationSamples), report.tokenizerFor(input), Factorizer.CALIBRATION_BATCH_SIZE));
        }
        var evaluation = report.evaluation(input); // a bad --eval-data fails before any work
        ProgressListener progress = quiet.progress();
        OnnxModel model = InputModel.load(input);
        FactorizeResult result = Factorizer.factorize(model, input, options, progress);
        Provenance.record(model, input, "factorize", CommandProvenance.options(spec));
        RecoveryOptions.Recovered recovered = recovery.apply(input, model, report.tokenizerFor(input), report.dataFile, progress);
        CompressionReport measured = report.saveAndMeasure(recovered.model(), input, output, evaluation, progress);
        print(result, recovered, measured);
        return 0;
    }

    FactorizeOptions options() {
        if (rankRatio != null && energy != null) {
            throw new OptionException("give at most one of --rank-ratio R and --energy E (use --rank PATTERN=R for per-layer ranks)");
        }
        Optional<RankRule> rule = rankRatio != null ? Optional.of(new RankRule.Ratio(rankRatio))
                : energy != null ? Optional.of(new RankRule.Energy(energy)) : Optional.empty();
        List<RankPlan.Override> overrides = ranks.stream().map(RankPlan.Override::parse).toList();
        return new FactorizeOptions(new RankPlan(rule, overrides), nodes.filter(),
                embeddingRank == null ? OptionalInt.empty() : OptionalInt.of(embeddingRank), false);
    }

    private void print(FactorizeResult result, RecoveryOptions.Recovered recovered, CompressionReport measured) {
        PrintWriter out = spec.commandLine().getOut();
        if (report.json) {
            Map<String, Object> obj = ReportPrinter.toJson(measured);
            obj.put("parameters_before", result.parametersBefore());
            obj.put("parameters_after", result.parametersAfter());
            obj.put("factorized", result.factorized().stream().map(FactorizeCommand::weightJson).toList());
            obj.put("skipped", result.skipped());
            obj.put("recovery", recovered.run() == null ? null : recovered.json());
            out.println(Json.write(obj));
            return;
        }
        out.printf(Locale.ROOT, "%s: %d weight(s) factorized, %d skipped; parameters %,d -> %,d (%.3fx)%n", output,
                result.factorized().size(), result.skipped().size(), result.parametersBefore(), result.parametersAfter(),
                (double) result.parametersAfter() / result.parametersBefore());
        for (FactorizedWeight f : result.factorized()) {
            String nodes = f.nodes().get(0) + (f.nodes().size() > 1 ? " (+" + (f.nodes().size() - 1) + " sharing it)" : "");
            out.printf(Locale.ROOT, "  %-48s %5d x %-5d rank %4d of %-4d energy kept %.4f  %,d -> %,d  (%s)%n", nodes,
                    f.rows(), f.cols(), f.rank(), f.fullRank(), f.keptEnergy(), f.parametersBefore(), f.parametersAfter(),
                    f.weight());
        }
        for (SkippedWeight s : result.skipped()) {
            out.printf(Locale.ROOT, "  skipped %s (%s): %s%n", s.node(), s.weight(), s.reason());
        }
        if (recovered.run() != null) {
            out.println(recovered.line());
        }
        ReportPrinter.print(measured, out);
    }

    private static Map<String, Object> weightJson(FactorizedWeight f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("weight", f.weight());
        m.put("nodes", f.nodes());
        m.put("op_type", f.opType());
        m.put("rows", f.rows());
        m.put("cols", f.cols());
        m.put("rank", f.rank());
        m.put("full_rank", f.fullRank());
        m.put("kept_energy", f.keptEnergy());
        m.put("relative_error", f.relativeError());
        m.put("parameters_before", f.parametersBefore());
        m.put("parameters_after", f.parametersAfter());
        return m;
    }
}
