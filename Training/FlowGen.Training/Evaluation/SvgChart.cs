// Small inline SVG line charts for the HTML report: overlaid histograms (density per bin) and log-log
// power spectra, one coloured polyline per source, with axis labels and a legend. No scripts, no fonts
// beyond the page's, so the report stays self-contained.
using System.Globalization;
using System.Net;
using System.Text;

namespace FlowGen.Training.Evaluation;

public static class SvgChart
{
    private const int Width = 460, Height = 270, Left = 56, Right = 12, Top = 26, Bottom = 40;
    private static readonly string[] Palette = ["#000000", "#7f7f7f", "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

    /// <summary>Overlaid histograms of sorted samples over the reference's 0.5-99.5 % range, <paramref name="bins"/> bins.</summary>
    public static string Histograms(string title, string xLabel, IReadOnlyList<(string Name, double[] Sorted)> series, double displayScale = 1, int bins = 40)
    {
        var reference = series[0].Sorted;
        double lo = reference[(int)(0.005 * (reference.Length - 1))], hi = reference[(int)(0.995 * (reference.Length - 1))];
        if (!(hi > lo)) hi = lo + 1;
        double width = (hi - lo) / bins;
        var lines = new List<(string, double[] X, double[] Y)>();
        foreach (var (name, sorted) in series)
        {
            var counts = new double[bins];
            foreach (double v in sorted)
            {
                int b = (int)Math.Floor((v - lo) / width);
                if (b >= 0 && b < bins) counts[b]++;
            }
            var x = Enumerable.Range(0, bins).Select(b => (lo + (b + 0.5) * width) * displayScale).ToArray();
            lines.Add((name, x, counts.Select(c => c / (sorted.Length * width * displayScale)).ToArray()));
        }
        return Lines(title, xLabel, "density", lines, logLog: false);
    }

    /// <summary>Radially averaged power spectra on log-log axes.</summary>
    public static string Spectra(string title, IReadOnlyList<(string Name, RadialPowerSpectrum Spectrum)> series) =>
        Lines(title, "frequency (cycles/pixel)", "power", series.Select(s => (s.Name, s.Spectrum.Frequencies.ToArray(), s.Spectrum.Power.ToArray())).ToList(), logLog: true);

    private static string Lines(string title, string xLabel, string yLabel, IReadOnlyList<(string Name, double[] X, double[] Y)> lines, bool logLog)
    {
        Func<double, double> t = logLog ? Math.Log10 : v => v;
        var points = lines.SelectMany(l => l.X.Zip(l.Y)).Where(p => double.IsFinite(t(p.First)) && double.IsFinite(t(p.Second))).ToArray();
        double x0 = points.Min(p => t(p.First)), x1 = points.Max(p => t(p.First));
        double y0 = logLog ? points.Min(p => t(p.Second)) : 0, y1 = points.Max(p => t(p.Second));
        if (!(x1 > x0)) x1 = x0 + 1;
        if (!(y1 > y0)) y1 = y0 + 1;
        double Px(double v) => Left + (t(v) - x0) / (x1 - x0) * (Width - Left - Right);
        double Py(double v) => Height - Bottom - (t(v) - y0) / (y1 - y0) * (Height - Top - Bottom);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\">");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"16\" text-anchor=\"middle\" font-size=\"13\">{E(title)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{Width - Left - Right}\" height=\"{Height - Top - Bottom}\" fill=\"none\" stroke=\"#999\"/>");
        string Tick(double v) => logLog ? Math.Pow(10, v).ToString("G3", CultureInfo.InvariantCulture) : v.ToString("G3", CultureInfo.InvariantCulture);
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"{Height - Bottom + 14}\" font-size=\"10\">{Tick(x0)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right}\" y=\"{Height - Bottom + 14}\" font-size=\"10\" text-anchor=\"end\">{Tick(x1)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 4}\" y=\"{Height - Bottom}\" font-size=\"10\" text-anchor=\"end\">{Tick(y0)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 4}\" y=\"{Top + 8}\" font-size=\"10\" text-anchor=\"end\">{Tick(y1)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 8}\" font-size=\"11\" text-anchor=\"middle\">{E(xLabel)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"12\" y=\"{(Top + Height - Bottom) / 2}\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 {(Top + Height - Bottom) / 2})\">{E(yLabel)}</text>");
        for (int i = 0; i < lines.Count; i++)
        {
            var (name, xs, ys) = lines[i];
            string color = Palette[i % Palette.Length];
            var pts = xs.Zip(ys).Where(p => double.IsFinite(t(p.First)) && double.IsFinite(t(p.Second)))
                .Select(p => string.Create(CultureInfo.InvariantCulture, $"{Px(p.First):F1},{Py(p.Second):F1}"));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline class=\"series\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.6\" points=\"{string.Join(' ', pts)}\"/>");
            int ly = Top + 12 + i * 13;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Width - Right - 120}\" y1=\"{ly - 4}\" x2=\"{Width - Right - 104}\" y2=\"{ly - 4}\" stroke=\"{color}\" stroke-width=\"2\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right - 100}\" y=\"{ly}\" font-size=\"10\">{E(name)}</text>");
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
