package dev.nncj.cli;

import dev.nncj.NncjException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Copies a search's input files into a folder every Spark executor can read (NFS, a mounted bucket), so
 * the tasks carry paths, never models. The copies go to a folder named after the teacher's and the data's
 * digests: two searches of the same inputs share it, and a copy is never half of one file and half of another.
 */
final class SharedInputs {
    private SharedInputs() {}

    /** {@code factory} reading the copies of its files in {@code shared}; {@code digest} names the inputs' contents. */
    static SearchEvaluatorFactory copy(SearchEvaluatorFactory factory, Path shared, String digest) {
        Path teacher = Path.of(factory.teacherFile());
        Path dir = shared.toAbsolutePath().resolve("nncj-search-" + digest);
        try {
            Files.createDirectories(dir);
            Path teacherCopy = place(teacher, dir.resolve("teacher.onnx"));
            place(ModelOutput.tokenizerBeside(teacher), dir.resolve("tokenizer.json"));
            Path dataCopy = place(Path.of(factory.data()), dir.resolve("data.tsv"));
            Path evalCopy = place(Path.of(factory.eval()), dir.resolve("eval.tsv"));
            return factory.at(teacherCopy, dataCopy, evalCopy);
        } catch (IOException e) {
            throw NncjException.inFile(shared, "cannot copy the search's inputs there: " + e.getMessage());
        }
    }

    /** Copies through a temporary name and renames, so an executor never reads a file being written. */
    private static Path place(Path from, Path to) throws IOException {
        if (Files.isRegularFile(to) && Files.size(to) == Files.size(from)) {
            return to; // the digest in the folder's name says its contents are these
        }
        Path tmp = to.resolveSibling(to.getFileName() + ".part");
        Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return to;
    }
}
