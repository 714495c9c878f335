package dev.nncj.search;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nncj.NncjException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The search's memory, one JSON object per line: first the run's fingerprint, then every
 * evaluated candidate, in the order the search proposed them. Each line is forced to disk before
 * the search goes on, so a kill loses at most the candidate being evaluated (with an evaluator that
 * runs a batch at once, those from the first unfinished one on); a torn last line (the kill hit the
 * write) is dropped on resume. A journal is resumed only by the search that wrote it.
 */
public final class Journal implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;
    private final List<JournalEntry> entries;

    private Journal(Path file, FileChannel channel, List<JournalEntry> entries) {
        this.file = file;
        this.channel = channel;
        this.entries = entries;
    }

    /** A new journal at {@code file}, which must not exist. */
    public static Journal create(Path file, RunFingerprint fingerprint) {
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Journal journal = new Journal(file, channel, new ArrayList<>());
            journal.writeLine(Map.of("fingerprint", fingerprint.toMap()));
            return journal;
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw NncjException.inFile(file, "a search journal is already there (resume it, or choose another output)");
        } catch (IOException e) {
            throw NncjException.inFile(file, "cannot create the search journal: " + e.getMessage(), e);
        }
    }

    /** The journal at {@code file}, written by the search {@code fingerprint} names, ready to append to. */
    public static Journal resume(Path file, RunFingerprint fingerprint) {
        Contents contents = contents(file);
        String difference = fingerprint.firstDifference(contents.fingerprint());
        if (!difference.isEmpty()) {
            throw NncjException.inFile(file, "journal of another search: " + difference);
        }
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE);
            channel.truncate(contents.completeBytes());
            channel.position(contents.completeBytes());
            return new Journal(file, channel, new ArrayList<>(contents.entries()));
        } catch (IOException e) {
            throw NncjException.inFile(file, "cannot open the search journal: " + e.getMessage(), e);
        }
    }

    /** The candidates a journal holds, read without changing it (for reports over finished runs). */
    public static List<JournalEntry> read(Path file) {
        return contents(file).entries();
    }

    /** A journal's fingerprint and complete entries, and how many of its bytes they take (a torn last line not). */
    private record Contents(RunFingerprint fingerprint, List<JournalEntry> entries, long completeBytes) {}

    private static Contents contents(Path file) {
        if (!Files.isRegularFile(file)) {
            throw NncjException.inFile(file, "no search journal there");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw NncjException.inFile(file, "cannot read the search journal: " + e.getMessage(), e);
        }
        int complete = lastNewline(bytes) + 1;
        List<String> lines = new String(bytes, 0, complete, StandardCharsets.UTF_8).lines().toList();
        if (lines.isEmpty()) {
            throw NncjException.inFile(file, "the search journal is empty");
        }
        RunFingerprint fingerprint = fingerprint(file, lines.get(0));
        List<JournalEntry> entries = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            entries.add(entry(file, i + 1, lines.get(i)));
        }
        return new Contents(fingerprint, List.copyOf(entries), complete);
    }

    public List<JournalEntry> entries() {
        return List.copyOf(entries);
    }

    public Path file() {
        return file;
    }

    public void append(JournalEntry entry) {
        try {
            writeLine(entry.toMap());
        } catch (IOException e) {
            throw NncjException.inFile(file, "cannot append to the search journal: " + e.getMessage(), e);
        }
        entries.add(entry);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw NncjException.inFile(file, "cannot close the search journal: " + e.getMessage(), e);
        }
    }

    private void writeLine(Map<String, Object> value) throws IOException {
        ByteBuffer line = ByteBuffer.wrap((JSON.writeValueAsString(value) + "\n").getBytes(StandardCharsets.UTF_8));
        while (line.hasRemaining()) {
            channel.write(line);
        }
        channel.force(false);
    }

    private static Map<?, ?> parse(Path file, int lineNumber, String line) {
        try {
            return JSON.readValue(line, Map.class);
        } catch (JsonProcessingException | RuntimeException e) {
            throw NncjException.atLine(file, lineNumber, "not a search journal entry");
        }
    }

    private static RunFingerprint fingerprint(Path file, String line) {
        try {
            return RunFingerprint.fromMap((Map<?, ?>) parse(file, 1, line).get("fingerprint"));
        } catch (RuntimeException e) {
            throw NncjException.atLine(file, 1, "not a search journal: no run fingerprint");
        }
    }

    private static JournalEntry entry(Path file, int lineNumber, String line) {
        Map<?, ?> map = parse(file, lineNumber, line);
        try {
            return JournalEntry.fromMap(map);
        } catch (RuntimeException e) {
            throw NncjException.atLine(file, lineNumber, "not a search journal entry: " + e.getMessage());
        }
    }

    private static int lastNewline(byte[] bytes) {
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
