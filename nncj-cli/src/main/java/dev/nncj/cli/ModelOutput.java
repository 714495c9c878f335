package dev.nncj.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nncj.NncjException;
import dev.nncj.OutputFiles;
import dev.nncj.TempFiles;
import dev.nncj.folder.ConfigEdit;
import dev.nncj.folder.HfConfig;
import dev.nncj.folder.ModelFolder;
import dev.nncj.folder.StagedFolder;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.SaveOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * What every command that writes a model does around it: checks the output place before any work,
 * and puts the input's tokenizer beside the result so `nncj eval OUT` finds it by default, or, for an
 * output that is a model folder, writes the folder whole ({@link #saveFolder}).
 *
 * <p>Tokenizers beside a model: {@code tokenizer.json} is shared by every model in its folder, so it
 * is written only when absent or already identical; a model whose tokenizer differs gets its own
 * {@code <model stem>.tokenizer.json} (zh-q.onnx: zh-q.tokenizer.json), and {@link #tokenizerBeside}
 * looks for that first. A user's file is never replaced; only a stem file, named after the output
 * that is being replaced too, is.
 */
final class ModelOutput {
    private static final String SHARED_TOKENIZER = "tokenizer.json";
    private static final String TOKENIZER_SUFFIX = ".tokenizer.json";

    private ModelOutput() {}

    /** What a command may write, by the output's extension. */
    enum Format {
        ONNX(List.of(".onnx"), "the output is an ONNX model; name it OUT.onnx"),
        ONNX_OR_CONTAINER(List.of(".onnx", ".nncj"), "the output is an ONNX model or a container; name it OUT.onnx or OUT.nncj"),
        CONTAINER(List.of(".nncj"), "the output is a .nncj container; name it OUT.nncj"),
        ORT(List.of(".ort"), "the output is an ORT-format model; name it OUT.ort");

        private final List<String> extensions;
        private final String advice;

        Format(List<String> extensions, String advice) {
            this.extensions = extensions;
            this.advice = advice;
        }
    }

    /**
     * The check every model-writing command makes first, before reading data or training: the
     * extension fits, OUT is not a folder, is none of the inputs (unless {@code force}), and its folder
     * takes a new file. Finding out after an hour of training that the result cannot be written loses
     * the hour.
     */
    static void checkBeforeWork(Path output, Format format, boolean force, List<Path> inputs) {
        checkBeforeWork(output.toString(), output, format, force, inputs);
    }

    /**
     * As {@link #checkBeforeWork(Path, Format, boolean, List)}, with OUT as it was {@code typed} (a
     * trailing slash asks for a model folder, and the parsed path has lost it).
     */
    static void checkBeforeWork(String typed, Path output, Format format, boolean force, List<Path> inputs) {
        if (isFolder(typed, output, format, inputs)) {
            StagedFolder.requirePlace(output);
            return;
        }
        String name = output.getFileName() == null ? "" : output.getFileName().toString();
        if (format.extensions.stream().noneMatch(name::endsWith) && !Files.isDirectory(output)) {
            throw NncjException.inFile(output, format.advice);
        }
        if (!force) {
            for (Path input : inputs) {
                OutputFiles.refuseOverwriting(input, output, inputs.size() > 1 ? "an input model" : "the input model");
            }
        }
        OutputFiles.requireWritablePlace(output);
    }

    static void checkBeforeWork(Path output, Format format, boolean force, Path input) {
        checkBeforeWork(output, format, force, List.of(input));
    }

    /**
     * Whether OUT is written as a model folder (model.onnx and the input folder's companions): when it
     * was typed as a folder (OUT/), or has no model extension and is an existing folder or the input
     * was read from a model folder (`nncj quantize MiniLM/ -o MiniLM-q`). Only ONNX outputs go into folders:
     * a container or an ORT-format file has no loader that reads a folder.
     */
    static boolean isFolder(String typed, Path output, Format format, List<Path> inputs) {
        if (!format.extensions.contains(".onnx")) {
            return false;
        }
        String name = output.getFileName() == null ? "" : output.getFileName().toString();
        boolean fromFolder = !inputs.isEmpty() && ModelFolder.folderOf(inputs.get(0)).isPresent();
        // a folder named like a model file (results.onnx/) is a mistake, refused as before
        boolean modelName = format.extensions.stream().anyMatch(name::endsWith);
        return typed.endsWith("/") || typed.endsWith(java.io.File.separator)
                || !modelName && (Files.isDirectory(output) || fromFolder);
    }

    /** OUT as the user typed it: the last value of -o, or {@code output} itself when none was typed. */
    static String typed(CommandSpec spec, Path output) {
        OptionSpec option = spec.findOption("--output");
        List<String> values = option == null ? List.of() : option.originalStringValues();
        return values.isEmpty() ? output.toString() : values.get(values.size() - 1);
    }

    /**
     * Writes a model folder: {@code model} as OUT/model.onnx, measured by {@code beforeRename} where it
     * is staged, beside it the companions of the folder {@code input} was read from (config.json
     * rewritten when {@code edit} changed the architecture) and {@code tokenizer} as tokenizer.json.
     */
    static <T> T saveFolder(OnnxModel model, Path input, Path output, SaveOptions options, Optional<Path> tokenizer,
                            Optional<? extends ConfigEdit> edit, Function<Path, T> beforeRename) {
        Map<String, Path> files = new TreeMap<>(ModelFolder.folderOf(input).map(ModelFolder::companions).orElse(Map.of()));
        tokenizer.ifPresent(t -> files.put(ModelFolder.TOKENIZER_FILE, t));
        Optional<ObjectNode> config = Optional.empty();
        Path configFile = files.get(ModelFolder.CONFIG_FILE);
        if (configFile != null && edit.isPresent()) {
            ObjectNode original = HfConfig.read(configFile);
            ObjectNode edited = edit.get().apply(original, configFile);
            if (!edited.equals(original)) { // an unchanged config stays the user's file, byte for byte
                config = Optional.of(edited);
                files.remove(ModelFolder.CONFIG_FILE);
            }
        }
        return StagedFolder.save(model, output, options, new StagedFolder.Contents(files, config), beforeRename);
    }

    /**
     * The tokenizer of {@code model} when none is named: {@code <stem>.tokenizer.json} beside it if that
     * exists, else {@code tokenizer.json} beside it (which may not exist; callers say so).
     */
    static Path tokenizerBeside(Path model) {
        Path own = ownTokenizer(model);
        Path found = Files.isRegularFile(own) ? own : model.toAbsolutePath().resolveSibling(SHARED_TOKENIZER);
        // the model's folder may come from someone else: a link there could name any file this user can
        // read, and its bytes would be copied beside the output
        if (Files.isSymbolicLink(found)) {
            throw NncjException.inFile(found, "is a symbolic link; NNCJ reads only a regular tokenizer file found beside a model"
                    + " (replace the link with the file it names, or name the tokenizer explicitly)");
        }
        return found;
    }

    /**
     * Puts {@code tokenizer} beside {@code output} where {@link #tokenizerBeside} will find it, and
     * says on {@code err} when that is the output's own file because the folder's tokenizer.json is
     * another one.
     */
    static void copyTokenizer(Optional<Path> tokenizer, Path output, PrintWriter err) {
        if (tokenizer.isEmpty()) {
            return;
        }
        Path source = tokenizer.get();
        Path own = ownTokenizer(output);
        Path shared = output.toAbsolutePath().resolveSibling(SHARED_TOKENIZER);
        if (!Files.exists(own) && (!Files.exists(shared) || sameContent(source, shared))) {
            write(source, shared);
            return;
        }
        if (Files.exists(own) && sameContent(source, own)) {
            return;
        }
        write(source, own);
        if (Files.exists(shared) && !sameContent(source, shared)) {
            err.println("note: " + shared + " is another tokenizer, left as it is; this model's is " + own);
        }
    }

    /** {@code <stem>.tokenizer.json} beside {@code model}: zh-q.onnx, zh-q.nncj: zh-q.tokenizer.json. */
    private static Path ownTokenizer(Path model) {
        String name = model.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        return model.toAbsolutePath().resolveSibling(stem + TOKENIZER_SUFFIX);
    }

    private static boolean sameContent(Path a, Path b) {
        try {
            return Files.isSameFile(a, b) || Files.mismatch(a, b) == -1;
        } catch (IOException e) {
            throw NncjException.inFile(b, "cannot read: " + e.getMessage(), e);
        }
    }

    /** Copies atomically: an interrupted copy leaves the old file or none, never half a tokenizer. */
    private static void write(Path source, Path target) {
        if (Files.exists(target) && sameContent(source, target)) {
            return;
        }
        Path tmp = null;
        try {
            tmp = OutputFiles.tempBeside(target);
            Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
            OutputFiles.moveIntoPlace(tmp, target);
        } catch (IOException e) {
            throw NncjException.inFile(target, "cannot write: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                TempFiles.delete(tmp);
            }
        }
    }
}
