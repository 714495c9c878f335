package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.TinyModels;
import dev.nncj.transformer.TinyEncoders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model folders in Hugging Face Optimum's layout through `quantize`, `prune` and `eval`. The folder is
 * built here: a tiny 3-layer encoder (2 heads of 4, FFN 16) as model.onnx, the tiny tokenizer, a BERT
 * config.json with labels, the tokenizer's other files, and what must not be copied (PyTorch weights, a
 * sub-folder).
 */
class ModelFolderCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> COMPANIONS = List.of("config.json", "special_tokens_map.json", "tokenizer.json",
            "tokenizer_config.json", "vocab.txt");

    @TempDir
    Path dir;

    Path in;

    @BeforeEach
    void optimumFolder() throws IOException {
        in = Files.createDirectories(dir.resolve("MiniLM"));
        OnnxFiles.save(TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L, 3L), false), in.resolve("model.onnx"));
        TinyTokenizer.write(in);
        Files.writeString(in.resolve("config.json"), """
                {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": 8, "num_hidden_layers": 3,
                 "num_attention_heads": 2, "intermediate_size": 16, "vocab_size": 14,
                 "id2label": {"0": "NEGATIVE", "1": "POSITIVE"}, "label2id": {"NEGATIVE": 0, "POSITIVE": 1}}
                """);
        Files.writeString(in.resolve("tokenizer_config.json"), "{\"do_lower_case\": true, \"model_max_length\": 512}\n");
        Files.writeString(in.resolve("special_tokens_map.json"), "{\"cls_token\": \"[CLS]\", \"sep_token\": \"[SEP]\"}\n");
        Files.writeString(in.resolve("vocab.txt"), "[UNK]\n[PAD]\n[CLS]\n[SEP]\nthe\ncat\n");
        Files.writeString(in.resolve("pytorch_model.bin"), "the uncompressed weights");
        Files.createDirectories(in.resolve("1_Pooling"));
        Files.writeString(in.resolve("1_Pooling/config.json"), "{}");
    }

    @Test
    void quantizeWritesAFolderWithEveryCompanionFileUnchanged() throws IOException {
        Path out = dir.resolve("MiniLM-q");
        CliRun run = CliRun.of("quantize", in, "-o", out + "/", "--mode", "dynamic-int8", "--bench-runs", 2, "--seq-len", 8, "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(names(out)).containsExactlyInAnyOrderElementsOf(
                Stream.concat(Stream.of("model.onnx"), COMPANIONS.stream()).toList());
        for (String name : COMPANIONS) {
            assertThat(Files.mismatch(in.resolve(name), out.resolve(name))).as(name).isEqualTo(-1);
        }
        assertThat(OnnxFiles.load(out.resolve("model.onnx")).graph().nodes())
                .anyMatch(n -> n.opType().startsWith("DynamicQuantize") || n.opType().startsWith("MatMulInteger"));
        assertThat(run.out()).contains("MiniLM-q: ");
        assertThat(names(dir)).containsExactlyInAnyOrder("MiniLM", "MiniLM-q"); // nothing staged is left
    }

    @Test
    void pruneRewritesConfigJsonAsTransformersRecordsPruning() throws IOException {
        Path out = dir.resolve("MiniLM-pruned"); // no slash: the input is a folder, so the output is one
        CliRun run = CliRun.of("prune", in, "-o", out, "--drop-layers", "1", "--heads-per-layer", "2,1", "--ffn", "0.25",
                "--bench-runs", 2, "--seq-len", 8, "-q", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(names(out)).contains("model.onnx").containsAll(COMPANIONS).doesNotContain("pytorch_model.bin", "1_Pooling");
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        JsonNode layers = JSON.readTree(run.out()).get("layers");
        int removedHead = 1 - layers.get(1).get("heads").get(0).asInt(); // layer 2 of the input kept one of its two heads
        assertThat(config.get("num_hidden_layers").asInt()).isEqualTo(2);
        assertThat(config.get("num_attention_heads").asInt()).isEqualTo(2);
        assertThat(config.get("pruned_heads").toString()).isEqualTo("{\"1\":[" + removedHead + "]}");
        assertThat(config.get("intermediate_size").asInt()).isEqualTo(12);
        assertThat(config.get("id2label").get("1").asText()).isEqualTo("POSITIVE");
        assertThat(config.get("label2id").get("NEGATIVE").asInt()).isZero();
        assertThat(config.get("model_type").asText()).isEqualTo("bert");
        assertThat(config.has("nncj_note")).isFalse();
        for (String name : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")) {
            assertThat(Files.mismatch(in.resolve(name), out.resolve(name))).as(name).isEqualTo(-1);
        }
        // the input folder is untouched
        assertThat(JSON.readTree(in.resolve("config.json").toFile()).get("num_hidden_layers").asInt()).isEqualTo(3);
    }

    @Test
    void aFolderThatIsNotEmptyIsRefusedBeforeWorkAndAFailedRunLeavesNothing() throws IOException {
        Path taken = Files.createDirectories(dir.resolve("taken"));
        Files.writeString(taken.resolve("notes.txt"), "mine");
        CliRun refused = CliRun.of("quantize", in, "-o", taken, "--mode", "dynamic-int8", "-q");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("taken").contains("not empty");
        assertThat(names(taken)).containsExactly("notes.txt");

        Path mlp = Files.createDirectories(dir.resolve("mlp"));
        OnnxFiles.save(TinyModels.linearRelu(), mlp.resolve("model.onnx"));
        Files.writeString(mlp.resolve("config.json"), "{}");
        CliRun failed = CliRun.of("prune", mlp, "-o", dir.resolve("out/deeper/"), "--heads", "0.5", "-q");
        assertThat(failed.exitCode()).isEqualTo(1);
        assertThat(names(dir)).containsExactlyInAnyOrder("MiniLM", "taken", "mlp");
    }

    @Test
    void aFolderWithoutModelOnnxIsAUsageErrorNamingIt() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        CliRun run = CliRun.of("inspect", empty);
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("empty").contains("without model.onnx");
    }

    @Test
    void evalReadsAFolderAndNamesClassesByTheConfigsLabels() throws IOException {
        Path clf = Files.createDirectories(dir.resolve("clf"));
        OnnxFiles.save(TinyModels.bagOfWordsClassifier(TinyTokenizer.VOCABULARY_SIZE), clf.resolve("model.onnx"));
        TinyTokenizer.write(clf);
        Files.copy(in.resolve("config.json"), clf.resolve("config.json"));
        Path data = Files.writeString(dir.resolve("dev.tsv"), "sentence\tlabel\nthe cat\t1\na dog\t0\nthe cat sat\t0\n");
        CliRun run = CliRun.of("eval", clf, "--task", "text-classification", "--data", data, "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = JSON.readTree(run.out());
        assertThat(json.get("recall[POSITIVE]").asDouble()).isEqualTo(1.0);
        assertThat(json.get("recall[NEGATIVE]").asDouble()).isEqualTo(0.5);
        assertThat(CliRun.of("eval", clf, "--task", "text-classification", "--data", data, "-q").out())
                .contains("recall[NEGATIVE] = 0.5000");
    }

    /** A student derived from a teacher folder carries the teacher's files, config.json saying what was kept. */
    @Test
    void distillIntoAFolderDescribesTheDerivedStudent() throws IOException {
        dev.nncj.onnx.OnnxModel classifier = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L, 3L), false);
        dev.nncj.train.finetune.ClassifierHead.attach(classifier, "last_hidden_state", 2, 1);
        OnnxFiles.save(classifier, in.resolve("model.onnx"));
        FineTuneCommandTest.catsAndDogs(dir.resolve("train.tsv"), 16, 1);
        Path out = dir.resolve("student");
        CliRun run = CliRun.of("distill", "--teacher", in, "--student-layers", "0,2", "--student-heads", 1,
                "--data", dir.resolve("train.tsv"), "--batch-size", 8, "--max-length", 16, "--bench-runs", 2, "--seq-len", 8,
                "-o", out + "/", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertThat(config.get("num_hidden_layers").asInt()).isEqualTo(2);
        assertThat(config.get("pruned_heads").size()).isEqualTo(2); // one of two heads left in each layer
        assertThat(config.get("id2label").get("0").asText()).isEqualTo("NEGATIVE");
        assertThat(names(out)).containsAll(COMPANIONS);
    }

    /** An encoder folder fine-tuned into a classifier folder: the encoder's files, the labels of config.json kept. */
    @Test
    void finetuneWritesAClassifierFolder() throws IOException {
        FineTuneCommandTest.catsAndDogs(dir.resolve("train.tsv"), 16, 1);
        Path out = dir.resolve("clf");
        CliRun run = CliRun.of("finetune", in, "--data", dir.resolve("train.tsv"), "--eval", dir.resolve("train.tsv"),
                "--epochs", 1, "--batch-size", 8, "--max-length", 16, "-o", out + "/", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(names(out)).contains("model.onnx").containsAll(COMPANIONS);
        assertThat(Files.mismatch(in.resolve("config.json"), out.resolve("config.json"))).isEqualTo(-1);
        assertThat(OnnxFiles.load(out.resolve("model.onnx")).graph().outputs()).extracting(v -> v.getName()).contains("logits");
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }
}
