// Sample grids for the report: up to 16 patches tiled 4 x 4 as an 8-bit gray image, either as
// elevation (per-patch mean removed, one display range shared by every grid so real and generated
// patches are comparable) or hillshaded (illumination from azimuth 315°, altitude 45°, as glow_ref.py).
namespace FlowGen.Training.Evaluation;

/// <summary>An 8-bit grayscale image, row-major.</summary>
public sealed record GrayImage(int Width, int Height, byte[] Pixels);

public static class PatchGrid
{
    private const int Columns = 4, Gap = 4;

    /// <summary>Display range (low, high): the 0.5 and 99.5 percentiles of <paramref name="reference"/>'s (mean-removed) values.</summary>
    public static (double Low, double High) DisplayRange(PatchSet reference, bool removeMean = true)
    {
        var values = new List<double>();
        for (int i = 0; i < reference.Count; i++)
        {
            var p = reference.Patch(i);
            double mean = 0;
            if (removeMean)
            {
                foreach (float v in p) mean += v;
                mean /= p.Length;
            }
            foreach (float v in p) values.Add(v - mean);
        }
        values.Sort();
        double lo = values[(int)(0.005 * (values.Count - 1))], hi = values[(int)(0.995 * (values.Count - 1))];
        return hi > lo ? (lo, hi) : (lo - 1, lo + 1);
    }

    /// <summary>Grid of the first 16 patches (mean-removed for elevation), mapped linearly from [low, high] to [0, 255].</summary>
    public static GrayImage Elevation(PatchSet patches, (double Low, double High) range, bool removeMean = true, int scale = 3) =>
        Compose(patches, scale, (p, output) =>
        {
            double mean = 0;
            if (removeMean)
            {
                foreach (float v in p) mean += v;
                mean /= p.Length;
            }
            for (int k = 0; k < p.Length; k++) output[k] = (p[k] - mean - range.Low) / (range.High - range.Low);
        });

    /// <summary>Hillshade grid of the first 16 patches (heights in metres, pixels of <paramref name="pixelSizeM"/>).</summary>
    public static GrayImage Hillshade(PatchSet patches, double pixelSizeM, int scale = 3) =>
        Compose(patches, scale, (p, output) => Shade(p, patches.Height, patches.Width, pixelSizeM, output));

    /// <summary>Lambertian hillshade in [0, 1]; central differences inside, one-sided at the edges.</summary>
    internal static void Shade(ReadOnlySpan<float> z, int h, int w, double pixelSizeM, Span<double> output)
    {
        double az = 315 * Math.PI / 180, alt = 45 * Math.PI / 180;
        for (int r = 0; r < h; r++)
            for (int c = 0; c < w; c++)
            {
                int r0 = Math.Max(r - 1, 0), r1 = Math.Min(r + 1, h - 1), c0 = Math.Max(c - 1, 0), c1 = Math.Min(c + 1, w - 1);
                double gx = (z[r * w + c1] - z[r * w + c0]) / ((c1 - c0) * pixelSizeM);
                double gy = (z[r1 * w + c] - z[r0 * w + c]) / ((r1 - r0) * pixelSizeM);
                double slope = Math.PI / 2 - Math.Atan(Math.Sqrt(gx * gx + gy * gy));
                double aspect = Math.Atan2(-gx, gy);
                double v = Math.Sin(alt) * Math.Sin(slope) + Math.Cos(alt) * Math.Cos(slope) * Math.Cos(az - aspect);
                output[r * w + c] = Math.Clamp(v, 0, 1);
            }
    }

    private delegate void Render(ReadOnlySpan<float> patch, Span<double> output01);

    private static GrayImage Compose(PatchSet patches, int scale, Render render)
    {
        int n = Math.Min(16, patches.Count), rows = (n + Columns - 1) / Columns;
        int ph = patches.Height * scale, pw = patches.Width * scale;
        int width = Columns * pw + (Columns + 1) * Gap, height = rows * ph + (rows + 1) * Gap;
        var pixels = new byte[width * height];
        Array.Fill(pixels, (byte)255);
        var values = new double[patches.PatchLength];
        for (int i = 0; i < n; i++)
        {
            render(patches.Patch(i), values);
            int y0 = Gap + i / Columns * (ph + Gap), x0 = Gap + i % Columns * (pw + Gap);
            for (int y = 0; y < ph; y++)
                for (int x = 0; x < pw; x++)
                {
                    double v = values[y / scale * patches.Width + x / scale];
                    pixels[(y0 + y) * width + x0 + x] = (byte)Math.Round(255 * Math.Clamp(double.IsFinite(v) ? v : 0, 0, 1));
                }
        }
        return new GrayImage(width, height, pixels);
    }
}
