package dev.nncj.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Measures how much a process's resident memory (RSS) grows over a window, as the memory a model's
 * session costs. Linux only; elsewhere every figure is -1.
 *
 * <p>Why RSS: ORT allocates weights, its arena and pre-packed kernel buffers in native memory the
 * JVM cannot see, and what a deployment pays for is resident pages. The peak matters more than the
 * end state because the arena grows during the first runs and intermediate tensors come and go.
 *
 * <p>How: writing "5" to /proc/self/clear_refs resets the kernel's high-water mark VmHWM to the
 * current RSS, so VmHWM read later is the peak reached inside the window. Peak growth is VmHWM at
 * the end minus VmRSS at the start. Where the reset is refused (old kernels, some sandboxes), VmHWM
 * still counts if it rose during the window; if it did not, an earlier and larger peak hides this
 * one, so the largest RSS sampled during the window is used instead (an underestimate of transient
 * peaks).
 *
 * <p>The figure is approximate: it also counts anything else the process allocated meanwhile
 * (Java heap growth, JIT code, another thread's work), and pages freed before the window but still
 * resident (glibc keeps freed heap memory) are reused inside it without counting, so windows opened
 * late in a process that already loaded and freed models read low.
 */
final class RssProbe {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private final boolean supported;
    private final boolean hwmReset;
    private final long baselineRss;
    private final long hwmAtStart;
    private long maxSampledRss;

    private RssProbe(boolean supported, boolean hwmReset, long baselineRss, long hwmAtStart) {
        this.supported = supported;
        this.hwmReset = hwmReset;
        this.baselineRss = baselineRss;
        this.hwmAtStart = hwmAtStart;
        this.maxSampledRss = baselineRss;
    }

    /** Opens a window now: resets the high-water mark where allowed and records the baseline RSS. */
    static RssProbe start() {
        if (!Files.isReadable(STATUS)) {
            return new RssProbe(false, false, -1, -1);
        }
        boolean reset;
        try {
            Files.writeString(CLEAR_REFS, "5", StandardCharsets.US_ASCII);
            reset = true;
        } catch (IOException | RuntimeException e) {
            reset = false;
        }
        long[] status = read();
        if (status == null) {
            return new RssProbe(false, false, -1, -1);
        }
        return new RssProbe(true, reset, status[0], status[1]);
    }

    /** Notes the current RSS, the fallback when the high-water mark cannot be reset. */
    void sample() {
        if (!supported) {
            return;
        }
        long[] status = read();
        if (status != null) {
            maxSampledRss = Math.max(maxSampledRss, status[0]);
        }
    }

    /** Peak RSS growth in bytes since {@link #start()}, at least 0; -1 where RSS cannot be read. */
    long peakGrowthBytes() {
        if (!supported) {
            return -1;
        }
        long[] status = read();
        if (status == null) {
            return -1;
        }
        long rss = status[0];
        long hwm = status[1];
        long peak;
        if (hwmReset || hwm > hwmAtStart) {
            peak = hwm;
        } else {
            peak = Math.max(maxSampledRss, rss);
        }
        return Math.max(0, peak - baselineRss);
    }

    /** {VmRSS, VmHWM} in bytes, or null if /proc/self/status lacks them. */
    private static long[] read() {
        try {
            List<String> lines = Files.readAllLines(STATUS, StandardCharsets.US_ASCII);
            long rss = -1;
            long hwm = -1;
            for (String line : lines) {
                if (line.startsWith("VmRSS:")) {
                    rss = kilobytes(line);
                } else if (line.startsWith("VmHWM:")) {
                    hwm = kilobytes(line);
                }
            }
            return rss < 0 || hwm < 0 ? null : new long[] {rss * 1024, hwm * 1024};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Parses "VmRSS:\t  123456 kB". */
    private static long kilobytes(String line) {
        String value = line.substring(line.indexOf(':') + 1).strip();
        int space = value.indexOf(' ');
        return Long.parseLong(space < 0 ? value : value.substring(0, space));
    }
}
