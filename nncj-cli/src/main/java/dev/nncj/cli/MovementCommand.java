package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.OptionException;
import dev.nncj.ProgressListener;
import dev.nncj.report.CompressionReport;
import dev.nncj.sparsity.PruningPattern;
import dev.nncj.sparsity.SparsifyResult;
import dev.nncj.sparsity.Storage;
import dev.nncj.train.movement.BlockStructure;
import dev.nncj.train.distill.DistillOptions;
import dev.nncj.train.movement.MovementOptions;
import dev.nncj.train.movement.MovementPruning;
import dev.nncj.train.trainer.StepResult;
import dev.nncj.train.trainer.TrainingListener;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "movement", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prune a classifier while fine-tuning it (movement pruning).",
            "Movement pruning (Sanh et al. 2020): fine-tunes a classifier while learning an importance score per "
                + "encoder weight (or per FFN neuron / attention head with --block), keeps the weights of the highest scores on a "
                + "cubic schedule down to --remaining, and distills from the unpruned classifier (soft targets plus labels).",
            "Unstructured results are stored sparsely (ONNX sparse initializers, or a .nncj container); pruned neurons and "
                + "heads are removed from the graph, so the model also runs faster.",
            "Prints the encoder weights remaining, size, p50 latency (both models interleaved in one process) and, with "
                + "--eval-data, the task metric."})
final class MovementCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN.onnx", converter = ModelArgument.class, description = "a float classifier with a logits output (nncj finetune writes one)")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT",
            description = "OUT.onnx, or OUT.nncj (a container packing the zeros; `nncj unpack` restores ONNX)")
    Path output;

    @Option(names = "--remaining", required = true, paramLabel = "R",
            description = "fraction of the scored encoder weights kept at the end, in (0, 1] (Sanh et al. report 0.10 and below)")
    double remaining;

    @Option(names = "--block", defaultValue = "none", paramLabel = "BLOCK",
            description = "none (default: one score per weight), neuron (FFN neurons), head (attention heads) or head-neuron (both)")
    String block;

    @Option(names = "--scope", defaultValue = "global", paramLabel = "SCOPE",
            description = "global (default: one top-k over all scores) or per-layer (every score tensor keeps R)")
    String scope;

    @Option(names = "--score-lr", defaultValue = "1e-2", paramLabel = "LR",
            description = "peak learning rate of the scores, which follow --lr's warm-up and decay (default ${DEFAULT-VALUE})")
    double scoreLearningRate;

    @Option(names = "--sparsity-warmup", defaultValue = "0.1", paramLabel = "FRACTION",
            description = "share of the steps at full density before pruning starts (default ${DEFAULT-VALUE})")
    double sparsityWarmup;

    @Option(names = "--sparsity-cooldown", defaultValue = "0.2", paramLabel = "FRACTION",
            description = "share of the last steps at the final density; --recover-eval keeps the best of these only (default ${DEFAULT-VALUE})")
    double sparsityCooldown;

    @Mixin
    NodeFilterOptions nodes;

    @Option(names = "--data", required = true, paramLabel = "TRAIN.tsv", description = "training data, sentence and label columns")
    Path data;

    @Option(names = "--recover-eval", paramLabel = "DEV.tsv",
            description = "selection data (labelled) evaluated every --eval-every steps in the cool-down; the best weights are kept"
                    + " (default: the last); never the --eval-data file")
    Path eval;

    @Mixin
    TrainingOptions training;

    @Mixin
    ReportOptions report;

    @Mixin
    QuietOption quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        report.checkOutput(input, output, ModelOutput.Format.ONNX_OR_CONTAINER);
        MovementOptions options = options(); // bad option values fail before anything is read or written
        SelectionData sets = SelectionData.of("--recover-eval", eval, "--eval-data", report.evalData, "the weights kept");
        for (Path file : eval == null ? List.of(data) : List.of(data, eval)) {
            if (!Files.isRegularFile(file)) {
                throw NncjException.inFile(file, "does not exist");
            }
        }
        InputModel.check(input);
        var evaluation = report.evaluation(input);
        ProgressListener progress = quiet.progress();
        long start = System.nanoTime();
        long[] stepNanos = {0};
        TrainingListener stepTime = new TrainingListener() {
            @Override
            public void onStep(StepResult result) {
                stepNanos[0] += result.nanos();
            }
        };
        MovementPruning.Result result = MovementPruning.run(input, options,
                report.dataFile.distillData(data, eval, report.tokenizerFor(input)), progress, List.of(stepTime));
        double seconds = (System.nanoTime() - start) / 1e9;
        CompressionReport measured = container()
                ? report.packAndMeasure(result.model(), input, output, evaluation, progress).report()
                : report.saveAndMeasure(result.model(), input, output, evaluation, progress);
        print(result, seconds, stepNanos[0] / 1e9, measured, sets);
        return 0;
    }

    MovementOptions options() {
        PruningPattern.Scope s = Flags.choice(PruningPattern.Scope.class, scope, "scope");
        DistillOptions distill;
        try {
            distill = DistillOptions.recovery().withTraining(training.toOptions(spec, output));
        } catch (NncjException e) {
            throw new OptionException(Flags.message(e));
        }
        // a container packs dense zeros itself; ONNX files carry them as sparse initializers
        return new MovementOptions(remaining, BlockStructure.parse(block), s, scoreLearningRate, sparsityWarmup,
                sparsityCooldown, nodes.filter(), container() ? Storage.DENSE : Storage.SPARSE_INITIALIZERS,
                distill);
    }

    private boolean container() {
        return output.getFileName().toString().endsWith(".nncj");
    }

    private void print(MovementPruning.Result r, double seconds, double stepSeconds, CompressionReport measured,
                       SelectionData sets) {
        PrintWriter out = spec.commandLine().getOut();
        List<String> notes = notes(r, measured);
        List<Double> losses = r.losses();
        if (report.json) {
            Map<String, Object> obj = ReportPrinter.toJson(measured);
            obj.put("block", r.block().cliName());
            obj.put("scope", scope);
            obj.put("remaining_target", remaining);
            obj.put("encoder_weights", r.encoderWeights());
            obj.put("encoder_weights_remaining", r.remainingWeights());
            obj.put("remaining_fraction", r.remainingFraction());
            obj.put("scored_weights", r.scoredWeights());
            obj.put("removed_heads", r.removedHeads());
            obj.put("removed_neurons", r.removedNeurons());
            obj.put("parameters_before", r.parametersBefore());
            obj.put("parameters_after", r.parametersAfter());
            obj.put("stored_sparse", r.sparsity().map(SparsifyResult::storedSparse).orElse(0L));
            obj.put("container", container());
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("steps", r.steps());
            run.put("kept_step", r.keptStep());
            run.put("first_loss", losses.isEmpty() ? null : losses.get(0));
            run.put("last_loss", losses.isEmpty() ? null : losses.get(losses.size() - 1));
            run.put("eval_accuracy", r.evalAccuracy().isPresent() ? r.evalAccuracy().getAsDouble() : null);
            run.put("seconds", seconds);
            // optimizer steps only (forward, backward, masks, update); seconds also counts lifting, evaluations and export
            run.put("seconds_per_step", r.steps() == 0 ? null : stepSeconds / r.steps());
            obj.put("training", run);
            obj.put("notes", notes);
            obj.put("data", sets.json());
            out.println(Json.write(obj));
            return;
        }
        out.printf(Locale.ROOT, "%s: movement pruning (block %s, %s): encoder weights %s -> %s remaining (%.4f; target %s of the %s scored)%n",
                output, r.block().cliName(), scope, Sizes.count(r.encoderWeights()), Sizes.count(r.remainingWeights()),
                r.remainingFraction(), remaining, Sizes.count(r.scoredWeights()));
        if (r.removedHeads() + r.removedNeurons() > 0) {
            out.printf(Locale.ROOT, "removed %d heads and %d FFN neurons: parameters %,d -> %,d%n", r.removedHeads(),
                    r.removedNeurons(), r.parametersBefore(), r.parametersAfter());
        }
        out.printf(Locale.ROOT, "trained %d steps in %.0f s (%.2f s per optimizer step), loss %.4f -> %.4f, kept step %d%s%n", r.steps(),
                seconds, r.steps() == 0 ? 0 : stepSeconds / r.steps(), losses.isEmpty() ? Double.NaN : losses.get(0),
                losses.isEmpty() ? Double.NaN : losses.get(losses.size() - 1), r.keptStep(),
                r.evalAccuracy().isPresent() ? String.format(Locale.ROOT, ", selection accuracy %.4f", r.evalAccuracy().getAsDouble()) : "");
        notes.forEach(n -> out.println("note: " + n));
        ReportPrinter.print(measured, out);
        sets.line().ifPresent(out::println);
    }

    private List<String> notes(MovementPruning.Result r, CompressionReport measured) {
        List<String> notes = new ArrayList<>(r.notes());
        if (container()) {
            notes.add(SparsifyCommand.CONTAINER_NOTE.replace("OUT", output.toString()));
        } else if (r.sparsity().map(SparsifyResult::storedSparse).orElse(0L) > 0) {
            notes.add(SparsifyCommand.DENSIFY_NOTE + String.format(Locale.ROOT, " (p50 ratio measured here: %.3fx)",
                    measured.latencyRatio()));
        }
        return notes;
    }
}
