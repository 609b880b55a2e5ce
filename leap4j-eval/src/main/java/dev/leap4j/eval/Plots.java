package dev.leap4j.eval;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.StandardXYItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.StackedBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ChartFactory;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.List;
import java.util.Locale;

/** PNG charts for the reports (JFreeChart renders off-screen, so no display is needed). */
public final class Plots {
    private Plots() {}

    private static final int W = 900, H = 560;

    /**
     * Points x, y with a label per point (the theta). Measured series are drawn as points only: timing noise
     * would make a line through them zig-zag; modelled series (joined) are drawn as a line sorted by x.
     */
    public record Series(String name, double[] x, double[] y, String[] labels, boolean joined) {
        public Series(String name, double[] x, double[] y, String[] labels) {
            this(name, x, y, labels, true);
        }
    }

    /** Quality against speedup, one labelled point per theta, plus a horizontal line at full-depth quality. */
    public static void qualityVsSpeedup(Path file, String title, String xLabel, String yLabel, List<Series> series, double fullQuality) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Series s : series) {
            XYSeries xy = new XYSeries(s.name(), true, true);
            for (int i = 0; i < s.x().length; i++) if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) xy.add(s.x()[i], s.y()[i]);
            data.addSeries(xy);
        }
        XYSeries ref = new XYSeries("full depth", false, true);
        double maxX = 1;
        for (Series s : series) for (double v : s.x()) if (Double.isFinite(v)) maxX = Math.max(maxX, v);
        ref.add(1.0, fullQuality);
        ref.add(maxX, fullQuality);
        data.addSeries(ref);
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        r.setDefaultItemLabelGenerator(new LabelGenerator(series));
        r.setDefaultItemLabelsVisible(true);
        for (int i = 0; i < series.size(); i++) {
            r.setSeriesItemLabelsVisible(i, true);
            r.setSeriesLinesVisible(i, series.get(i).joined());
        }
        int refIndex = series.size();
        r.setSeriesItemLabelsVisible(refIndex, false);
        r.setSeriesShapesVisible(refIndex, false);
        r.setSeriesPaint(refIndex, Color.GRAY);
        r.setSeriesStroke(refIndex, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        plot.setRenderer(r);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        ((NumberAxis) plot.getDomainAxis()).setAutoRangeIncludesZero(false);
        style(chart);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, W, H);
    }

    /** Share of inputs exiting at each layer, one stacked bar per theta. */
    public static void exitHistogram(Path file, String title, double[] thetas, double[][] shareByLayer) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (int t = 0; t < thetas.length; t++) {
            String cat = String.format(Locale.ROOT, "%.2f", thetas[t]);
            for (int l = 0; l < shareByLayer[t].length; l++) data.addValue(100 * shareByLayer[t][l], "layer " + (l + 1), cat);
        }
        JFreeChart chart = ChartFactory.createStackedBarChart(title, "theta", "% of inputs exiting at layer", data, PlotOrientation.VERTICAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        StackedBarRenderer r = (StackedBarRenderer) plot.getRenderer();
        r.setShadowVisible(false);
        r.setBarPainter(new org.jfree.chart.renderer.category.StandardBarPainter());
        int L = shareByLayer.length == 0 ? 0 : shareByLayer[0].length;
        for (int l = 0; l < L; l++) r.setSeriesPaint(l, Color.getHSBColor(0.62f - 0.62f * l / Math.max(1, L - 1), 0.65f, 0.85f));
        ((NumberAxis) plot.getRangeAxis()).setRange(0, 100);
        style(chart);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, W, H);
    }

    /** Per-layer curves (e.g. mean cosine to the final layer, to the previous layer) against layer number. */
    public static void layerCurves(Path file, String title, String yLabel, List<Series> series) throws IOException {
        curves(file, title, "layer", yLabel, series, true);
    }

    /** Curves against any x (e.g. dev Spearman against training minutes). */
    public static void curves(Path file, String title, String xLabel, String yLabel, List<Series> series, boolean integerX) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Series s : series) {
            XYSeries xy = new XYSeries(s.name(), false, true);
            for (int i = 0; i < s.x().length; i++) if (Double.isFinite(s.y()[i])) xy.add(s.x()[i], s.y()[i]);
            data.addSeries(xy);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setRenderer(new XYLineAndShapeRenderer(true, true));
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        if (integerX) x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        style(chart);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, W, H);
    }

    private static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getPlot().setBackgroundPaint(new Color(250, 250, 250));
        if (chart.getPlot() instanceof XYPlot p) {
            p.setDomainGridlinePaint(new Color(210, 210, 210));
            p.setRangeGridlinePaint(new Color(210, 210, 210));
        } else if (chart.getPlot() instanceof CategoryPlot p) {
            p.setRangeGridlinePaint(new Color(210, 210, 210));
        }
    }

    /** Labels each point with its series' label (theta), looked up by x and y since XYSeries sorts nothing here. */
    private static final class LabelGenerator extends StandardXYItemLabelGenerator {
        private final List<Series> series;

        LabelGenerator(List<Series> series) {
            super("{2}", new DecimalFormat("0.00", DecimalFormatSymbols.getInstance(Locale.ROOT)), new DecimalFormat("0.00", DecimalFormatSymbols.getInstance(Locale.ROOT)));
            this.series = series;
        }

        @Override
        public String generateLabel(XYDataset dataset, int s, int item) {
            if (s >= series.size()) return null;
            Series ser = series.get(s);
            double x = dataset.getXValue(s, item), y = dataset.getYValue(s, item);
            for (int i = 0; i < ser.x().length; i++) if (ser.x()[i] == x && ser.y()[i] == y) return ser.labels()[i];
            return null;
        }
    }
}
