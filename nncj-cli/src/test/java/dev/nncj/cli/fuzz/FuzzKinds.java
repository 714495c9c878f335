package dev.nncj.cli.fuzz;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every kind of case, by name, in the order a campaign cycles through them: case i is of kind
 * {@code i mod kinds}, so any sample of at least as many cases as kinds covers each kind, and its seed
 * is derived from the campaign's seed and i alone.
 */
final class FuzzKinds {
    private FuzzKinds() {}

    interface Generator {
        FuzzCase generate(CaseContext c) throws Exception;
    }

    static final Map<String, Generator> ALL = new LinkedHashMap<>();

    static {
        ALL.put("control", FuzzKinds::control);
        ALL.put("truncate", ModelCases::truncate);
        ALL.put("flip-bytes", ModelCases::flipBytes);
        ALL.put("flip-weight", ModelCases::flipWeight);
        ALL.put("non-finite", ModelCases::nonFinite);
        ALL.put("wrong-type", ModelCases::wrongType);
        ALL.put("bad-dims", ModelCases::badDims);
        ALL.put("raw-length", ModelCases::rawLength);
        ALL.put("bad-input-shape", ModelCases::badInputShape);
        ALL.put("cycle", ModelCases::cycle);
        ALL.put("duplicate-output", ModelCases::duplicateOutput);
        ALL.put("duplicate-initializer", ModelCases::duplicateInitializer);
        ALL.put("dangling-input", ModelCases::danglingInput);
        ALL.put("unknown-domain", ModelCases::unknownDomain);
        ALL.put("ir-version", ModelCases::irVersion);
        ALL.put("opset-version", ModelCases::opsetVersion);
        ALL.put("not-onnx", ModelCases::notOnnx);
        ALL.put("deep-nesting", ModelCases::deepNesting);
        ALL.put("ext-escape", ExternalDataCases::escape);
        ALL.put("ext-symlink", ExternalDataCases::symlink);
        ALL.put("ext-special", ExternalDataCases::special);
        ALL.put("ext-range", ExternalDataCases::range);
        ALL.put("ext-missing", ExternalDataCases::missing);
        ALL.put("nncj-truncate", ContainerCases::truncate);
        ALL.put("nncj-flip", ContainerCases::flip);
        ALL.put("nncj-length", ContainerCases::lengthField);
        ALL.put("nncj-skeleton-bomb", ContainerCases::skeletonBomb);
        ALL.put("nncj-tensor-bomb", ContainerCases::tensorBomb);
        ALL.put("nncj-external", ContainerCases::externalData);
        ALL.put("not-nncj", ContainerCases::notContainer);
    }

    /** Unmutated inputs, which must succeed: a model, a model with valid external data, a container. */
    private static FuzzCase control(CaseContext c) {
        return switch (c.random.nextInt(3)) {
            case 0 -> {
                BaseModel base = c.base();
                CliCommand cmd = c.command(base, c.writeModel(base, base.proto().toByteArray()));
                yield c.done(base + " model (valid)", Expectation.SUCCEED, cmd);
            }
            case 1 -> ExternalDataCases.valid(c);
            default -> ContainerCases.valid(c);
        };
    }

    static FuzzCase generate(int index, String kind, long seed, Path cases, Path outside) {
        Generator g = ALL.get(kind);
        if (g == null) {
            throw new IllegalArgumentException("unknown fuzz kind '" + kind + "'; kinds: " + ALL.keySet());
        }
        try {
            return g.generate(new CaseContext(index, kind, seed, cases, outside));
        } catch (Exception e) {
            throw new IllegalStateException("generating " + kind + ":" + seed + " failed", e);
        }
    }

    /** {@code count} cases cycling through {@code kinds}, seeds derived from {@code campaignSeed}. */
    static List<FuzzCase> sample(int count, long campaignSeed, List<String> kinds, Path cases, Path outside) {
        List<FuzzCase> all = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            all.add(generate(i, kinds.get(i % kinds.size()), caseSeed(campaignSeed, i), cases, outside));
        }
        return all;
    }

    /** SplitMix64's finalizer over the campaign seed and the index: distinct, well-spread, positive seeds. */
    static long caseSeed(long campaignSeed, int index) {
        long z = campaignSeed + 0x9E3779B97F4A7C15L * (index + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (z ^ (z >>> 31)) >>> 1;
    }
}
