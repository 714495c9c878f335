package dev.nncj;

/**
 * An option named inside a message, by its name in the library's API: the component of the options
 * record that holds it ({@code embeddingBits}, {@code calibrationData}). The library's messages write
 * the name as is; a front end with its own spellings (a command line's flags) renders the
 * same message with them through {@link NncjException#message(java.util.function.Function)}, so the
 * library never needs to know how a front end spells its options.
 */
public record OptionName(String name) {
    public OptionName {
        if (name.isBlank()) {
            throw new IllegalArgumentException("an option name cannot be blank");
        }
    }

    public static OptionName of(String name) {
        return new OptionName(name);
    }

    @Override
    public String toString() {
        return name;
    }
}
