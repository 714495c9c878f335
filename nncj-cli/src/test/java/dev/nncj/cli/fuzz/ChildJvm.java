package dev.nncj.cli.fuzz;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One child JVM running {@link FuzzWorker} over a batch from a given line. The parent's side of
 * the protocol: it enforces the per-case time limit and the resident-memory limit (sampling
 * /proc/PID/status every 50 ms) by killing the child, and turns an unexpected end of the child into
 * a CRASH of the case that was running.
 */
final class ChildJvm implements AutoCloseable {
    private static final String EOF = "@@EOF";
    private static final int STARTUP_SECONDS = 180;

    private final Process process;
    private final Path stderrLog;
    private final Path tmp;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fuzz-rss-sampler");
        t.setDaemon(true);
        return t;
    });
    private final long rssLimitKb;
    private volatile long casePeakKb;
    private volatile long highWaterKb;
    private volatile boolean overMemory;
    private volatile boolean killed;

    /** What happened to one case. */
    record Event(String id, RunRecord record) {}

    ChildJvm(FuzzConfig config, Path batchFile, int start, Path root, int number) {
        this.rssLimitKb = config.rssLimitMb() * 1024;
        Path logs = root.resolve("logs");
        this.stderrLog = logs.resolve("child-" + number + ".stderr");
        this.tmp = root.resolve("tmp").resolve("child-" + number);
        Path cwd = root.resolve("cwd").resolve("child-" + number);
        try {
            Files.createDirectories(tmp);
            Files.createDirectories(cwd);
            Files.createDirectories(logs);
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx" + config.heap(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=" + logs.resolve("hs_err-child-" + number + "-%p.log"),
                    "-Djava.io.tmpdir=" + tmp, "-Dai.djl.offline=true"));
            for (String p : List.of("DJL_CACHE_DIR", "ENGINE_CACHE_DIR", "nncj.home", "nncj.cache")) {
                if (System.getProperty(p) != null) {
                    cmd.add("-D" + p + "=" + System.getProperty(p));
                }
            }
            cmd.addAll(List.of("-cp", classPath(), FuzzWorker.class.getName(), batchFile.toString(), Integer.toString(start)));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile())
                    .redirectError(ProcessBuilder.Redirect.appendTo(stderrLog.toFile()));
            for (String v : List.of("NNCJ_DEBUG", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS")) {
                pb.environment().remove(v); // NNCJ_DEBUG prints stack traces on purpose
            }
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread reader = new Thread(() -> read(logs.resolve("child-" + number + ".stdout")), "fuzz-child-reader");
        reader.setDaemon(true);
        reader.start();
        sampler.scheduleAtFixedRate(this::sample, 0, 50, TimeUnit.MILLISECONDS);
    }

    /** Surefire's class path when run as a test (java.class.path is then a manifest-only jar), else our own. */
    private static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    private void read(Path stdoutLog) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter other = new PrintWriter(Files.newBufferedWriter(stdoutLog, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith(FuzzWorker.PREFIX)) {
                    lines.add(line.substring(FuzzWorker.PREFIX.length()));
                } else {
                    other.println(line); // native output to fd 1, kept for diagnosis
                }
            }
        } catch (IOException e) {
            // the child was killed; EOF below
        } finally {
            lines.add(EOF);
        }
    }

    private void sample() {
        try {
            long rss = 0;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kb(line);
                } else if (line.startsWith("VmHWM:")) {
                    highWaterKb = Math.max(highWaterKb, kb(line));
                }
            }
            casePeakKb = Math.max(casePeakKb, rss);
            if (rss > rssLimitKb && !overMemory) {
                overMemory = true;
                kill();
            }
        } catch (IOException | RuntimeException e) {
            // the process is gone, or /proc is not there (not Linux): no sample
        }
    }

    private static long kb(String statusLine) {
        return Long.parseLong(statusLine.replaceAll("[^0-9]", ""));
    }

    /** The child's peak resident set so far (VmHWM), in kB. */
    long highWaterKb() {
        return highWaterKb;
    }

    Path tmp() {
        return tmp;
    }

    /**
     * Runs until the child finishes the batch or a case ends it. Each case that started is passed to
     * {@code onCase} once; returns how many cases after {@code start} were started. A child that
     * dies after READY but before the START of {@code nextId} (which should not happen) is a CRASH
     * of that case, so the campaign moves on.
     */
    int drive(int timeoutSeconds, String nextId, java.util.function.Consumer<Event> onCase) throws InterruptedException {
        String ready = lines.poll(STARTUP_SECONDS, TimeUnit.SECONDS);
        if (!"READY".equals(ready)) {
            kill();
            throw new IllegalStateException("the fuzz child JVM did not start (" + (ready == null ? "no READY in "
                    + STARTUP_SECONDS + " s" : ready) + "): " + tail(20));
        }
        int started = 0;
        while (true) {
            String line = lines.take();
            if (line.equals(EOF) && started == 0) {
                onCase.accept(new Event(nextId, new RunRecord(RunRecord.Ending.CRASH, -1, 0, null, null, List.of(), 0,
                        "the child died before the case started: " + death())));
                return 1;
            }
            if (line.equals(EOF) || line.equals("DONE")) {
                return started;
            }
            if (!line.startsWith("START ")) {
                continue;
            }
            String id = line.substring("START ".length());
            started++;
            casePeakKb = 0;
            long t0 = System.nanoTime();
            String end = lines.poll(timeoutSeconds, TimeUnit.SECONDS);
            long millis = (System.nanoTime() - t0) / 1_000_000;
            if (end == null) {
                kill();
                onCase.accept(new Event(id, new RunRecord(RunRecord.Ending.TIMEOUT, -1, millis, null, null, List.of(),
                        casePeakKb, "killed after " + timeoutSeconds + " s")));
                return started;
            }
            if (end.equals(EOF)) {
                RunRecord.Ending ending = overMemory ? RunRecord.Ending.MEMORY : RunRecord.Ending.CRASH;
                onCase.accept(new Event(id, new RunRecord(ending, -1, millis, null, null, List.of(), casePeakKb, death())));
                return started;
            }
            onCase.accept(new Event(id, parseEnd(end, casePeakKb)));
        }
    }

    private static RunRecord parseEnd(String line, long peakKb) {
        String[] f = line.split("\t", -1); // END id rc millis thrown check stray
        String thrown = f[4].equals("-") ? null : f[4];
        String check = f[5].equals("-") ? null : f[5];
        List<String> stray = f[6].equals("-") ? List.of() : List.of(f[6].split(","));
        return new RunRecord(RunRecord.Ending.END, Integer.parseInt(f[2]), Long.parseLong(f[3]), thrown, check, stray, peakKb, null);
    }

    /** Why the child ended: exit status, hs_err file, last stderr lines. */
    private String death() throws InterruptedException {
        process.waitFor(10, TimeUnit.SECONDS);
        String status = process.isAlive() ? "still alive" : "exit status " + process.exitValue()
                + (process.exitValue() > 128 ? " (signal " + (process.exitValue() - 128) + ")" : "");
        if (overMemory) {
            status = "killed over " + rssLimitKb / 1024 + " MB resident";
        }
        String hsErr = "";
        try (Stream<Path> s = Files.list(stderrLog.getParent())) {
            hsErr = s.filter(p -> p.getFileName().toString().startsWith("hs_err") && p.getFileName().toString().contains("-" + process.pid() + "."))
                    .map(p -> ", " + p).findFirst().orElse("");
        } catch (IOException e) {
            // no hs_err
        }
        return status + hsErr + "; stderr: " + tail(3);
    }

    private String tail(int n) {
        try {
            List<String> all = Files.readAllLines(stderrLog, StandardCharsets.UTF_8);
            return String.join(" | ", all.subList(Math.max(0, all.size() - n), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no stderr)";
        }
    }

    /**
     * Whether the child ended by a signal (killed here, or crashed): its JVM then ran no exit
     * hooks, so ONNX Runtime's natives stay in its temp folder, which says nothing about nncj.
     */
    boolean endedAbnormally() {
        return killed || (!process.isAlive() && process.exitValue() != 0 && process.exitValue() != FuzzWorker.EXIT_AFTER_ERROR);
    }

    private void kill() {
        killed = true;
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    @Override
    public void close() throws InterruptedException {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            kill();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        sampler.shutdownNow();
    }
}
