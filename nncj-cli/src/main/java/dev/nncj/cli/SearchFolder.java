package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.OutputFiles;
import dev.nncj.search.Journal;
import dev.nncj.search.RunFingerprint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The search's output folder: checked before any work (a new or empty folder, or with --resume one
 * holding a journal), created at the first write, every file in it written to a temporary file and
 * renamed into place.
 */
final class SearchFolder {
    static final String JOURNAL = "journal.jsonl";
    static final String LATENCY_TABLE = "latency-table.json";
    static final String LATENCY_CHECK = "latency-check.json";
    static final String PARETO = "pareto.json";
    static final String REPORT = "report.html";
    static final String FRONT = "front";
    /**
     * Each distillation's checkpoints, then its trained model: a stopped search's --resume continues
     * them and the front reuses them; removed once the front is written.
     */
    static final String TRAINING = "training";

    private final Path dir;
    private final boolean resume;

    private SearchFolder(Path dir, boolean resume) {
        this.dir = dir;
        this.resume = resume;
    }

    /** Refuses, in one line naming the folder, a place the search cannot use; writes nothing. */
    static SearchFolder prepare(Path dir, boolean resume) {
        if (resume) {
            if (!Files.isRegularFile(dir.resolve(JOURNAL))) {
                throw NncjException.inFile(dir, "has no " + JOURNAL + " to resume (start the search without --resume)");
            }
        } else if (Files.isRegularFile(dir)) {
            throw NncjException.inFile(dir, "is a file; the search writes a folder");
        } else if (Files.isDirectory(dir) && !isEmpty(dir)) {
            throw NncjException.inFile(dir, "exists and is not empty: give --resume to continue its search, or a new folder");
        } else {
            OutputFiles.requireWritablePlace(dir.resolve(JOURNAL)); // the folder, or its nearest existing parent, takes files
        }
        return new SearchFolder(dir, resume);
    }

    Path dir() {
        return dir;
    }

    Path file(String name) {
        return dir.resolve(name);
    }

    boolean has(String name) {
        return Files.isRegularFile(dir.resolve(name));
    }

    /** The journal: resumed (refusing another search's) or created. */
    Journal journal(RunFingerprint fingerprint) {
        create();
        Path file = dir.resolve(JOURNAL);
        return resume && Files.isRegularFile(file) ? Journal.resume(file, fingerprint) : Journal.create(file, fingerprint);
    }

    /** The journal as it stands, read back (after a run: every run's entries, this one's too). */
    Journal reread(RunFingerprint fingerprint) {
        return Journal.resume(dir.resolve(JOURNAL), fingerprint);
    }

    /** Writes {@code text} to {@code name} through a temporary file renamed into place. */
    void write(String name, String text) {
        create();
        OutputFiles.writeAtomically(dir.resolve(name), text);
    }

    void create() {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw NncjException.inFile(dir, "cannot be created: " + e.getMessage(), e);
        }
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw NncjException.inFile(dir, "cannot be read: " + e.getMessage(), e);
        }
    }
}
