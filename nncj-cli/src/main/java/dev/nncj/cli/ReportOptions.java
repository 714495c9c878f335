package dev.nncj.cli;

import dev.nncj.ProgressListener;
import dev.nncj.data.SentenceFile;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.eval.EvalOptions;
import dev.nncj.eval.VocabularyCheck;
import dev.nncj.folder.ArchitectureEdit;
import dev.nncj.folder.ModelFolder;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.SaveOptions;
import dev.nncj.report.CompressionReport;
import dev.nncj.report.CompressionReports;
import dev.nncj.report.Evaluation;
import dev.nncj.runtime.BenchmarkOptions;
import dev.nncj.runtime.StagedModel;
import dev.nncj.sparsity.NncjContainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options every compression command shares: --force and --json, how to benchmark the two files
 * and, when data is given, which task metric to compare.
 */
final class ReportOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--eval-data", paramLabel = "FILE",
            description = "data for the before/after metric: sentences (embedding-fidelity) or labelled TSV (text-classification)")
    Path evalData;

    /** What --eval-data measures, and how it is read. */
    enum EvalTask { EMBEDDING_FIDELITY, TEXT_CLASSIFICATION }

    @Option(names = "--eval-task", defaultValue = "embedding-fidelity", paramLabel = "TASK",
            description = "embedding-fidelity (default) or text-classification")
    String evalTask;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "tokenizer.json (default: IN's stem.tokenizer.json beside the input, else tokenizer.json there)")
    Path tokenizer;

    @Option(names = "--bench-threads", defaultValue = "1", description = "ONNX Runtime threads for the latency comparison (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--bench-runs", defaultValue = "50", description = "interleaved runs per model for the latency comparison (default ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--seq-len", defaultValue = "128", description = "sequence length of the latency comparison (default ${DEFAULT-VALUE})")
    int seqLen;

    @Option(names = "--force", description = "allow OUT to be the input file")
    boolean force;

    /**
     * Checked at the start of a command, before compression or training: OUT fits the format, is not IN
     * unless --force, and its folder takes a new file.
     */
    void checkOutput(Path input, Path output, ModelOutput.Format format) {
        checkOutput(List.of(input), output, format);
    }

    /** As {@link #checkOutput(Path, Path, ModelOutput.Format)} for a command with several input models, the first the main one. */
    void checkOutput(List<Path> inputs, Path output, ModelOutput.Format format) {
        ModelOutput.checkBeforeWork(ModelOutput.typed(spec, output), output, format, force, inputs);
    }

    @Option(names = "--json", description = "print JSON")
    boolean json;

    /** How labelled data files are read: --eval-data and, through the commands, --data. */
    @picocli.CommandLine.Mixin
    DataFileOptions dataFile;

    BenchmarkOptions benchmark() {
        return BenchCommand.options(1, seqLen, threads, runs, 10);
    }

    EvalOptions eval() {
        return EvalOptions.defaults();
    }

    Path tokenizerFor(Path model) {
        return tokenizer != null ? tokenizer : ModelOutput.tokenizerBeside(model);
    }

    Evaluation evaluation(Path original) {
        return evaluation(original, evalData);
    }

    /** {@code data} (none when null) read for --eval-task: the same form serves --eval-data and selection data. */
    Evaluation evaluation(Path original, Path data) {
        if (data == null) {
            return new Evaluation.None();
        }
        Evaluation evaluation = switch (Flags.choice(EvalTask.class, evalTask, "evalTask")) {
            case EMBEDDING_FIDELITY -> new Evaluation.EmbeddingFidelity(SentenceFile.read(data, dataFile.textColumn(),
                    !dataFile.noHeader, dataFile.encoding()), tokenizerFor(original));
            case TEXT_CLASSIFICATION -> new Evaluation.TextClassification(dataFile.labelled(data),
                    tokenizerFor(original));
        };
        requireTokenizerFits(original, tokenizerFor(original));
        return evaluation;
    }

    /** A tokenizer that does not fit the model fails here, before the work, not in the measurement after it. */
    private static void requireTokenizerFits(Path model, Path tokenizerFile) {
        try (TextTokenizer tokenizer = TextTokenizer.load(tokenizerFile, TokenizerOptions.defaults())) {
            VocabularyCheck.check(model, tokenizer);
        }
    }

    /**
     * The tail every compression command shares: write the result where ONNX Runtime must load it and
     * the before/after is measured before it takes OUT's name (over the input only with --force), then
     * put the input's tokenizer beside it. A failure anywhere leaves no OUT.
     */
    CompressionReport saveAndMeasure(OnnxModel model, Path input, Path output, Evaluation evaluation,
                                     ProgressListener progress) {
        return saveAndMeasure(model, input, output, evaluation, progress, Optional.empty());
    }

    /**
     * As {@link #saveAndMeasure(OnnxModel, Path, Path, Evaluation, ProgressListener)} for a method that
     * changed the architecture by {@code edit}: a model folder's config.json is rewritten to match.
     */
    CompressionReport saveAndMeasure(OnnxModel model, Path input, Path output, Evaluation evaluation,
                                     ProgressListener progress, Optional<ArchitectureEdit> edit) {
        return saveAndMeasure(model, input, input, output, evaluation, progress, edit);
    }

    /**
     * As above, measured against {@code input} but with a model folder's companion files taken from the
     * folder of {@code described}, the model whose config.json {@code edit} applies to (distillation's
     * given student, not its teacher).
     */
    CompressionReport saveAndMeasure(OnnxModel model, Path input, Path described, Path output, Evaluation evaluation,
                                     ProgressListener progress, Optional<ArchitectureEdit> edit) {
        if (ModelOutput.isFolder(ModelOutput.typed(spec, output), output, ModelOutput.Format.ONNX, List.of(input))) {
            CompressionReport measured = ModelOutput.saveFolder(model, described, output,
                    SaveOptions.defaults().withOverwriteInput(force), tokenizerIfPresent(input), edit,
                    staged -> CompressionReports.measure(input, staged, benchmark(), evaluation, eval(), progress));
            return measured.withCompressed(output.resolve(ModelFolder.MODEL_FILE));
        }
        CompressionReport measured = StagedModel.save(model, output, SaveOptions.defaults().withOverwriteInput(force),
                staged -> CompressionReports.measure(input, staged, benchmark(), evaluation, eval(), progress));
        ModelOutput.copyTokenizer(tokenizerIfPresent(input), output, spec.commandLine().getErr());
        return measured.withCompressed(output);
    }

    /** A container's before/after report and what was packed. */
    record Packed(CompressionReport report, NncjContainer.PackResult pack) {}

    /**
     * The tail of a command writing a {@code .nncj} container. ONNX Runtime cannot run a container,
     * so the ONNX model that {@code nncj unpack} restores is staged beside OUT, loaded and measured
     * (latency and the metric), and deleted; only then is the container written. The size is the
     * container's.
     */
    Packed packAndMeasure(OnnxModel model, Path input, Path output, Evaluation evaluation, ProgressListener progress) {
        try (StagedModel unpacked = StagedModel.write(model, output, SaveOptions.defaults().withOverwriteInput(force))) {
            CompressionReport m = unpacked.check(
                    staged -> CompressionReports.measure(input, staged, benchmark(), evaluation, eval(), progress));
            NncjContainer.PackResult packed = NncjContainer.write(model, output);
            ModelOutput.copyTokenizer(tokenizerIfPresent(input), output, spec.commandLine().getErr());
            return new Packed(new CompressionReport(input, output, m.originalBytes(), packed.fileBytes(), m.latency(),
                    m.originalMetric(), m.compressedMetric()), packed);
        }
    }

    Optional<Path> tokenizerIfPresent(Path model) {
        Path t = tokenizerFor(model);
        return Files.isRegularFile(t) ? Optional.of(t) : Optional.empty();
    }
}
