package dev.nncj.cli.fuzz;

import java.util.List;

/**
 * How the child ran one case, as the parent saw it.
 *
 * @param ending      END (the worker reported), or what the parent did or saw instead
 * @param exitCode    Nncj.execute's return, -1 if it did not return
 * @param thrown      class of a Throwable that escaped Nncj.execute, or null
 * @param outputCheck after exit 0: "valid" or "invalid: why"; otherwise null
 * @param stray       files that appeared in the child's java.io.tmpdir or working folder during the case
 * @param peakRssKb   highest resident set sampled while the case ran (VmRSS), 0 if none sampled
 * @param detail      for CRASH/TIMEOUT/MEMORY: exit status, hs_err file, the child's last stderr lines
 */
record RunRecord(Ending ending, int exitCode, long millis, String thrown, String outputCheck, List<String> stray,
                 long peakRssKb, String detail) {
    enum Ending { END, TIMEOUT, CRASH, MEMORY }

    RunRecord {
        stray = List.copyOf(stray);
    }
}
