package dev.nncj.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class HypervolumeTest {
    @Test
    void onePointSpansABoxToTheReference() {
        double v = Hypervolume.of(List.of(new Objectives(0.9, 0.5, 0.25)), 0.5, 1.0, 1.0);
        assertThat(v).isCloseTo(0.4 * 0.5 * 0.75, within(1e-12));
    }

    @Test
    void twoPointsCountTheirOverlapOnce() {
        Objectives a = new Objectives(0.9, 0.5, 0.5);
        Objectives b = new Objectives(0.7, 0.2, 0.5);
        // boxes [0.5,0.9]x[0.5,1]x[0.5,1] and [0.5,0.7]x[0.2,1]x[0.5,1]; overlap [0.5,0.7]x[0.5,1]x[0.5,1]
        double expected = 0.4 * 0.5 * 0.5 + 0.2 * 0.8 * 0.5 - 0.2 * 0.5 * 0.5;
        assertThat(Hypervolume.of(List.of(a, b), 0.5, 1, 1)).isCloseTo(expected, within(1e-12));
    }

    @Test
    void aDominatedPointOrOneOutsideTheReferenceAddsNothing() {
        Objectives a = new Objectives(0.9, 0.5, 0.5);
        double alone = Hypervolume.of(List.of(a), 0.5, 1, 1);
        assertThat(Hypervolume.of(List.of(a, new Objectives(0.8, 0.6, 0.6)), 0.5, 1, 1)).isCloseTo(alone, within(1e-12));
        assertThat(Hypervolume.of(List.of(a, new Objectives(0.99, 1.5, 0.1)), 0.5, 1, 1)).isCloseTo(alone, within(1e-12));
    }

    @Test
    void matchesAMonteCarloEstimateOnRandomPoints() {
        java.util.Random r = new java.util.Random(3);
        List<Objectives> points = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            points.add(new Objectives(r.nextDouble(), r.nextDouble(), r.nextDouble()));
        }
        int inside = 0;
        int samples = 400_000;
        for (int s = 0; s < samples; s++) {
            double acc = r.nextDouble();
            double lat = r.nextDouble();
            double size = r.nextDouble();
            boolean dominated = points.stream().anyMatch(p -> p.accuracy() >= acc && p.latencyRatio() <= lat
                    && p.sizeRatio() <= size);
            inside += dominated ? 1 : 0;
        }
        assertThat(Hypervolume.of(points, 0, 1, 1)).isCloseTo((double) inside / samples, within(0.005));
    }
}
