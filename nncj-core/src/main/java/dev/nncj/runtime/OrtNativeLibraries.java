package dev.nncj.runtime;

import ai.onnxruntime.OrtEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32;

/**
 * Gives ONNX Runtime its native libraries from a folder NNCJ keeps in the user's cache, so that runs
 * leave nothing in {@code java.io.tmpdir}.
 *
 * <p>Left alone, ORT's Java loader (1.23) copies {@code libonnxruntime.so} and
 * {@code libonnxruntime4j_jni.so} out of its jar into a new {@code onnxruntime-java*} folder on every
 * start and only marks them for deletion at exit, the folder before the files it holds: the JVM then
 * fails to delete the still-full folder and every process leaves one behind. Given
 * {@code onnxruntime.native.path}, ORT loads from that folder instead; it still creates its temp
 * folder, but leaves it empty, so its delete-at-exit succeeds.
 *
 * <p>The folder is {@code <cache>/onnxruntime-<version>-<os>-<arch>}, where the cache is the system
 * property {@code nncj.cache}, else {@code $XDG_CACHE_HOME/nncj}, else {@code ~/.cache/nncj}. Each
 * library there is checked against its jar entry (size and CRC-32, which the jar records) on every
 * start, and (re)written through a temp file in the same folder and an atomic rename, so processes
 * starting together never see, nor load, a half-written library; a process that already mapped the
 * old file keeps it. If the user chose where ORT loads from (the folder property, or a library's own
 * {@code .path} or {@code .skip} property), nothing is changed. If the cache cannot be written, ORT
 * loads the way it always did: a leftover folder beats a run that fails.
 */
final class OrtNativeLibraries {
    static final String NATIVE_PATH = "onnxruntime.native.path";
    static final String CACHE_PROPERTY = "nncj.cache";
    /** In load order: the JNI binding links against the runtime. */
    private static final List<String> LIBRARIES = List.of("onnxruntime", "onnxruntime4j_jni");

    private static boolean done;

    private OrtNativeLibraries() {}

    /**
     * Points ORT at NNCJ's cached copy of its libraries, extracting them first if needed. Must run
     * before any ORT class that loads the libraries is initialized; later calls do nothing. Never
     * throws.
     */
    static synchronized void useCachedCopy() {
        if (done) {
            return;
        }
        done = true;
        if (userChoseLoading(System.getProperties())) {
            return;
        }
        try {
            Path folder = cacheRoot(System::getProperty, System::getenv).resolve(folderName());
            if (extract(folder)) {
                System.setProperty(NATIVE_PATH, folder.toString());
            }
        } catch (IOException | RuntimeException e) {
            // ORT then extracts into java.io.tmpdir itself, as it does without NNCJ
        }
    }

    /** Whether a system property already decides where ORT loads a library from, or skips it. */
    static boolean userChoseLoading(Properties properties) {
        if (properties.getProperty(NATIVE_PATH) != null) {
            return true;
        }
        for (String library : LIBRARIES) {
            String prefix = "onnxruntime.native." + library;
            if (properties.getProperty(prefix + ".path") != null || properties.getProperty(prefix + ".skip") != null) {
                return true;
            }
        }
        return false;
    }

    /** NNCJ's cache folder: {@code nncj.cache}, else the XDG cache folder's {@code nncj}. */
    static Path cacheRoot(UnaryOperator<String> property, UnaryOperator<String> environment) {
        String configured = property.apply(CACHE_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        String xdg = environment.apply("XDG_CACHE_HOME");
        Path base = xdg != null && Path.of(xdg).isAbsolute()
                ? Path.of(xdg) : Path.of(property.apply("user.home"), ".cache");
        return base.resolve("nncj");
    }

    private static String folderName() {
        String version = OrtEnvironment.class.getPackage().getImplementationVersion();
        return "onnxruntime-" + (version == null ? "unknown" : version) + "-" + osArch();
    }

    /**
     * Makes {@code folder} hold this jar's libraries; false if the jar has none for this platform
     * (ORT then falls back to the system library path, which needs no help).
     */
    private static boolean extract(Path folder) throws IOException {
        Files.createDirectories(folder);
        for (String library : LIBRARIES) {
            String fileName = System.mapLibraryName(library).replace("jnilib", "dylib"); // as ORT names them
            URL resource = OrtEnvironment.class.getResource("/ai/onnxruntime/native/" + osArch() + "/" + fileName);
            if (resource == null) {
                return false;
            }
            Fingerprint wanted = Fingerprint.of(resource);
            Path target = folder.resolve(fileName);
            boolean current = Files.isRegularFile(target) && Files.size(target) == wanted.size()
                    && Fingerprint.of(target).equals(wanted);
            if (!current) {
                replace(resource, wanted, target);
            }
        }
        return true;
    }

    private static void replace(URL resource, Fingerprint wanted, Path target) throws IOException {
        Path part = Files.createTempFile(target.getParent(), "." + target.getFileName() + "-", ".part");
        try {
            try (InputStream in = resource.openStream()) {
                Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
            }
            if (!Fingerprint.of(part).equals(wanted)) {
                throw new IOException(resource + " read back differently");
            }
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(part);
        }
    }

    /** ORT's name for this platform's folder in its jar, e.g. "linux-x64" (see ai.onnxruntime.OnnxRuntime). */
    private static String osArch() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String osName = os.contains("mac") || os.contains("darwin") ? "osx" : os.contains("win") ? "win" : "linux";
        String archName = arch.startsWith("amd64") || arch.startsWith("x86_64") ? "x64" : arch;
        return osName + "-" + archName;
    }

    /** A file's size and CRC-32: what a jar entry records, so checking a cached copy reads no jar. */
    private record Fingerprint(long size, long crc) {
        static Fingerprint of(URL resource) throws IOException {
            URLConnection connection = resource.openConnection();
            if (connection instanceof JarURLConnection jar) {
                var entry = jar.getJarEntry();
                if (entry.getSize() >= 0 && entry.getCrc() >= 0) {
                    return new Fingerprint(entry.getSize(), entry.getCrc());
                }
            }
            try (InputStream in = connection.getInputStream()) {
                return of(in);
            }
        }

        static Fingerprint of(Path file) throws IOException {
            try (InputStream in = Files.newInputStream(file)) {
                return of(in);
            }
        }

        private static Fingerprint of(InputStream in) throws IOException {
            CRC32 crc = new CRC32();
            byte[] buffer = new byte[1 << 16];
            long size = 0;
            for (int n; (n = in.read(buffer)) > 0; size += n) {
                crc.update(buffer, 0, n);
            }
            return new Fingerprint(size, crc.getValue());
        }
    }
}
