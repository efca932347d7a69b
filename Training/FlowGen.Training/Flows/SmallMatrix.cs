// Dense linear algebra on small square matrices (the C x C weights of 1x1 convolutions, C <= a few
// hundred), in double: LU with partial pivoting, inverse, log|det|, random orthogonal init.
namespace FlowGen.Training.Flows;

internal static class SmallMatrix
{
    /// <summary>PA = LU with partial pivoting, in place in a copy. perm[i] = source row of row i.</summary>
    public static (double[] Lu, int[] Perm, int Sign) Lu(double[] a, int n)
    {
        var lu = (double[])a.Clone();
        var perm = Enumerable.Range(0, n).ToArray();
        int sign = 1;
        for (int k = 0; k < n; k++)
        {
            int p = k;
            for (int i = k + 1; i < n; i++) if (Math.Abs(lu[i * n + k]) > Math.Abs(lu[p * n + k])) p = i;
            if (p != k)
            {
                for (int j = 0; j < n; j++) (lu[k * n + j], lu[p * n + j]) = (lu[p * n + j], lu[k * n + j]);
                (perm[k], perm[p]) = (perm[p], perm[k]);
                sign = -sign;
            }
            double d = lu[k * n + k];
            if (d == 0) continue;
            for (int i = k + 1; i < n; i++)
            {
                double f = lu[i * n + k] /= d;
                if (f != 0) for (int j = k + 1; j < n; j++) lu[i * n + j] -= f * lu[k * n + j];
            }
        }
        return (lu, perm, sign);
    }

    /// <summary>A⁻¹ (throws for a singular matrix).</summary>
    public static double[] Inverse(double[] a, int n)
    {
        var (lu, perm, _) = Lu(a, n);
        for (int k = 0; k < n; k++)
            if (lu[k * n + k] == 0 || !double.IsFinite(lu[k * n + k]))
                throw new InvalidOperationException("Matrix is singular.");
        var inv = new double[n * n];
        var col = new double[n];
        for (int c = 0; c < n; c++)
        {
            for (int i = 0; i < n; i++) col[i] = perm[i] == c ? 1 : 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < i; j++) col[i] -= lu[i * n + j] * col[j];
            for (int i = n - 1; i >= 0; i--)
            {
                for (int j = i + 1; j < n; j++) col[i] -= lu[i * n + j] * col[j];
                col[i] /= lu[i * n + i];
            }
            for (int i = 0; i < n; i++) inv[i * n + c] = col[i];
        }
        return inv;
    }

    /// <summary>log|det A|.</summary>
    public static double LogAbsDet(double[] a, int n)
    {
        var (lu, _, _) = Lu(a, n);
        double s = 0;
        for (int k = 0; k < n; k++) s += Math.Log(Math.Abs(lu[k * n + k]));
        return s;
    }

    /// <summary>A random orthogonal matrix (Gram-Schmidt on Gaussian columns), as Glow initialises 1x1 convs.</summary>
    public static double[] RandomOrthogonal(int n, Data.Rng rng)
    {
        var q = new double[n * n];
        for (int i = 0; i < q.Length; i++) q[i] = rng.NextGaussian();
        for (int c = 0; c < n; c++)
        {
            for (int p = 0; p < c; p++)
            {
                double dot = 0;
                for (int i = 0; i < n; i++) dot += q[i * n + c] * q[i * n + p];
                for (int i = 0; i < n; i++) q[i * n + c] -= dot * q[i * n + p];
            }
            double norm = 0;
            for (int i = 0; i < n; i++) norm += q[i * n + c] * q[i * n + c];
            norm = Math.Sqrt(norm);
            for (int i = 0; i < n; i++) q[i * n + c] /= norm;
        }
        return q;
    }
}
