// Everything the terrain realism statistics need from one patch set, computed once: sorted samples of
// the per-pixel and per-patch measures (TerrainMorphometry), pit density and the power spectrum.
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
        }
        double areaKm2 = (double)patches.Count * (h - 2) * (w - 2) * pixelSizeM * pixelSizeM / 1e6;
        return new TerrainSummary
        {
            Slope = Sorted(slope),
            Laplacian = Sorted(lap),
            ProfileCurvature = Sorted(profile),
            PlanCurvature = Sorted(plan),
            Skewness = Sorted(skew),
            Hypsometric = Sorted(hyps),
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
