import dev.nncj.search.Hypervolume;
import dev.nncj.search.Objectives;
import java.nio.file.*;
import java.util.*;
import java.util.regex.*;

/** Hypervolume (NNCJ's own Hypervolume) of every inherited-stage candidate in each journal: dev accuracy on the
 * search's 500 selection rows, the latency table's predicted p50 ratio, the exact size ratio; reference (0, 1, 1). */
public class JournalHypervolume {
    static double num(String line, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":([0-9.eE+-]+)").matcher(line);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
    public static void main(String[] args) throws Exception {
        for (String j : args) {
            List<Objectives> pts = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of(j))) {
                if (line.contains("\"stage\":\"inherited\"")) {
                    pts.add(new Objectives(num(line, "accuracy"), num(line, "latency_ratio"), num(line, "size_ratio")));
                }
            }
            System.out.printf(Locale.ROOT, "%s  candidates %d  hypervolume %.4f%n", j, pts.size(), Hypervolume.of(pts, 0, 1, 1));
        }
    }
}
