package dev.nncj.search;

/** What a running search tells its user: each candidate scored, with the stage and the best so far. */
public interface SearchListener {
    SearchListener NONE = (phase, done, total, latest, best) -> {};

    /**
     * @param phase  e.g. "generation 3/10" or "short-distill finalists"
     * @param done   candidates scored in this phase, journal replays included
     * @param total  candidates this phase will score
     * @param latest the candidate just scored
     * @param best   the most accurate candidate within budget so far at this phase's stage, if any
     */
    void scored(String phase, int done, int total, JournalEntry latest, java.util.Optional<Scored> best);
}
