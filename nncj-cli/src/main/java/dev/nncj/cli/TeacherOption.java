package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.onnx.OnnxModel;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --teacher}: which classifier recovery distills from. By default the command's own input (the
 * uncompressed model); in a chain of compressions that input is already a compressed student, and
 * distilling every step from the first, larger teacher keeps what the chain would otherwise lose step
 * by step.
 */
final class TeacherOption {
    @Option(names = "--teacher", paramLabel = "TEACHER.onnx", converter = ModelArgument.class,
            description = "--recover / --qat: distill from this classifier instead of the input (e.g. the larger model the input"
                    + " was itself distilled from); same labels as the input")
    Path teacher;

    /** Fails at once on a missing file or a teacher with no training to teach, before any work. */
    void check(boolean recovering) {
        if (teacher == null) {
            return;
        }
        if (!recovering) {
            throw new NncjException("--teacher is for training: --recover (or quantize --qat)");
        }
        if (!Files.isRegularFile(teacher)) {
            throw NncjException.inFile(teacher, "file not found");
        }
    }

    /** The teacher model: --teacher's, or the one at {@code input} (read afresh: the caller's copy may be compressed by then). */
    OnnxModel load(Path input) {
        return InputModel.load(teacher != null ? teacher : input);
    }

    /** {@code original} itself unless --teacher names another model. */
    OnnxModel orElse(OnnxModel original) {
        return teacher != null ? InputModel.load(teacher) : original;
    }
}
