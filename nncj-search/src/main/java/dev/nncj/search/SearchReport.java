package dev.nncj.search;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The search's report as one self-contained HTML page (inline SVG, no script, nothing fetched):
 * every scored candidate by latency and accuracy at each stage, the final front, the teacher and
 * the budget, then a table of the front. Meant to be understood in a minute by someone who did
 * not run the search.
 */
public final class SearchReport {
    /**
     * @param title        e.g. the teacher's file name
     * @param teacherAccuracy the teacher's accuracy on the selection data
     * @param teacherMillis   the teacher's measured p50
     * @param machine      one line naming the CPU, its SIMD flags and the runtime
     * @param summary      lines such as "412 candidates, 7.3 h over 3 runs"
     */
    public record Data(String title, double teacherAccuracy, double teacherMillis, long teacherBytes, Budget budget,
                       Map<Fidelity, List<Scored>> scored, List<FrontPoint> front, String machine, List<String> summary) {}

    private static final int WIDTH = 720;
    private static final int HEIGHT = 440;
    private static final int MARGIN = 56;
    private static final Map<Fidelity, String> COLOURS = Map.of(Fidelity.INHERITED, "#b0b7c3",
            Fidelity.SHORT_DISTILL, "#5b8def", Fidelity.FULL_DISTILL, "#1f3f99", Fidelity.QAT, "#7a2e8e");

    private SearchReport() {}

    public static String html(Data d) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>NNCJ search: ")
                .append(escape(d.title())).append("</title>\n<style>")
                .append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}")
                .append("table{border-collapse:collapse}td,th{padding:.25em .6em;border-bottom:1px solid #ddd;text-align:right}")
                .append("td.arch,th.arch{text-align:left;font-family:monospace}.note{color:#555}")
                .append("</style></head><body>\n");
        h.append("<h1>NNCJ search: ").append(escape(d.title())).append("</h1>\n");
        h.append("<p class=\"note\">").append(escape(d.machine())).append("</p>\n<ul>");
        for (String line : d.summary()) {
            h.append("<li>").append(escape(line)).append("</li>");
        }
        h.append("</ul>\n<p>Each dot is a candidate scored on the selection data (grey: inherited weights,"
                + " blue: after distillation); the line joins the final front, measured for real; the star is"
                + " the teacher").append(d.budget().maxLatencyRatio().isPresent() ? ", the red line the latency budget" : "")
                .append(". Up and left is better.</p>\n");
        h.append(scatter(d));
        h.append(table(d));
        h.append("</body></html>\n");
        return h.toString();
    }

    private static String scatter(Data d) {
        double maxRatio = 1.05;
        double minAcc = d.teacherAccuracy();
        double maxAcc = d.teacherAccuracy();
        for (List<Scored> stage : d.scored().values()) {
            for (Scored s : stage) {
                maxRatio = Math.max(maxRatio, s.objectives().latencyRatio());
                minAcc = Math.min(minAcc, s.objectives().accuracy());
                maxAcc = Math.max(maxAcc, s.objectives().accuracy());
            }
        }
        for (FrontPoint p : d.front()) {
            maxRatio = Math.max(maxRatio, p.p50Ratio());
            minAcc = Math.min(minAcc, p.devAccuracy());
            maxAcc = Math.max(maxAcc, p.devAccuracy());
        }
        Axis x = new Axis(0, maxRatio * 1.05, MARGIN, WIDTH - MARGIN / 2.0);
        double pad = Math.max(0.005, (maxAcc - minAcc) * 0.05);
        Axis y = new Axis(minAcc - pad, maxAcc + pad, HEIGHT - MARGIN, MARGIN / 2.0);
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT)
                .append("\" role=\"img\" aria-label=\"accuracy against latency\">\n");
        s.append(line(MARGIN, HEIGHT - MARGIN, WIDTH - MARGIN / 2.0, HEIGHT - MARGIN, "#444", ""));
        s.append(line(MARGIN, HEIGHT - MARGIN, MARGIN, MARGIN / 2.0, "#444", ""));
        for (int i = 0; i <= 5; i++) {
            double v = x.low + (x.high - x.low) * i / 5;
            s.append(text(x.at(v), HEIGHT - MARGIN + 16, "middle", fmt(v, 2) + "x"));
            double a = y.low + (y.high - y.low) * i / 5;
            s.append(text(MARGIN - 6, y.at(a) + 4, "end", fmt(100 * a, 1) + "%"));
        }
        s.append(text((MARGIN + WIDTH) / 2.0, HEIGHT - 12, "middle", "p50 latency / teacher"));
        s.append(text(14, HEIGHT / 2.0, "middle", "accuracy (selection data)", "rotate(-90 14 " + HEIGHT / 2 + ")"));
        d.budget().maxLatencyRatio().ifPresent(b ->
                s.append(line(x.at(b), MARGIN / 2.0, x.at(b), HEIGHT - MARGIN, "#d33", "stroke-dasharray=\"4 3\"")));
        for (Fidelity stage : Fidelity.values()) {
            for (Scored c : d.scored().getOrDefault(stage, List.of())) {
                s.append("<circle class=\"candidate\" cx=\"").append(fmt(x.at(c.objectives().latencyRatio()), 1))
                        .append("\" cy=\"").append(fmt(y.at(c.objectives().accuracy()), 1)).append("\" r=\"3\" fill=\"")
                        .append(COLOURS.get(stage)).append("\" fill-opacity=\"0.7\"><title>")
                        .append(escape(c.architecture() + " (" + stage.label() + ")")).append("</title></circle>\n");
            }
        }
        List<FrontPoint> sorted = d.front().stream().sorted(java.util.Comparator.comparingDouble(FrontPoint::p50Ratio)).toList();
        if (!sorted.isEmpty()) {
            s.append("<polyline class=\"front\" fill=\"none\" stroke=\"#e07b00\" stroke-width=\"2\" points=\"");
            for (FrontPoint p : sorted) {
                s.append(fmt(x.at(p.p50Ratio()), 1)).append(',').append(fmt(y.at(p.devAccuracy()), 1)).append(' ');
            }
            s.append("\"/>\n");
            for (FrontPoint p : sorted) {
                s.append("<circle class=\"front-point\" cx=\"").append(fmt(x.at(p.p50Ratio()), 1)).append("\" cy=\"")
                        .append(fmt(y.at(p.devAccuracy()), 1)).append("\" r=\"5\" fill=\"#e07b00\"><title>")
                        .append(escape(p.architecture().toString())).append("</title></circle>\n");
            }
        }
        double tx = x.at(1.0);
        double ty = y.at(d.teacherAccuracy());
        s.append("<text class=\"teacher\" x=\"").append(fmt(tx, 1)).append("\" y=\"").append(fmt(ty + 6, 1))
                .append("\" text-anchor=\"middle\" font-size=\"18\" fill=\"#111\">&#9733;<title>teacher</title></text>\n");
        s.append("</svg>\n");
        return s.toString();
    }

    private static String table(Data d) {
        StringBuilder t = new StringBuilder("<h2>Front</h2>\n<table>\n<tr><th class=\"arch\">candidate</th><th>stage</th>"
                + "<th>p50 / teacher</th><th>predicted</th><th>p50 ms</th><th>file</th><th>size / teacher</th>"
                + "<th>selection acc.</th><th>test acc.</th><th class=\"arch\">model</th></tr>\n");
        t.append("<tr><td class=\"arch\">teacher</td><td></td><td>1.000x</td><td></td><td>").append(fmt(d.teacherMillis(), 2))
                .append("</td><td>").append(bytes(d.teacherBytes())).append("</td><td>1.000x</td><td>")
                .append(fmt(100 * d.teacherAccuracy(), 2)).append("%</td><td></td><td></td></tr>\n");
        for (FrontPoint p : d.front().stream().sorted(java.util.Comparator.comparingDouble(FrontPoint::p50Ratio)).toList()) {
            t.append("<tr class=\"front-row\"><td class=\"arch\">").append(escape(p.architecture().toString()))
                    .append("</td><td>").append(p.stage().label()).append("</td><td>").append(fmt(p.p50Ratio(), 3))
                    .append("x</td><td>").append(fmt(p.predictedRatio(), 3)).append("x</td><td>").append(fmt(p.p50Millis(), 2))
                    .append("</td><td>").append(bytes(p.bytes())).append("</td><td>").append(fmt(p.sizeRatio(), 4))
                    .append("x</td><td>").append(percent(p.devAccuracy(), p.devHalfWidth())).append("</td><td>")
                    .append(p.testAccuracy().isPresent() ? percent(p.testAccuracy().getAsDouble(), p.testHalfWidth().orElse(0)) : "")
                    .append("</td><td class=\"arch\">").append(escape(p.file())).append("</td></tr>\n");
        }
        t.append("</table>\n<p class=\"note\">Selection accuracy is what the search chose on; test accuracy is measured"
                + " once, after the choice. Intervals are 95%.</p>\n");
        return t.toString();
    }

    private record Axis(double low, double high, double from, double to) {
        double at(double v) {
            return from + (v - low) / (high - low) * (to - from);
        }
    }

    private static String line(double x1, double y1, double x2, double y2, String colour, String extra) {
        return "<line x1=\"" + fmt(x1, 1) + "\" y1=\"" + fmt(y1, 1) + "\" x2=\"" + fmt(x2, 1) + "\" y2=\"" + fmt(y2, 1)
                + "\" stroke=\"" + colour + "\" " + extra + "/>\n";
    }

    private static String text(double x, double y, String anchor, String content) {
        return text(x, y, anchor, content, null);
    }

    private static String text(double x, double y, String anchor, String content, String transform) {
        return "<text x=\"" + fmt(x, 1) + "\" y=\"" + fmt(y, 1) + "\" text-anchor=\"" + anchor + "\" font-size=\"12\""
                + (transform == null ? "" : " transform=\"" + transform + "\"") + ">" + escape(content) + "</text>\n";
    }

    private static String percent(double accuracy, double halfWidth) {
        return fmt(100 * accuracy, 2) + "% &#177; " + fmt(100 * halfWidth, 2);
    }

    private static String bytes(long n) {
        return n >= 1_000_000 ? fmt(n / 1e6, 2) + " MB" : fmt(n / 1e3, 1) + " kB";
    }

    private static String fmt(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
