// The realism statistics by name: how each is computed as a distance between two summaries, and how it
// is shown (unit and display scale). Terrain and texture statistics share this shape so the console
// table, the HTML report and the temperature sweep iterate one list.
namespace FlowGen.Training.Evaluation;

/// <summary>What every patch-set summary offers the report's spectrum chart.</summary>
public interface ISpectrumSummary
{
    RadialPowerSpectrum Spectrum { get; }
}

/// <summary>
/// One distance between two patch-set summaries; lower means more alike, 0 = identical.
/// <paramref name="Samples"/>, where given, returns the underlying sorted sample for histogram charts.
/// </summary>
public sealed record RealismStatistic<TSummary>(
    string Name, string Unit, double DisplayScale, Func<TSummary, TSummary, double> Distance,
    Func<TSummary, double[]>? Samples = null, string? SampleLabel = null);

public static class TerrainStatistics
{
    /// <summary>The terrain realism statistics of issue 5, in report order.</summary>
    public static IReadOnlyList<RealismStatistic<TerrainSummary>> All { get; } =
    [
        new("slope W1", "°", 1, (a, b) => Wasserstein.Distance1(a.Slope, b.Slope), s => s.Slope, "slope (°)"),
        new("Laplacian W1", "1e-4 m⁻¹", 1e4, (a, b) => Wasserstein.Distance1(a.Laplacian, b.Laplacian),
            s => s.Laplacian, "Laplacian (m⁻¹)"),
        new("profile curvature W1", "1e-4 m⁻¹", 1e4, (a, b) => Wasserstein.Distance1(a.ProfileCurvature, b.ProfileCurvature),
            s => s.ProfileCurvature, "profile curvature (m⁻¹)"),
        new("plan curvature W1", "1e-4 m⁻¹", 1e4, (a, b) => Wasserstein.Distance1(a.PlanCurvature, b.PlanCurvature),
            s => s.PlanCurvature, "plan curvature (m⁻¹)"),
        new("skewness W1", "", 1, (a, b) => Wasserstein.Distance1(a.Skewness, b.Skewness), s => s.Skewness, "per-patch elevation skewness"),
        new("hypsometric integral W1", "", 1, (a, b) => Wasserstein.Distance1(a.Hypsometric, b.Hypsometric),
            s => s.Hypsometric, "hypsometric integral"),
        new("pit density |Δ|", "km⁻²", 1, (a, b) => Math.Abs(a.PitsPerKm2 - b.PitsPerKm2)),
        new("drainage area |Δln P|", "", 1, TerrainSummary.DrainageDistance, s => s.DrainageArea, "D8 drainage area (log₂ pixels)"),
        new("power spectrum MSLR", "", 1, (a, b) => RadialPowerSpectrum.MeanSquaredLogRatio(a.Spectrum, b.Spectrum)),
        new("spectral slope |Δβ|", "", 1, (a, b) => Math.Abs(a.Spectrum.Beta - b.Spectrum.Beta)),
    ];
}

public static class TextureStatistics
{
    /// <summary>The texture realism statistics of issue 5, in report order.</summary>
    public static IReadOnlyList<RealismStatistic<TextureSummary>> All { get; } =
    [
        new("intensity histogram TV", "", 1, (a, b) => TextureSummary.HistogramDistance(a.Histogram, b.Histogram),
            s => s.Intensity, "intensity"),
        new("intensity W1", "", 1, (a, b) => Wasserstein.Distance1(a.Intensity, b.Intensity)),
        new("power spectrum MSLR", "", 1, (a, b) => RadialPowerSpectrum.MeanSquaredLogRatio(a.Spectrum, b.Spectrum)),
        new("spectral slope |Δβ|", "", 1, (a, b) => Math.Abs(a.Spectrum.Beta - b.Spectrum.Beta)),
        new("GLCM contrast W1", "", 1, (a, b) => Wasserstein.Distance1(a.Contrast, b.Contrast), s => s.Contrast, "GLCM contrast"),
        new("GLCM homogeneity W1", "", 1, (a, b) => Wasserstein.Distance1(a.Homogeneity, b.Homogeneity), s => s.Homogeneity, "GLCM homogeneity"),
        new("GLCM energy W1", "", 1, (a, b) => Wasserstein.Distance1(a.Energy, b.Energy), s => s.Energy, "GLCM energy"),
        new("GLCM correlation W1", "", 1, (a, b) => Wasserstein.Distance1(a.Correlation, b.Correlation), s => s.Correlation, "GLCM correlation"),
    ];
}
