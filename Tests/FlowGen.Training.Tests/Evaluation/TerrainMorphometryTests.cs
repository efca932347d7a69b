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
}
