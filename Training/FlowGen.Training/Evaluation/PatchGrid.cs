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

    /// <summary>
    /// Hillshade grid of the first 16 patches (heights in metres, pixels of <paramref name="pixelSizeM"/>), shaded at
    /// the display resolution: heights are upsampled bilinearly by <paramref name="scale"/> first, so slopes shade smoothly.
    /// </summary>
    public static GrayImage Hillshade(PatchSet patches, double pixelSizeM, int scale = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        var fine = Upsample(patches, Math.Min(patches.Count, 16), scale);
        return Compose(fine, 1, (p, output) => Shade(p, fine.Height, fine.Width, pixelSizeM / scale, output));
    }

    /// <summary>
    /// Colour relief of one map as interleaved RGB bytes: a hypsometric tint (low green, mid ochre, high brown to near
    /// white, between the 1st and 99th height percentiles) multiplied by the hillshade, so both the large-scale relief and
    /// the slopes show.
    /// </summary>
    public static byte[] ShadedReliefMap(ReadOnlySpan<float> heights, int height, int width, double pixelSizeM)
    {
        var shade = new double[height * width];
        Shade(heights, height, width, pixelSizeM, shade);
        var sorted = heights.ToArray().Where(float.IsFinite).Order().ToArray();
        double lo = sorted.Length > 0 ? sorted[sorted.Length / 100] : 0, hi = sorted.Length > 0 ? sorted[sorted.Length * 99 / 100] : 1;
        (double T, double R, double G, double B)[] ramp = [(0, 0.31, 0.50, 0.27), (0.35, 0.55, 0.62, 0.35), (0.65, 0.72, 0.62, 0.42), (0.85, 0.60, 0.47, 0.36), (1, 0.93, 0.92, 0.90)];
        var rgb = new byte[3 * height * width];
        for (int i = 0; i < shade.Length; i++)
        {
            double t = Math.Clamp((heights[i] - lo) / Math.Max(hi - lo, 1e-9), 0, 1);
            int k = 0;
            while (k < ramp.Length - 2 && t > ramp[k + 1].T) k++;
            double a = (t - ramp[k].T) / (ramp[k + 1].T - ramp[k].T), light = 0.3 + 0.7 * (double.IsFinite(shade[i]) ? shade[i] : 0);
            rgb[3 * i] = (byte)Math.Round(255 * light * (ramp[k].R + a * (ramp[k + 1].R - ramp[k].R)));
            rgb[3 * i + 1] = (byte)Math.Round(255 * light * (ramp[k].G + a * (ramp[k + 1].G - ramp[k].G)));
            rgb[3 * i + 2] = (byte)Math.Round(255 * light * (ramp[k].B + a * (ramp[k + 1].B - ramp[k].B)));
        }
        return rgb;
    }

    // Catmull-Rom upsampling (pixel centres aligned, edges clamped) of the first `count` patches: unlike bilinear
    // interpolation its slopes are continuous, so the shading shows no facets on the pixel grid.
    private static PatchSet Upsample(PatchSet patches, int count, int scale)
    {
        int h = patches.Height, w = patches.Width, fh = h * scale, fw = w * scale;
        var data = new float[(long)count * fh * fw];
        var rows = new double[h * fw];
        Span<double> c = stackalloc double[4];
        for (int i = 0; i < count; i++)
        {
            var p = patches.Patch(i);
            for (int x = 0; x < fw; x++)
            {
                int k = Weights((x + 0.5) / scale - 0.5, c);
                for (int y = 0; y < h; y++)
                {
                    double v = 0;
                    for (int j = 0; j < 4; j++) v += c[j] * p[y * w + Math.Clamp(k + j, 0, w - 1)];
                    rows[y * fw + x] = v;
                }
            }
            var dst = data.AsSpan(i * fh * fw, fh * fw);
            for (int y = 0; y < fh; y++)
            {
                int k = Weights((y + 0.5) / scale - 0.5, c);
                for (int x = 0; x < fw; x++)
                {
                    double v = 0;
                    for (int j = 0; j < 4; j++) v += c[j] * rows[Math.Clamp(k + j, 0, h - 1) * fw + x];
                    dst[y * fw + x] = (float)v;
                }
            }
        }
        return new PatchSet(data, count, fh, fw);
    }

    // Catmull-Rom weights of the samples k..k+3 around `position`; returns k.
    private static int Weights(double position, Span<double> c)
    {
        int k1 = (int)Math.Floor(position);
        double t = position - k1, t2 = t * t, t3 = t2 * t;
        c[0] = 0.5 * (-t3 + 2 * t2 - t);
        c[1] = 0.5 * (3 * t3 - 5 * t2 + 2);
        c[2] = 0.5 * (-3 * t3 + 4 * t2 + t);
        c[3] = 0.5 * (t3 - t2);
        return k1 - 1;
    }

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
