import dev.nncj.search.Fidelity;
import dev.nncj.search.Hypervolume;
import dev.nncj.search.Journal;
import dev.nncj.search.JournalEntry;
import dev.nncj.search.Objectives;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Hypervolume (NNCJ's own {@link Hypervolume}) of every inherited-stage candidate in each journal, as the search saw
 * it: dev accuracy on the search's selection rows, the latency table's predicted p50 ratio, the exact size ratio.
 * Reported against two reference points, (0, 1, 1) and (0.5, 1, 1): with 0, a fast model that only guesses still adds
 * volume; with 0.5 (chance on SST-2), only better-than-chance models count.
 */
public class JournalHypervolume {
    public static void main(String[] args) {
        for (String file : args) {
            List<Objectives> points = Journal.read(Path.of(file)).stream()
                    .filter(e -> !e.isFailure() && e.stage().equals(Fidelity.INHERITED.label()))
                    .map(JournalEntry::objectives)
                    .toList();
            System.out.printf(Locale.ROOT, "%s  candidates %d  hypervolume ref 0: %.4f  ref 0.5: %.4f%n", file,
                    points.size(), Hypervolume.of(points, 0, 1, 1), Hypervolume.of(points, 0.5, 1, 1));
        }
    }
}
