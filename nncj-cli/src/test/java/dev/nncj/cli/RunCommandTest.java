package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.provenance.Provenance;
import dev.nncj.transformer.TinyEncoders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `nncj run` on a two-step recipe (prune, then quantize) over a tiny 3-layer encoder built in the test. */
class RunCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    Path encoder;
    Path out;

    @BeforeEach
    void model() throws IOException {
        encoder = Files.createDirectories(dir.resolve("in")).resolve("model.onnx");
        OnnxFiles.save(TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L, 3L), false), encoder);
        TinyTokenizer.write(encoder.getParent());
        out = dir.resolve("run");
    }

    private Path recipe(String name, double maxSizeRatio) throws IOException {
        return Files.writeString(dir.resolve(name), """
                {"description": "prune then quantize",
                 "input": "{model}",
                 "vars": {"mode": "no-such-mode"},
                 "steps": [
                   {"name": "pruned", "command": "prune",
                    "options": {"--heads-per-layer": "2,1,1", "--bench-runs": 2, "--seq-len": 8, "-q": true, "--force": false}},
                   {"name": "quantized", "command": "quantize",
                    "options": {"--mode": "{mode}", "--bench-runs": 2, "--seq-len": 8, "-q": true, "--json": true}}
                 ],
                 "goals": {"max_size_ratio": MAX, "max_p50_ratio": 100, "bench_runs": 3, "seq_len": 8}}
                """.replace("MAX", Double.toString(maxSizeRatio)));
    }

    @Test
    void aFailedStepIsResumedAfterTheStepsThatFinished() throws IOException {
        Path recipe = recipe("recipe.json", 0.9);
        CliRun failed = CliRun.of("run", recipe, "-o", out, "--set", "model=" + encoder, "-q");
        assertThat(failed.exitCode()).isEqualTo(2); // quantize's usage error, passed on
        assertThat(failed.err()).contains("step quantized (nncj quantize) failed with exit code 2").contains("resume");
        Path pruned = out.resolve("pruned.onnx");
        assertThat(pruned).exists();
        assertThat(out.resolve("quantized.onnx")).doesNotExist();
        JsonNode state = JSON.readTree(out.resolve("run-state.json").toFile());
        assertThat(state).hasSize(1);
        assertThat(state.get(0).get("name").asText()).isEqualTo("pruned");
        FileTime prunedAt = Files.getLastModifiedTime(pruned);

        CliRun resumed = CliRun.of("run", recipe, "-o", out, "--set", "model=" + encoder, "--set", "mode=dynamic-int8",
                "--json", "-q");
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.err()).contains("step 1/2 pruned: finished before, skipped").contains("step 2/2 quantized: nncj quantize");
        assertThat(Files.getLastModifiedTime(pruned)).isEqualTo(prunedAt);
        JsonNode summary = JSON.readTree(resumed.out());
        assertThat(summary).isEqualTo(JSON.readTree(out.resolve("summary.json").toFile()));
        assertThat(summary.get("steps").get(0).get("skipped").asBoolean()).isTrue();
        assertThat(summary.get("steps").get(1).get("skipped").asBoolean()).isFalse();
        assertThat(summary.get("steps").get(1).get("report").get("mode").asText()).isEqualTo("dynamic-int8");
        assertThat(summary.get("output").asText()).isEqualTo(out.resolve("quantized.onnx").toString());
        assertThat(summary.get("goals").get("max_size_ratio").get("met").asBoolean()).isTrue();
        assertThat(summary.get("goals_met").asBoolean()).isTrue();
        assertThat(OnnxFiles.load(out.resolve("quantized.onnx")).metadata().get(Provenance.STEPS))
                .contains("\"step\":\"prune\"").contains("\"step\":\"quantize\"");
        assertThat(JSON.readTree(out.resolve("run-state.json").toFile())).hasSize(2);
    }

    @Test
    void goalsNotMetFailAfterTheSummaryAndAFinishedRunIsNotRepeated() throws IOException {
        CliRun first = CliRun.of("run", recipe("ok.json", 0.9), "-o", out, "--set", "model=" + encoder,
                "--set", "mode=dynamic-int8", "-q");
        assertThat(first.exitCode()).as(first.err()).isZero();
        CliRun strict = CliRun.of("run", recipe("strict.json", 0.01), "-o", out, "--set", "model=" + encoder,
                "--set", "mode=dynamic-int8", "-q");
        assertThat(strict.exitCode()).isEqualTo(Nncj.EXIT_FAILURE);
        assertThat(strict.err()).contains("pruned: finished before, skipped").contains("quantized: finished before, skipped");
        assertThat(strict.err().strip().lines().reduce((a, b) -> b).orElseThrow()).startsWith("nncj: goals not met: max_size_ratio");
        assertThat(strict.out()).contains("goal max_size_ratio").contains("NOT met");
    }

    @Test
    void aRecipeThatNamesAnOutputOrAnUnknownPlaceholderIsRefusedInOneLine() throws IOException {
        Path named = Files.writeString(dir.resolve("named.json"),
                "{\"input\": \"x.onnx\", \"steps\": [{\"name\": \"a\", \"command\": \"prune\", \"options\": {\"-o\": \"y.onnx\"}}]}");
        CliRun run = CliRun.of("run", named, "-o", out);
        assertThat(run.exitCode()).isEqualTo(Nncj.EXIT_FAILURE);
        assertThat(run.errorLine()).isEqualTo("nncj: " + named + ": steps[0].options: -o is given by nncj run (OUT/a.onnx)");
        Path unknown = Files.writeString(dir.resolve("unknown.json"),
                "{\"steps\": [{\"name\": \"a\", \"command\": \"prune\", \"options\": {\"--data\": \"{train}\"}}]}");
        CliRun missing = CliRun.of("run", unknown, "-o", out, "--input", encoder);
        assertThat(missing.errorLine()).isEqualTo("nncj: " + unknown + ": steps[0] (a).options: {train} is not defined"
                + " (vars, --set, or one of {input}, {previous}, {out})");
    }

    /**
     * The shipped chain-3 recipe: four steps, each a command line nncj parses (every flag exists and takes
     * its value), with the teacher as every step's --teacher and each step reading the previous output.
     */
    @Test
    void theShippedChainRecipeParsesIntoCommandsNncjAccepts() {
        Recipe recipe = Recipe.read(Path.of("../recipes/chain-3.json"));
        assertThat(recipe.steps()).extracting(Recipe.Step::command).containsExactly("distill", "prune", "distill", "quantize");
        java.util.Map<String, String> values = new java.util.HashMap<>(recipe.vars());
        values.put("input", "teacher.onnx");
        values.put("out", "run");
        String previous = "teacher.onnx";
        for (Recipe.Step step : recipe.steps()) {
            values.put("previous", previous);
            List<String> args = new java.util.ArrayList<>(List.of(step.command()));
            step.input().ifPresent(in -> args.add(recipe.resolve(in, values, step.name())));
            step.options().forEach(o -> args.add(recipe.resolve(o, values, step.name())));
            args.addAll(List.of("-o", step.name() + ".onnx"));
            picocli.CommandLine.ParseResult parsed = new picocli.CommandLine(new Nncj()).parseArgs(args.toArray(String[]::new));
            assertThat(parsed.subcommand().matchedOptionValue("--teacher", (Object) null)).as(step.name()).isNotNull();
            // every step's random choices follow the recipe's {seed}, 1 (as recorded) unless --set seed=N
            assertThat(parsed.subcommand().<Long>matchedOptionValue("--seed", -1L)).as(step.name()).isEqualTo(1L);
            if (!step.name().equals("student3-e2")) {
                assertThat(args).as(step.name()).contains(previous);
            }
            previous = step.name() + ".onnx";
        }
        assertThat(recipe.goals().maxAccuracyDrop()).contains(0.015);
    }

    /** The accuracy goal: the last output and the input scored by ONNX Runtime on the goals' labelled data. */
    @Test
    void theAccuracyGoalComparesTheLastOutputWithTheInput() throws IOException {
        Path clf = Files.createDirectories(dir.resolve("clf")).resolve("model.onnx");
        OnnxFiles.save(dev.nncj.onnx.TinyModels.bagOfWordsClassifier(30522), clf); // rows for the benchmark's synthesized ids too
        TinyTokenizer.write(clf.getParent());
        Path data = Files.writeString(dir.resolve("dev.tsv"), "sentence\tlabel\nthe cat\t1\na dog\t0\nthe cat sat\t0\n");
        Path recipe = Files.writeString(dir.resolve("fp16.json"), """
                {"steps": [{"name": "half", "command": "quantize", "options": {"--mode": "fp16", "-q": true}}],
                 "goals": {"eval_data": "{data}", "max_accuracy_drop": 0.0}}
                """);
        CliRun run = CliRun.of("run", recipe, "--input", clf.getParent(), "-o", out, "--set", "data=" + data, "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode summary = JSON.readTree(run.out());
        assertThat(summary.get("figures").get("accuracy_input").asDouble()).isCloseTo(2.0 / 3, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(summary.get("figures").get("accuracy_last").asDouble()).isCloseTo(2.0 / 3, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(summary.get("goals").get("max_accuracy_drop").get("met").asBoolean()).isTrue();
    }

    /** What the goals need and where the steps write is checked before the first step, so no step runs in vain. */
    @Test
    void goalsWithoutTheirDataAndAnInputAStepWouldReplaceAreRefusedBeforeAnyStep() throws IOException {
        Path clf = Files.createDirectories(dir.resolve("clf")).resolve("model.onnx");
        OnnxFiles.save(dev.nncj.onnx.TinyModels.bagOfWordsClassifier(30522), clf);
        TinyTokenizer.write(clf.getParent());
        Path noData = Files.writeString(dir.resolve("no-data.json"), """
                {"steps": [{"name": "half", "command": "quantize", "options": {"--mode": "fp16", "-q": true}}],
                 "goals": {"max_accuracy_drop": 0.01}}
                """);
        CliRun refused = CliRun.of("run", noData, "--input", clf, "-o", out, "-q");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.errorLine()).contains("no-data.json").contains("goals.max_accuracy_drop needs goals.eval_data");

        Path missing = Files.writeString(dir.resolve("missing.json"), """
                {"steps": [{"name": "half", "command": "quantize", "options": {"--mode": "fp16", "-q": true}}],
                 "goals": {"eval_data": "{data}", "max_accuracy_drop": 0.01}}
                """);
        refused = CliRun.of("run", missing, "--input", clf, "-o", out, "--set", "data=" + dir.resolve("typo.tsv"), "-q");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.errorLine()).contains("typo.tsv").contains("does not exist");
        assertThat(out).doesNotExist();

        // the input is the file a step would write: OUT/model.onnx for a step named "model"
        Path overwrite = Files.writeString(dir.resolve("overwrite.json"), """
                {"steps": [{"name": "model", "command": "quantize", "options": {"--mode": "fp16", "-q": true}}]}
                """);
        byte[] before = Files.readAllBytes(clf);
        refused = CliRun.of("run", overwrite, "--input", clf, "-o", clf.getParent(), "-q");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.errorLine()).contains(clf.toString()).contains("is where step model writes its output");
        assertThat(Files.readAllBytes(clf)).isEqualTo(before);
    }

    /**
     * recipes/chain-3.json's four steps in small (distill a derived student with hidden states, prune it
     * with gradient importance and recovery from the teacher, distill the pruned model with hidden states,
     * QAT to static int8) on a tiny 3-layer classifier: each step reads what the one before wrote.
     */
    @Test
    void theChainThreeStepsComposeOnATinyClassifier() throws IOException {
        dev.nncj.onnx.OnnxModel classifier = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L, 3L), false);
        dev.nncj.train.finetune.ClassifierHead.attach(classifier, "last_hidden_state", 2, 1);
        Path teacher = Files.createDirectories(dir.resolve("teacher")).resolve("model.onnx");
        OnnxFiles.save(classifier, teacher);
        TinyTokenizer.write(teacher.getParent());
        FineTuneCommandTest.catsAndDogs(dir.resolve("train.tsv"), 16, 1);
        String small = "\"--batch-size\": 8, \"--max-length\": 16, \"--bench-runs\": 2, \"--seq-len\": 8, \"-q\": true";
        Path recipe = Files.writeString(dir.resolve("chain.json"), """
                {"vars": {"train": "TRAIN"},
                 "steps": [
                   {"name": "student", "command": "distill", "input": null, "options": {"--teacher": "{input}",
                    "--student-layers": "0,2", "--data": "{train}", "--hidden-weight": 1, "--layer-map": "0:0,1:2", SMALL}},
                   {"name": "pruned", "command": "prune", "options": {"--heads": 0.5, "--ffn": 0.5, "--importance": "gradient",
                    "--data": "{train}", "--calibration-samples": 8, "--recover": true, "--teacher": "{input}", SMALL}},
                   {"name": "distilled", "command": "distill", "input": null, "options": {"--student": "{previous}",
                    "--teacher": "{input}", "--data": "{train}", "--hidden-weight": 1, "--layer-map": "0:0,1:2", SMALL}},
                   {"name": "qat", "command": "quantize", "options": {"--mode": "static-int8", "--qat": true,
                    "--teacher": "{input}", "--data": "{train}", "--calibration-samples": 8, SMALL}}
                 ],
                 "goals": {"eval_data": "{train}", "max_accuracy_drop": 1, "max_size_ratio": 1, "bench_runs": 2, "seq_len": 8}}
                """.replace("TRAIN", dir.resolve("train.tsv").toString()).replace("SMALL", small));
        CliRun run = CliRun.of("run", recipe, "--input", teacher, "-o", out, "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode summary = JSON.readTree(run.out());
        assertThat(summary.get("steps")).hasSize(4);
        assertThat(summary.get("goals_met").asBoolean()).isTrue();
        assertThat(OnnxFiles.load(out.resolve("qat.onnx")).graph().nodes()).anyMatch(n -> n.opType().equals("QuantizeLinear"));
        assertThat(OnnxFiles.load(out.resolve("qat.onnx")).metadata().get(Provenance.STEPS))
                .contains("\"step\":\"derive_student\"").contains("\"step\":\"prune\"").contains("\"step\":\"qat\"");
    }

    /** A step an interrupted run left a checkpoint of is continued with --resume, not started over. */
    @Test
    void aStepWithACheckpointIsResumed() throws IOException {
        Files.createDirectories(out.resolve("pruned.onnx.checkpoint")); // not a real one: the step says so
        CliRun run = CliRun.of("run", recipe("recipe.json", 0.9), "-o", out, "--set", "model=" + encoder, "-q");
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.err()).contains("step 1/2 pruned: nncj prune").contains("--resume " + out.resolve("pruned.onnx.checkpoint").toAbsolutePath());
        Path file = Files.writeString(dir.resolve("file"), "");
        assertThat(CliRun.of("run", recipe("recipe.json", 0.9), "-o", file, "--input", encoder).errorLine())
                .isEqualTo("nncj: " + file + ": is a file; the run's outputs go into a folder");
    }
}
