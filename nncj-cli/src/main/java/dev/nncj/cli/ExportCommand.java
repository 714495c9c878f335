package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.OptionException;
import dev.nncj.data.SentenceFile;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.export.OrtFormatExport;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code nncj export MODEL --format ort -o M.ort}: the model for ONNX Runtime Mobile, checked before it is named. */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a model in ORT format for ONNX Runtime Mobile.",
            "ORT's basic graph optimizations are baked in, which keeps standard ONNX operators: the file runs on any",
            "execution provider (CPU, XNNPACK, NNAPI, Core ML). ONNX Runtime loads the file back and its outputs must",
            "match the ONNX model's within 1e-5 on --data sentences (tokenized by the tokenizer beside the model, or",
            "--tokenizer), else on inputs made from the model's signature; otherwise nothing is written."},
        footer = {"", "Example: nncj export work/minilm/model.onnx --format ort -o work/minilm.ort --data data/sst2/test.tsv"})
final class ExportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", converter = ModelArgument.class, description = "the .onnx model")
    Path model;

    @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "ort (ONNX Runtime's FlatBuffers format)")
    String format;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.ort", description = "where to write the model")
    Path output;

    @Option(names = "--data", paramLabel = "FILE",
            description = "sentences to compare the two models on (one per line, or a TSV with a sentence column)")
    Path data;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "tokenizer.json for --data (default: the one beside MODEL)")
    Path tokenizer;

    @Mixin
    QuietOption quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!format.equals("ort")) {
            throw new OptionException("--format must be ort, not '" + format + "'");
        }
        if (tokenizer != null && data == null) {
            throw new OptionException("--tokenizer tokenizes --data; give --data FILE too");
        }
        ModelOutput.checkBeforeWork(output, ModelOutput.Format.ORT, false, model);
        Path tokenizerFile = tokenizer != null ? tokenizer : ModelOutput.tokenizerBeside(model);
        InputModel.check(model);
        OrtFormatExport.Result result;
        if (data != null) {
            if (!Files.isRegularFile(tokenizerFile)) {
                throw NncjException.inFile(tokenizerFile, "file not found (--data needs the model's tokenizer: pass --tokenizer FILE)");
            }
            try (TextTokenizer text = TextTokenizer.load(tokenizerFile, TokenizerOptions.defaults())) {
                result = OrtFormatExport.export(model, output,
                        new OrtFormatExport.Sentences(SentenceFile.read(data), text), quiet.progress());
            }
        } else {
            result = OrtFormatExport.export(model, output, OrtFormatExport.Synthesized.defaults(), quiet.progress());
        }
        ModelOutput.copyTokenizer(Files.isRegularFile(tokenizerFile) ? Optional.of(tokenizerFile) : Optional.empty(),
                output, spec.commandLine().getErr());
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "%s: ORT format, %s, ORT's %s graph optimizations (any execution provider)%n",
                result.file(), Sizes.bytes(result.bytes()), OrtFormatExport.OPTIMIZATION.name().toLowerCase(Locale.ROOT));
        out.printf(Locale.ROOT, "checked: ONNX Runtime loads it; on %d %s its outputs %s differ from %s's by at most %.2g"
                        + " (tolerance %.0e)%n", result.samples(), data != null ? "sentences of " + data.getFileName()
                        : "synthesized inputs", result.outputs(), model.getFileName(), result.maxAbsDifference(),
                OrtFormatExport.TOLERANCE);
        return 0;
    }
}
