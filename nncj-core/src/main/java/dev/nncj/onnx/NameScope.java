package dev.nncj.onnx;

import java.util.HashSet;
import java.util.Set;

/**
 * Hands out names that clash with nothing already in a graph nor with each other: "base", then
 * "base_1", "base_2", ... One scope per editing session, so passes that add many values and nodes
 * never collide.
 */
public final class NameScope {
    private final Set<String> taken;

    public NameScope(Set<String> taken) {
        this.taken = new HashSet<>(taken);
    }

    public String fresh(String base) {
        String candidate = base;
        int suffix = 1;
        while (taken.contains(candidate)) {
            candidate = base + "_" + suffix++;
        }
        taken.add(candidate);
        return candidate;
    }
}
