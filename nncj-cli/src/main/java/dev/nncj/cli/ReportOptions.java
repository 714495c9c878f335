package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.SaveOptions;
import dev.nncj.report.CompressionReport;
import dev.nncj.report.CompressionReports;
import dev.nncj.sparsity.NncjContainer;
import dev.nncj.data.SentenceFile;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.eval.EvalOptions;
import dev.nncj.report.Evaluation;
import dev.nncj.runtime.BenchmarkOptions;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The options every compression command shares: --force and --json, how to benchmark the two files
 * and, when data is given, which task metric to compare.
 */
final class ReportOptions {
    @Option(names = "--eval-data", paramLabel = "FILE",
            description = "data for the before/after metric: sentences (embedding-fidelity) or labelled TSV (text-classification)")
    Path evalData;

    @Option(names = "--eval-task", defaultValue = "embedding-fidelity", paramLabel = "TASK",
            description = "embedding-fidelity (default) or text-classification")
    String evalTask;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "tokenizer.json (default: tokenizer.json beside the input)")
    Path tokenizer;

    @Option(names = "--bench-threads", defaultValue = "1", description = "ONNX Runtime threads for the latency comparison (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--bench-runs", defaultValue = "50", description = "interleaved runs per model for the latency comparison (default ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--seq-len", defaultValue = "128", description = "sequence length of the latency comparison (default ${DEFAULT-VALUE})")
    int seqLen;

    @Option(names = "--force", description = "allow OUT to be the input file")
    boolean force;

    /** Checked at the start of a command, before compression or training: OUT must not be IN unless --force. */
    void refuseOverwritingInput(Path input, Path output) {
        if (!force) {
            dev.nncj.OutputFiles.refuseOverwriting(input, output);
        }
    }

    @Option(names = "--json", description = "print JSON")
    boolean json;

    BenchmarkOptions benchmark() {
        return BenchCommand.options(1, seqLen, threads, runs, 10);
    }

    EvalOptions eval() {
        return EvalOptions.defaults();
    }

    Path tokenizerFor(Path model) {
        return tokenizer != null ? tokenizer : model.toAbsolutePath().resolveSibling("tokenizer.json");
    }

    Evaluation evaluation(Path original) {
        return evaluation(original, evalData);
    }

    /** {@code data} (none when null) read for --eval-task: the same form serves --eval-data and selection data. */
    Evaluation evaluation(Path original, Path data) {
        if (data == null) {
            return new Evaluation.None();
        }
        return switch (evalTask) {
            case "embedding-fidelity" -> new Evaluation.EmbeddingFidelity(SentenceFile.read(data), tokenizerFor(original));
            case "text-classification" -> new Evaluation.TextClassification(TextClassificationDataset.load(data),
                    tokenizerFor(original));
            default -> throw new NncjException("--eval-task must be embedding-fidelity or text-classification, not '"
                    + evalTask + "'");
        };
    }

    /**
     * The tail every compression command shares: save the result atomically (over the input only
     * with --force), put the input's tokenizer beside it, and measure before/after.
     */
    CompressionReport saveAndMeasure(OnnxModel model, Path input, Path output, Evaluation evaluation,
                                     ProgressListener progress) {
        OnnxFiles.save(model, output, SaveOptions.defaults().withOverwriteInput(force));
        ModelOutput.copyTokenizer(tokenizerIfPresent(input), output);
        return CompressionReports.measure(input, output, benchmark(), evaluation, eval(), progress);
    }

    /** A container's before/after report and what was packed. */
    record Packed(CompressionReport report, NncjContainer.PackResult pack) {}

    /**
     * The tail of a command writing a {@code .nncj} container. ONNX Runtime cannot run a container,
     * so latency and the metric are measured on the ONNX model that {@code nncj unpack} restores
     * (written to a temp file beside OUT, then deleted); the size is the container's.
     */
    Packed packAndMeasure(OnnxModel model, Path input, Path output, Evaluation evaluation, ProgressListener progress) {
        Path dir = output.toAbsolutePath().getParent();
        Path unpacked = null;
        try {
            java.nio.file.Files.createDirectories(dir);
            unpacked = java.nio.file.Files.createTempFile(dir, ".pack-", ".onnx");
            OnnxFiles.save(model, unpacked);
            CompressionReport m = CompressionReports.measure(input, unpacked, benchmark(), evaluation, eval(), progress);
            NncjContainer.PackResult packed = NncjContainer.write(model, output);
            ModelOutput.copyTokenizer(tokenizerIfPresent(input), output);
            return new Packed(new CompressionReport(input, output, m.originalBytes(), packed.fileBytes(), m.latency(),
                    m.originalMetric(), m.compressedMetric()), packed);
        } catch (java.io.IOException e) {
            throw NncjException.inFile(dir, "cannot write: " + e.getMessage(), e);
        } finally {
            if (unpacked != null) {
                try {
                    java.nio.file.Files.deleteIfExists(unpacked);
                } catch (java.io.IOException e) {
                    // a leftover hidden temp file is harmless; the result is already written
                }
            }
        }
    }

    Optional<Path> tokenizerIfPresent(Path model) {
        Path t = tokenizerFor(model);
        return java.nio.file.Files.isRegularFile(t) ? Optional.of(t) : Optional.empty();
    }
}
