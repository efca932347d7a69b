// SeamStatistics on fields whose answer is known: a stationary random field (no lattice) reads as seamless;
// the same field with steps on the lattice lines, or with a ripple of the lattice period, is caught; a pattern of a
// coarse grid's period is told apart from a seam by the grid-matched ratio.
using FlowGen.Training.Evaluation;

namespace FlowGen.Training.Tests.Evaluation;

public class SeamStatisticsTests
{
    private const int N = 384, Stride = 16;

    // Smooth stationary noise: white noise box-blurred twice with a 5-pixel kernel, then scaled to metres.
    private static float[] StationaryField(int seed)
    {
        var rng = new Random(seed);
        var f = new double[N * N];
        for (int i = 0; i < f.Length; i++) f[i] = rng.NextDouble() - 0.5;
        for (int pass = 0; pass < 4; pass++) f = BoxBlur(f, horizontal: pass % 2 == 0);
        return f.Select(v => (float)(v * 400)).ToArray();
    }

    private static double[] BoxBlur(double[] f, bool horizontal)
    {
        var g = new double[f.Length];
        for (int y = 0; y < N; y++)
            for (int x = 0; x < N; x++)
            {
                double s = 0;
                for (int d = -2; d <= 2; d++)
                {
                    int xx = horizontal ? Math.Clamp(x + d, 0, N - 1) : x, yy = horizontal ? y : Math.Clamp(y + d, 0, N - 1);
                    s += f[yy * N + xx];
                }
                g[y * N + x] = s / 5;
            }
        return g;
    }

    // Uniform noise of the given amplitude added to the pixels (x, y) where `where` holds.
    private static float[] WithNoise(float[] f, int seed, double amplitude, Func<int, int, bool> where)
    {
        var rng = new Random(seed);
        for (int y = 0; y < N; y++)
            for (int x = 0; x < N; x++)
                if (where(x, y)) f[y * N + x] += (float)((rng.NextDouble() - 0.5) * amplitude);
        return f;
    }

    // Stride 16, overlap 4: pixels 0..3 of every period (both axes) rougher, as a blend of disagreeing patches leaves them.
    private static float[] RougherBand() => WithNoise(StationaryField(5), 6, 40, (x, y) => x % Stride < 4 || y % Stride < 4);

    [Fact]
    public void AStationaryFieldHasNoSeams()
    {
        var r = SeamStatistics.Measure(StationaryField(1), N, N, Stride, 0, pixelSizeM: 30);
        Assert.InRange(r.Gradient.Ratio, 0.95, 1.05);
        Assert.InRange(r.Laplacian.Ratio, 0.95, 1.05);
        Assert.True(r.Gradient.RelativeW1 < 0.05, $"W1 {r.Gradient.RelativeW1}");
        Assert.Equal([32, 16, 8], r.Spikes.Select(s => s.PeriodPx));
        Assert.All(r.Spikes, s => Assert.InRange(s.Index, 0.6, 1.6));
        Assert.InRange(r.Profile.GradientSpread, 1, 1.06);
        Assert.InRange(r.Profile.LaplacianSpread, 1, 1.06);
    }

    [Fact]
    public void ARougherOverlapBandIsCaughtOnItsEdgesAndInThePhaseProfile()
    {
        // Stride 16, overlap 4: pixels 0..3 of every period (both axes) get extra fine noise, as blending patches that
        // disagree adds slope in the band. The border (lines at 0 and 4) sees it, interiors between bands do not.
        var f = RougherBand();
        var r = SeamStatistics.Measure(f, N, N, Stride, 0, pixelSizeM: 30, overlap: 4);
        Assert.Equal(4, r.Overlap);
        Assert.True(r.Gradient.Ratio > 1.1, $"gradient ratio {r.Gradient.Ratio}");
        Assert.True(r.Profile.GradientSpread > 1.1, $"phase profile spread {r.Profile.GradientSpread}");
        Assert.True(r.Profile.LaplacianSpread > 1.3, $"phase profile spread {r.Profile.LaplacianSpread}");
        Assert.True(r.Profile.Laplacian[1] > r.Profile.Laplacian[10], "the band is rougher than the single-patch pixels");
        Assert.Throws<ArgumentOutOfRangeException>(() => SeamStatistics.Measure(f, N, N, Stride, 0, 30, overlap: 17));
    }

    [Fact]
    public void A_coarse_grid_pattern_on_the_lattice_lines_is_no_seam_at_the_same_grid_position()
    {
        // Extra fine noise on pixels 1 and 2 of every 4 (both axes) everywhere, as a coarse level's interpolation knots
        // leave it, under a lattice whose lines fall between pixels 1 and 2 (phase 2, stride 16, overlap 4): the plain
        // border/interior ratio counts the pattern as a seam, the grid-matched one does not; the grid profile shows it.
        var f = WithNoise(StationaryField(7), 8, 30, (x, y) => x % 4 is 1 or 2 || y % 4 is 1 or 2);
        var r = SeamStatistics.Measure(f, N, N, Stride, 2, pixelSizeM: 30, overlap: 4, gridPeriod: 4);
        Assert.True(r.Laplacian.Ratio > 1.05, $"plain |Laplacian| ratio {r.Laplacian.Ratio}");
        Assert.InRange(r.Laplacian.GridMatchedRatio!.Value, 0.97, 1.03);
        Assert.InRange(r.Gradient.GridMatchedRatio!.Value, 0.97, 1.03);
        Assert.True(SeamStatistics.GridProfile(f, N, N, 4, 30).LaplacianSpread > 1.1);
        Assert.InRange(SeamStatistics.GridProfile(StationaryField(1), N, N, 4, 30).LaplacianSpread, 1, 1.03);
        Assert.Null(SeamStatistics.Measure(f, N, N, Stride, 2, 30, overlap: 4).Laplacian.GridMatchedRatio);
        // A real seam still shows at the same grid position: the rougher overlap band of the test above.
        Assert.True(SeamStatistics.Measure(RougherBand(), N, N, Stride, 0, 30, overlap: 4, gridPeriod: 4).Gradient.GridMatchedRatio > 1.1);
        Assert.Throws<ArgumentOutOfRangeException>(() => SeamStatistics.Measure(f, N, N, Stride, 2, 30, gridPeriod: 17));
        Assert.Throws<ArgumentOutOfRangeException>(() => SeamStatistics.GridProfile(f, N, N, 1, 30));
    }

    [Fact]
    public void StepsOnTheLatticeLinesAreCaught()
    {
        // Every lattice cell lifted by its own random offset: a cliff on every line, as unblended patches give.
        var f = StationaryField(2);
        var rng = new Random(3);
        var offsets = Enumerable.Range(0, (N / Stride) * (N / Stride)).Select(_ => (float)(rng.NextDouble() * 60)).ToArray();
        for (int y = 0; y < N; y++)
            for (int x = 0; x < N; x++) f[y * N + x] += offsets[(y / Stride) * (N / Stride) + x / Stride];
        var r = SeamStatistics.Measure(f, N, N, Stride, 0, pixelSizeM: 30);
        Assert.True(r.Gradient.Ratio > 1.3, $"gradient ratio {r.Gradient.Ratio}");
        Assert.True(r.Laplacian.Ratio > 1.3, $"Laplacian ratio {r.Laplacian.Ratio}");
        Assert.True(r.Gradient.RelativeW1 > 0.2, $"W1 {r.Gradient.RelativeW1}");
    }

    [Fact]
    public void ARippleOfTheLatticePeriodIsASpike()
    {
        var f = StationaryField(4);
        for (int y = 0; y < N; y++)
            for (int x = 0; x < N; x++) f[y * N + x] += 15f * MathF.Cos(2 * MathF.PI * x / Stride);
        var r = SeamStatistics.Measure(f, N, N, Stride, 0, pixelSizeM: 30);
        double spike = r.Spikes.Single(s => s.PeriodPx == Stride).Index;
        Assert.True(spike > 5, $"spike index {spike}");
        Assert.InRange(r.Spikes.Single(s => s.PeriodPx == 2 * Stride).Index, 0.6, 1.6);
    }

    [Fact]
    public void TooSmallMapsAndStridesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => SeamStatistics.Measure(new float[20 * 20], 20, 20, Stride, 0, 30));
        Assert.Throws<ArgumentOutOfRangeException>(() => SeamStatistics.Measure(new float[N * N], N, N, 2, 0, 30));
        Assert.Throws<ArgumentException>(() => SeamStatistics.Measure(new float[10], N, N, Stride, 0, 30));
    }
}
