package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.data.ImageDataset;
import dev.nncj.data.SentenceFile;
import dev.nncj.data.SentencePairs;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.eval.EmbeddingFidelityEval;
import dev.nncj.eval.EvalOptions;
import dev.nncj.eval.EvalResult;
import dev.nncj.eval.ImageClassificationEval;
import dev.nncj.eval.SentenceSimilarityEval;
import dev.nncj.eval.TextClassificationEval;
import dev.nncj.folder.HfConfig;
import dev.nncj.runtime.RuntimeOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score a model on a task with ONNX Runtime.",
            "Prints the metric, its 95%% confidence interval and n.",
            "Tasks: text-classification (accuracy), embedding-fidelity (cosine to --reference),",
            "sts (Spearman of pair similarities vs gold scores), image-classification (accuracy, IDX files)."})
final class EvalCommand implements Callable<Integer> {

    enum Task {
        TEXT_CLASSIFICATION, EMBEDDING_FIDELITY, STS, IMAGE_CLASSIFICATION;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    @Parameters(index = "0", paramLabel = "MODEL", converter = ModelArgument.class, description = "the .onnx model to score")
    Path model;

    @Option(names = "--task", required = true, converter = TaskConverter.class,
            description = "text-classification | embedding-fidelity | sts | image-classification")
    Task task;

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "TSV/CSV (or .txt sentences for embedding-fidelity); IDX images for image-classification")
    Path data;

    @Option(names = "--labels", paramLabel = "FILE", description = "IDX labels file (image-classification)")
    Path labels;

    @Option(names = "--reference", paramLabel = "REF.onnx", converter = ModelArgument.class, description = "reference model (embedding-fidelity)")
    Path reference;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "tokenizer.json (default: MODEL's stem.tokenizer.json beside it, else tokenizer.json there)")
    Path tokenizer;

    @Mixin
    DataFileOptions dataFile;

    @Option(names = "--max-length", defaultValue = "128", description = "tokens per sentence after truncation (default ${DEFAULT-VALUE})")
    int maxLength;

    @Option(names = "--batch-size", defaultValue = "32", description = "examples per run (default ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--threads", description = "ONNX Runtime intra-op threads (default: all cores)")
    Integer threads;

    @Option(names = "--output", paramLabel = "NAME", description = "model output to score (default: the first)")
    String outputName;

    @Option(names = "--limit", paramLabel = "N", description = "score only the first N examples")
    Integer limit;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Mixin
    QuietOption quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        EvalOptions options = EvalOptions.defaults().withBatchSize(batchSize).withOutputName(outputName);
        if (threads != null) {
            options = options.withRuntime(RuntimeOptions.defaults().withIntraOpThreads(threads));
        }
        ProgressListener progress = quiet.progress();
        EvalResult result = switch (task) {
            case IMAGE_CLASSIFICATION -> {
                if (labels == null) {
                    throw new NncjException("--task image-classification needs --labels LABELS.idx");
                }
                yield ImageClassificationEval.run(model, ImageDataset.load(data, labels), options, progress);
            }
            case TEXT_CLASSIFICATION -> {
                TextClassificationDataset dataset = TextClassificationDataset.load(data, dataFile.classification());
                try (TextTokenizer tok = tokenizer()) {
                    yield TextClassificationEval.run(model, limited(dataset), tok, options, progress,
                            HfConfig.labelNamesBeside(model));
                }
            }
            case EMBEDDING_FIDELITY -> {
                if (reference == null) {
                    throw new NncjException("--task embedding-fidelity needs --reference REF.onnx");
                }
                List<String> sentences = SentenceFile.read(data, dataFile.textColumn(), !dataFile.noHeader,
                        dataFile.encoding());
                if (limit != null) {
                    sentences = sentences.subList(0, Math.min(limit, sentences.size()));
                }
                try (TextTokenizer tok = tokenizer()) {
                    yield EmbeddingFidelityEval.run(model, reference, sentences, tok, options, progress);
                }
            }
            case STS -> {
                try (TextTokenizer tok = tokenizer()) {
                    yield SentenceSimilarityEval.run(model, SentencePairs.load(data), tok, options, progress);
                }
            }
        };
        print(result, spec.commandLine().getOut());
        return 0;
    }

    private void print(EvalResult r, PrintWriter out) {
        if (json) {
            Map<String, Object> obj = new LinkedHashMap<>();
            obj.put("task", r.task());
            obj.put("model", r.model());
            obj.put("metric", r.metric());
            r.metrics().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> obj.put(e.getKey(), e.getKey().equals("correct") ? (Object) e.getValue().longValue() : e.getValue()));
            obj.put("ci95", List.of(r.ci95().low(), r.ci95().high()));
            obj.put("n", r.n());
            out.println(Json.write(obj));
            return;
        }
        out.printf(Locale.ROOT, "%s  %s = %.4f  (95%% CI %.4f to %.4f, n = %d)%n", r.task(), r.metric(), r.value(),
                r.ci95().low(), r.ci95().high(), r.n());
        r.metrics().entrySet().stream()
                .filter(e -> !e.getKey().equals(r.metric()))
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.printf(Locale.ROOT, "  %s = %.4f%n", e.getKey(), e.getValue()));
    }

    private TextClassificationDataset limited(TextClassificationDataset d) {
        return limit == null ? d : d.firstN(limit);
    }

    private TextTokenizer tokenizer() {
        Path file = tokenizer != null ? tokenizer : ModelOutput.tokenizerBeside(model);
        return TextTokenizer.load(file, TokenizerOptions.defaults().withMaxLength(maxLength));
    }

    static final class TaskConverter implements picocli.CommandLine.ITypeConverter<Task> {
        @Override
        public Task convert(String value) {
            for (Task t : Task.values()) {
                if (t.toString().equals(value)) {
                    return t;
                }
            }
            throw new picocli.CommandLine.TypeConversionException("unknown task '" + value
                    + "' (text-classification, embedding-fidelity, sts, image-classification)");
        }
    }
}
