package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.SaveOptions;
import dev.nncj.runtime.StagedModel;
import dev.nncj.sparsity.NncjContainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "unpack", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Restore a .nncj container to an ONNX file ONNX Runtime runs.",
            "The container comes from nncj sparsify, share or deep-compress -o OUT.nncj; prints each packed tensor's codec and bits per element."})
final class UnpackCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.nncj", description = "the container")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.onnx", description = "where to write the ONNX model")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Path tokenizer = ModelOutput.tokenizerBeside(input); // a link there is refused before any work
        ModelOutput.checkBeforeWork(output, ModelOutput.Format.ONNX, false, List.of());
        try {
            if (Files.exists(input) && Files.exists(output) && Files.isSameFile(input, output)) {
                throw NncjException.inFile(output, "refusing to overwrite the input container (choose another output)");
            }
        } catch (IOException e) {
            throw NncjException.inFile(output, "cannot check the output path: " + e.getMessage(), e);
        }
        NncjContainer.Unpacked unpacked = NncjContainer.unpack(input);
        OnnxModel model = unpacked.model();
        StagedModel.save(model, output, SaveOptions.defaults()); // the promise: a file ONNX Runtime runs
        ModelOutput.copyTokenizer(Files.isRegularFile(tokenizer, LinkOption.NOFOLLOW_LINKS) ? Optional.of(tokenizer) : Optional.empty(),
                output, spec.commandLine().getErr());
        PrintWriter out = spec.commandLine().getOut();
        try {
            out.printf(Locale.ROOT, "%s: %s restored to %s (%d bytes in the container)%n", output, Sizes.bytes(Files.size(input)),
                    Sizes.bytes(Files.size(output)), Files.size(input));
            for (NncjContainer.PackedTensor t : unpacked.tensors()) {
                out.printf(Locale.ROOT, "  %-40s %-8s %12s elements %10s  %.3f bits per element%n", t.name(),
                        t.codec().name().toLowerCase(Locale.ROOT), Sizes.count(t.elements()), Sizes.bytes(t.payloadBytes()),
                        t.bitsPerElement());
            }
        } catch (IOException e) {
            throw NncjException.inFile(output, "cannot read back: " + e.getMessage(), e);
        }
        return 0;
    }
}
