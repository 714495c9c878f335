package dev.nncj.provenance;

import dev.nncj.Choices;
import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Options as a provenance step records them, derived from the object that holds them so nobody lists
 * them a second time: an options record becomes its components by snake_case name
 * ({@code embeddingBits} is {@code embedding_bits}), each value in a form JSON keeps:
 * <ul>
 * <li>an enum constant as its spelling ({@link Choices#of}), a path as its text;</li>
 * <li>an empty optional as null, a full one as its value;</li>
 * <li>a nested record as a map of its own, a collection or array as a list, a map as a map;</li>
 * <li>a {@link Recordable} as what it says it is (a scorer by its name, not its internals);</li>
 * <li>numbers, booleans and strings as they are.</li>
 * </ul>
 * Anything else is refused: a type nobody decided how to record would otherwise be written as
 * "Foo@1a2b", which repeats nothing.
 */
public final class RecordedOptions {
    private RecordedOptions() {}

    /**
     * A record's components and their values. {@code leftOut} names components holding data rather
     * than options (calibration sentences, statistics): the caller records where the data came from.
     */
    public static Map<String, Object> of(Record options, String... leftOut) {
        List<String> skipped = List.of(leftOut);
        Map<String, Object> m = new LinkedHashMap<>();
        for (RecordComponent c : options.getClass().getRecordComponents()) {
            if (!skipped.contains(c.getName())) {
                m.put(snakeCase(c.getName()), value(read(options, c)));
            }
        }
        return m;
    }

    /** One value in recorded form (the rules above). */
    public static Object value(Object v) {
        if (v == null || v instanceof Number || v instanceof Boolean || v instanceof String || v instanceof Character) {
            return v;
        }
        if (v instanceof Recordable r) {
            return value(r.recorded());
        }
        if (v instanceof Enum<?> e) {
            return Choices.of(e);
        }
        if (v instanceof Path p) {
            return p.toString();
        }
        if (v instanceof Optional<?> o) {
            return o.map(RecordedOptions::value).orElse(null);
        }
        if (v instanceof OptionalInt o) {
            return o.isPresent() ? o.getAsInt() : null;
        }
        if (v instanceof OptionalLong o) {
            return o.isPresent() ? o.getAsLong() : null;
        }
        if (v instanceof OptionalDouble o) {
            return o.isPresent() ? o.getAsDouble() : null;
        }
        if (v instanceof Record r) {
            return of(r);
        }
        if (v instanceof Collection<?> c) {
            return c.stream().map(RecordedOptions::value).toList();
        }
        if (v.getClass().isArray()) {
            List<Object> list = new ArrayList<>();
            for (int i = 0; i < Array.getLength(v); i++) {
                list.add(value(Array.get(v, i)));
            }
            return list;
        }
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, x) -> out.put(String.valueOf(value(k)), value(x)));
            return out;
        }
        throw new IllegalArgumentException("no provenance form for a " + v.getClass().getName()
                + ": make it a record or Recordable, or leave it out");
    }

    /** {@code blockSize} is {@code block_size}. */
    public static String snakeCase(String camelCase) {
        return camelCase.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private static Object read(Record r, RecordComponent c) {
        try {
            return c.getAccessor().invoke(r);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + c.getName() + " of " + r.getClass().getSimpleName(), e);
        }
    }
}
