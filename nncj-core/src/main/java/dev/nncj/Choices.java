package dev.nncj;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How a choice (an enum constant) is written in text, in options, provenance and reports
 * (DYNAMIC_INT8 is dynamic-int8), and read back.
 */
public final class Choices {
    private Choices() {}

    public static String of(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The constant of {@code type} spelled {@code text}; otherwise an {@link OptionException} naming
     * {@code option} and every spelling ("init must be linear, density or random, not 'x'").
     */
    public static <E extends Enum<E>> E parse(Class<E> type, String text, OptionName option) {
        for (E e : type.getEnumConstants()) {
            if (of(e).equals(text)) {
                return e;
            }
        }
        throw new OptionException(option, " must be " + oneOf(Arrays.stream(type.getEnumConstants()).map(Choices::of).toList())
                + ", not '" + text + "'");
    }

    /** "a", "a or b", "a, b or c": the spellings a message offers. */
    public static String oneOf(List<String> names) {
        return names.size() == 1 ? names.get(0)
                : String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
    }
}
