package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.OutputFiles;
import dev.nncj.folder.ModelFolder;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a recipe: chained commands and goals for the result.",
            "Each step reads the previous step's output.",
            "The recipe is JSON (steps, vars, goals; see recipes/chain-3.json). Each step writes OUT/NAME.onnx, its printed"
                + " report goes to OUT/NAME.out, and OUT/run-state.json records it, so running the same command again"
                + " resumes after the last finished step. At the end the goals (accuracy drop, size ratio, p50 ratio) are"
                + " measured on the last output against the input, and OUT/summary.json is written.",
            "Example: nncj run recipes/chain-3.json -o work/chain3 --set train=data/sst2/train.tsv"})
final class RunCommand implements Callable<Integer> {
    static final String SUMMARY = "summary.json";

    @Parameters(index = "0", paramLabel = "RECIPE.json", description = "the recipe")
    Path recipeFile;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR",
            description = "the run's folder: every step's output, the run state and the summary")
    Path output;

    @Option(names = "--input", paramLabel = "MODEL", converter = ModelArgument.class,
            description = "the model {input} names (default: the recipe's \"input\")")
    Path input;

    @Option(names = "--set", paramLabel = "NAME=VALUE", description = "a value for the recipe's {NAME} (repeatable)")
    Map<String, String> set = new LinkedHashMap<>();

    @Option(names = "--json", description = "print the summary as JSON")
    boolean json;

    @Mixin
    QuietOption quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Recipe recipe = Recipe.read(recipeFile);
        Map<String, String> values = new LinkedHashMap<>(recipe.vars());
        values.putAll(set);
        values.put("out", output.toString());
        Path model = input != null ? input : ModelFolder.modelOf(Path.of(recipe.resolve(recipe.input().orElseThrow(() ->
                new NncjException(recipeFile + ": no \"input\"; give --input MODEL")), values, "input")));
        if (!Files.isRegularFile(model)) {
            throw NncjException.inFile(model, "does not exist (the run's input model)");
        }
        values.put("input", model.toString());
        Optional<Path> evalData = recipe.goals().evalData().map(d -> Path.of(recipe.resolve(d, values, "goals.eval_data")));
        // what the goals need is checked now, not after hours of steps
        if (recipe.goals().maxAccuracyDrop().isPresent() && evalData.isEmpty()) {
            throw NncjException.inFile(recipeFile, "goals.max_accuracy_drop needs goals.eval_data (labelled data)");
        }
        if (evalData.isPresent() && !Files.isRegularFile(evalData.get())) {
            throw NncjException.inFile(evalData.get(), "does not exist (the recipe's goals.eval_data)");
        }
        for (Recipe.Step step : recipe.steps()) { // a step's output must never replace the run's input
            Path stepOutput = output.resolve(step.name() + ".onnx");
            if (Files.exists(stepOutput) && Files.isSameFile(model, stepOutput)) {
                throw NncjException.inFile(model, "is where step " + step.name() + " writes its output; give nncj run another -o");
            }
        }
        if (Files.exists(output) && !Files.isDirectory(output)) {
            throw NncjException.inFile(output, "is a file; the run's outputs go into a folder");
        }
        Files.createDirectories(output);
        PrintWriter err = spec.commandLine().getErr();
        RunState state = RunState.read(output);
        List<Map<String, Object>> steps = new ArrayList<>();
        Path previous = model;
        boolean resuming = true;
        for (int i = 0; i < recipe.steps().size(); i++) {
            Recipe.Step step = recipe.steps().get(i);
            values.put("previous", previous.toString());
            Path stepOutput = output.resolve(step.name() + ".onnx");
            List<String> args = arguments(recipe, step, i, values, stepOutput);
            // a training step stopped by SIGTERM or Ctrl-C left its checkpoint: continue it rather than start over
            Path checkpoint = TrainingOptions.beside(stepOutput);
            List<String> run = Files.isDirectory(checkpoint) ? resumed(args, checkpoint) : args;
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("name", step.name());
            report.put("command", "nncj " + String.join(" ", args));
            report.put("output", stepOutput.toString());
            if (resuming && state.finished(i, step.name(), args)) {
                err.printf(Locale.ROOT, "nncj run: step %d/%d %s: finished before, skipped%n", i + 1, recipe.steps().size(), step.name());
                report.put("skipped", true);
                report.put("seconds", state.get(i).seconds());
            } else {
                resuming = false;
                state = state.upTo(i);
                state.write(output);
                err.printf(Locale.ROOT, "nncj run: step %d/%d %s: nncj %s%n", i + 1, recipe.steps().size(), step.name(),
                        String.join(" ", run));
                err.flush();
                StringWriter printed = new StringWriter();
                long start = System.nanoTime();
                int code = Nncj.execute(run.toArray(String[]::new), new PrintWriter(printed, true), err);
                double seconds = (System.nanoTime() - start) / 1e9;
                OutputFiles.writeAtomically(output.resolve(step.name() + ".out"), printed.toString());
                if (code != 0) {
                    err.printf(Locale.ROOT, "nncj: step %s (nncj %s) failed with exit code %d; the steps before it are kept in %s:"
                            + " run the same command again to resume%n", step.name(), step.command(), code, output);
                    return code;
                }
                state = state.plus(new RunState.Finished(step.name(), args, stepOutput.toString(), seconds));
                state.write(output);
                report.put("skipped", false);
                report.put("seconds", seconds);
                report.put("report", printedJson(printed.toString()));
            }
            steps.add(report);
            previous = stepOutput;
        }
        RecipeGoals.Measured measured = RecipeGoals.measure(recipe.goals(), evalData, model, previous, quiet.progress());
        Map<String, Object> summary = summary(recipe, model, previous, steps, measured);
        OutputFiles.writeAtomically(output.resolve(SUMMARY), Json.write(summary) + "\n");
        print(summary, measured);
        if (!measured.met()) {
            throw new NncjException("goals not met: " + String.join(", ", measured.goals().stream().filter(g -> !g.met())
                    .map(g -> String.format(Locale.ROOT, "%s %.4f > %.4f", g.name(), g.value(), g.limit())).toList())
                    + " (see " + output.resolve(SUMMARY) + ")");
        }
        return 0;
    }

    /** The step's command line with every placeholder resolved and OUT/NAME.onnx as its output. */
    private static List<String> arguments(Recipe recipe, Recipe.Step step, int index, Map<String, String> values, Path out) {
        String where = "steps[" + index + "] (" + step.name() + ")";
        List<String> args = new ArrayList<>();
        args.add(step.command());
        step.input().ifPresent(in -> args.add(recipe.resolve(in, values, where + ".input")));
        for (String option : step.options()) {
            args.add(recipe.resolve(option, values, where + ".options"));
        }
        args.add("-o");
        args.add(out.toString());
        return args;
    }

    /** {@code args} with --resume CHECKPOINT before the output (the same run, continued; its state records {@code args}). */
    private static List<String> resumed(List<String> args, Path checkpoint) {
        List<String> run = new ArrayList<>(args.subList(0, args.size() - 2));
        run.add("--resume");
        run.add(checkpoint.toString());
        run.addAll(args.subList(args.size() - 2, args.size()));
        return run;
    }

    /** A step's printed report as JSON when it printed JSON (a step with "--json": true), else its text. */
    private static Object printedJson(String printed) {
        try {
            return Json.mapper().readTree(printed);
        } catch (IOException e) {
            return printed;
        }
    }

    private static Map<String, Object> summary(Recipe recipe, Path input, Path last, List<Map<String, Object>> steps,
                                               RecipeGoals.Measured measured) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("recipe", recipe.file().toString());
        recipe.description().ifPresent(d -> summary.put("description", d));
        summary.put("input", input.toString());
        summary.put("output", last.toString());
        summary.put("steps", steps);
        summary.put("figures", measured.figures());
        Map<String, Object> goals = new LinkedHashMap<>();
        measured.goals().forEach(g -> goals.put(g.name(), g.json()));
        summary.put("goals", goals);
        summary.put("goals_met", measured.met());
        return summary;
    }

    private void print(Map<String, Object> summary, RecipeGoals.Measured measured) {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(summary));
            return;
        }
        out.println(summary.get("output") + ": " + ((List<?>) summary.get("steps")).size() + " steps");
        measured.figures().forEach((k, v) -> out.printf(Locale.ROOT, "  %-16s %.4f%n", k, (Double) v));
        measured.goals().forEach(g -> out.printf(Locale.ROOT, "  goal %-18s %.4f (limit %.4f) %s%n", g.name(), g.value(),
                g.limit(), g.met() ? "met" : "NOT met"));
    }
}
