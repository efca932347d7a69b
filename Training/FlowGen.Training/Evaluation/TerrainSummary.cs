// Everything the terrain realism statistics need from one patch set, computed once: sorted samples of
// the per-pixel and per-patch measures (TerrainMorphometry), pit density, the drainage-area exceedance curve (raw and with the
// closed depressions filled), the share of pixels inside depressions by depth, and the power spectrum.
namespace FlowGen.Training.Evaluation;

public sealed class TerrainSummary : ISpectrumSummary
{
    private TerrainSummary() { }

    public required double[] Slope { get; init; }
    public required double[] Laplacian { get; init; }
    public required double[] ProfileCurvature { get; init; }
    public required double[] PlanCurvature { get; init; }
    public required double[] Skewness { get; init; }
    public required double[] Hypsometric { get; init; }
    /// <summary>log₂ D8 drainage area (pixels) of every pixel, routed inside its patch, sorted.</summary>
    public required double[] DrainageArea { get; init; }
    /// <summary>P(A >= 2^k) over all pixels for k = 1 .. <see cref="DrainageOctaves"/> (2 to 128 pixels: from hillslopes to
    /// channels of about a square kilometre at 83.5 m); an empty class counts as half a pixel, so its log stays finite.</summary>
    public required double[] DrainageExceedance { get; init; }

    /// <summary>As <see cref="DrainageExceedance"/>, routed over the patches with their closed depressions filled
    /// (<see cref="TerrainMorphometry.FillDepressions"/>): the drainage network a patch has once nothing dams its valleys.</summary>
    public required double[] FilledDrainageExceedance { get; init; }

    /// <summary>Shares of pixels lying at least <see cref="DepressionDepths"/>[k] metres below their spill level (inside closed
    /// depressions that deep), over all pixels.</summary>
    public required double[] DepressionShares { get; init; }

    /// <summary>Depths (m) <see cref="DepressionShares"/> counts from: 1 m is above the dequantisation noise's pits.</summary>
    public static IReadOnlyList<double> DepressionDepths { get; } = [1.0, 5.0];

    /// <summary>The share of pixels draining at least <paramref name="pixels"/> pixels once the depressions are filled.</summary>
    public double FilledDrainageShare(int pixels) => FilledDrainageExceedance[Octave(pixels) - 1];

    /// <summary>The share of pixels at least <paramref name="depthM"/> (one of <see cref="DepressionDepths"/>) below their spill level.</summary>
    public double DepressionShare(double depthM)
    {
        for (int k = 0; k < DepressionDepths.Count; k++)
            if (DepressionDepths[k] == depthM) return DepressionShares[k];
        throw new ArgumentOutOfRangeException(nameof(depthM), depthM, $"one of {string.Join(", ", DepressionDepths)} m");
    }

    /// <summary>Octaves of drainage area the exceedance curve covers.</summary>
    public const int DrainageOctaves = 7;

    /// <summary>Drainage areas (pixels) whose shares of pixels `flowgen eval` reports: hillslope hollows, valleys, channels.</summary>
    public static IReadOnlyList<int> ChannelAreas { get; } = [8, 32, 128];

    /// <summary>The share of pixels draining at least <paramref name="pixels"/> pixels (a power of two from 2 to 128).</summary>
    public double DrainageShare(int pixels) => DrainageExceedance[Octave(pixels) - 1];

    private static int Octave(int pixels)
    {
        int k = System.Numerics.BitOperations.Log2((uint)Math.Max(1, pixels));
        if (pixels != 1 << k || k < 1 || k > DrainageOctaves)
            throw new ArgumentOutOfRangeException(nameof(pixels), pixels, $"a power of two from 2 to {1 << DrainageOctaves}");
        return k;
    }

    /// <summary>Mean |ln P_a(A >= 2^k) - ln P_b(A >= 2^k)| over the octaves: how far apart two patch sets' drainage-area
    /// exceedance curves are, the channel tail (large k) weighing as much as the hillslopes.</summary>
    public static double DrainageDistance(TerrainSummary a, TerrainSummary b)
    {
        double sum = 0;
        for (int k = 0; k < DrainageOctaves; k++) sum += Math.Abs(Math.Log(a.DrainageExceedance[k]) - Math.Log(b.DrainageExceedance[k]));
        return sum / DrainageOctaves;
    }

    private static double[] Exceedance(double[] sortedLog2Areas)
    {
        var p = new double[DrainageOctaves];
        for (int k = 1; k <= DrainageOctaves; k++)
        {
            int below = LowerBound(sortedLog2Areas, k);
            p[k - 1] = Math.Max(0.5, sortedLog2Areas.Length - below) / sortedLog2Areas.Length;
        }
        return p;
    }

    private static int LowerBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < value) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
    /// <summary>Strict local minima per km² of interior area.</summary>
    public required double PitsPerKm2 { get; init; }
    public required RadialPowerSpectrum Spectrum { get; init; }
    public required double PixelSizeM { get; init; }

    /// <summary>Summarises <paramref name="patches"/> (metres) on a grid of <paramref name="pixelSizeM"/> metres.</summary>
    public static TerrainSummary Compute(PatchSet patches, double pixelSizeM)
    {
        ArgumentNullException.ThrowIfNull(patches);
        if (patches.Count == 0) throw new ArgumentException("summary of an empty patch set");
        if (!(pixelSizeM > 0) || double.IsInfinity(pixelSizeM)) throw new ArgumentOutOfRangeException(nameof(pixelSizeM));
        return ComputeCore(patches, pixelSizeM);
    }

    private static TerrainSummary ComputeCore(PatchSet patches, double pixelSizeM)
    {
        int h = patches.Height, w = patches.Width;
        var slope = new List<double>();
        var lap = new List<double>();
        var profile = new List<double>();
        var plan = new List<double>();
        var skew = new List<double>();
        var hyps = new List<double>();
        var drainage = new List<double>();
        var filledDrainage = new List<double>();
        var filled = new float[h * w];
        var deep = new long[DepressionDepths.Count];
        long pits = 0;
        for (int i = 0; i < patches.Count; i++)
        {
            var z = patches.Patch(i);
            TerrainMorphometry.Slopes(z, h, w, pixelSizeM, slope);
            TerrainMorphometry.Laplacians(z, h, w, pixelSizeM, lap);
            TerrainMorphometry.Curvatures(z, h, w, pixelSizeM, profile, plan);
            double s = TerrainMorphometry.Skewness(z);
            if (!double.IsNaN(s)) skew.Add(s);
            double hi = TerrainMorphometry.HypsometricIntegral(z);
            if (!double.IsNaN(hi)) hyps.Add(hi);
            pits += TerrainMorphometry.Pits(z, h, w);
            TerrainMorphometry.DrainageAreas(z, h, w, drainage);
            TerrainMorphometry.FillDepressions(z, h, w, filled);
            TerrainMorphometry.DrainageAreas(filled, h, w, filledDrainage);
            for (int p = 0; p < h * w; p++)
                for (int k = 0; k < deep.Length; k++)
                    if ((double)filled[p] - z[p] >= DepressionDepths[k]) deep[k]++;
        }
        double areaKm2 = (double)patches.Count * (h - 2) * (w - 2) * pixelSizeM * pixelSizeM / 1e6;
        var drainageSorted = Sorted(drainage);
        return new TerrainSummary
        {
            Slope = Sorted(slope),
            Laplacian = Sorted(lap),
            ProfileCurvature = Sorted(profile),
            PlanCurvature = Sorted(plan),
            Skewness = Sorted(skew),
            Hypsometric = Sorted(hyps),
            DrainageArea = drainageSorted,
            DrainageExceedance = Exceedance(drainageSorted),
            FilledDrainageExceedance = Exceedance(Sorted(filledDrainage)),
            DepressionShares = [.. deep.Select(d => (double)d / ((long)patches.Count * h * w))],
            PitsPerKm2 = pits / areaKm2,
            Spectrum = RadialPowerSpectrum.Compute(patches),
            PixelSizeM = pixelSizeM,
        };
    }

    private static double[] Sorted(List<double> values)
    {
        var a = values.Where(double.IsFinite).ToArray();
        Array.Sort(a);
        // Constant patches leave nothing for a per-patch measure; a single 0 keeps W1 defined (and large).
        return a.Length == 0 ? [0.0] : a;
    }
}
