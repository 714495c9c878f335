package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A written model's tokenizer goes beside it without replacing anyone's file: the folder's
 * tokenizer.json when it is absent or the same, else OUT's own {@code <stem>.tokenizer.json}, which
 * eval (and every command reading a model's tokenizer) looks for first.
 */
class TokenizerBesideOutputTest {
    @TempDir
    Path dir;

    Path modelA;
    Path modelB;
    Path tokenizerB;
    Path data;

    /**
     * Two classifiers that are right only with their own tokenizer. Tokenizer A (TinyTokenizer) has cat 5
     * and dog 9; tokenizer B swaps the two ids, and model B's table is swapped to match, so model B read
     * with tokenizer A calls every cat a dog and every dog a cat (accuracy 0).
     */
    @BeforeEach
    void models() throws IOException {
        Path a = Files.createDirectories(dir.resolve("a"));
        TinyTokenizer.write(a);
        modelA = a.resolve("model.onnx");
        OnnxFiles.save(classifier(5, 9), modelA);
        Path b = Files.createDirectories(dir.resolve("b"));
        String swapped = TinyTokenizer.JSON.replace("\"cat\": 5", "\"cat\": 9").replace("\"dog\": 9", "\"dog\": 5");
        assertThat(swapped).isNotEqualTo(TinyTokenizer.JSON);
        tokenizerB = Files.writeString(b.resolve("tokenizer.json"), swapped);
        modelB = b.resolve("model.onnx");
        OnnxFiles.save(classifier(9, 5), modelB);
        data = Files.writeString(dir.resolve("d.tsv"), "sentence\tlabel\nthe cat\t1\nthe dog\t0\na cat\t1\na dog\t0\n");
    }

    @Test
    void twoModelsWithDifferentTokenizersInOneFolderBothEvaluateCorrectly() throws IOException {
        Path out = dir.resolve("out");
        CliRun first = quantize(modelA, out.resolve("a.onnx"));
        assertThat(first.err()).isEmpty();
        assertThat(out.resolve("tokenizer.json")).hasContent(TinyTokenizer.JSON);

        CliRun second = quantize(modelB, out.resolve("b.onnx"));
        assertThat(out.resolve("tokenizer.json")).hasContent(TinyTokenizer.JSON); // the first model's, untouched
        assertThat(out.resolve("b.tokenizer.json")).hasSameBinaryContentAs(tokenizerB);
        assertThat(second.err().strip()).isEqualTo("note: " + out.resolve("tokenizer.json")
                + " is another tokenizer, left as it is; this model's is " + out.resolve("b.tokenizer.json"));

        assertThat(accuracy(out.resolve("a.onnx"))).isEqualTo(1.0);
        assertThat(accuracy(out.resolve("b.onnx"))).isEqualTo(1.0);
        assertThat(accuracy(modelB, "--tokenizer", out.resolve("tokenizer.json"))).isEqualTo(0.0); // what eval found before

        // writing b.onnx again puts its tokenizer back in its own file, whatever is there now
        Files.writeString(out.resolve("b.tokenizer.json"), TinyTokenizer.JSON);
        quantize(modelB, out.resolve("b.onnx"));
        assertThat(out.resolve("b.tokenizer.json")).hasSameBinaryContentAs(tokenizerB);
    }

    @Test
    void aUsersTokenizerJsonIsNeverReplaced() throws IOException {
        Path out = Files.createDirectories(dir.resolve("mine"));
        Path users = Files.writeString(out.resolve("tokenizer.json"), "{\"marker\":\"mine\"}");
        byte[] before = Files.readAllBytes(users);

        CliRun run = quantize(modelA, out.resolve("zh-q.onnx"));

        assertThat(Files.readAllBytes(users)).isEqualTo(before);
        assertThat(out.resolve("zh-q.tokenizer.json")).hasContent(TinyTokenizer.JSON);
        assertThat(run.err()).contains("note: " + users + " is another tokenizer, left as it is");
        assertThat(accuracy(out.resolve("zh-q.onnx"))).isEqualTo(1.0);
    }

    /**
     * A bag-of-words classifier over TinyTokenizer-sized ids:
     * <pre>
     * input_ids ── Gather(table[14,2]) ── ReduceMean(axis 1) ── logits[batch,2]
     * </pre>
     * id {@code cat} scores class 1 and id {@code dog} class 0; every other id is neutral.
     */
    private static OnnxModel classifier(int cat, int dog) {
        GraphBuilder b = new GraphBuilder("bag_of_words", 17);
        String ids = b.input("input_ids", DataType.INT64, "batch", "seq");
        b.input("attention_mask", DataType.INT64, "batch", "seq");
        float[] table = new float[TinyTokenizer.VOCABULARY_SIZE * 2];
        table[cat * 2 + 1] = 4f;
        table[dog * 2] = 4f;
        String emb = b.initializer(Tensor.ofFloats("table", new long[] {TinyTokenizer.VOCABULARY_SIZE, 2}, table));
        Node mean = b.node("ReduceMean", b.op("Gather", emb, ids)).set("axes", new long[] {1}).set("keepdims", 0L);
        b.output(mean.output(0), "logits", DataType.FLOAT, "batch", 2);
        return b.build();
    }

    private static CliRun quantize(Path model, Path out) {
        CliRun run = CliRun.of("quantize", model, "-o", out, "--mode", "dynamic-int8", "--bench-runs", 1, "--seq-len", 8, "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        return run;
    }

    private double accuracy(Path model, Object... more) throws IOException {
        Object[] args = java.util.stream.Stream.concat(
                java.util.stream.Stream.of("eval", model, "--task", "text-classification", "--data", data, "--json", "-q"),
                java.util.Arrays.stream(more)).toArray();
        CliRun run = CliRun.of(args);
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = Json.mapper().readTree(run.out());
        return json.get("accuracy").asDouble();
    }
}
