using FlowGen.Training.Evaluation;

namespace FlowGen.Training.Tests.Evaluation;

public class TerrainMorphometryTests
{
    private const int N = 16;
    private const double Pixel = 90.0;

    private static float[] Surface(Func<double, double, double> z)
    {
        var a = new float[N * N];
        for (int r = 0; r < N; r++)
            for (int c = 0; c < N; c++) a[r * N + c] = (float)z(c * Pixel, r * Pixel);
        return a;
    }

    [Fact]
    public void PlaneOfKnownGradientHasThatSlopeEverywhere()
    {
        // z = 0.3 x + 0.4 y: |grad| = 0.5, slope = atan(0.5) = 26.565°.
        var z = Surface((x, y) => 0.3 * x + 0.4 * y);
        var slopes = new List<double>();
        TerrainMorphometry.Slopes(z, N, N, Pixel, slopes);
        Assert.Equal((N - 2) * (N - 2), slopes.Count);
        Assert.All(slopes, s => Assert.Equal(Math.Atan(0.5) * 180 / Math.PI, s, 3));
        var lap = new List<double>();
        TerrainMorphometry.Laplacians(z, N, N, Pixel, lap);
        Assert.All(lap, v => Assert.True(Math.Abs(v) < 1e-6));
    }

    [Fact]
    public void ParaboloidHasKnownLaplacianAndCurvatures()
    {
        // z = a (x^2 + y^2) centred off the patch: Laplacian 4a, second derivative 2a in every direction.
        const double a = 2e-5;
        var z = Surface((x, y) => a * ((x + 500) * (x + 500) + (y + 300) * (y + 300)));
        var lap = new List<double>();
        TerrainMorphometry.Laplacians(z, N, N, Pixel, lap);
        Assert.All(lap, v => Assert.Equal(4 * a, v, 6));
        var profile = new List<double>();
        var plan = new List<double>();
        TerrainMorphometry.Curvatures(z, N, N, Pixel, profile, plan);
        Assert.Equal((N - 2) * (N - 2), profile.Count);
        Assert.All(profile, v => Assert.Equal(2 * a, v, 6));
        Assert.All(plan, v => Assert.Equal(2 * a, v, 6));
    }

    [Fact]
    public void CylinderCurvesAlongTheGradientOnly()
    {
        // z = a x^2 (x > 0 on the patch): profile curvature 2a, plan curvature 0.
        const double a = -3e-5;
        var z = Surface((x, _) => a * (x + 200) * (x + 200));
        var profile = new List<double>();
        var plan = new List<double>();
        TerrainMorphometry.Curvatures(z, N, N, Pixel, profile, plan);
        Assert.All(profile, v => Assert.Equal(2 * a, v, 6));
        Assert.All(plan, v => Assert.True(Math.Abs(v) < 1e-9));
    }

    [Fact]
    public void SkewnessHypsometryAndPitsOfKnownPatches()
    {
        // Values {0 x 3, 4}: mean 1, m2 = 3, m3 = (3*(-1) + 27)/4 = 6 -> skew = 6 / 3^1.5.
        Assert.Equal(6 / Math.Pow(3, 1.5), TerrainMorphometry.Skewness([0f, 0f, 0f, 4f]), 6);
        Assert.Equal(0.25, TerrainMorphometry.HypsometricIntegral([0f, 0f, 0f, 4f]), 12);
        Assert.True(double.IsNaN(TerrainMorphometry.Skewness([2f, 2f, 2f])));

        // A tilted plane has no pits; dig two strict pits and one flat-bottomed hollow (not strict).
        var z = Surface((x, y) => 0.01 * x + 0.02 * y);
        Assert.Equal(0, TerrainMorphometry.Pits(z, N, N));
        z[3 * N + 3] -= 50;
        z[10 * N + 12] -= 50;
        z[7 * N + 7] = z[7 * N + 8] = -100;
        Assert.Equal(2, TerrainMorphometry.Pits(z, N, N));
    }

    [Fact]
    public void DrainageAreasOfAPlaneAValleyAndACone()
    {
        // A plane tilted down towards row 0: every pixel drains straight down its column, so the pixel in row r carries
        // the N - r pixels above it (and itself); row 0 is the outlet of each column.
        var logs = new List<double>();
        TerrainMorphometry.DrainageAreas(Surface((x, y) => 0.1 * y), N, N, logs);
        Assert.Equal(N * N, logs.Count);
        for (int r = 0; r < N; r++)
            for (int c = 0; c < N; c++) Assert.Equal(Math.Log2(N - r), logs[r * N + c], 12);

        // A V-shaped valley along column 8 sloping down to row 0: the flanks drain into the valley, which gathers the whole
        // patch at its outlet: one pixel with area N², a channel.
        logs.Clear();
        TerrainMorphometry.DrainageAreas(Surface((x, y) => 5 * Math.Abs(x - 8 * Pixel) + 0.1 * y), N, N, logs);
        Assert.Equal(Math.Log2(N * N), logs[0 * N + 8], 12);
        Assert.Equal(2 * N, logs.Count(v => v == 0)); // the ridge columns 0 and 15 receive nothing
        Assert.Equal(Math.Log2(8), logs[5 * N + 7], 12); // a flank pixel next to the channel: its row's 8 pixels from column 0
        // A cone pointing up: everything drains outwards; D8 gathers each quadrant onto its diagonal at most, never the patch.
        logs.Clear();
        TerrainMorphometry.DrainageAreas(Surface((x, y) => -Math.Sqrt((x - 7.5 * Pixel) * (x - 7.5 * Pixel) + (y - 7.5 * Pixel) * (y - 7.5 * Pixel))), N, N, logs);
        Assert.True(logs.Max() <= Math.Log2(N * N / 4), $"a cone gathered 2^{logs.Max()} pixels");
    }

    // The valley of DrainageAreasOfAPlaneAValleyAndACone (floor 9 m higher each row) with a 30 m dam across it in row 5: the
    // floor pixels of rows 6-8 (54, 63, 72 m) lie below the dam's crest (75 m), the one way out (the flanks rise 450 m a column).
    private static float[] DammedValley() =>
        Surface((x, y) => 5 * Math.Abs(x - 8 * Pixel) + 0.1 * y + (Math.Abs(x - 8 * Pixel) < 1 && Math.Abs(y - 5 * Pixel) < 1 ? 30 : 0));

    [Fact]
    public void ExcessDepressionDepthCountsOnlyWhatLiesDeeperThanTheFreeDepth()
    {
        var z = DammedValley(); // pool pixels 21, 12 and 3 m below the crest (plus the fill's ε steps: 1e-4 tolerance)
        var scratch = new float[N * N];
        Assert.Equal((20 + 11 + 2) / (double)(N * N), TerrainMorphometry.ExcessDepressionDepth(z, N, N, 1, 1, scratch), 1e-4);
        Assert.Equal((16 + 7) / (double)(N * N), TerrainMorphometry.ExcessDepressionDepth(z, N, N, 1, 5, scratch), 1e-4);
        // In units of 3 m the same metres come out; a valley without the dam has none.
        var units = z.Select(v => v / 3).ToArray();
        Assert.Equal((20 + 11 + 2) / (double)(N * N), TerrainMorphometry.ExcessDepressionDepth(units, N, N, 3, 1, scratch), 1e-4);
        Assert.Equal(0, TerrainMorphometry.ExcessDepressionDepth(Surface((x, y) => 5 * Math.Abs(x - 8 * Pixel) + 0.1 * y), N, N, 1, 0, scratch));
    }

    [Fact]
    public void FillingADammedValleyRaisesItsPoolToTheCrestAndDrainsItOverTheDam()
    {
        var z = DammedValley();
        var filled = new float[N * N];
        TerrainMorphometry.FillDepressions(z, N, N, filled);
        float crest = z[5 * N + 8], eps = TerrainMorphometry.FillEpsilon;
        Assert.Equal(75f, crest, 3);
        for (int i = 0; i < N * N; i++)
        {
            int r = i / N, c = i % N;
            if (c == 8 && r is >= 6 and <= 8) Assert.Equal(crest + (r - 5) * eps, filled[i], 3); // each a rise of ε past the last
            else Assert.Equal(z[i], filled[i]);
        }
        // Raw D8 ends the upper valley in the pit at row 6: the outlet gathers rows 0-5 only. Filled, it gathers the patch.
        var raw = new List<double>();
        var routed = new List<double>();
        TerrainMorphometry.DrainageAreas(z, N, N, raw);
        TerrainMorphometry.DrainageAreas(filled, N, N, routed);
        Assert.Equal(Math.Log2(6 * N), raw[8], 12);
        Assert.Equal(Math.Log2(N * N), routed[8], 12);
        // A surface without depressions comes back unchanged.
        var valley = Surface((x, y) => 5 * Math.Abs(x - 8 * Pixel) + 0.1 * y);
        TerrainMorphometry.FillDepressions(valley, N, N, filled);
        Assert.Equal(valley, filled);
    }

    [Fact]
    public void FillingAPitOnAHighFlatStillGivesEveryPixelAWayOut()
    {
        // At 40 km the float spacing (3.9 mm) is wider than ε: each filled pixel is then one float step above its spill.
        var z = Surface((x, y) => 40_000 - (Math.Abs(x - 7 * Pixel) < 1 && Math.Abs(y - 7 * Pixel) < 1 ? 3 : 0));
        var filled = new float[N * N];
        TerrainMorphometry.FillDepressions(z, N, N, filled);
        for (int r = 1; r < N - 1; r++)
            for (int c = 1; c < N - 1; c++)
            {
                bool lower = false;
                for (int dr = -1; dr <= 1; dr++)
                    for (int dc = -1; dc <= 1; dc++) lower |= filled[(r + dr) * N + c + dc] < filled[r * N + c];
                Assert.True(lower, $"pixel ({r}, {c}) at {filled[r * N + c]} m has no lower neighbour");
            }
        Assert.True(filled[7 * N + 7] > 40_000f);
        Assert.Throws<ArgumentException>(() => TerrainMorphometry.FillDepressions(z, N, N, new float[N * N - 1]));
    }

    [Fact]
    public void SummaryCountsDepressionsByDepthAndDrainsThemWhenFilled()
    {
        var set = new PatchSet([.. DammedValley(), .. DammedValley()], 2, N, N);
        var s = TerrainSummary.Compute(set, Pixel);
        Assert.Equal(3.0 / (N * N), s.DepressionShare(1), 12); // 21, 12 and 3 m below the crest
        Assert.Equal(2.0 / (N * N), s.DepressionShare(5), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.DepressionShare(2));
        // The floor pixel of row r gathers the 16 - r rows above it, flanks included, once nothing dams them: rows 0-8 drain
        // 128 pixels or more. Raw, the dam cuts the valley in two: below it rows 0-5 gather 96 at most; above it the pit
        // (row 6) and rows 7 and 8 gather 160, 144 and 128.
        Assert.Equal(9.0 / (N * N), s.FilledDrainageShare(128), 12);
        Assert.Equal(3.0 / (N * N), s.DrainageShare(128), 12);
    }

    [Fact]
    public void DrainageExceedanceSeparatesChannelsFromHillslopes()
    {
        // Valleys gather a channel of N² pixels at their outlet, cones none: the exceedance curves part in the tail, and a
        // set is at distance 0 from itself.
        static PatchSet Set(float[] patch) => new([.. patch, .. patch], 2, N, N);
        var valleys = TerrainSummary.Compute(Set(Surface((x, y) => 5 * Math.Abs(x - 8 * Pixel) + 0.1 * y)), Pixel);
        var cones = TerrainSummary.Compute(Set(Surface((x, y) => -Math.Sqrt((x - 7.5 * Pixel) * (x - 7.5 * Pixel) + (y - 7.5 * Pixel) * (y - 7.5 * Pixel)))), Pixel);
        Assert.Equal(TerrainSummary.DrainageOctaves, valleys.DrainageExceedance.Length);
        Assert.Equal(1.0 * 2 * (N - 2) * N / (2 * N * N), valleys.DrainageExceedance[0], 12); // A >= 2: all but the two ridge columns
        Assert.True(valleys.DrainageExceedance[^1] > cones.DrainageExceedance[^1], "a valley has more channel pixels than a cone");
        Assert.Equal(0, TerrainSummary.DrainageDistance(valleys, valleys));
        Assert.True(TerrainSummary.DrainageDistance(valleys, cones) > 0.5);
        Assert.Equal(TerrainSummary.DrainageDistance(valleys, cones), TerrainSummary.DrainageDistance(cones, valleys), 12);
    }
}
