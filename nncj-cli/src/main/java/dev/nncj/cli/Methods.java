package dev.nncj.cli;

import dev.nncj.train.pruning.GradientImportance;
import dev.nncj.transformer.ActivationImportance;
import dev.nncj.transformer.ImportanceCriteria;
import dev.nncj.transformer.MagnitudeImportance;
import dev.nncj.transformer.PathNormImportance;
import dev.nncj.transformer.RandomImportance;

/**
 * The methods this CLI offers, by family, where a name on the command line picks one. The library
 * declares each method next to its implementation; this is the one list a new one is added to.
 * (Quantization modes are an enum, {@link dev.nncj.quantize.QuantizationMode}, with
 * {@link dev.nncj.quantize.Quantizers#forMode} choosing the quantizer.)
 */
final class Methods {
    private Methods() {}

    /** {@code prune --importance}: how heads and neurons are ranked, in the order help lists them. */
    static final ImportanceCriteria IMPORTANCE = ImportanceCriteria.of(MagnitudeImportance.CRITERION,
            ActivationImportance.CRITERION, GradientImportance.CRITERION, PathNormImportance.CRITERION,
            RandomImportance.CRITERION);
}
