package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.provenance.Provenance;
import dev.nncj.OptionException;
import dev.nncj.train.distill.DistillOptions;
import dev.nncj.quantize.AccuracyDrivenQuantizer;
import dev.nncj.transformer.AttentionFusion;
import dev.nncj.quantize.Calibration;
import dev.nncj.quantize.QualityMetric;
import dev.nncj.quantize.QuantizationMode;
import dev.nncj.quantize.QuantizationResult;
import dev.nncj.quantize.QuantizeOptions;
import dev.nncj.quantize.Quantizers;
import dev.nncj.report.CompressionReport;
import dev.nncj.report.Evaluation;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "quantize", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Quantize a float model to int8, int4 weights, fp16 or fp8.",
            "Modes: int8 (dynamic or static), int8/int4 weight-only, fp16 or fp8.",
            "--qat: static or dynamic int8 with quantization-aware training of a classifier on --data (same output form).",
            "Prints size, p50 latency (both models interleaved in one process) and, with --eval-data, the task metric.",
            "--max-drop chooses the nodes kept in float on --select-data and reports the drop on --eval-data, other data."})
final class QuantizeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN.onnx", converter = ModelArgument.class, description = "the float model")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.onnx", description = "where to write the result")
    Path output;

    @Option(names = "--mode", required = true, paramLabel = "MODE", converter = ModeConverter.class,
            description = "dynamic-int8 | static-int8 | int8-weight | int4-weight | fp16 | fp8")
    QuantizationMode mode;

    @Mixin
    NodeFilterOptions nodes;

    @Option(names = "--per-tensor", description = "int8: one scale per tensor instead of per output channel")
    boolean perTensor;

    @Option(names = "--asymmetric", description = "int8: asymmetric ranges with a zero point instead of symmetric;"
            + " integer-MatMul weights are then uint8, which ONNX Runtime multiplies without the int16 saturation its"
            + " int8 kernel can have on x86 CPUs without VNNI (slower there)")
    boolean asymmetric;

    @Option(names = "--block-size", defaultValue = "32", description = "weight-only modes and --embedding-bits 4: elements per scale (default ${DEFAULT-VALUE})")
    int blockSize;

    @Option(names = "--fp8-format", defaultValue = "E4M3FN", description = "fp8: E4M3FN (default) or E5M2")
    QuantizeOptions.Fp8Format fp8Format;

    @Option(names = "--calibration-data", paramLabel = "FILE", description = "sentences (TSV/CSV/txt) for static int8 calibration or error compensation")
    Path calibrationData;

    @Option(names = "--calibration-samples", defaultValue = "256", description = "sentences used for calibration (default ${DEFAULT-VALUE})")
    int calibrationSamples;

    @Option(names = "--calibrator", defaultValue = "MIN_MAX", description = "MIN_MAX (default), PERCENTILE or ENTROPY")
    Calibration.Method calibrator;

    @Option(names = "--percentile", defaultValue = "99.999", description = "for --calibrator PERCENTILE (default ${DEFAULT-VALUE})")
    double percentile;

    @Option(names = "--error-compensation", description = "weight-only: GPTQ/AWQ-style rounding using --calibration-data")
    boolean errorCompensation;

    @Option(names = "--embedding-bits", defaultValue = "8", paramLabel = "BITS",
            description = "dynamic-int8 and static-int8: 8 (default, one scale per row) or 4 (blocks of --block-size, as"
                    + " int4-weight stores it) for the token-embedding table, most of a small encoder's bytes")
    int embeddingBits;

    @Option(names = "--attention", defaultValue = "auto", paramLabel = "STYLE",
            description = "dynamic-int8: auto (default: fused where the encoder lifts and keeps its inputs, outputs and"
                    + " weight count, else plain), plain (the model's own attention ops) or fused (re-emit the encoder with"
                    + " com.microsoft.Attention first, which becomes QAttention: one integer Q/K/V GEMM and the attention"
                    + " in one kernel; a model that does not lift, or that fusing would enlarge or rewire, is refused)")
    String attention;

    @Option(names = "--quantize-attention", description = "static-int8: attention's Q·Kᵀ and P·V as integer products too"
            + " (Q/DQ pairs: slower on ONNX Runtime 1.23; the form recipes measured before 2026-12-03 used)")
    boolean quantizeAttention;

    @Option(names = "--float-embeddings", description = "keep the token-embedding table in float")
    boolean floatEmbeddings;

    @Option(names = "--max-drop", paramLabel = "X", description = "accuracy-driven: fall back the most sensitive nodes to float until the"
            + " task metric (mean cosine on --select-data sentences, accuracy with --eval-task text-classification) drops by at most X")
    Double maxDrop;

    @Option(names = "--select-data", paramLabel = "FILE", description = "--max-drop's selection data, read as --eval-data is: the"
            + " nodes kept in float are chosen on it (required with --max-drop; never the --eval-data file, which reports the drop)")
    Path selectData;

    @Option(names = "--qat", description = "static-int8 or dynamic-int8 with quantization-aware training on --data: train the"
            + " fake-quantized classifier by distillation from the float one (static: at ranges calibrated first; dynamic: each"
            + " activation over its own range, as at run time), export the same form as without --qat (a learning rate"
            + " around 1e-5 suits it)")
    boolean qat;

    @Option(names = "--data", paramLabel = "TRAIN.tsv", description = "labelled task data for --qat (also static-int8's"
            + " calibration data unless --calibration-data is given)")
    Path data;

    @Mixin
    TeacherOption teacher;

    @Mixin
    TrainingOptions training;

    @Mixin
    LayerLossOptions layers;

    @Mixin
    ReportOptions report;

    @Mixin
    QuietOption quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        report.checkOutput(input, output, ModelOutput.Format.ONNX);
        if (maxDrop != null && !(maxDrop >= 0 && maxDrop < 1)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--max-drop must be in [0, 1), not " + maxDrop);
        }
        SelectionData sets = selectionData();
        ProgressListener progress = quiet.progress();
        QuantizeOptions options = options(); // bad options fail before the model is read
        Evaluation evaluation = report.evaluation(input); // so does a bad --eval-data
        QuantizationResult result;
        AccuracyDrivenQuantizer.Result selected = null;
        Styled styled = null;
        if (qat) {
            result = QatRun.run(input, teacher.teacher, options, data, report.dataFile,
                    layers.applyTo(DistillOptions.recovery().withTraining(training.toOptions(spec, output))),
                    report.tokenizerFor(input), progress);
        } else {
            Map<String, Object> recorded = new LinkedHashMap<>(CommandProvenance.options(spec));
            if (maxDrop == null) {
                styled = attentionStyle(InputModel.load(input));
                result = Quantizers.quantize(styled.model(), input, options, progress);
                recorded.put("attention_written", styled.fused() ? "fused" : "as given"); // what auto decided
            } else { // reads the input itself, attention as given
                selected = AccuracyDrivenQuantizer.quantize(input, options, maxDrop,
                        QualityMetric.of(report.evaluation(input, selectData), input, report.eval()), progress);
                result = selected.quantization();
            }
            Provenance.record(result.model(), input, "quantize", recorded);
        }
        CompressionReport measured = report.saveAndMeasure(result.model(), input, output, evaluation, progress);
        PrintWriter out = spec.commandLine().getOut();
        if (report.json) {
            Map<String, Object> obj = ReportPrinter.toJson(measured);
            obj.put("mode", mode.cliName());
            obj.put("quantized_nodes", result.quantizedNodes().size());
            obj.put("kept_float", result.keptFloat());
            obj.put("notes", notes(styled, result));
            if (selected != null) {
                obj.put("selection_drop", selected.finalDrop());
                obj.put("test_drop", testDrop(measured).isPresent() ? testDrop(measured).getAsDouble() : null);
                obj.put("data", sets.json());
            }
            out.println(Json.write(obj));
        } else {
            out.printf(Locale.ROOT, "%s: %d nodes quantized (%s)%n", output, result.quantizedNodes().size(), mode.cliName());
            if (!result.keptFloat().isEmpty()) {
                out.printf("kept float (%d):%n", result.keptFloat().size());
                result.keptFloat().forEach((node, why) -> out.printf("  %s: %s%n", node, why));
            }
            notes(styled, result).forEach(n -> out.println("note: " + n));
            ReportPrinter.print(measured, out);
            if (selected != null) {
                printDrops(selected, measured, out);
            }
        }
        return 0;
    }

    /** What --attention did (when the model was styled here), then the quantizer's notes. */
    private static List<String> notes(Styled styled, QuantizationResult result) {
        List<String> notes = new ArrayList<>();
        if (styled != null) {
            styled.note().ifPresent(notes::add);
        }
        notes.addAll(result.notes());
        return notes;
    }

    /** --max-drop chooses on --select-data and reports on --eval-data; without --max-drop nothing is chosen on data. */
    private SelectionData selectionData() {
        if (maxDrop != null && selectData == null) {
            throw new OptionException("--max-drop needs its own selection data: give --select-data FILE (--eval-data reports"
                    + " the drop; it cannot also choose the nodes)");
        }
        if (maxDrop == null && selectData != null) {
            throw new OptionException("--select-data is the selection data of --max-drop; give --max-drop X too");
        }
        return SelectionData.of("--select-data", selectData, "--eval-data", report.evalData, "the nodes kept in float");
    }

    /** The metric's drop on --eval-data (fidelity's original is 1 by definition); empty without --eval-data. */
    private static OptionalDouble testDrop(CompressionReport measured) {
        if (measured.compressedMetric().isEmpty()) {
            return OptionalDouble.empty();
        }
        double before = measured.originalMetric().map(e -> e.value()).orElse(1.0);
        return OptionalDouble.of(before - measured.compressedMetric().get().value());
    }

    private void printDrops(AccuracyDrivenQuantizer.Result selected, CompressionReport measured, PrintWriter out) {
        OptionalDouble test = testDrop(measured);
        out.printf(Locale.ROOT, "drop in %s: %.4f on the selection data (%s, --select-data: chose the nodes kept in float)%s%n",
                selected.metric(), selected.finalDrop(), selectData.getFileName(), test.isPresent()
                        ? String.format(Locale.ROOT, ", %.4f on the test data (%s, --eval-data)", test.getAsDouble(),
                                report.evalData.getFileName())
                        : "; no test figure (give --eval-data)");
    }

    QuantizeOptions options() {
        attentionChoice();
        if (qat) {
            QatRun.check(mode, maxDrop, data);
        } else if (data != null) {
            throw new NncjException("--data is the training data of --qat; give --qat too (or --calibration-data to calibrate)");
        }
        layers.checkUsedWith(qat, "--qat");
        teacher.check(qat);
        training.refuseResumeUnless(qat, "--qat");
        Optional<Calibration> calibration = Optional.empty();
        // static QAT calibrates on its training data unless told otherwise
        Path calibrationFile = calibrationData == null && qat && mode == QuantizationMode.STATIC_INT8 ? data : calibrationData;
        if (calibrationFile != null) {
            List<String> sentences = CalibrationSentences.read(calibrationFile, calibrationSamples);
            calibration = Optional.of(new Calibration(sentences, report.tokenizerFor(input), calibrator, percentile,
                    QuantizeOptions.CALIBRATION_BATCH_SIZE));
        }
        if (embeddingBits != 8 && mode != QuantizationMode.DYNAMIC_INT8 && mode != QuantizationMode.STATIC_INT8) {
            throw new OptionException("--embedding-bits is for dynamic-int8 and static-int8 (the weight-only modes store the table with their own bits)");
        }
        if (quantizeAttention && mode != QuantizationMode.STATIC_INT8) {
            throw new OptionException("--quantize-attention is for static-int8 (dynamic-int8 keeps attention float, or fuses it with --attention fused)");
        }
        return new QuantizeOptions(mode, nodes.filter(), !perTensor, !asymmetric, blockSize,
                fp8Format, calibration, errorCompensation, !floatEmbeddings, embeddingBits, quantizeAttention);
    }

    /** --attention's values; auto is the command's default, not an emitted style. */
    enum AttentionChoice { AUTO, PLAIN, FUSED }

    /**
     * --attention: fused asked for is for dynamic-int8 alone (checked with the other options, before any
     * work); auto fuses for plain dynamic int8, the one form fusion makes faster (QAttention).
     */
    private AttentionChoice attentionChoice() {
        AttentionChoice choice = Flags.choice(AttentionChoice.class, attention, "attention");
        boolean fusable = mode == QuantizationMode.DYNAMIC_INT8 && maxDrop == null && !qat;
        if (choice == AttentionChoice.FUSED && !fusable) {
            throw new OptionException("--attention fused is for dynamic-int8 without --max-drop or --qat");
        }
        return choice == AttentionChoice.AUTO && !fusable ? AttentionChoice.PLAIN : choice;
    }

    /** The model to quantize, whether its attention was fused, and what auto has to say about it. */
    private record Styled(OnnxModel model, boolean fused, Optional<String> note) {}

    /** The model with its attention fused when --attention asks for it (auto: where it can, noting what it did). */
    private Styled attentionStyle(OnnxModel model) {
        AttentionChoice choice = attentionChoice();
        if (choice == AttentionChoice.PLAIN) {
            return new Styled(model, false, Optional.empty());
        }
        Quantizers.refuseQuantized(model, input); // before lifting: a clearer line than the lifter's, and no work
        if (choice == AttentionChoice.FUSED) {
            return new Styled(AttentionFusion.fuse(model, input), true, Optional.empty());
        }
        AttentionFusion.Attempt attempt = AttentionFusion.fuseWherePossible(model, input);
        if (attempt.fused()) {
            return new Styled(attempt.model(), true, Optional.of("attention fused into com.microsoft.Attention, QAttention"
                    + " once quantized (--attention plain keeps the model's own attention ops)"));
        }
        return new Styled(model, false, hasSoftmax(model)
                ? Optional.of("attention kept as the model writes it: " + attempt.keptBecause().orElseThrow())
                : Optional.empty());
    }

    /** Whether the graph has the Softmax of an unfused attention: only then is a kept attention worth a line. */
    private static boolean hasSoftmax(OnnxModel model) {
        return model.graph().nodes().stream().anyMatch(n -> n.opType().equals("Softmax"));
    }

    static final class ModeConverter implements picocli.CommandLine.ITypeConverter<QuantizationMode> {
        @Override
        public QuantizationMode convert(String value) {
            try {
                return QuantizationMode.parse(value);
            } catch (OptionException e) {
                throw new picocli.CommandLine.TypeConversionException(Flags.message(e).replaceFirst("^--mode ", ""));
            }
        }
    }
}
