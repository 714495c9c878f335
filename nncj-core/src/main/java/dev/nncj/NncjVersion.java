package dev.nncj;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The version of NNCJ that is running, as the build wrote it into {@code nncj-version.properties}
 * (a Maven-filtered resource, so it is right in tests and in every jar, unlike a manifest entry,
 * which classes run from a folder do not have). "dev" when the resource was not filtered (classes
 * compiled by an IDE without Maven).
 */
public final class NncjVersion {
    /** What the version is when no build stamped it. */
    public static final String UNKNOWN = "dev";
    private static final String RESOURCE = "nncj-version.properties";
    private static final String VERSION = read();

    private NncjVersion() {}

    /** "0.1.0-SNAPSHOT", or {@link #UNKNOWN}. */
    public static String current() {
        return VERSION;
    }

    private static String read() {
        try (InputStream in = NncjVersion.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return UNKNOWN;
            }
            Properties properties = new Properties();
            properties.load(in);
            String version = properties.getProperty("version", "").strip();
            // an unfiltered copy still says ${project.version}
            return version.isEmpty() || version.startsWith("${") ? UNKNOWN : version;
        } catch (IOException e) {
            return UNKNOWN;
        }
    }
}
