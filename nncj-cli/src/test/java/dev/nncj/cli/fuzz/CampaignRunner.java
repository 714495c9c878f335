package dev.nncj.cli.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs cases in batches, one child JVM at a time (the machine is shared), restarting a child from
 * the next case when one dies or is killed, and judges each case as its END arrives.
 */
final class CampaignRunner {
    /** Outputs larger than this are deleted once judged (a bomb that got through can write gigabytes). */
    private static final long KEEP_BYTES = 8L << 20;

    private final FuzzConfig config;
    private final Path root;
    private final List<Long> childHighWaterKb = new ArrayList<>();
    private final Map<String, Integer> leftovers = new java.util.TreeMap<>();
    private int children;
    private int exitedNormally;

    CampaignRunner(FuzzConfig config, Path root) {
        this.config = config;
        this.root = root;
    }

    /** Peak resident set (VmHWM) of each child JVM, in kB. */
    List<Long> childHighWaterKb() {
        return childHighWaterKb;
    }

    List<CaseResult> run(List<FuzzCase> cases) throws InterruptedException {
        Map<String, FuzzCase> byId = new LinkedHashMap<>();
        Map<String, FolderSnapshot> before = new LinkedHashMap<>();
        Map<String, Map<Path, String>> watched = new LinkedHashMap<>();
        for (FuzzCase c : cases) {
            byId.put(c.id(), c);
            before.put(c.id(), FolderSnapshot.of(c.dir()));
            Map<Path, String> w = new LinkedHashMap<>();
            c.watched().forEach(p -> w.put(p, FolderSnapshot.describe(p)));
            watched.put(c.id(), w);
        }
        Map<String, CaseResult> results = new LinkedHashMap<>();
        for (int from = 0; from < cases.size(); from += config.batchSize()) {
            List<FuzzCase> batch = cases.subList(from, Math.min(cases.size(), from + config.batchSize()));
            Path batchFile = writeBatch(batch, from / config.batchSize());
            int next = 0;
            while (next < batch.size()) {
                int number = ++children;
                ChildJvm child = new ChildJvm(config, batchFile, next, root, number);
                int started; // at least 1: a child that starts no case is charged with the next one
                try {
                    started = child.drive(config.timeoutSeconds(), batch.get(next).id(), e -> {
                        FuzzCase c = byId.get(e.id());
                        results.put(e.id(), CaseJudge.judge(c, e.record(), before.get(e.id()), watched.get(e.id()),
                                read(log(c).resolve("stdout.txt")), read(log(c).resolve("stderr.txt"))));
                        trimLargeOutputs(c);
                    });
                } finally {
                    child.close();
                }
                next += started;
                childHighWaterKb.add(child.highWaterKb());
                leftAtExit(child);
            }
        }
        return cases.stream().map(c -> results.get(c.id())).toList();
    }

    /**
     * What a child that exited on its own left in its java.io.tmpdir, digits masked so that one
     * finding covers every child ("onnxruntime-java#" by 3 of 3). Anything a case creates and
     * keeps is caught per case (the worker lists the folder around each case); this is what the
     * JVM's startup or exit leaves, outside any case. The folder is then emptied: a killed child
     * leaves ONNX Runtime's 22 MB of natives there.
     */
    private void leftAtExit(ChildJvm child) {
        try (Stream<Path> s = Files.list(child.tmp())) {
            List<String> left = s.map(p -> p.getFileName().toString().replaceAll("[0-9]+", "#")).distinct().toList();
            if (!child.endedAbnormally()) {
                exitedNormally++;
                left.forEach(name -> leftovers.merge(name, 1, Integer::sum));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        FuzzCampaign.deleteRecursively(child.tmp());
    }

    /** Campaign-level findings: files the child JVMs left outside any case. */
    List<String> findings() {
        return leftovers.entrySet().stream().map(e -> e.getKey() + " left in java.io.tmpdir by " + e.getValue() + " of the "
                + exitedNormally + " child JVMs that exited on their own (created outside any case: at startup, when ONNX Runtime"
                + " loads, or at exit)").toList();
    }

    private Path writeBatch(List<FuzzCase> batch, int number) {
        try {
            Path dir = Files.createDirectories(root.resolve("batches"));
            List<String> lines = new ArrayList<>();
            for (FuzzCase c : batch) {
                Files.createDirectories(log(c));
                List<String> fields = new ArrayList<>(List.of(c.id(), c.dir().toString(), log(c).toString(),
                        c.command().output().map(Path::toString).orElse("-")));
                fields.addAll(c.command().args());
                lines.add(String.join("\t", fields));
            }
            return Files.write(dir.resolve("batch-" + number + ".tsv"), lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path log(FuzzCase c) {
        return root.resolve("logs").resolve(c.id());
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void trimLargeOutputs(FuzzCase c) {
        try (Stream<Path> s = Files.walk(c.dir().resolve("out"))) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                if (Files.size(p) > KEEP_BYTES) {
                    Files.delete(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
