package dev.nncj.transformer;

import dev.nncj.Choices;
import dev.nncj.OptionException;
import dev.nncj.OptionName;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The importance criteria a run may choose from, by name. Each criterion is declared next to its
 * scorer ({@link MagnitudeImportance#CRITERION}); a front end lists the ones it offers, in the
 * order it presents them, including criteria of modules this one cannot see (nncj-train's gradient
 * importance). Adding a criterion: write the scorer with its {@code CRITERION}, add it to that list.
 */
public final class ImportanceCriteria {
    private final Map<String, ImportanceCriterion> byName = new LinkedHashMap<>();

    private ImportanceCriteria(List<ImportanceCriterion> criteria) {
        for (ImportanceCriterion c : criteria) {
            if (byName.putIfAbsent(c.name(), c) != null) {
                throw new IllegalArgumentException("two importance criteria are named " + c.name());
            }
        }
    }

    public static ImportanceCriteria of(ImportanceCriterion... criteria) {
        return new ImportanceCriteria(List.of(criteria));
    }

    /** The criterion called {@code name}; an {@link OptionException} for {@code importance} listing them all otherwise. */
    public ImportanceCriterion named(String name) {
        ImportanceCriterion c = byName.get(name);
        if (c == null) {
            throw new OptionException(OptionName.of("importance"), " must be " + Choices.oneOf(names()) + ", not '" + name + "'");
        }
        return c;
    }

    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    public List<ImportanceCriterion> all() {
        return List.copyOf(byName.values());
    }
}
