// What the texture realism statistics need from one patch set (intensities in 0..1): the sorted
// per-pixel intensities and their 64-bin histogram, per-patch gray-level co-occurrence statistics
// (Haralick 1973; 16 levels, offsets right and down, symmetric, normalised; energy = sqrt(ASM) and
// correlation = 1 for a constant patch, as scikit-image), and the power spectrum.
namespace FlowGen.Training.Evaluation;

public sealed class TextureSummary : ISpectrumSummary
{
    public const int HistogramBins = 64;
    public const int GlcmLevels = 16;

    private TextureSummary() { }

    public required double[] Intensity { get; init; }
    /// <summary>Fraction of pixels in each of <see cref="HistogramBins"/> equal bins over [0, 1] (values clamped).</summary>
    public required double[] Histogram { get; init; }
    public required double[] Contrast { get; init; }
    public required double[] Homogeneity { get; init; }
    public required double[] Energy { get; init; }
    public required double[] Correlation { get; init; }
    public required RadialPowerSpectrum Spectrum { get; init; }

    public static TextureSummary Compute(PatchSet patches)
    {
        ArgumentNullException.ThrowIfNull(patches);
        if (patches.Count == 0) throw new ArgumentException("summary of an empty patch set");
        var intensity = new double[patches.Count * patches.PatchLength];
        var histogram = new double[HistogramBins];
        int k = 0;
        foreach (float v in patches.Data)
        {
            intensity[k++] = v;
            histogram[Math.Clamp((int)(v * HistogramBins), 0, HistogramBins - 1)]++;
        }
        for (int b = 0; b < HistogramBins; b++) histogram[b] /= intensity.Length;
        Array.Sort(intensity);
        var glcm = new double[patches.Count, 4];
        for (int i = 0; i < patches.Count; i++)
        {
            var (c, h, e, r) = Glcm(patches.Patch(i), patches.Height, patches.Width);
            glcm[i, 0] = c; glcm[i, 1] = h; glcm[i, 2] = e; glcm[i, 3] = r;
        }
        double[] Column(int j) => Enumerable.Range(0, patches.Count).Select(i => glcm[i, j]).Order().ToArray();
        return new TextureSummary
        {
            Intensity = intensity,
            Histogram = histogram,
            Contrast = Column(0),
            Homogeneity = Column(1),
            Energy = Column(2),
            Correlation = Column(3),
            Spectrum = RadialPowerSpectrum.Compute(patches),
        };
    }

    /// <summary>Total variation distance between two histograms: half the L1 distance, in [0, 1].</summary>
    public static double HistogramDistance(double[] a, double[] b) => 0.5 * a.Zip(b, (x, y) => Math.Abs(x - y)).Sum();

    /// <summary>Contrast, homogeneity, energy, correlation of one patch's co-occurrence matrix.</summary>
    public static (double Contrast, double Homogeneity, double Energy, double Correlation) Glcm(ReadOnlySpan<float> patch, int height, int width)
    {
        const int L = GlcmLevels;
        Span<double> p = stackalloc double[L * L];
        p.Clear();
        static int Level(float v) => Math.Clamp((int)(v * L), 0, L - 1);
        double total = 0;
        for (int r = 0; r < height; r++)
            for (int c = 0; c < width; c++)
            {
                int a = Level(patch[r * width + c]);
                if (c + 1 < width) Pair(p, a, Level(patch[r * width + c + 1]), ref total);
                if (r + 1 < height) Pair(p, a, Level(patch[(r + 1) * width + c]), ref total);
            }
        double contrast = 0, homogeneity = 0, asm = 0, mean = 0;
        for (int i = 0; i < L; i++)
            for (int j = 0; j < L; j++)
            {
                double q = p[i * L + j] / total;
                contrast += (i - j) * (i - j) * q;
                homogeneity += q / (1 + (i - j) * (i - j));
                asm += q * q;
                mean += i * q;   // symmetric: the row and column means are equal
            }
        double variance = 0, covariance = 0;
        for (int i = 0; i < L; i++)
            for (int j = 0; j < L; j++)
            {
                double q = p[i * L + j] / total;
                variance += (i - mean) * (i - mean) * q;
                covariance += (i - mean) * (j - mean) * q;
            }
        return (contrast, homogeneity, Math.Sqrt(asm), variance < 1e-15 ? 1.0 : covariance / variance);
    }

    private static void Pair(Span<double> p, int a, int b, ref double total)
    {
        p[a * GlcmLevels + b]++;
        p[b * GlcmLevels + a]++;
        total += 2;
    }
}
