package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nncj.ProgressListener;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.transformer.EncoderLayer;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.zoo.ModelZoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real all-MiniLM-L6-v2 in Hugging Face Optimum's layout (what {@code ORTModelForFeatureExtraction
 * .save_pretrained} writes: model.onnx, config.json, the tokenizer's files) through {@code quantize} and
 * {@code prune}: each output folder holds every file a Transformers or Optimum loader reads, and the
 * pruned folder's config.json describes the pruned graph (checked against the lifted model itself).
 */
class OptimumMiniLmFolderIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The model's config.json as published on the Hugging Face hub (sentence-transformers/all-MiniLM-L6-v2). */
    private static final String CONFIG = """
            {"_name_or_path": "nreimers/MiniLM-L6-H384-uncased", "architectures": ["BertModel"],
             "attention_probs_dropout_prob": 0.1, "gradient_checkpointing": false, "hidden_act": "gelu",
             "hidden_dropout_prob": 0.1, "hidden_size": 384, "initializer_range": 0.02, "intermediate_size": 1536,
             "layer_norm_eps": 1e-12, "max_position_embeddings": 512, "model_type": "bert", "num_attention_heads": 12,
             "num_hidden_layers": 6, "pad_token_id": 0, "position_embedding_type": "absolute",
             "transformers_version": "4.8.2", "type_vocab_size": 2, "use_cache": true, "vocab_size": 30522}
            """;
    private static final List<String> LOADER_FILES = List.of("config.json", "tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json");

    @TempDir
    Path dir;

    Path optimum;

    @BeforeEach
    void optimumFolder() throws IOException {
        ModelZoo.Fetched minilm = ModelZoo.get("all-minilm-l6-v2", dir.resolve("zoo"), ProgressListener.NONE);
        optimum = Files.createDirectories(dir.resolve("all-MiniLM-L6-v2"));
        Files.copy(minilm.modelFile(), optimum.resolve("model.onnx"));
        Files.copy(minilm.tokenizerFile(), optimum.resolve("tokenizer.json"));
        Files.writeString(optimum.resolve("config.json"), CONFIG);
        Files.writeString(optimum.resolve("tokenizer_config.json"), """
                {"do_lower_case": true, "model_max_length": 512, "tokenizer_class": "BertTokenizer",
                 "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]", "mask_token": "[MASK]"}
                """);
        Files.writeString(optimum.resolve("special_tokens_map.json"), """
                {"cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]", "sep_token": "[SEP]", "unk_token": "[UNK]"}
                """);
    }

    @Test
    void quantizeKeepsEveryLoaderFileAndTheConfigUnchanged() throws IOException {
        Path out = dir.resolve("all-MiniLM-L6-v2-int8");
        CliRun run = CliRun.of("quantize", optimum, "-o", out + "/", "--mode", "dynamic-int8", "--bench-runs", 2, "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(names(out)).containsExactlyInAnyOrderElementsOf(
                Stream.concat(Stream.of("model.onnx"), LOADER_FILES.stream()).toList());
        for (String name : LOADER_FILES) {
            assertThat(Files.mismatch(optimum.resolve(name), out.resolve(name))).as(name).isEqualTo(-1);
        }
        assertThat(Files.size(out.resolve("model.onnx"))).isLessThan(Files.size(optimum.resolve("model.onnx")) / 3);
    }

    @Test
    void pruneWritesAConfigThatDescribesThePrunedGraph() throws IOException {
        Path out = dir.resolve("all-MiniLM-L6-v2-pruned");
        CliRun run = CliRun.of("prune", optimum, "-o", out + "/", "--heads", 0.5, "--ffn", 0.5, "--bench-runs", 2, "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(names(out)).contains("model.onnx").containsAll(LOADER_FILES);
        for (String name : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")) {
            assertThat(Files.mismatch(optimum.resolve(name), out.resolve(name))).as(name).isEqualTo(-1);
        }
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        EncoderSpec pruned = EncoderLifter.lift(OnnxFiles.load(out.resolve("model.onnx")), out.resolve("model.onnx"));
        assertThat(config.get("num_hidden_layers").asInt()).isEqualTo(pruned.layers().size()).isEqualTo(6);
        assertThat(config.get("intermediate_size").asInt()).isEqualTo(768);
        assertThat(config.get("num_attention_heads").asInt()).isEqualTo(12); // Transformers keeps it and lists pruned_heads
        for (int l = 0; l < pruned.layers().size(); l++) {
            EncoderLayer layer = pruned.layers().get(l);
            assertThat(layer.ffn().width()).isEqualTo(768);
            assertThat(12 - config.get("pruned_heads").get(String.valueOf(l)).size()).as("layer " + l)
                    .isEqualTo(layer.attention().heads()).isEqualTo(6);
        }
        // what the config does not describe is the hub's, unchanged
        assertThat(config.get("hidden_size").asInt()).isEqualTo(384);
        assertThat(config.get("vocab_size").asInt()).isEqualTo(30522);
        assertThat(config.get("_name_or_path").asText()).isEqualTo("nreimers/MiniLM-L6-H384-uncased");
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }
}
