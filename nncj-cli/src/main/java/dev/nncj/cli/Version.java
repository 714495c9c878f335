package dev.nncj.cli;

import picocli.CommandLine;

/** Reports the NNCJ version from the jar manifest, or "dev" when run from classes. */
final class Version implements CommandLine.IVersionProvider {
    static String current() {
        String v = Nncj.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"nncj " + current() + " (Java " + System.getProperty("java.version") + ")"};
    }
}
