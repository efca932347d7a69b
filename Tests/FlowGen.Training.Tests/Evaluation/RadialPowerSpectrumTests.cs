using System.Numerics;
using FlowGen.Training.Evaluation;
using MathNet.Numerics.IntegralTransforms;

namespace FlowGen.Training.Tests.Evaluation;

public class RadialPowerSpectrumTests
{
    /// <summary>Random-phase field with power |k|^-beta on a periodic n x n grid (MathNet inverse FFT).</summary>
    private static double[] PowerLawField(int n, double beta, int seed)
    {
        var rng = new Random(seed);   // test data only
        var f = new Complex[n * n];
        for (int ky = 0; ky < n; ky++)
            for (int kx = 0; kx < n; kx++)
            {
                double fy = (ky <= n / 2 ? ky : ky - n) / (double)n, fx = (kx <= n / 2 ? kx : kx - n) / (double)n;
                double k = Math.Sqrt(fx * fx + fy * fy);
                if (k == 0) continue;
                double g1 = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                double g2 = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                f[ky * n + kx] = new Complex(g1, g2) * Math.Pow(k, -beta / 2);
            }
        // Separable inverse FFT (MathNet's managed provider has 1-D transforms only).
        var line = new Complex[n];
        for (int r = 0; r < n; r++)
        {
            Array.Copy(f, r * n, line, 0, n);
            Fourier.Inverse(line, FourierOptions.Matlab);
            Array.Copy(line, 0, f, r * n, n);
        }
        for (int c = 0; c < n; c++)
        {
            for (int r = 0; r < n; r++) line[r] = f[r * n + c];
            Fourier.Inverse(line, FourierOptions.Matlab);
            for (int r = 0; r < n; r++) f[r * n + c] = line[r];
        }
        return f.Select(c => c.Real).ToArray();
    }

    /// <summary>Non-overlapping p x p crops of fields, like patches of a larger landscape.</summary>
    internal static PatchSet PowerLawPatches(double beta, int p, int fields, int n = 256)
    {
        var data = new List<float>();
        int count = 0;
        for (int s = 0; s < fields; s++)
        {
            var field = PowerLawField(n, beta, 100 + s);
            for (int r0 = 0; r0 + p <= n; r0 += p)
                for (int c0 = 0; c0 + p <= n; c0 += p, count++)
                    for (int r = 0; r < p; r++)
                        for (int c = 0; c < p; c++) data.Add((float)(1e3 * field[(r0 + r) * n + c0 + c]));
        }
        return new PatchSet(data.ToArray(), count, p, p);
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(3.0)]
    public void KnownPowerLawGivesItsBeta(double beta)
    {
        var spectrum = RadialPowerSpectrum.Compute(PowerLawPatches(beta, 32, 2));
        Assert.Equal(RadialPowerSpectrum.DefaultBins, spectrum.Power.Count);
        Assert.InRange(spectrum.Beta, beta - 0.15, beta + 0.15);
    }

    [Fact]
    public void ScalingThePatchesShiftsTheLogSpectrumByTwiceTheLogScale()
    {
        var patches = PowerLawPatches(2.5, 32, 1);
        var a = RadialPowerSpectrum.Compute(patches);
        var b = RadialPowerSpectrum.Compute(patches.Affine(3.0, 7.0));   // the offset is removed with the mean
        double expected = Math.Pow(2 * Math.Log(3.0), 2);
        Assert.Equal(expected, RadialPowerSpectrum.MeanSquaredLogRatio(a, b), 3);
        Assert.Equal(0.0, RadialPowerSpectrum.MeanSquaredLogRatio(a, a), 12);
        Assert.Equal(a.Beta, b.Beta, 6);
    }

    [Fact]
    public void PureSinusoidLandsInItsOwnBin()
    {
        // 4 cycles per 32 pixels = 0.125 cycles/pixel along x.
        const int p = 32;
        var data = new float[p * p];
        for (int r = 0; r < p; r++)
            for (int c = 0; c < p; c++) data[r * p + c] = (float)Math.Sin(2 * Math.PI * 4 * c / p);
        var s = RadialPowerSpectrum.Compute(new PatchSet(data, 1, p, p));
        int peak = Enumerable.Range(0, s.Power.Count).MaxBy(i => s.Power[i]);
        Assert.InRange(0.125, s.Frequencies[peak] / Math.Sqrt(Math.Sqrt(2)), s.Frequencies[peak] * Math.Sqrt(Math.Sqrt(2)));
    }
}
