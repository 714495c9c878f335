package dev.nncj.cli;

import dev.nncj.NncjVersion;
import picocli.CommandLine;

/** {@code nncj --version}: the version the build stamped ({@link NncjVersion}) and the Java running it. */
final class Version implements CommandLine.IVersionProvider {
    static String current() {
        return NncjVersion.current();
    }

    @Override
    public String[] getVersion() {
        return new String[] {"nncj " + current() + " (Java " + System.getProperty("java.version") + ")"};
    }
}
