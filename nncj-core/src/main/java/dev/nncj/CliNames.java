package dev.nncj;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** How an enum constant is spelled on the command line (DYNAMIC_INT8 is dynamic-int8), and parsed back. */
public final class CliNames {
    private CliNames() {}

    public static String of(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The constant of {@code type} spelled {@code text}; otherwise an {@link IllegalArgumentException}
     * naming {@code option} and every spelling ("--init must be linear, density or random, not 'x'").
     */
    public static <E extends Enum<E>> E parse(Class<E> type, String text, String option) {
        for (E e : type.getEnumConstants()) {
            if (of(e).equals(text)) {
                return e;
            }
        }
        List<String> names = Arrays.stream(type.getEnumConstants()).map(CliNames::of).toList();
        String choices = names.size() == 1 ? names.get(0)
                : String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
        throw new IllegalArgumentException(option + " must be " + choices + ", not '" + text + "'");
    }
}
