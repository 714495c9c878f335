package dev.nncj.folder;

import dev.nncj.NncjException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * How NNCJ reads a model folder: a folder stands for its {@code model.onnx}, and the other regular
 * files at its top level are the model's companions, copied into a folder written from it.
 *
 * <p>Not companions: weight files of any format ({@code .onnx}, external data, {@code .bin},
 * {@code .safetensors}, ...), since they hold the uncompressed model and a loader finding them beside
 * the compressed one could read the wrong weights; hidden files; sub-folders (sentence-transformers'
 * {@code 1_Pooling/}, Optimum's {@code onnx/}), which describe other models or pipelines.
 */
public final class ModelFolder {
    /** The file a folder's model is read from and written to, as Optimum names it. */
    public static final String MODEL_FILE = "model.onnx";
    public static final String CONFIG_FILE = "config.json";
    public static final String TOKENIZER_FILE = "tokenizer.json";

    private static final List<String> WEIGHT_EXTENSIONS = List.of(".onnx", ".onnx_data", ".onnx.data", ".data", ".ort",
            ".nncj", ".bin", ".safetensors", ".h5", ".msgpack", ".pt", ".pth", ".ckpt", ".tmp");

    private ModelFolder() {}

    /** {@code path} itself when it is not a folder; its {@code model.onnx} when it is one. */
    public static Path modelOf(Path path) {
        if (!Files.isDirectory(path)) {
            return path;
        }
        Path model = path.resolve(MODEL_FILE);
        if (!Files.isRegularFile(model)) {
            throw NncjException.inFile(path, "is a folder without " + MODEL_FILE
                    + "; a model folder (Hugging Face Optimum's layout) holds " + MODEL_FILE + " beside config.json and the tokenizer files");
        }
        return model;
    }

    /** The folder {@code model} was read from as a model folder: its parent when it is named model.onnx. */
    public static Optional<Path> folderOf(Path model) {
        Path name = model.getFileName();
        return name != null && name.toString().equals(MODEL_FILE)
                ? Optional.of(model.toAbsolutePath().getParent()) : Optional.empty();
    }

    /**
     * The companions of the model in {@code folder}, by file name, in name order. A symbolic link is
     * refused: a folder may come from someone else, and a link there could name any file this user can
     * read, whose bytes would then be copied into the output.
     */
    public static Map<String, Path> companions(Path folder) {
        Map<String, Path> found = new TreeMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith(".") || isWeights(name) || Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (Files.isSymbolicLink(p)) {
                    throw NncjException.inFile(p, "is a symbolic link; NNCJ copies only regular files of a model folder"
                            + " (replace the link with the file it names)");
                }
                if (Files.isRegularFile(p)) {
                    found.put(name, p);
                }
            }
        } catch (IOException e) {
            throw NncjException.inFile(folder, "cannot list: " + e.getMessage(), e);
        }
        return found;
    }

    private static boolean isWeights(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return WEIGHT_EXTENSIONS.stream().anyMatch(lower::endsWith);
    }
}
