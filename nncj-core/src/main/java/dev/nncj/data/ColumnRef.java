package dev.nncj.data;

/**
 * A column of a {@link DelimitedTable}, named by its header or by its 0-based position. Parsed from
 * what a user types: all digits is a position ("0"), anything else a header name ("sentence").
 * Exactly one of {@code name} and {@code index} is meaningful: {@code name} is null for a position,
 * {@code index} is -1 for a name.
 */
public record ColumnRef(String name, int index) {

    public ColumnRef {
        if ((name == null) == (index < 0)) {
            throw new IllegalArgumentException("a column is a name or a 0-based index, not both or neither");
        }
        if (name != null && name.isEmpty()) {
            throw new IllegalArgumentException("column name is empty");
        }
    }

    public static ColumnRef parse(String text) {
        if (!text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            try {
                return ofIndex(Integer.parseInt(text));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("column index " + text + " is too large", e);
            }
        }
        return ofName(text);
    }

    public static ColumnRef ofName(String name) {
        return new ColumnRef(name, -1);
    }

    public static ColumnRef ofIndex(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("column index must be >= 0, got " + index);
        }
        return new ColumnRef(null, index);
    }

    public boolean isIndex() {
        return name == null;
    }

    /** As the user would write it: the name, or the index. */
    @Override
    public String toString() {
        return isIndex() ? Integer.toString(index) : name;
    }
}
