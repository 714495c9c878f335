package dev.nncj;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The run {@link TempFilesTest} interrupts: it registers a partial output beside a target in the
 * folder it is given and a temp folder with a file in it, says {@link #READY}, and waits for the signal.
 */
public final class TempFilesChild {
    static final String READY = "ready";

    private TempFilesChild() {}

    public static void main(String[] args) throws Exception {
        Path partial = OutputFiles.tempBeside(Path.of(args[0]).resolve("model.onnx"));
        Files.write(partial, new byte[1 << 20]);
        Path work = TempFiles.createDirectory("nncj-calibration");
        Files.writeString(work.resolve("observed.onnx"), "partial");
        System.out.println(READY);
        System.out.flush();
        Thread.sleep(120_000);
    }
}
