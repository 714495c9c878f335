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
import dev.nncj.runtime.Benchmark;
import dev.nncj.runtime.ComparisonResult;
import dev.nncj.zoo.ModelZoo;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The README's first command: fetch the default encoder and ONNX Runtime's int8 quantization of it
 * from the zoo, inspect both, score the baseline's fidelity on SST-2 and benchmark the two
 * interleaved, then print one table. Later compression commands join this table.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fetch all-MiniLM-L6-v2 and ONNX Runtime's int8 baseline from the zoo, inspect them,",
            "measure the baseline's embedding fidelity on SST-2 and benchmark both in one process."})
final class DemoCommand implements Callable<Integer> {
    private static final String BASELINE = "all-minilm-l6-v2-ort-int8";

    @Option(names = {"-o", "--output"}, defaultValue = "work/demo", paramLabel = "DIR",
            description = "where the models are written (default ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--data", paramLabel = "FILE", description = "sentences for the fidelity column (default: the shipped SST-2 test.tsv)")
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
        ModelZoo.Fetched fp32 = ModelZoo.get(ModelZoo.DEFAULT_MODEL, dir.resolve(ModelZoo.DEFAULT_MODEL), progress);
        ModelZoo.Fetched int8 = ModelZoo.get(BASELINE, dir.resolve(BASELINE), progress);

        ModelReport fp32Report = ModelInspector.inspect(fp32.modelFile());
        ModelReport int8Report = ModelInspector.inspect(int8.modelFile());
        InspectCommand.print(fp32Report, out);
        out.println();

        Path sentencesFile = data != null ? data : defaultData();
        List<String> sentences = SentenceFile.read(sentencesFile);
        EvalResult fidelity;
        try (TextTokenizer tokenizer = TextTokenizer.load(fp32.tokenizerFile(), TokenizerOptions.defaults())) {
            fidelity = EmbeddingFidelityEval.run(int8.modelFile(), fp32.modelFile(), sentences, tokenizer,
                    EvalOptions.defaults(), progress);
        }
        ComparisonResult bench = Benchmark.compare(int8.modelFile(), fp32.modelFile(),
                BenchCommand.options(1, 128, threads, runs, 10), progress);

        out.printf("%-28s %12s %10s %10s %8s %s%n", "model", "parameters", "size", "p50", "vs fp32",
                "mean cosine to fp32 (" + sentencesFile.getFileName() + ", n = " + fidelity.n() + ")");
        out.printf(Locale.ROOT, "%-28s %12s %10s %10s %8s %.4f%n", ModelZoo.DEFAULT_MODEL,
                Sizes.count(fp32Report.parameters() + fp32Report.quantizedParameters()), Sizes.bytes(fp32Report.bytes()),
                Sizes.millis(bench.other().p50Ms()), "1.00x", 1.0);
        out.printf(Locale.ROOT, "%-28s %12s %10s %10s %7.2fx %.4f (min %.4f)%n", BASELINE,
                Sizes.count(int8Report.parameters() + int8Report.quantizedParameters()), Sizes.bytes(int8Report.bytes()),
                Sizes.millis(bench.model().p50Ms()), bench.ratioP50(), fidelity.value(),
                fidelity.metrics().get("min_cosine"));
        out.printf(Locale.ROOT, "latency: batch 1, seq len 128, %d thread(s), %d interleaved runs each; %s, ORT %s%n",
                threads, runs, bench.model().machine().cpuModel(), bench.model().machine().ortVersion());
        return 0;
    }

    private static Path defaultData() {
        Path home = Path.of(Optional.ofNullable(System.getProperty("nncj.home")).orElse("."));
        Path file = home.resolve("data/sst2/test.tsv");
        if (!Files.exists(file)) {
            throw NncjException.inFile(file, "file not found (pass --data FILE with one sentence per line or a TSV)");
        }
        return file;
    }
}
