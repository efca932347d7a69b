// Seam statistics of a large heightmap assembled from patches on a lattice of stride s whose neighbouring patches
// overlap by o pixels (o = s for half-overlapping patches): are the pixels where patches begin and end distributed
// like the pixels between them?
// - Gradient magnitude |grad h| (central differences) and |Laplacian h| (5-point second differences) on
//   border pixels (on either side of a lattice line; patches begin on the lines between pixels phase-1 and phase
//   mod s and end on those between phase+o-1 and phase+o) against interior pixels (two or more pixels from every
//   line): ratio of means and Wasserstein-1 distance relative to the interior mean. On a multi-scale world, whose
//   coarse level leaves a pattern of the coarse grid's period g everywhere (interpolation knots), a lattice line that
//   falls on a knot would count that pattern as a seam: the grid-matched ratio compares the border pixels with
//   interior pixels at the same position modulo g (each of the g² classes' interior mean, weighted by its border count).
// - The phase profile: the mean of both by position within the lattice period (x mod s and y mod s pooled), and its
//   max/min spread. It needs no choice of border: a band of blended pixels, a ripple or a step shows wherever it is.
// - A spike index of the mean row power spectrum (mean and linear trend removed, Hann window) at the lattice
//   frequencies 1/(2s), 1/s and 2/s: the power at that frequency over a power law fitted to the bins three and four away
//   on both sides. A grid would show as a spike (index >> 1).
// The same measures on a real DEM, with an arbitrary lattice laid over it, are the floor sampling noise gives.
namespace FlowGen.Training.Evaluation;

/// <summary>Border-versus-interior comparison of one local statistic.</summary>
public sealed record SeamMeasure(string Name, double BorderMean, double InteriorMean, double Ratio, double RelativeW1, int BorderCount, int InteriorCount)
{
    /// <summary>Border mean over the mean of interior pixels at the same position modulo the coarse grid (null: no grid given).</summary>
    public double? GridMatchedRatio { get; init; }
}

/// <summary>Mean gradient magnitude and |Laplacian| by position within the lattice period (both axes pooled).</summary>
public sealed record PhaseProfile(double[] Gradient, double[] Laplacian)
{
    /// <summary>Largest over smallest phase mean of the gradient magnitude (1 = flat).</summary>
    public double GradientSpread => Gradient.Max() / Gradient.Min();

    /// <summary>Largest over smallest phase mean of |Laplacian|.</summary>
    public double LaplacianSpread => Laplacian.Max() / Laplacian.Min();
}

/// <summary>Everything measured on one map.</summary>
public sealed record SeamReport(int Stride, int Overlap, SeamMeasure Gradient, SeamMeasure Laplacian, PhaseProfile Profile,
    IReadOnlyList<(int PeriodPx, double Index)> Spikes);

public static class SeamStatistics
{
    /// <summary>
    /// Measures a row-major <paramref name="rows"/> x <paramref name="columns"/> heightmap (metres, pixels of <paramref name="pixelSizeM"/>)
    /// against a lattice of <paramref name="stride"/> whose patches overlap by <paramref name="overlap"/> pixels (null: the stride).
    /// </summary>
    public static SeamReport Measure(ReadOnlySpan<float> h, int rows, int columns, int stride, int phase, double pixelSizeM, int spectrumLength = 256,
        int? overlap = null, int? gridPeriod = null)
    {
        int grid = gridPeriod ?? 1;
        if (grid < 1 || grid > stride) throw new ArgumentOutOfRangeException(nameof(gridPeriod), grid, $"the coarse grid's period must be in 1..{stride} (the stride)");
        // Per class (y mod g, x mod g): border sums and counts, interior sums and counts, for gradient and |Laplacian|.
        var classes = new double[grid * grid, 8];
        if (h.Length != (long)rows * columns) throw new ArgumentException("values length is not rows x columns");
        if (stride < 4) throw new ArgumentOutOfRangeException(nameof(stride), "the lattice stride must be at least 4 pixels");
        int o = overlap ?? stride;
        if (o < 1 || o > stride) throw new ArgumentOutOfRangeException(nameof(overlap), o, $"the overlap must be in 1..{stride} (the stride)");
        if (rows < 2 * stride + 3 || columns < 2 * stride + 3) throw new ArgumentException($"a {rows}x{columns} map is too small for stride {stride}");
        var gb = new List<double>(); var gi = new List<double>();
        var lb = new List<double>(); var li = new List<double>();
        var gp = new double[stride]; var lp = new double[stride]; var np = new long[stride];
        for (int y = 1; y < rows - 1; y++)
            for (int x = 1; x < columns - 1; x++)
            {
                var (g, lap) = Local(h, y * columns + x, columns, pixelSizeM);
                int px = Phase(x, stride, phase), py = Phase(y, stride, phase); // both axes pooled: a pixel counts at each phase
                gp[px] += g;
                gp[py] += g;
                lp[px] += lap;
                lp[py] += lap;
                np[px]++;
                np[py]++;
                int dx = Math.Min(Distance(x, stride, phase), Distance(x, stride, phase + o)), dy = Math.Min(Distance(y, stride, phase), Distance(y, stride, phase + o));
                bool border = dx == 0 || dy == 0, interior = dx >= 2 && dy >= 2;
                if (!border && !interior) continue;
                (border ? gb : gi).Add(g);
                (border ? lb : li).Add(lap);
                if (!double.IsFinite(g) || !double.IsFinite(lap)) continue;
                int c = y % grid * grid + x % grid, o4 = border ? 0 : 4;
                classes[c, o4] += g;
                classes[c, o4 + 1] += lap;
                classes[c, o4 + 2]++;
            }
        for (int k = 0; k < stride; k++)
        {
            gp[k] /= np[k];
            lp[k] /= np[k];
        }
        var spikes = new List<(int, double)>();
        // Rows of a whole number of lattice periods, so that the lattice frequencies fall on bins (256 for stride 16, 224 for 28).
        int length = Math.Min(spectrumLength, columns) / (2 * stride) * (2 * stride);
        var power = RowSpectrum(h, rows, columns, length);
        foreach (int period in new[] { 2 * stride, stride, stride / 2 })
        {
            double k = (double)length / period;
            if (k == Math.Floor(k) && k - 4 >= 1 && k + 4 <= length / 2) spikes.Add((period, SpikeIndex(power, (int)k)));
        }
        var gradient = Compare("gradient magnitude", gb, gi);
        var laplacian = Compare("|Laplacian|", lb, li);
        if (gridPeriod is not null)
        {
            gradient = gradient with { GridMatchedRatio = GridMatched(classes, 0) };
            laplacian = laplacian with { GridMatchedRatio = GridMatched(classes, 1) };
        }
        return new SeamReport(stride, o, gradient, laplacian, new PhaseProfile(gp, lp), spikes);
    }

    /// <summary>
    /// The mean gradient magnitude and |Laplacian| by position modulo <paramref name="period"/> from pixel 0 (both axes pooled):
    /// on a multi-scale world with the coarse grid's period, what the coarse level's interpolation leaves in the relief (real
    /// terrain is flat there).
    /// </summary>
    public static PhaseProfile GridProfile(ReadOnlySpan<float> h, int rows, int columns, int period, double pixelSizeM)
    {
        if (h.Length != (long)rows * columns) throw new ArgumentException("values length is not rows x columns");
        if (period < 2 || rows < period + 2 || columns < period + 2) throw new ArgumentOutOfRangeException(nameof(period), period, $"the period must be 2 or more and fit a {rows}x{columns} map");
        var gp = new double[period]; var lp = new double[period]; var np = new long[period];
        for (int y = 1; y < rows - 1; y++)
            for (int x = 1; x < columns - 1; x++)
            {
                var (g, lap) = Local(h, y * columns + x, columns, pixelSizeM);
                foreach (int k in (ReadOnlySpan<int>)[x % period, y % period])
                {
                    gp[k] += g;
                    lp[k] += lap;
                    np[k]++;
                }
            }
        for (int k = 0; k < period; k++)
        {
            gp[k] /= np[k];
            lp[k] /= np[k];
        }
        return new PhaseProfile(gp, lp);
    }

    // Central-difference gradient magnitude and 5-point |Laplacian| at interior pixel i.
    private static (double Gradient, double Laplacian) Local(ReadOnlySpan<float> h, int i, int columns, double pixelSizeM)
    {
        double gx = (h[i + 1] - h[i - 1]) / (2 * pixelSizeM), gy = (h[i + columns] - h[i - columns]) / (2 * pixelSizeM);
        return (Math.Sqrt(gx * gx + gy * gy), Math.Abs(h[i + 1] + h[i - 1] + h[i + columns] + h[i - columns] - 4.0 * h[i]) / (pixelSizeM * pixelSizeM));
    }

    /// <summary>Mean power of every row segment of <paramref name="length"/> pixels (mean and trend removed, Hann window), bins 0..length/2.</summary>
    public static double[] RowSpectrum(ReadOnlySpan<float> h, int rows, int columns, int length)
    {
        if (length < 16 || length > columns) throw new ArgumentException($"row spectrum length {length} must be in 16..{columns}");
        int bins = length / 2 + 1;
        var cos = new double[length];
        var sin = new double[length];
        for (int t = 0; t < length; t++)
        {
            cos[t] = Math.Cos(2 * Math.PI * t / length);
            sin[t] = Math.Sin(2 * Math.PI * t / length);
        }
        var window = new double[length];
        for (int t = 0; t < length; t++) window[t] = 0.5 - 0.5 * Math.Cos(2 * Math.PI * t / length);
        var power = new double[bins];
        var seg = new double[length];
        int segments = 0;
        for (int y = 0; y < rows; y++)
            for (int x0 = 0; x0 + length <= columns; x0 += length)
            {
                // Least-squares line removed, then the window.
                double sx = 0, sy = 0, sxx = 0, sxy = 0;
                for (int t = 0; t < length; t++)
                {
                    double v = h[y * columns + x0 + t];
                    sx += t; sy += v; sxx += (double)t * t; sxy += t * v;
                }
                double slope = (length * sxy - sx * sy) / (length * sxx - sx * sx), icept = (sy - slope * sx) / length;
                for (int t = 0; t < length; t++) seg[t] = (h[y * columns + x0 + t] - icept - slope * t) * window[t];
                for (int k = 0; k < bins; k++)
                {
                    double re = 0, im = 0;
                    for (int t = 0, idx = 0; t < length; t++, idx = (idx + k) % length)
                    {
                        re += seg[t] * cos[idx];
                        im -= seg[t] * sin[idx];
                    }
                    power[k] += re * re + im * im;
                }
                segments++;
            }
        if (segments == 0) throw new ArgumentException("no row segment fits");
        for (int k = 0; k < bins; k++) power[k] /= segments;
        return power;
    }

    /// <summary>Power at bin <paramref name="k"/> over the power law fitted (log-log least squares) to bins k±3 and k±4.</summary>
    public static double SpikeIndex(IReadOnlyList<double> power, int k)
    {
        if (k - 4 < 1 || k + 4 >= power.Count) throw new ArgumentOutOfRangeException(nameof(k), "needs four bins on each side");
        int[] ref4 = [k - 4, k - 3, k + 3, k + 4];
        double mx = ref4.Average(i => Math.Log(i)), my = ref4.Average(i => Math.Log(power[i]));
        double sxy = ref4.Sum(i => (Math.Log(i) - mx) * (Math.Log(power[i]) - my)), sxx = ref4.Sum(i => Math.Pow(Math.Log(i) - mx, 2));
        double predicted = Math.Exp(my + sxy / sxx * (Math.Log(k) - mx));
        return power[k] / predicted;
    }

    // Pixels from the nearest lattice line, which runs between pixels phase-1 and phase (mod stride): 0 on either side of it.
    private static int Distance(int x, int stride, int phase)
    {
        int m = Phase(x, stride, phase);
        return Math.Min(m, stride - 1 - m);
    }

    // Position of pixel x within the lattice period: 0 on the first pixel after a line.
    private static int Phase(int x, int stride, int phase) => ((x - phase) % stride + stride) % stride;

    // Σ border values over Σ_c (border count of class c) × (interior mean of class c); classes without interior pixels are left out.
    private static double GridMatched(double[,] classes, int statistic)
    {
        double border = 0, expected = 0;
        for (int c = 0; c < classes.GetLength(0); c++)
        {
            if (classes[c, 2] == 0 || classes[c, 6] == 0) continue;
            border += classes[c, statistic];
            expected += classes[c, 2] * classes[c, 4 + statistic] / classes[c, 6];
        }
        return border / expected;
    }

    private static SeamMeasure Compare(string name, List<double> border, List<double> interior)
    {
        border.RemoveAll(v => !double.IsFinite(v)); // a diverged pixel says nothing about seams
        interior.RemoveAll(v => !double.IsFinite(v));
        if (border.Count == 0 || interior.Count == 0) throw new ArgumentException("no border or no interior pixels with finite values");
        border.Sort();
        interior.Sort();
        double bm = border.Average(), im = interior.Average();
        double w1 = Wasserstein.Distance1(border.ToArray(), interior.ToArray());
        return new SeamMeasure(name, bm, im, bm / im, w1 / im, border.Count, interior.Count);
    }
}
