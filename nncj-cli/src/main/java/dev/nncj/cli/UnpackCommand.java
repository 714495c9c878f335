package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.sparsity.NncjContainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "unpack", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Restore a .nncj container (nncj sparsify, share or deep-compress -o OUT.nncj) to an ONNX file that ONNX Runtime runs; prints each packed tensor's codec and bits per element.")
final class UnpackCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.nncj", description = "the container")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.onnx", description = "where to write the ONNX model")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Optional<Path> tokenizer = tokenizerBeside(input);
        NncjContainer.Unpacked unpacked = NncjContainer.unpack(input);
        OnnxModel model = unpacked.model();
        try {
            if (Files.exists(output) && Files.isSameFile(input, output)) {
                throw NncjException.inFile(output, "refusing to overwrite the input container (choose another output)");
            }
        } catch (IOException e) {
            throw NncjException.inFile(output, "cannot check the output path: " + e.getMessage(), e);
        }
        OnnxFiles.save(model, output);
        ModelOutput.copyTokenizer(tokenizer, output);
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

    /**
     * The tokenizer.json beside the container, copied beside the output. A symbolic link there is
     * refused, before any work, rather than followed: the container may come from someone else, and
     * its folder's link could name any file this user can read, which would land beside the output.
     * Anything but a regular file (a FIFO, a folder) is not a tokenizer and is left alone.
     */
    static Optional<Path> tokenizerBeside(Path container) {
        Path tokenizer = container.toAbsolutePath().resolveSibling("tokenizer.json");
        if (Files.isSymbolicLink(tokenizer)) {
            throw NncjException.inFile(tokenizer, "is a symbolic link; unpack copies only a regular tokenizer.json from "
                    + "beside the container (replace the link with the file it names)");
        }
        return Files.isRegularFile(tokenizer, LinkOption.NOFOLLOW_LINKS) ? Optional.of(tokenizer) : Optional.empty();
    }
}
