using FlowGen.Training.Evaluation;
using MathNet.Numerics.LinearAlgebra;

namespace FlowGen.Training.Tests.Evaluation;

public class GaussianBaselineTests
{
    [Fact]
    public void BitsPerDimOnGaussianDataMatchesTheAnalyticEntropy()
    {
        // Data from a known N(mu, Sigma) in 16 dimensions (4x4 patches); the fitted model's bits/dim on
        // fresh data converges to the entropy 0.5 log2(2 pi e) + log2 det(Sigma) / (2 D).
        const int p = 4, d = p * p, n = 40000;
        var a = Matrix<double>.Build.Dense(d, d, (i, j) => i == j ? 0.5 + 0.1 * i : 0.3 * Math.Sin(i * 3 + j));
        var sigma = a * a.Transpose();
        var l = sigma.Cholesky().Factor;
        PatchSet Draw(int count, ulong seed)
        {
            var data = new float[count * d];
            var z = Vector<double>.Build.Dense(d);
            for (int k = 0; k < count; k++)
            {
                for (int i = 0; i < d; i++) z[i] = CounterRandom.Normal(seed, 9, (ulong)(k * d + i));
                var x = l * z;
                for (int i = 0; i < d; i++) data[k * d + i] = (float)(x[i] + i * 0.25);
            }
            return new PatchSet(data, count, p, p);
        }
        var model = GaussianBaseline.Fit(Draw(n, 1));
        double entropy = 0.5 * Math.Log2(2 * Math.PI * Math.E) + Math.Log2(sigma.Determinant()) / (2 * d);
        Assert.Equal(entropy, model.EntropyBitsPerDim, 0.01);
        Assert.Equal(entropy, model.BitsPerDim(Draw(n, 2)), 0.01);
        // Its own samples have the fitted covariance: bits/dim on them is its entropy again.
        Assert.Equal(model.EntropyBitsPerDim, model.BitsPerDim(model.Sample(n, 3)), 0.01);
    }

    [Fact]
    public void TemperatureScalesTheSamplesAroundTheMean()
    {
        const int p = 3, d = 9;
        var data = new float[2000 * d];
        for (int i = 0; i < data.Length; i++) data[i] = (float)CounterRandom.Normal(4, 1, (ulong)i);
        var model = GaussianBaseline.Fit(new PatchSet(data, 2000, p, p));
        var hot = model.Sample(100, 7, 1.0);
        var cold = model.Sample(100, 7, 0.5);
        var mean = model.Sample(1, 7, 0.0);
        for (int k = 0; k < 100; k++)
            for (int i = 0; i < d; i++)
                Assert.Equal(hot.Patch(k)[i] - mean.Patch(0)[i], 2 * (cold.Patch(k)[i] - mean.Patch(0)[i]), 4);
    }

    [Fact]
    public void TooFewPatchesIsATypedError()
    {
        Assert.Throws<EvaluationException>(() => GaussianBaseline.Fit(new PatchSet(new float[9 * 5], 5, 3, 3)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ExactWindowFitEqualsBruteForceOverAllAugmentedWindows(bool removeMean)
    {
        // A small synthetic DEM: every train window, all 8 symmetries, centred, dequantisation variance
        // 1/12 on the diagonal, in units of sigma; the lag-product moments must reproduce it.
        const int rows = 13, cols = 16, p = 4, d = p * p;
        var z = new float[rows * cols];
        for (int i = 0; i < z.Length; i++) z[i] = (float)Math.Round(300 + 40 * Math.Sin(i * 0.7) + (i % 7) * 5 + i / cols * 3.0);
        var sampler = new GridPatchSampler(new DataGrid(z, rows, cols, "synthetic"), p);
        double scale = removeMean ? sampler.Sigma : 1.0;
        var fit = GaussianBaseline.FitWindows(sampler, removeMean, scale);

        var windows = new List<double[]>();
        for (int r = 0; r + p <= rows; r++)
            for (int c = 0; c + p <= sampler.SplitColumn; c++)
            {
                var w = new float[d];
                for (int i = 0; i < p; i++)
                    for (int j = 0; j < p; j++) w[i * p + j] = z[(r + i) * cols + c + j];
                for (int g = 0; g < 8; g++)
                {
                    var t = new float[d];
                    Dihedral.Apply(w, t, p, g);
                    double m = removeMean ? t.Average(v => (double)v) : 0;
                    windows.Add(t.Select(v => (v - m) / scale).ToArray());
                }
            }
        var x = Matrix<double>.Build.DenseOfRowArrays(windows);
        var mu = x.ColumnSums() / windows.Count;
        var centred = x - Matrix<double>.Build.Dense(windows.Count, d, (_, j) => mu[j]);
        var cov = centred.TransposeThisAndMultiply(centred) / windows.Count
                  + Matrix<double>.Build.DenseIdentity(d) / (12 * scale * scale);
        var brute = GaussianBaselineFromMoments(mu, cov);
        // Same density everywhere => same model. Compare log densities at a few probe points.
        for (int k = 0; k < 5; k++)
        {
            var probe = Enumerable.Range(0, d).Select(i => (float)(Math.Sin(k * 13 + i) + (removeMean ? 0 : 300))).ToArray();
            Assert.Equal(brute(probe), fit.LogDensity(probe), 6);
        }
    }

    private static Func<float[], double> GaussianBaselineFromMoments(Vector<double> mu, Matrix<double> cov)
    {
        var inv = cov.Inverse();
        double logDet = Math.Log(cov.Determinant());
        return x =>
        {
            var v = Vector<double>.Build.Dense(x.Length, i => x[i]) - mu;
            return -0.5 * (x.Length * Math.Log(2 * Math.PI) + logDet + v * inv * v);
        };
    }
}
