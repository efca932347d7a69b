// The strongest linear baseline: one full-covariance Gaussian N(mu, Sigma) over whole patches in model
// units, fitted on the training split. Gives held-out bits/dim (same dequantised normalisation as the
// flow) and samples x = mu + T * L z through the Cholesky factor Sigma = L L^T.
using MathNet.Numerics.LinearAlgebra;

namespace FlowGen.Training.Evaluation;

public sealed class GaussianBaseline
{
    private readonly double[] _mean;
    private readonly double[] _lower;   // Cholesky factor L, row-major, D x D
    private readonly double _logDet;

    private GaussianBaseline(double[] mean, double[] covariance, int height, int width)
    {
        int d = mean.Length;
        Height = height;
        Width = width;
        _mean = mean;
        var cov = Matrix<double>.Build.Dense(d, d, (i, j) => covariance[i * d + j]);
        Matrix<double> l;
        try
        {
            l = cov.Cholesky().Factor;
        }
        catch (ArgumentException e)
        {
            throw new EvaluationException("the training patches' covariance is not positive definite (too few or degenerate patches)", null, e);
        }
        _lower = new double[d * d];
        double logDet = 0;
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j <= i; j++) _lower[i * d + j] = l[i, j];
            logDet += 2 * Math.Log(l[i, i]);
        }
        _logDet = logDet;
    }

    public int Height { get; }
    public int Width { get; }
    public int Dimension => _mean.Length;

    /// <summary>Differential entropy of the fitted Gaussian in bits per dimension (its bits/dim on its own samples).</summary>
    public double EntropyBitsPerDim => 0.5 * Math.Log2(2 * Math.PI * Math.E) + _logDet / (2 * Dimension * Math.Log(2));

    /// <summary>Fits mean and covariance of <paramref name="modelUnits"/> (the maximum-likelihood estimate).</summary>
    public static GaussianBaseline Fit(PatchSet modelUnits)
    {
        ArgumentNullException.ThrowIfNull(modelUnits);
        if (modelUnits.Count <= modelUnits.PatchLength)
            throw new EvaluationException($"a full-covariance Gaussian over {modelUnits.PatchLength} dimensions needs more than {modelUnits.PatchLength} patches, got {modelUnits.Count}");
        int d = modelUnits.PatchLength, n = modelUnits.Count;
        var x = Matrix<double>.Build.Dense(n, d, (i, j) => modelUnits.Data[i * d + j]);
        var mean = x.ColumnSums() / n;
        var centred = x - Matrix<double>.Build.Dense(n, d, (_, j) => mean[j]);
        var cov = centred.TransposeThisAndMultiply(centred) / n;
        return new GaussianBaseline(mean.ToArray(), cov.ToRowMajorArray(), modelUnits.Height, modelUnits.Width);
    }

    /// <summary>
    /// Fits on ALL stride-1 training windows of a DEM exactly, in the reference's model units: the moments
    /// of the mean-removed windows, averaged over the 8 dihedral symmetries (the trainer's augmentation),
    /// plus the dequantisation noise's variance 1/12 m² on the diagonal, divided by sigma².
    /// </summary>
    public static GaussianBaseline FitDem(GridPatchSampler sampler) => FitWindows(sampler, removeMean: true, sampler.Sigma);

    /// <summary>
    /// The same exact fit for any grid: per-window mean removed or kept (textures), units divided by
    /// <paramref name="scale"/> (1 = the grid's own units, e.g. 8-bit levels).
    /// </summary>
    public static GaussianBaseline FitWindows(GridPatchSampler sampler, bool removeMean, double scale)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        int p = sampler.PatchSize, d = p * p;
        var grid = sampler.Grid;
        var (mean, second) = WindowMoments.Compute(grid.Values, grid.Rows, grid.Columns, 0, sampler.SplitColumn, p, removeMean);
        var maps = new int[8][];
        for (int g = 0; g < 8; g++)
        {
            maps[g] = new int[d];
            for (int r = 0; r < p; r++)
                for (int c = 0; c < p; c++) maps[g][r * p + c] = Dihedral.Source(r, c, p, g);
        }
        double s2 = scale * scale;
        var mu = new double[d];
        for (int a = 0; a < d; a++)
        {
            for (int g = 0; g < 8; g++) mu[a] += mean[maps[g][a]];
            mu[a] /= 8;
        }
        var cov = new double[d * d];
        for (int a = 0; a < d; a++)
            for (int b = 0; b < d; b++)
            {
                double s = 0;
                for (int g = 0; g < 8; g++) s += second[maps[g][a] * d + maps[g][b]];
                cov[a * d + b] = (s / 8 - mu[a] * mu[b] + (a == b ? 1.0 / 12 : 0)) / s2;
            }
        for (int a = 0; a < d; a++) mu[a] /= scale;
        return new GaussianBaseline(mu, cov, p, p);
    }

    /// <summary>log N(x; mu, Sigma) in nats for one patch in model units.</summary>
    public double LogDensity(ReadOnlySpan<float> x)
    {
        if (x.Length != Dimension) throw new ArgumentException($"patch has {x.Length} values, the Gaussian {Dimension}");
        return LogDensityCore(x, new double[Dimension]);
    }

    /// <summary>Mean negative log-likelihood in bits per dimension over <paramref name="modelUnits"/>.</summary>
    public double BitsPerDim(PatchSet modelUnits)
    {
        ArgumentNullException.ThrowIfNull(modelUnits);
        if (modelUnits.PatchLength != Dimension || modelUnits.Count == 0)
            throw new ArgumentException($"bits/dim needs patches of {Dimension} values");
        var scratch = new double[Dimension];
        double nll = 0;
        for (int i = 0; i < modelUnits.Count; i++) nll -= LogDensityCore(modelUnits.Patch(i), scratch);
        return nll / (modelUnits.Count * (double)Dimension * Math.Log(2));
    }

    /// <summary><paramref name="count"/> samples in model units at temperature T (latent scaled by T).</summary>
    public PatchSet Sample(int count, ulong seed, double temperature = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int d = Dimension;
        var output = new float[count * d];
        var z = new double[d];
        for (int n = 0; n < count; n++)
        {
            for (int k = 0; k < d; k++) z[k] = temperature * CounterRandom.Normal(seed, 3, (ulong)n * (ulong)d + (ulong)k);
            for (int i = 0; i < d; i++)
            {
                double s = _mean[i];
                for (int j = 0; j <= i; j++) s += _lower[i * d + j] * z[j];
                output[n * d + i] = (float)s;
            }
        }
        return new PatchSet(output, count, Height, Width);
    }

    private double LogDensityCore(ReadOnlySpan<float> x, double[] y)
    {
        // Forward substitution L y = x - mu; the Mahalanobis term is |y|^2.
        int d = Dimension;
        double q = 0;
        for (int i = 0; i < d; i++)
        {
            double s = x[i] - _mean[i];
            for (int j = 0; j < i; j++) s -= _lower[i * d + j] * y[j];
            y[i] = s / _lower[i * d + i];
            q += y[i] * y[i];
        }
        return -0.5 * (d * Math.Log(2 * Math.PI) + _logDet + q);
    }
}
