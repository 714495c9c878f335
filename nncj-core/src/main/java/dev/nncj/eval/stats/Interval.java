package dev.nncj.eval.stats;

import java.util.Locale;

/**
 * A closed interval {@code [low, high]}, the form every confidence interval in NNCJ takes. Bounds may
 * be infinite when the data cannot bound the quantity (a mean from one value), or NaN when the
 * quantity itself is undefined (the rank correlation of a constant series).
 */
public record Interval(double low, double high) {

    public Interval {
        if (low > high) {
            throw new IllegalArgumentException("interval low " + low + " is above high " + high);
        }
    }

    public double width() {
        return high - low;
    }

    public boolean contains(double value) {
        return value >= low && value <= high;
    }

    /** "[low, high]" with the given number of decimals, for reports. */
    public String format(int decimals) {
        String f = "%." + decimals + "f";
        return "[" + String.format(Locale.ROOT, f, low) + ", "
                + String.format(Locale.ROOT, f, high) + "]";
    }
}
