package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.train.finetune.ClassifierHead;
import dev.nncj.train.trainer.StopRequest;
import dev.nncj.transformer.TinyEncoders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nncj search end to end on a tiny classifier: outputs, honest figures, resume, refusals. */
class SearchCommandTest {
    @TempDir
    Path dir;

    private Path classifier() throws IOException {
        return classifier(dir);
    }

    /** The tiny classifier, its tokenizer and train, dev and test rows in {@code dir}. */
    static Path classifier(Path dir) throws IOException {
        TinyTokenizer.write(dir);
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L, 3L), false);
        ClassifierHead.attach(model, "last_hidden_state", 2, 5);
        Path file = dir.resolve("clf.onnx");
        OnnxFiles.save(model, file);
        String[] filler = {"the", "sat on", "a mat", "the mat ."};
        writeRows(dir, "train.tsv", 48, i -> filler[i % 4] + (i % 3 != 0 ? " cat " : " dog ") + filler[(i / 4) % 4], i -> i % 3 != 0);
        writeRows(dir, "dev.tsv", 16, i -> filler[(i + 2) % 4] + (i % 2 == 0 ? " cat" : " dog"), i -> i % 2 == 0);
        writeRows(dir, "test.tsv", 16, i -> filler[(i + 1) % 4] + (i % 2 == 0 ? " cats" : " dogs"), i -> i % 2 == 0);
        return file;
    }

    private static void writeRows(Path dir, String name, int n, java.util.function.IntFunction<String> text,
            java.util.function.IntPredicate label) throws IOException {
        StringBuilder tsv = new StringBuilder("sentence\tlabel\n");
        for (int i = 0; i < n; i++) {
            tsv.append(text.apply(i)).append('\t').append(label.test(i) ? 1 : 0).append('\n');
        }
        Files.writeString(dir.resolve(name), tsv);
    }

    private List<Object> search(Path clf, Path out, Object... extra) {
        return search(dir, clf, out, extra);
    }

    /** nncj search's arguments for the tiny classifier in {@code dir}, small and fast, {@code extra} replacing or adding. */
    static List<Object> search(Path dir, Path clf, Path out, Object... extra) {
        List<Object> args = new ArrayList<>(List.of("search", clf, "--data", dir.resolve("train.tsv"), "--eval",
                dir.resolve("dev.tsv"), "--test", dir.resolve("test.tsv"), "-o", out, "--population", 4, "--generations", 1,
                "--finalists", 2, "--short-distill-samples", 16, "--head-step", 1, "--ffn-step", 8, "--latency-checks", 3,
                "--timing-runs", 3, "--seq-len", 8, "-q"));
        for (int i = 0; i < extra.length; i++) { // an option given again replaces its default above
            int at = args.indexOf(extra[i]);
            if (at >= 0 && String.valueOf(extra[i]).startsWith("--") && i + 1 < extra.length
                    && !String.valueOf(extra[i + 1]).startsWith("--")) {
                args.set(at + 1, extra[++i]);
            } else {
                args.add(extra[i]);
            }
        }
        return args;
    }

    @Test
    void writesAMeasuredFrontAReportAndAJournalThatResumes() throws Exception {
        Path clf = classifier();
        Path out = dir.resolve("search");
        CliRun run = CliRun.of(search(clf, out).toArray());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(out.resolve("journal.jsonl")).isRegularFile();
        assertThat(out.resolve("latency-table.json")).isRegularFile();
        assertThat(out.resolve("latency-check.json")).isRegularFile();
        JsonNode pareto = new ObjectMapper().readTree(out.resolve("pareto.json").toFile());
        assertThat(pareto.get("front").size()).isPositive();
        assertThat(pareto.get("scored_by_stage").get("short-distill").asInt()).isPositive();
        assertThat(pareto.get("latency_check").get("checks").asInt()).isEqualTo(3);
        assertThat(pareto.get("latency_source").asText()).isNotEmpty();
        assertThat(out.resolve("training")).as("finished distillations leave no checkpoints").doesNotExist();
        for (JsonNode p : pareto.get("front")) {
            Path model = out.resolve(p.get("file").asText());
            assertThat(model).isRegularFile();
            assertThat(model.resolveSibling("tokenizer.json")).isRegularFile();
            assertThat(p.get("bytes").asLong()).isEqualTo(Files.size(model));
            assertThat(p.get("p50_ratio").asDouble()).isPositive();
            assertThat(p.get("fidelity").asText()).isEqualTo("short-distill");
            // the dev and test figures are those of the written file, as nncj eval scores it
            assertThat(evalAccuracy(model, dir.resolve("dev.tsv"))).isEqualTo(p.get("dev_accuracy").asDouble());
            assertThat(evalAccuracy(model, dir.resolve("test.tsv"))).isEqualTo(p.get("test_accuracy").asDouble());
        }
        List<dev.nncj.search.Objectives> measured = new ArrayList<>();
        pareto.get("front").forEach(p -> measured.add(new dev.nncj.search.Objectives(p.get("dev_accuracy").asDouble(),
                p.get("p50_ratio").asDouble(), p.get("size_ratio").asDouble())));
        assertThat(pareto.get("hypervolume").asDouble())
                .isEqualTo(dev.nncj.search.Hypervolume.of(measured, 0, 1, 1)).isPositive();
        String report = Files.readString(out.resolve("report.html"));
        assertThat(report).contains("<svg").contains("clf.onnx").contains("latency table: mean absolute error")
                .contains(pareto.get("front").get(0).get("architecture").asText()).doesNotContain("<script");
        long journalLines;
        try (Stream<String> lines = Files.lines(out.resolve("journal.jsonl"))) {
            journalLines = lines.count();
        }

        CliRun resumed = CliRun.of(search(clf, out, "--resume").toArray());
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("0 candidates evaluated in this run");
        try (Stream<String> lines = Files.lines(out.resolve("journal.jsonl"))) {
            assertThat(lines.count()).as("nothing evaluated twice").isEqualTo(journalLines);
        }
        JsonNode again = new ObjectMapper().readTree(out.resolve("pareto.json").toFile());
        assertThat(again.get("front").findValuesAsText("architecture"))
                .isEqualTo(pareto.get("front").findValuesAsText("architecture"));
        assertThat(again.get("front").findValuesAsText("dev_accuracy"))
                .isEqualTo(pareto.get("front").findValuesAsText("dev_accuracy"));

        // another seed is another search: its journal is not this one's
        CliRun other = CliRun.of(search(clf, out, "--resume", "--seed", 2).toArray());
        assertThat(other.exitCode()).isEqualTo(1);
        assertThat(other.errorLine()).contains("journal.jsonl").contains("seed");
        // nor is one that distils differently: the candidates left would be trained unlike those journaled
        CliRun otherDistillation = CliRun.of(search(clf, out, "--resume", "--hidden-weight", 0).toArray());
        assertThat(otherDistillation.exitCode()).isEqualTo(1);
        assertThat(otherDistillation.errorLine()).contains("journal.jsonl").contains("hidden-weight 0.0");
        // a folder holding a search is never started over
        CliRun fresh = CliRun.of(search(clf, out).toArray());
        assertThat(fresh.exitCode()).isEqualTo(1);
        assertThat(fresh.errorLine()).contains("search").contains("not empty").contains("--resume");

        // the teacher written again (other metadata, as NNCJ's provenance time makes it) is the same teacher
        OnnxModel rewritten = OnnxFiles.load(clf);
        rewritten.putMetadata("written", "again");
        replace(clf, rewritten);
        CliRun sameModel = CliRun.of(search(clf, out, "--resume").toArray());
        assertThat(sameModel.exitCode()).as(sameModel.err()).isZero();
        assertThat(sameModel.out()).contains("0 candidates evaluated in this run");
        // one weight changed is another teacher
        OnnxModel changed = OnnxFiles.load(clf);
        dev.nncj.onnx.Tensor weight = changed.graph().initializers().values().stream()
                .filter(t -> t.type() == dev.nncj.onnx.DataType.FLOAT).findFirst().orElseThrow();
        float[] values = weight.toFloats();
        values[0] += 0.5f;
        changed.graph().replaceInitializer(dev.nncj.onnx.Tensor.ofFloats(weight.name(), weight.shape(), values));
        replace(clf, changed);
        CliRun otherTeacher = CliRun.of(search(clf, out, "--resume").toArray());
        assertThat(otherTeacher.exitCode()).isEqualTo(1);
        assertThat(otherTeacher.errorLine()).contains("journal.jsonl").contains("teacher_model_sha256");
    }

    private void replace(Path file, OnnxModel model) throws IOException {
        Path written = dir.resolve("written.onnx");
        OnnxFiles.save(model, written);
        Files.move(written, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private double evalAccuracy(Path model, Path data) throws IOException {
        CliRun eval = CliRun.of("eval", model, "--task", "text-classification", "--data", data, "--json", "-q");
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        return new ObjectMapper().readTree(eval.out()).get("accuracy").asDouble();
    }

    /** A table measured once on a device serves later searches of the same space there, and no other. */
    @Test
    void aLatencyTableMeasuredBeforeIsUsedInsteadOfMeasuringAndAnotherSpacesIsRefused() throws Exception {
        Path clf = classifier();
        Path first = dir.resolve("first");
        CliRun measured = CliRun.of(search(clf, first, "--stages", "inherited", "--latency-checks", 0).toArray());
        assertThat(measured.exitCode()).as(measured.err()).isZero();
        Path table = first.resolve("latency-table.json");

        Path second = dir.resolve("second");
        CliRun reused = CliRun.of(search(clf, second, "--stages", "inherited", "--latency-checks", 0, "--seed", 2,
                "--latency-table", table).toArray());
        assertThat(reused.exitCode()).as(reused.err()).isZero();
        ObjectMapper json = new ObjectMapper();
        assertThat(json.readTree(second.resolve("latency-table.json").toFile())).isEqualTo(json.readTree(table.toFile()));

        Path third = dir.resolve("third");
        CliRun refused = CliRun.of(search(clf, third, "--stages", "inherited", "--latency-checks", 0, "--ffn-step", 4,
                "--latency-table", table).toArray());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.errorLine()).contains(table.toString()).contains("another device, settings, space");
        assertThat(third).doesNotExist(); // refused before the search began: nothing written

        Path broken = Files.writeString(dir.resolve("broken.json"), "[1, 2]");
        CliRun notATable = CliRun.of(search(clf, third, "--stages", "inherited", "--latency-table", broken).toArray());
        assertThat(notATable.exitCode()).isEqualTo(1);
        assertThat(notATable.errorLine()).contains("broken.json").contains("is not the search's JSON");
        assertThat(third).doesNotExist();
    }

    @Test
    void halfRankWordTablesAreDistilledAsFactorsAndWrittenSo() throws Exception {
        Path clf = classifier();
        Path out = dir.resolve("half-rank");
        CliRun run = CliRun.of(search(clf, out, "--tables", "table-int4-half-rank", "--forms", "int8-dynamic",
                "--latency-checks", 0).toArray());
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode pareto = new ObjectMapper().readTree(out.resolve("pareto.json").toFile());
        assertThat(pareto.get("front").size()).isPositive();
        for (JsonNode p : pareto.get("front")) {
            assertThat(p.get("architecture").asText()).endsWith("table-int4-half-rank");
            assertThat(p.get("fidelity").asText()).isEqualTo("short-distill");
            OnnxModel written = OnnxFiles.load(out.resolve(p.get("file").asText()));
            // the tiny teacher's 14 x 8 word table, as a 14 x 4 factor (gathered) and a 4 x 8 one
            assertThat(written.graph().initializers().values()).anyMatch(t -> t.rank() == 2 && t.dim(0) == 14 && t.dim(1) == 4)
                    .noneMatch(t -> t.rank() == 2 && t.dim(0) == 14 && t.dim(1) == 8);
            assertThat(evalAccuracy(out.resolve(p.get("file").asText()), dir.resolve("dev.tsv")))
                    .isEqualTo(p.get("dev_accuracy").asDouble());
        }
    }

    /**
     * A stop (what SIGTERM asks for) during a finalist's distillation ends the search with the
     * stopped exit code and journals nothing for that finalist; --resume trains it and finishes
     * (--keep-training leaves the trained models).
     * (The stop was once journaled as the finalist's failure, which --resume never retrains.)
     */
    @Test
    void aStopDuringADistillationEndsTheSearchAndResumeTrainsTheFinalist() throws Exception {
        Path clf = classifier();
        Path out = dir.resolve("stopped");
        StopRequest.request(); // answered at the first training step: the inherited stage trains nothing

        CliRun stopped = CliRun.of(search(clf, out, "--latency-checks", 0).toArray());

        assertThat(stopped.exitCode()).as(stopped.err()).isEqualTo(Nncj.EXIT_STOPPED);
        // search's --resume is a switch: the hint must not name the checkpoint folder as distill's would
        assertThat(stopped.errorLine()).endsWith("; continue with the same command and --resume");
        assertThat(out.resolve("pareto.json")).doesNotExist();
        List<String> journal = Files.readAllLines(out.resolve("journal.jsonl"));
        assertThat(journal).noneMatch(line -> line.contains("\"stage\":\"short-distill\""));
        // the stopped distillation's checkpoint, which --resume continues
        try (Stream<Path> kept = Files.list(out.resolve("training"))) {
            assertThat(kept.toList()).singleElement()
                    .satisfies(folder -> assertThat(folder.resolve("run.properties")).isRegularFile());
        }
        CliRun resumed = CliRun.of(search(clf, out, "--latency-checks", 0, "--resume", "--keep-training").toArray());
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        List<String> distilled = Files.readAllLines(out.resolve("journal.jsonl")).stream()
                .filter(line -> line.contains("\"stage\":\"short-distill\"")).toList();
        assertThat(distilled).hasSize(2).noneMatch(line -> line.contains("failure"));
        // --keep-training: each distillation's trained float model stays for the user (without it: removed, as
        // above); the two finalists differ in form only, so one distillation served both
        try (Stream<Path> kept = Files.list(out.resolve("training"))) {
            assertThat(kept.toList()).singleElement().satisfies(folder -> assertThat(folder.resolve("trained.onnx")).isRegularFile());
        }
    }

    @Test
    void aBudgetNoCandidateMeetsNamesTheClosest() throws Exception {
        Path clf = classifier();
        Path out = dir.resolve("tight");
        CliRun run = CliRun.of(search(clf, out, "--max-size", 0.001, "--stages", "inherited", "--latency-checks", 0).toArray());
        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        assertThat(run.errorLine()).contains("no candidate meets the budget (file <= 0.001x of the teacher's)")
                .contains("the closest is layers ");
        assertThat(out.resolve("pareto.json")).doesNotExist();
        assertThat(out.resolve("journal.jsonl")).isRegularFile(); // the work done is kept
    }

    @Test
    void refusesBeforeAnyWork() throws Exception {
        Path clf = classifier();
        Path out = dir.resolve("never");
        CliRun sameData = CliRun.of("search", clf, "--data", dir.resolve("train.tsv"), "--eval", dir.resolve("dev.tsv"),
                "--test", dir.resolve("dev.tsv"), "-o", out, "-q");
        assertThat(sameData.exitCode()).as(sameData.err()).isEqualTo(2);
        assertThat(sameData.errorLine()).contains("dev.tsv").contains("same file");
        CliRun noJournal = CliRun.of("search", clf, "--data", dir.resolve("train.tsv"), "--eval", dir.resolve("dev.tsv"),
                "-o", out, "--resume", "-q");
        assertThat(noJournal.exitCode()).isEqualTo(1);
        assertThat(noJournal.errorLine()).contains("never").contains("no journal.jsonl to resume");
        dev.nncj.onnx.GraphBuilder b = new dev.nncj.onnx.GraphBuilder("mlp", 17);
        String x = b.input("x", dev.nncj.onnx.DataType.FLOAT, "batch", 4);
        b.output(b.op("Relu", x), "y", dev.nncj.onnx.DataType.FLOAT, "batch", 4);
        Path mlp = dir.resolve("mlp.onnx");
        OnnxFiles.save(b.build(), mlp);
        Files.copy(dir.resolve("tokenizer.json"), dir.resolve("mlp.tokenizer.json"));
        CliRun notAnEncoder = CliRun.of("search", mlp, "--data", dir.resolve("train.tsv"), "--eval", dir.resolve("dev.tsv"),
                "-o", out, "-q");
        assertThat(notAnEncoder.exitCode()).isEqualTo(1);
        assertThat(notAnEncoder.errorLine()).startsWith("nncj: ").contains("mlp.onnx");
        CliRun badForm = CliRun.of("search", clf, "--data", dir.resolve("train.tsv"), "--eval", dir.resolve("dev.tsv"),
                "-o", out, "--forms", "int3", "-q");
        assertThat(badForm.exitCode()).isEqualTo(2);
        assertThat(badForm.errorLine()).contains("--forms").contains("int3");
        CliRun tinyPopulation = CliRun.of("search", clf, "--data", dir.resolve("train.tsv"), "--eval", dir.resolve("dev.tsv"),
                "-o", out, "--population", 1, "-q");
        assertThat(tinyPopulation.exitCode()).isEqualTo(2);
        assertThat(tinyPopulation.errorLine()).contains("--population must be at least 2, not 1");
        CliRun negativeWeight = CliRun.of("search", clf, "--data", dir.resolve("train.tsv"), "--eval", dir.resolve("dev.tsv"),
                "-o", out, "--hidden-weight", -1, "-q");
        assertThat(negativeWeight.exitCode()).isEqualTo(2);
        assertThat(negativeWeight.errorLine()).contains("--hidden-weight must be a finite number >= 0, not -1.0");
        CliRun augmentNothing = CliRun.of("search", clf, "--data", dir.resolve("train.tsv"), "--eval", dir.resolve("dev.tsv"),
                "-o", out, "--augment", 2, "-q");
        assertThat(augmentNothing.exitCode()).isEqualTo(2);
        assertThat(augmentNothing.errorLine()).contains("--augment").contains("add full-distill to --stages");
        CliRun qatFirst = CliRun.of("search", clf, "--data", dir.resolve("train.tsv"), "--eval", dir.resolve("dev.tsv"),
                "-o", out, "--stages", "inherited,qat,full-distill", "-q");
        assertThat(qatFirst.exitCode()).isEqualTo(2);
        assertThat(qatFirst.errorLine()).contains("--stages").contains("right after full-distill");
        CliRun qatFloat = CliRun.of("search", clf, "--data", dir.resolve("train.tsv"), "--eval", dir.resolve("dev.tsv"),
                "-o", out, "--stages", "inherited,full-distill,qat", "--forms", "fp32", "-q");
        assertThat(qatFloat.exitCode()).isEqualTo(2);
        assertThat(qatFloat.errorLine()).contains("qat trains the int8-dynamic and int8-static forms");
        CliRun qatFused = CliRun.of("search", clf, "--data", dir.resolve("train.tsv"), "--eval", dir.resolve("dev.tsv"),
                "-o", out, "--stages", "inherited,full-distill,qat", "--forms", "fp32,int8-dynamic-fused", "-q");
        assertThat(qatFused.exitCode()).isEqualTo(2);
        assertThat(qatFused.errorLine()).contains("qat trains the int8-dynamic and int8-static forms");
        assertThat(out).doesNotExist();
    }
}
