package dev.nncj.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class SearchReportTest {
    private static SearchReport.Data data() {
        Random random = new Random(1);
        List<Scored> inherited = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Architecture a = SearchSpaceTest.miniLm().sample(random);
            inherited.add(new Scored(a, new Objectives(0.6 + 0.03 * i, 0.1 + 0.08 * i, 0.05 + 0.05 * i)));
        }
        List<Scored> distilled = List.of(new Scored(inherited.get(9).architecture(), new Objectives(0.88, 0.82, 0.5)));
        FrontPoint p = new FrontPoint(inherited.get(3).architecture(), Fidelity.SHORT_DISTILL, 0.31, 4.2, 0.33,
                8_600_000, 0.0959, 0.874, 0.022, OptionalDouble.of(0.871), OptionalDouble.of(0.022), "front/00/model.onnx");
        FrontPoint q = new FrontPoint(inherited.get(9).architecture(), Fidelity.SHORT_DISTILL, 0.82, 11.0, 0.8,
                40_000_000, 0.45, 0.881, 0.021, OptionalDouble.empty(), OptionalDouble.empty(), "front/01/<model>.onnx");
        return new SearchReport.Data("clf <teacher>.onnx", 0.8899, 13.4, 90_000_000,
                new Budget(OptionalDouble.of(0.33), OptionalDouble.empty()),
                Map.of(Fidelity.INHERITED, inherited, Fidelity.SHORT_DISTILL, distilled), List.of(p, q),
                "AMD EPYC (avx2 avx512_vnni), ONNX Runtime 1.23.2, 1 thread", List.of("11 candidates, 0.1 h"));
    }

    @Test
    void everyCandidateTheFrontTheTeacherAndTheBudgetAreDrawn() throws Exception {
        String html = SearchReport.html(data());
        String svg = html.substring(html.indexOf("<svg"), html.indexOf("</svg>") + 6);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertThat(count(html, "class=\"candidate\"")).isEqualTo(11);
        assertThat(count(html, "class=\"front-point\"")).isEqualTo(2);
        assertThat(count(html, "class=\"front-row\"")).isEqualTo(2);
        assertThat(count(html, "class=\"teacher\"")).isEqualTo(1);
        assertThat(html).contains("stroke=\"#d33\"").contains("0.310x").contains("87.10% &#177; 2.20")
                .contains("clf &lt;teacher&gt;.onnx").contains("front/01/&lt;model&gt;.onnx");
        assertThat(doc.getElementsByTagName("circle").getLength()).isEqualTo(13);
    }

    @Test
    void thePageStandsAlone() {
        String html = SearchReport.html(data());
        assertThat(html).doesNotContain("<script").doesNotContain("src=").doesNotContain("href=")
                .doesNotContain("<link").doesNotContain("@import");
        assertThat(html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "")).doesNotContain("http");
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
