// Exact first and second moments of the mean-removed p x p windows at EVERY stride-1 position of a
// grid region, without enumerating the windows (N windows x D^2 products would be ~1e11 flops for the
// bundled DEM). For pixels a = (a1, a2), b = a + delta, the sum over windows of w[a] w[b] is a box sum of
// the lag-delta product image z(i) z(i + delta), read off a 2-D prefix sum: O((2p-1)^2 H W + D^2).
//   mean[a]    = E_w[w[a] - m_w]
//   second[a,b] = E_w[(w[a] - m_w)(w[b] - m_w)]  = E[w_a w_b] - E[m w_b] - E[m w_a] + E[m^2]
namespace FlowGen.Training.Evaluation;

internal static class WindowMoments
{
    /// <summary>
    /// Mean vector [p*p] and second-moment matrix [p*p, p*p] (row-major) of the windows, each window's own
    /// mean removed first when <paramref name="centre"/> (terrain) or not (textures: the offset is data).
    /// </summary>
    public static (double[] Mean, double[] Second) Compute(float[] z, int rows, int stride, int col0, int cols, int p, bool centre = true)
    {
        int d = p * p, nr = rows - p + 1, nc = cols - p + 1;
        double n = (double)nr * nc;
        // Values relative to the region mean: centred windows do not change, precision does.
        var v = new double[rows * cols];
        double offset = 0;
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) offset += z[r * stride + col0 + c];
        offset /= rows * cols;
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) v[r * cols + c] = z[r * stride + col0 + c] - offset;

        // Window means m[r, c] and E[m^2].
        var prefix = new double[(rows + 1) * (cols + 1)];
        Prefix(v, rows, cols, prefix);
        var m = new double[nr * nc];
        double mm = 0;
        for (int r = 0; r < nr; r++)
            for (int c = 0; c < nc; c++)
            {
                m[r * nc + c] = centre ? Box(prefix, cols + 1, r, c, p, p) / d : 0.0;
                mm += m[r * nc + c] * m[r * nc + c];
            }
        mm /= n;

        // E[w_a] and E[m w_a] per pixel a.
        double meanOfMeans = m.Sum() / n;
        var ew = new double[d];
        var emw = new double[d];
        for (int a1 = 0; a1 < p; a1++)
            for (int a2 = 0; a2 < p; a2++)
            {
                double sw = Box(prefix, cols + 1, a1, a2, nr, nc), smw = 0;
                for (int r = 0; r < nr; r++)
                {
                    int vRow = (r + a1) * cols + a2, mRow = r * nc;
                    for (int c = 0; c < nc; c++) smw += m[mRow + c] * v[vRow + c];
                }
                ew[a1 * p + a2] = sw / n;
                emw[a1 * p + a2] = smw / n;
            }

        // One task per row lag; each (a, b) entry belongs to exactly one lag, so the result does not
        // depend on scheduling.
        var second = new double[d * d];
        Parallel.For(-(p - 1), p, () => (new double[rows * cols], new double[(rows + 1) * (cols + 1)]), (dr, _, buffers) =>
        {
            var (product, pp) = buffers;
            for (int dc = -(p - 1); dc <= p - 1; dc++)
            {
                Array.Clear(product);
                for (int r = Math.Max(0, -dr); r < Math.Min(rows, rows - dr); r++)
                    for (int c = Math.Max(0, -dc); c < Math.Min(cols, cols - dc); c++)
                        product[r * cols + c] = v[r * cols + c] * v[(r + dr) * cols + c + dc];
                Prefix(product, rows, cols, pp);
                for (int a1 = Math.Max(0, -dr); a1 < Math.Min(p, p - dr); a1++)
                    for (int a2 = Math.Max(0, -dc); a2 < Math.Min(p, p - dc); a2++)
                    {
                        int a = a1 * p + a2, b = (a1 + dr) * p + a2 + dc;
                        second[a * d + b] = Box(pp, cols + 1, a1, a2, nr, nc) / n - emw[b] - emw[a] + mm;
                    }
            }
            return buffers;
        }, _ => { });

        // Without centring, the values are still relative to the region mean: restore it in the moments.
        var mean = new double[d];
        for (int a = 0; a < d; a++) mean[a] = ew[a] - meanOfMeans;
        if (!centre)
        {
            for (int a = 0; a < d; a++)
                for (int b = 0; b < d; b++) second[a * d + b] += offset * (mean[a] + mean[b]) + offset * offset;
            for (int a = 0; a < d; a++) mean[a] += offset;
        }
        return (mean, second);
    }

    // s[(r + 1, c + 1)] = sum of x over [0, r] x [0, c]; row 0 and column 0 of s stay zero.
    private static void Prefix(double[] x, int rows, int cols, double[] s)
    {
        for (int r = 0; r < rows; r++)
        {
            double run = 0;
            for (int c = 0; c < cols; c++)
            {
                run += x[r * cols + c];
                s[(r + 1) * (cols + 1) + c + 1] = s[r * (cols + 1) + c + 1] + run;
            }
        }
    }

    // Sum of x over rows [r, r + h), cols [c, c + w).
    private static double Box(double[] s, int stride, int r, int c, int h, int w) =>
        s[(r + h) * stride + c + w] - s[r * stride + c + w] - s[(r + h) * stride + c] + s[r * stride + c];
}
