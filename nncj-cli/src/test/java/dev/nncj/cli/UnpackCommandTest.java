package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.TinyModels;
import dev.nncj.sparsity.NncjContainer;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nncj unpack} reads the container and nothing else beside it but a regular tokenizer.json. */
class UnpackCommandTest {
    @TempDir
    Path dir;

    Path folder;
    Path container;

    @BeforeEach
    void container() throws IOException {
        folder = Files.createDirectories(dir.resolve("received"));
        container = folder.resolve("model.nncj");
        NncjContainer.write(TinyModels.projectedEmbedder(TinyTokenizer.VOCABULARY_SIZE, 16), container);
    }

    @Test
    void aRegularTokenizerBesideTheContainerIsCopiedBesideTheOutput() throws IOException {
        TinyTokenizer.write(folder);
        Path out = dir.resolve("out/model.onnx");
        CliRun run = CliRun.of("unpack", container, "-o", out);
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(OnnxFiles.load(out).graph().initializers()).isNotEmpty();
        assertThat(out.resolveSibling("tokenizer.json")).hasSameTextualContentAs(folder.resolve("tokenizer.json"));
    }

    @Test
    void aSymbolicLinkNamedTokenizerJsonIsRefusedBeforeAnyWork() throws IOException {
        // issue 17: unpack followed a symbolic link beside a container, copying its target beside the output
        Path secret = Files.writeString(dir.resolve("secret.txt"), "root:x:0:0:root:/root:/bin/bash\n");
        Path link = Files.createSymbolicLink(folder.resolve("tokenizer.json"), secret);
        Path out = dir.resolve("out/model.onnx");
        CliRun run = CliRun.of("unpack", container, "-o", out);
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLine()).isEqualTo("nncj: " + link.toAbsolutePath() + ": is a symbolic link; NNCJ reads only a regular tokenizer file found "
                + "beside a model (replace the link with the file it names, or name the tokenizer explicitly)");
        assertThat(out.getParent()).doesNotExist();
    }

    @Test
    void aDecompressionBombIsOneLineAndWritesNothing() throws IOException {
        Path bomb = Files.write(folder.resolve("bomb.nncj"), deflateBomb(64 << 20));
        Path out = dir.resolve("out/model.onnx");
        CliRun run = CliRun.of("unpack", bomb, "-o", out);
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLine()).startsWith("nncj: " + bomb + ": is corrupt or a decompression bomb: its ONNX graph keeps inflating, past the ");
        assertThat(out.getParent()).doesNotExist();
    }

    /** A version-2 container whose skeleton is {@code zeros} zero bytes deflated (about a thousandth of that). */
    private static byte[] deflateBomb(int zeros) throws IOException {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        byte[] chunk = new byte[1 << 20];
        byte[] buffer = new byte[1 << 16];
        for (int done = 0; done < zeros; done += chunk.length) {
            deflater.setInput(chunk);
            while (!deflater.needsInput()) {
                stored.write(buffer, 0, deflater.deflate(buffer));
            }
        }
        deflater.finish();
        while (!deflater.finished()) {
            stored.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(file)) {
            out.write("NNCJPACK".getBytes(StandardCharsets.US_ASCII));
            out.writeShort(2);
            out.writeShort(0);
            out.writeLong(stored.size());
            stored.writeTo(out);
            out.writeInt(0);
            out.write("NNCJEND!".getBytes(StandardCharsets.US_ASCII));
        }
        return file.toByteArray();
    }
}
