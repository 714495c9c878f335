package dev.nncj.share;

import dev.nncj.NncjException;
import dev.nncj.OptionException;
import dev.nncj.OptionName;

/**
 * ALBERT-style sharing: the encoder's L layers in {@code groups} contiguous groups of L / groups
 * layers, every layer of a group computing with the same weights.
 *
 * @param groups 1 shares one layer across the whole stack (ALBERT's all-shared setting)
 */
public record CrossLayerOptions(int groups, SharedInit init) {
    public CrossLayerOptions {
        if (groups < 1) {
            throw new OptionException(OptionName.of("groups"), " must be at least 1, got " + groups);
        }
    }

    public static CrossLayerOptions of(int groups, String init) {
        return new CrossLayerOptions(groups, SharedInit.parse(init));
    }
}
