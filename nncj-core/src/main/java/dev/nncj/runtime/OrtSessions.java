package dev.nncj.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import dev.nncj.NncjException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens ONNX Runtime sessions on model files, on the process's one ONNX Runtime environment, and turns
 * ORT's load failures into one-line {@link NncjException}s that name the file.
 *
 * <p>ORT allows one {@link OrtEnvironment} per process and the first caller fixes its logging level,
 * so all of NNCJ should take it from {@link #environment()}. ORT logs to stderr itself, and the
 * library never prints, so both the environment and each session log only FATAL messages: that
 * silences the routine warnings real exports trigger (unused initializers, skipped fusions) and also
 * ORT's ERROR lines, which only duplicate what reaches the caller anyway as an exception carrying
 * ORT's message. The environment is never closed: it lives as long as the process, like ORT's own
 * thread pools and allocators.
 *
 * <p>ORT's libraries load when the first ORT class that needs them is initialized (the environment,
 * {@code SessionOptions}, ...), so code should reach ORT through this class first: its initializer
 * points ORT at NNCJ's cached copy of them ({@link OrtNativeLibraries}), which keeps ORT from leaving
 * a folder in {@code java.io.tmpdir} per process.
 */
public final class OrtSessions {
    private static final String LOGGER_ID = "nncj";
    private static OrtEnvironment environment;

    static {
        OrtNativeLibraries.useCachedCopy();
    }

    private OrtSessions() {}

    /** The process-wide ORT environment, created on first use with logging at FATAL only. */
    public static synchronized OrtEnvironment environment() {
        // created lazily, so ORT's native library loads only when a session is needed; not in a holder
        // class, whose failed initialization would reach the caller as an Error, not a one-line message
        if (environment == null) {
            environment = createEnvironment();
        }
        return environment;
    }

    /**
     * ORT's version string (e.g. "1.23.2"), or "unknown" if this ORT build does not report one. Never
     * throws, so reports can always name it.
     */
    public static String ortVersion() {
        try {
            String version = environment().getVersion();
            return version == null || version.isBlank() ? "unknown" : version;
        } catch (RuntimeException | LinkageError e) {
            return "unknown";
        }
    }

    /**
     * Opens a session on {@code model} with the given settings. The caller owns the session and must
     * close it (try-with-resources): its weights and arena live in native memory the JVM's garbage
     * collector neither sees nor frees in time.
     *
     * @throws NncjException "FILE: file not found", "FILE: tensor T ..." (external data {@link ModelFiles#externalDataFiles}
     *     refuses), "FILE: ONNX Runtime cannot run this model: ..."
     *     (an operator ORT lacks, an invalid graph) or "FILE: not a valid ONNX model: ..." (unparsable
     *     protobuf), one line each, keeping the first line of ORT's own message
     */
    public static OrtSession open(Path model, RuntimeOptions options) {
        return open(model, options, null);
    }

    /**
     * As {@link #open(Path, RuntimeOptions)}, with ORT's profiler on: it writes a Chrome-trace JSON file
     * whose name starts with {@code profilePrefix} when {@link OrtSession#endProfiling()} is called.
     */
    static OrtSession openProfiled(Path model, RuntimeOptions options, Path profilePrefix) {
        return open(model, options, profilePrefix);
    }

    private static OrtSession open(Path model, RuntimeOptions options, Path profilePrefix) {
        OrtEnvironment environment = checkedEnvironment(model);
        // The native options object is only read while the session is created; close it right after.
        try (SessionOptions sessionOptions = sessionOptions(options)) {
            if (profilePrefix != null) {
                sessionOptions.enableProfiling(profilePrefix.toString());
            }
            return environment.createSession(model.toString(), sessionOptions);
        } catch (OrtException e) {
            throw loadFailure(model, e);
        }
    }

    /**
     * Writes {@code model} to {@code ortFile} in ORT format (the FlatBuffers format of ONNX Runtime
     * Mobile's reduced builds), after ORT's graph optimizations at {@code level}: ORT saves the graph
     * it optimized while it creates a session. The file is ORT's to write, so it should be a temporary
     * one that the caller renames into place.
     */
    public static void saveOrtFormat(Path model, Path ortFile, RuntimeOptions.Optimization level) {
        OrtEnvironment environment = checkedEnvironment(model);
        try (SessionOptions sessionOptions = sessionOptions(RuntimeOptions.defaults().withOptimization(level))) {
            sessionOptions.setOptimizedModelFilePath(ortFile.toString());
            sessionOptions.addConfigEntry("session.save_model_format", "ORT"); // the file name need not end in .ort
            environment.createSession(model.toString(), sessionOptions).close();
        } catch (OrtException e) {
            throw loadFailure(model, e);
        }
    }

    /**
     * Opens a session on an ORT-format file, as ONNX Runtime Mobile would: it has no ONNX protobuf to
     * check first, nor external data; ORT reads it as ORT format whatever its name.
     */
    public static OrtSession openOrtFormat(Path ortFile, RuntimeOptions options) {
        if (!Files.isRegularFile(ortFile)) {
            throw NncjException.inFile(ortFile, "file not found");
        }
        OrtEnvironment environment = environment();
        try (SessionOptions sessionOptions = sessionOptions(options)) {
            sessionOptions.addConfigEntry("session.load_model_format", "ORT");
            return environment.createSession(ortFile.toString(), sessionOptions);
        } catch (OrtException e) {
            throw NncjException.inFile(ortFile, "ONNX Runtime cannot load this ORT-format model: " + OrtMessages.firstLine(e), e);
        }
    }

    /**
     * The environment, once {@code model} is a regular file whose external data may be read: ORT reads
     * external data itself and would follow a link out of the model's folder.
     */
    private static OrtEnvironment checkedEnvironment(Path model) {
        if (!Files.exists(model)) {
            throw NncjException.inFile(model, "file not found");
        }
        if (!Files.isRegularFile(model)) {
            throw NncjException.inFile(model, "not a regular file");
        }
        ModelFiles.externalDataFiles(model);
        return environment(); // a library ORT cannot load fails here, in one line
    }

    /** ORT's options for {@code options}, logging FATAL only; the caller closes them once the session exists. */
    private static SessionOptions sessionOptions(RuntimeOptions options) throws OrtException {
        SessionOptions sessionOptions = new SessionOptions();
        try {
            options.applyTo(sessionOptions);
            sessionOptions.setLoggerId(LOGGER_ID);
            sessionOptions.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
            return sessionOptions;
        } catch (OrtException | RuntimeException e) {
            sessionOptions.close();
            throw e;
        }
    }

    /** Translates an ORT exception thrown while loading {@code model} into a one-line user error. */
    static NncjException loadFailure(Path model, OrtException e) {
        String detail = OrtMessages.firstLine(e);
        return switch (e.getCode()) {
            case ORT_NO_SUCHFILE -> NncjException.inFile(model, "file not found (" + detail + ")", e);
            case ORT_INVALID_PROTOBUF -> NncjException.inFile(model, "not a valid ONNX model: " + detail, e);
            default -> NncjException.inFile(model, "ONNX Runtime cannot run this model: " + detail, e);
        };
    }

    private static OrtEnvironment createEnvironment() {
        try {
            return OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, LOGGER_ID);
        } catch (RuntimeException | LinkageError e) {
            // a library ORT cannot load surfaces as ExceptionInInitializerError; the innermost cause says why
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new NncjException("ONNX Runtime failed to start: " + OrtMessages.firstLine(root), e);
        }
    }
}
