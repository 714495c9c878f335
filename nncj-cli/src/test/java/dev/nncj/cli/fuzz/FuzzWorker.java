package dev.nncj.cli.fuzz;

import ai.onnxruntime.OrtSession;
import dev.nncj.cli.Nncj;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.TinyModels;
import dev.nncj.runtime.OrtSessions;
import dev.nncj.sparsity.NncjContainer;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The child JVM of a fuzz campaign: runs the cases of a batch file in-process through
 * {@link Nncj#execute}, one after another from a given line, and reports each on stdout:
 * <pre>
 * @@FUZZ READY
 * @@FUZZ START id
 * @@FUZZ END   id  exit-code  millis  thrown-class|-  output-check|-  stray-files|-     (tab-separated)
 * </pre>
 * The parent owns time and memory limits (it kills this process) and attributes a death to the
 * case that started last. A case's stdout and stderr, including anything written to System.out
 * and System.err, go to its log folder. After a case throws an Error (OutOfMemoryError, say) the
 * worker exits, since the heap may be left in any state; the parent resumes with the next case.
 *
 * <p>Batch file lines: {@code id TAB case-dir TAB log-dir TAB output-or-"-" TAB arg TAB arg ...}.
 */
public final class FuzzWorker {
    static final String PREFIX = "@@FUZZ ";
    static final int EXIT_AFTER_ERROR = 3;

    private FuzzWorker() {}

    public static void main(String[] args) throws IOException {
        List<String> lines = Files.readAllLines(Path.of(args[0]));
        int start = Integer.parseInt(args[1]);
        PrintStream protocol = System.out;
        PrintStream stderr = System.err;
        warmUp();
        protocol.println(PREFIX + "READY");
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        Path cwd = Path.of("").toAbsolutePath();
        for (int i = start; i < lines.size(); i++) {
            String[] f = lines.get(i).split("\t", -1);
            String id = f[0];
            Path log = Path.of(f[2]);
            Path output = f[3].equals("-") ? null : Path.of(f[3]);
            String[] argv = java.util.Arrays.copyOfRange(f, 4, f.length);
            Set<String> before = listing(tmp, cwd);
            protocol.println(PREFIX + "START " + id);
            long t0 = System.nanoTime();
            int rc = -1;
            Throwable thrown = null;
            try (PrintStream out = new PrintStream(Files.newOutputStream(log.resolve("stdout.txt")), true, StandardCharsets.UTF_8);
                 PrintStream err = new PrintStream(Files.newOutputStream(log.resolve("stderr.txt")), true, StandardCharsets.UTF_8)) {
                System.setOut(out);
                System.setErr(err);
                try {
                    rc = Nncj.execute(argv, writer(out), writer(err));
                } catch (Throwable t) {
                    thrown = t;
                } finally {
                    System.setOut(protocol);
                    System.setErr(stderr);
                }
            }
            long millis = (System.nanoTime() - t0) / 1_000_000;
            if (thrown != null) {
                saveThrown(log, thrown);
            }
            String check = rc == 0 && output != null ? checkOutput(output) : "-";
            Set<String> stray = new TreeSet<>(listing(tmp, cwd));
            stray.removeAll(before);
            protocol.println(String.join("\t", PREFIX + "END", id, Integer.toString(rc), Long.toString(millis),
                    thrown == null ? "-" : thrown.getClass().getName(), check,
                    stray.isEmpty() ? "-" : String.join(",", stray)));
            if (thrown instanceof Error) {
                System.exit(EXIT_AFTER_ERROR);
            }
        }
        protocol.println(PREFIX + "DONE");
    }

    private static PrintWriter writer(PrintStream stream) {
        return new PrintWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), true);
    }

    /** Loads ONNX Runtime and the CLI's classes before the first case, so its time limit measures the case. */
    private static void warmUp() {
        Nncj.execute(new String[] {"--version"}, new PrintWriter(PrintWriter.nullWriter()), new PrintWriter(PrintWriter.nullWriter()));
        checkModel(TinyModels.linearRelu());
    }

    /**
     * "valid" when ONNX Runtime builds a session of the written model (a container is unpacked
     * first), else "invalid: why". Runs only after exit 0: a command that succeeds promises a model that runs.
     */
    static String checkOutput(Path output) {
        try {
            if (!Files.isRegularFile(output)) {
                return "invalid: exit 0 but no output file";
            }
            OnnxModel model = output.getFileName().toString().endsWith(".nncj") ? NncjContainer.read(output) : OnnxFiles.load(output);
            checkModel(model);
            return "valid";
        } catch (Throwable t) {
            return "invalid: " + oneLine(t);
        }
    }

    private static void checkModel(OnnxModel model) {
        // NNCJ's own environment: creating ORT's one environment here first, with other settings, makes ORT
        // warn in every case; and taken before SessionOptions, which would load ORT's libraries into java.io.tmpdir
        var environment = OrtSessions.environment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = environment.createSession(OnnxFiles.toBytes(model), options)) {
            session.getInputNames();
        } catch (ai.onnxruntime.OrtException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    static String oneLine(Throwable t) {
        String s = t.getClass().getSimpleName() + ": " + t.getMessage();
        return s.replaceAll("[\\t\\r\\n]+", " ");
    }

    private static void saveThrown(Path log, Throwable thrown) {
        try (PrintStream p = new PrintStream(Files.newOutputStream(log.resolve("thrown.txt")), true, StandardCharsets.UTF_8)) {
            thrown.printStackTrace(p);
        } catch (Throwable ignored) {
            // after an OutOfMemoryError even this may fail; the END line still names the class
        }
    }

    /** Everything under the child's temp folder and working folder, as "tmp:relative" and "cwd:relative". */
    private static Set<String> listing(Path tmp, Path cwd) {
        Set<String> all = new TreeSet<>();
        all.addAll(list("tmp:", tmp));
        all.addAll(list("cwd:", cwd));
        return all;
    }

    private static List<String> list(String label, Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir)).map(p -> label + dir.relativize(p)).collect(Collectors.toList());
        } catch (IOException e) {
            return new ArrayList<>(List.of(label + "unreadable: " + e.getMessage()));
        }
    }
}
