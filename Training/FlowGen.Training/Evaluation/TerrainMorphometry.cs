// Per-pixel and per-patch land-surface measures of one heightmap patch (metres, square pixels of
// `pixelSize` metres). Derivatives use 3x3 stencils, so only interior pixels contribute.
//   slope: Horn (1981) gradient, degrees.      Laplacian: 5-point stencil, 1/m.
//   profile / plan curvature: second derivative of z along / across the gradient direction from the
//     Zevenbergen & Thorne (1987) quadratic (d2z/du2 with u = gradient or contour direction), 1/m;
//     undefined (skipped) where the gradient vanishes. Sign: positive = concave up (valley-like).
//   skewness: third standardised moment of the patch's elevations (narrow valleys, broad ridges: < 0).
//   hypsometric integral: (mean - min) / (max - min).
//   pits: strict local minima (all 8 neighbours higher) among interior pixels.
//   drainage area: D8 (O'Callaghan & Mark 1984) contributing area of every pixel, in pixels, routed inside the patch:
//     each pixel drains to its steepest-descent neighbour (drop / distance, diagonals √2 away); one with no lower
//     neighbour in the patch is an outlet (a pit, a flat, or flow leaving the patch). Channel networks gather large
//     areas into few pixels (P(A >= a) falls as a power of a, Rodriguez-Iturbe et al. 1992); rough relief drains
//     into many small basins.
//   closed depressions: priority-flood from the patch border (Barnes, Lehman & Mulla 2014, the +ε variant): every pixel is
//     raised to the lowest level at which water standing on it could leave the patch, plus a tiny rise per pixel along the
//     way so the filled floor still slopes to its spill point. The raise is the pixel's depression depth; D8 drainage on
//     the filled surface is routed through every depression, as hydrological DEM conditioning does before flow routing.
//     Set against the raw drainage areas it tells channels that are missing from channels that are there but dammed.
namespace FlowGen.Training.Evaluation;

public static class TerrainMorphometry
{
    /// <summary>Slope angle of every interior pixel (degrees), Horn's 3x3 gradient.</summary>
    public static void Slopes(ReadOnlySpan<float> z, int height, int width, double pixelSize, List<double> output)
    {
        for (int r = 1; r < height - 1; r++)
            for (int c = 1; c < width - 1; c++)
            {
                var (p, q) = HornGradient(z, width, r, c, pixelSize);
                output.Add(Math.Atan(Math.Sqrt(p * p + q * q)) * (180.0 / Math.PI));
            }
    }

    /// <summary>5-point Laplacian of every interior pixel (1/m).</summary>
    public static void Laplacians(ReadOnlySpan<float> z, int height, int width, double pixelSize, List<double> output)
    {
        double inv = 1.0 / (pixelSize * pixelSize);
        for (int r = 1; r < height - 1; r++)
            for (int c = 1; c < width - 1; c++)
            {
                int i = r * width + c;
                output.Add(((double)z[i - 1] + z[i + 1] + z[i - width] + z[i + width] - 4.0 * z[i]) * inv);
            }
    }

    /// <summary>Profile and plan curvature of every interior pixel with a non-zero gradient (1/m).</summary>
    public static void Curvatures(ReadOnlySpan<float> z, int height, int width, double pixelSize,
        List<double> profile, List<double> plan)
    {
        double h = pixelSize, h2 = pixelSize * pixelSize;
        for (int r = 1; r < height - 1; r++)
            for (int c = 1; c < width - 1; c++)
            {
                int i = r * width + c;
                double z5 = z[i];
                double zxx = ((double)z[i - 1] + z[i + 1] - 2 * z5) / h2;
                double zyy = ((double)z[i - width] + z[i + width] - 2 * z5) / h2;
                double zxy = ((double)z[i + width + 1] - z[i + width - 1] - z[i - width + 1] + z[i - width - 1]) / (4 * h2);
                double zx = ((double)z[i + 1] - z[i - 1]) / (2 * h);
                double zy = ((double)z[i + width] - z[i - width]) / (2 * h);
                double g2 = zx * zx + zy * zy;
                if (g2 <= 1e-18) continue;  // flat: no gradient direction
                profile.Add((zxx * zx * zx + 2 * zxy * zx * zy + zyy * zy * zy) / g2);
                plan.Add((zxx * zy * zy - 2 * zxy * zx * zy + zyy * zx * zx) / g2);
            }
    }

    /// <summary>Sample skewness of the patch's elevations, or NaN for a constant patch.</summary>
    public static double Skewness(ReadOnlySpan<float> z)
    {
        double mean = 0;
        foreach (float v in z) mean += v;
        mean /= z.Length;
        double m2 = 0, m3 = 0;
        foreach (float v in z)
        {
            double d = v - mean;
            m2 += d * d;
            m3 += d * d * d;
        }
        m2 /= z.Length;
        m3 /= z.Length;
        return m2 <= 1e-24 ? double.NaN : m3 / Math.Pow(m2, 1.5);
    }

    /// <summary>Hypsometric integral (mean - min) / (max - min), or NaN for a constant patch.</summary>
    public static double HypsometricIntegral(ReadOnlySpan<float> z)
    {
        double min = double.MaxValue, max = double.MinValue, mean = 0;
        foreach (float v in z)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            mean += v;
        }
        mean /= z.Length;
        return max - min <= 1e-12 ? double.NaN : (mean - min) / (max - min);
    }

    /// <summary>Number of interior pixels lower than all 8 neighbours.</summary>
    public static int Pits(ReadOnlySpan<float> z, int height, int width)
    {
        int count = 0;
        for (int r = 1; r < height - 1; r++)
            for (int c = 1; c < width - 1; c++)
            {
                int i = r * width + c;
                float v = z[i];
                if (v < z[i - width - 1] && v < z[i - width] && v < z[i - width + 1] && v < z[i - 1] &&
                    v < z[i + 1] && v < z[i + width - 1] && v < z[i + width] && v < z[i + width + 1])
                    count++;
            }
        return count;
    }

    /// <summary>log₂ of every pixel's D8 drainage area (pixels, itself included), routed inside the patch.</summary>
    public static void DrainageAreas(ReadOnlySpan<float> z, int height, int width, List<double> output)
    {
        int n = height * width;
        var receiver = new int[n];
        for (int r = 0; r < height; r++)
            for (int c = 0; c < width; c++)
            {
                int i = r * width + c, best = -1;
                double steepest = 0;
                for (int dr = -1; dr <= 1; dr++)
                    for (int dc = -1; dc <= 1; dc++)
                    {
                        int rr = r + dr, cc = c + dc;
                        if ((dr | dc) == 0 || rr < 0 || rr >= height || cc < 0 || cc >= width) continue;
                        double drop = ((double)z[i] - z[rr * width + cc]) / ((dr & dc) != 0 ? Math.Sqrt(2) : 1.0);
                        if (drop > steepest) (steepest, best) = (drop, rr * width + cc);
                    }
                receiver[i] = best;
            }
        // Highest first: a pixel's area is complete before it passes it on (a receiver is strictly lower, so how equal
        // heights are ordered changes nothing).
        var order = new int[n];
        var keys = new float[n];
        for (int i = 0; i < n; i++) (order[i], keys[i]) = (i, -z[i]);
        Array.Sort(keys, order);
        var area = new int[n];
        Array.Fill(area, 1);
        foreach (int i in order)
            if (receiver[i] >= 0) area[receiver[i]] += area[i];
        for (int i = 0; i < n; i++) output.Add(Math.Log2(area[i]));
    }

    /// <summary>The smallest rise (m) priority-flood gives each filled pixel over the one it spills through.</summary>
    public const float FillEpsilon = 1e-3f;

    /// <summary>
    /// Writes into <paramref name="filled"/> the surface <paramref name="z"/> with its closed depressions filled to their spill
    /// level (priority-flood +ε from the patch border; each filled pixel at least <see cref="FillEpsilon"/> above the pixel it
    /// was reached from, so that D8 on the result drains every pixel out of the patch). Pixels not in a depression keep their height.
    /// </summary>
    public static void FillDepressions(ReadOnlySpan<float> z, int height, int width, Span<float> filled)
    {
        int n = height * width;
        if (z.Length < n || filled.Length < n) throw new ArgumentException("a span is shorter than the patch");
        z[..n].CopyTo(filled);
        var done = new bool[n];
        // Lowest first, ties by index: the order, and so the result, does not depend on the queue's internals.
        var queue = new PriorityQueue<int, (float Height, int Index)>(n);
        for (int r = 0; r < height; r++)
            for (int c = 0; c < width; c++)
                if (r == 0 || c == 0 || r == height - 1 || c == width - 1)
                {
                    int i = r * width + c;
                    done[i] = true;
                    queue.Enqueue(i, (filled[i], i));
                }
        while (queue.TryDequeue(out int i, out var key))
        {
            int r = i / width, c = i % width;
            for (int dr = -1; dr <= 1; dr++)
                for (int dc = -1; dc <= 1; dc++)
                {
                    int rr = r + dr, cc = c + dc;
                    if ((dr | dc) == 0 || rr < 0 || rr >= height || cc < 0 || cc >= width) continue;
                    int j = rr * width + cc;
                    if (done[j]) continue;
                    done[j] = true;
                    float spill = key.Height + FillEpsilon;
                    if (spill <= key.Height) spill = MathF.BitIncrement(key.Height); // ε below the float spacing at this height
                    if (filled[j] < spill) filled[j] = spill;
                    queue.Enqueue(j, (filled[j], j));
                }
        }
    }

    /// <summary>
    /// The mean over pixels of how far each lies more than <paramref name="free"/> metres below its spill level
    /// (<see cref="FillDepressions"/>; <paramref name="z"/> in units of <paramref name="scale"/> metres, the result in metres):
    /// 0 for a surface that drains everywhere. <paramref name="filled"/> is scratch of at least the patch's size.
    /// </summary>
    public static double ExcessDepressionDepth(ReadOnlySpan<float> z, int height, int width, double scale, double free, Span<float> filled)
    {
        int n = height * width;
        FillDepressions(z, height, width, filled);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.Max(0, scale * ((double)filled[i] - z[i]) - free);
        return sum / n;
    }

    /// <summary>Horn's (1981) weighted 3x3 gradient (dz/dx, dz/dy) at an interior pixel.</summary>
    public static (double Dx, double Dy) HornGradient(ReadOnlySpan<float> z, int width, int r, int c, double pixelSize)
    {
        int i = r * width + c;
        double a = z[i - width - 1], b = z[i - width], cc = z[i - width + 1];
        double d = z[i - 1], f = z[i + 1];
        double g = z[i + width - 1], hh = z[i + width], ii = z[i + width + 1];
        double dx = (cc + 2 * f + ii - (a + 2 * d + g)) / (8 * pixelSize);
        double dy = (g + 2 * hh + ii - (a + 2 * b + cc)) / (8 * pixelSize);
        return (dx, dy);
    }
}
