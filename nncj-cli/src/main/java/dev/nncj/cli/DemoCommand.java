package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.data.SentenceFile;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.eval.EmbeddingFidelityEval;
import dev.nncj.eval.EvalOptions;
import dev.nncj.eval.EvalResult;
import dev.nncj.inspect.ModelInspector;
import dev.nncj.inspect.ModelReport;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.provenance.Provenance;
import dev.nncj.quantize.QuantizationMode;
import dev.nncj.quantize.QuantizationResult;
import dev.nncj.quantize.QuantizeOptions;
import dev.nncj.quantize.Quantizers;
import dev.nncj.runtime.Benchmark;
import dev.nncj.runtime.ComparisonResult;
import dev.nncj.transformer.AttentionFusion;
import dev.nncj.zoo.ModelZoo;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The README's first command: fetch the default encoder and ONNX Runtime's int8 quantization of it
 * from the zoo, inspect the encoder, quantize it with NNCJ (dynamic int8, int4 weights), then score
 * each compressed model's fidelity on SST-2 and benchmark it interleaved with fp32: one table.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Quantize all-MiniLM-L6-v2 and compare size, speed and fidelity.",
            "Fetch all-MiniLM-L6-v2 and ONNX Runtime's int8 baseline from the zoo, inspect the model,",
            "quantize it with NNCJ (dynamic-int8, int4-weight), and print size, p50 (each interleaved with fp32",
            "in one process) and embedding fidelity on SST-2 for every version."})
final class DemoCommand implements Callable<Integer> {
    private static final String BASELINE = "all-minilm-l6-v2-ort-int8";
    /** Set by bin/nncj to the folder it was started from: the distribution or the build tree. */
    static final String HOME_PROPERTY = "nncj.home";
    /** The fidelity column's sentences, shipped under nncj.home. */
    static final String SHIPPED_DATA = "data/sst2/test.tsv";

    @Option(names = {"-o", "--output"}, defaultValue = "work/demo", paramLabel = "DIR",
            description = "where the models are written (default ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--data", paramLabel = "FILE", description = "sentences for the fidelity column (default: data/sst2/test.tsv of this NNCJ)")
    Path data;

    @Option(names = "--threads", defaultValue = "1", description = "ONNX Runtime threads for the benchmark (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--runs", defaultValue = "100", description = "timed runs per model (default ${DEFAULT-VALUE})")
    int runs;

    @Mixin
    QuietOption quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ProgressListener progress = quiet.progress();
        Path sentencesFile = data != null ? data : defaultData(); // before the models: a missing file costs no fetch
        List<String> sentences = SentenceFile.read(sentencesFile);
        ModelZoo.Fetched fp32 = ModelZoo.get(ModelZoo.DEFAULT_MODEL, dir.resolve(ModelZoo.DEFAULT_MODEL), progress);
        ModelZoo.Fetched ortInt8 = ModelZoo.get(BASELINE, dir.resolve(BASELINE), progress);
        ModelReport fp32Report = ModelInspector.inspect(fp32.modelFile());
        InspectCommand.print(fp32Report, out);
        out.println();

        Map<String, Path> candidates = new LinkedHashMap<>();
        candidates.put(BASELINE + " (ORT's quantizer)", ortInt8.modelFile());
        for (QuantizationMode mode : List.of(QuantizationMode.DYNAMIC_INT8, QuantizationMode.INT4_WEIGHT)) {
            candidates.put("nncj quantize --mode " + mode.cliName(), quantize(fp32.modelFile(), mode, progress));
        }

        out.printf("%-44s %10s %10s %8s %s%n", "model", "size", "p50", "vs fp32",
                "mean cosine to fp32 (" + sentencesFile.getFileName() + ", n = " + sentences.size() + ")");
        ComparisonResult last = null;
        try (TextTokenizer tokenizer = TextTokenizer.load(fp32.tokenizerFile(), TokenizerOptions.defaults())) {
            for (Map.Entry<String, Path> c : candidates.entrySet()) {
                EvalResult fidelity = EmbeddingFidelityEval.run(c.getValue(), fp32.modelFile(), sentences, tokenizer,
                        EvalOptions.defaults(), progress);
                last = Benchmark.compare(c.getValue(), fp32.modelFile(), BenchCommand.options(1, 128, threads, runs, 10),
                        progress);
                if (c.getKey().startsWith(BASELINE)) {
                    out.printf(Locale.ROOT, "%-44s %10s %10s %8s %.4f%n", ModelZoo.DEFAULT_MODEL + " (fp32)",
                            Sizes.bytes(fp32Report.bytes()), Sizes.millis(last.other().p50Ms()), "1.00x", 1.0);
                }
                out.printf(Locale.ROOT, "%-44s %10s %10s %7.2fx %.4f (min %.4f)%n", c.getKey(),
                        Sizes.bytes(last.model().fileBytes()), Sizes.millis(last.model().p50Ms()), last.ratioP50(),
                        fidelity.value(), fidelity.metrics().get("min_cosine"));
            }
        }
        out.printf(Locale.ROOT, "latency: batch 1, seq len 128, %d thread(s), %d runs each interleaved with fp32 in one process; %s, ORT %s%n",
                threads, runs, last.model().machine().cpuModel(), last.model().machine().ortVersion());
        return 0;
    }

    /**
     * NNCJ's own quantization of the default model as {@code nncj quantize --mode MODE} writes it (dynamic
     * int8 with its attention fused, the command's default), beside the zoo models.
     */
    private Path quantize(Path fp32, QuantizationMode mode, ProgressListener progress) {
        OnnxModel model = OnnxFiles.load(fp32);
        if (mode == QuantizationMode.DYNAMIC_INT8) {
            model = AttentionFusion.fuseWherePossible(model, fp32).model();
        }
        QuantizationResult result = Quantizers.quantize(model, fp32, QuantizeOptions.defaults(mode), progress);
        Provenance.record(result.model(), fp32, "quantize", Map.of("mode", mode.cliName()));
        Path out = dir.resolve("nncj-" + mode.cliName()).resolve("model.onnx");
        OnnxFiles.save(result.model(), out);
        return out;
    }

    /**
     * The SST-2 sentences that come with NNCJ, in the distribution or build tree bin/nncj started from
     * (it passes its folder as nncj.home), never a file the current folder happens to hold.
     */
    private static Path defaultData() {
        String home = System.getProperty(HOME_PROPERTY);
        if (home == null) {
            throw new NncjException("no default sentences: " + HOME_PROPERTY
                    + " is not set (bin/nncj sets it); pass --data FILE with one sentence per line or a TSV");
        }
        Path file = Path.of(home).resolve(SHIPPED_DATA);
        if (!Files.isRegularFile(file)) {
            throw NncjException.inFile(file, "file not found (pass --data FILE with one sentence per line or a TSV)");
        }
        return file;
    }
}
