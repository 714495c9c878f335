package dev.nncj.cli.fuzz;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An nncj command line a case runs, with what the command does to its input, which decides what a
 * borderline input may lead to (see {@link Role}).
 *
 * @param label  short, for tables: "quantize --mode int4-weight"
 * @param output where the command writes, if it writes
 */
record CliCommand(String label, Role role, List<String> args, Optional<Path> output) {
    CliCommand {
        args = List.copyOf(args);
    }

    enum Role {
        /** Parses the model and reads its tensors (inspect): it need not run the graph. */
        READS,
        /** Runs the model in ONNX Runtime and writes nothing (bench, eval). */
        RUNS,
        /** A compression method: reads the weights, writes a model that must run. */
        COMPRESSES,
        /** Restores a container to a model that must run (unpack). */
        UNPACKS
    }

    /** Options that keep the before/after latency comparison of compression commands short. */
    static final List<String> QUICK_REPORT = List.of("--bench-runs", "2", "--seq-len", "8", "-q");

    static CliCommand inspect(Path model, boolean json) {
        List<String> args = new ArrayList<>(List.of("inspect", model.toString()));
        if (json) {
            args.add("--json");
        }
        return new CliCommand(json ? "inspect --json" : "inspect", Role.READS, args, Optional.empty());
    }

    static CliCommand bench(Path model) {
        return new CliCommand("bench", Role.RUNS,
                List.of("bench", model.toString(), "--runs", "2", "--warmup", "1", "--seq-len", "8", "-q"), Optional.empty());
    }

    static CliCommand evalClassifier(Path model, Path data) {
        return new CliCommand("eval --task text-classification", Role.RUNS,
                List.of("eval", model.toString(), "--task", "text-classification", "--data", data.toString()),
                Optional.empty());
    }

    /** {@code nncj NAME MODEL -o OUT OPTIONS... --bench-runs 2 --seq-len 8 -q}. */
    static CliCommand compress(String name, Path model, Path output, String... options) {
        List<String> args = new ArrayList<>(List.of(name, model.toString(), "-o", output.toString()));
        args.addAll(List.of(options));
        args.addAll(QUICK_REPORT);
        String label = (name + " " + String.join(" ", options)).strip()
                + (output.toString().endsWith(".nncj") ? " -o .nncj" : "");
        return new CliCommand(label, Role.COMPRESSES, args, Optional.of(output));
    }

    static CliCommand unpack(Path container, Path output) {
        return new CliCommand("unpack", Role.UNPACKS, List.of("unpack", container.toString(), "-o", output.toString()),
                Optional.of(output));
    }

    /** Whether ONNX Runtime must load the input (or the model written from it) for the command to succeed. */
    boolean needsRunnableModel() {
        return role != Role.READS;
    }
}
