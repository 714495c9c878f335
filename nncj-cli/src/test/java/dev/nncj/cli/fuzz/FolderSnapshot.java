package dev.nncj.cli.fuzz;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What a folder holds, without following links or opening anything but regular files (a FIFO
 * among the inputs would block a reader): relative path to "file sha256", "link target", "dir" or "other".
 */
record FolderSnapshot(Map<String, String> entries) {
    static FolderSnapshot of(Path dir) {
        Map<String, String> entries = new TreeMap<>();
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return new FolderSnapshot(entries);
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(p -> !p.equals(dir)).forEach(p -> entries.put(dir.relativize(p).toString(), describe(p)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new FolderSnapshot(entries);
    }

    static String describe(Path p) {
        try {
            if (Files.isSymbolicLink(p)) {
                return "link " + Files.readSymbolicLink(p);
            }
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                return "dir";
            }
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                return "file " + sha256(p);
            }
            return "other";
        } catch (IOException e) {
            return "unreadable " + e.getMessage();
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
