package dev.nncj.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.nncj.NncjException;
import dev.nncj.OutputFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What `nncj run` has finished, kept in OUT/run-state.json so that a rerun resumes after the last
 * finished step. The file is a JSON list, one object per finished step in order: its name, the exact
 * command line it ran (placeholders resolved), its output and how long it took. A step is skipped on a
 * rerun only while every step before it was skipped too, its command line is the same and its output
 * is still there: change a step's options and it runs again, with everything after it.
 */
final class RunState {
    static final String FILE = "run-state.json";

    /** One finished step. */
    record Finished(String name, List<String> args, String output, double seconds) {}

    private final List<Finished> steps;

    private RunState(List<Finished> steps) {
        this.steps = List.copyOf(steps);
    }

    static RunState read(Path folder) {
        Path file = folder.resolve(FILE);
        if (!Files.exists(file)) {
            return new RunState(List.of());
        }
        try {
            return new RunState(Json.mapper().readValue(file.toFile(), new TypeReference<List<Finished>>() {}));
        } catch (IOException e) {
            throw NncjException.inFile(file, "is not a run state nncj run wrote (" + e.getMessage().lines().findFirst().orElse("")
                    + "); delete it to run every step again");
        }
    }

    /** Whether step {@code index} finished before with these very arguments and its output is still there. */
    boolean finished(int index, String name, List<String> args) {
        if (index >= steps.size()) {
            return false;
        }
        Finished f = steps.get(index);
        return f.name().equals(name) && f.args().equals(args) && Files.isRegularFile(Path.of(f.output()));
    }

    Finished get(int index) {
        return steps.get(index);
    }

    /** The first {@code count} steps: what stays true when step {@code count} runs again. */
    RunState upTo(int count) {
        return new RunState(steps.subList(0, Math.min(count, steps.size())));
    }

    RunState plus(Finished step) {
        List<Finished> more = new ArrayList<>(steps);
        more.add(step);
        return new RunState(more);
    }

    /** Written by an atomic rename: an interrupted write leaves the previous state, never half a file. */
    void write(Path folder) {
        OutputFiles.writeAtomically(folder.resolve(FILE), Json.write(steps) + "\n");
    }

}
