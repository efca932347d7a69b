// Catmull-Rom resampling from a grid onto one m times finer, pixel centres aligned: fine pixel p (centre p + ½)
// sits at coarse coordinate (p + ½)/m − ½, so coarse sample I is the centre of fine pixels [m·I, m·I + m). Shared
// by the multi-scale worlds and the trainer's coarse context, so a detail model sees at run time exactly the
// context it was trained on.
using System.Numerics;

namespace FlowGen.Runtime.Streaming;

/// <summary>Separable Catmull-Rom upsampling by an integer factor (see the file comment for the alignment).</summary>
internal static class CatmullRom
{
    /// <summary>
    /// For fine pixels p0 .. p0+n-1 at magnification <paramref name="m"/>: the first coarse sample needed, each pixel's
    /// first tap relative to it (taps are Index .. Index+3), and the four weights per pixel.
    /// </summary>
    public static (long First, int[] Index, float[] Weights) Taps(long p0, int n, int m)
    {
        long Base(long p) => LatticeWorld.FloorDiv(2 * p + 1 - m, 2L * m) - 1; // floor((p + ½)/m − ½) − 1
        long first = Base(p0);
        var index = new int[n];
        var weights = new float[4 * n];
        for (int i = 0; i < n; i++)
        {
            long p = p0 + i, b = Base(p);
            index[i] = (int)(b - first);
            // t = (p + ½)/m − ½ − (b + 1), in [0, 1)
            double t = (2.0 * (p - (b + 1) * m) + 1 - m) / (2.0 * m);
            double t2 = t * t, t3 = t2 * t;
            weights[4 * i] = (float)(0.5 * (-t3 + 2 * t2 - t));
            weights[4 * i + 1] = (float)(0.5 * (3 * t3 - 5 * t2 + 2));
            weights[4 * i + 2] = (float)(0.5 * (-3 * t3 + 4 * t2 + t));
            weights[4 * i + 3] = (float)(0.5 * (t3 - t2));
        }
        return (first, index, weights);
    }

    /// <summary>Coarse samples needed along an axis for <paramref name="n"/> fine pixels from <paramref name="p0"/>: (first, count).</summary>
    public static (long First, int Count) Span(long p0, int n, int m)
    {
        var (first, index, _) = Taps(p0, n, m);
        return (first, index[^1] + 4);
    }

    /// <summary>
    /// Adds amplitude × the upsampled <paramref name="coarse"/> ([ch, cw], its sample (0, 0) at (firstY, firstX) of
    /// <see cref="Taps"/>) into <paramref name="dst"/> [height, width]: rows first, then columns.
    /// </summary>
    public static void Add(ReadOnlySpan<float> coarse, int cw, int ch, (int[] Index, float[] Weights) x, (int[] Index, float[] Weights) y,
        int width, int height, float amplitude, Span<float> dst)
    {
        var (ix, wx) = x;
        var (iy, wy) = y;
        using var rowBuffer = new ScratchBuffer(checked(ch * width), clear: false);
        var rows = rowBuffer.Array;
        for (int cy = 0; cy < ch; cy++)
            for (int i = 0; i < width; i++)
            {
                int o = cy * cw + ix[i];
                rows[cy * width + i] = wx[4 * i] * coarse[o] + wx[4 * i + 1] * coarse[o + 1] + wx[4 * i + 2] * coarse[o + 2] + wx[4 * i + 3] * coarse[o + 3];
            }
        for (int j = 0; j < height; j++)
        {
            int o = iy[j] * width;
            float a = wy[4 * j] * amplitude, b = wy[4 * j + 1] * amplitude, c = wy[4 * j + 2] * amplitude, d = wy[4 * j + 3] * amplitude;
            // Vectors along the row, each element rounded through the same multiplies and adds in the same order as the tail.
            var out_ = dst.Slice(j * width, width);
            ReadOnlySpan<float> r0 = rows.AsSpan(o, width), r1 = rows.AsSpan(o + width, width), r2 = rows.AsSpan(o + 2 * width, width), r3 = rows.AsSpan(o + 3 * width, width);
            Vector<float> va = new(a), vb = new(b), vc = new(c), vd = new(d);
            int i = 0;
            for (; i <= width - Vector<float>.Count; i += Vector<float>.Count)
                (new Vector<float>(out_[i..]) + (va * new Vector<float>(r0[i..]) + vb * new Vector<float>(r1[i..]) + vc * new Vector<float>(r2[i..])
                    + vd * new Vector<float>(r3[i..]))).CopyTo(out_[i..]);
            for (; i < width; i++) out_[i] += a * r0[i] + b * r1[i] + c * r2[i] + d * r3[i];
        }
    }

    /// <summary>
    /// The coarse context of a raster region (train or test split): means of <paramref name="factor"/>² blocks from the
    /// region's top-left corner (partial blocks at the far edges average what they hold), upsampled back to every pixel
    /// (edge samples repeated beyond the region). Returns [height, width] row-major.
    /// </summary>
    public static float[] BlockContext(ReadOnlySpan<double> plane, int stride, int col0, int width, int height, int factor)
    {
        int cw = (width + factor - 1) / factor, ch = (height + factor - 1) / factor;
        var means = new double[cw * ch];
        var counts = new int[cw * ch];
        for (int i = 0; i < height; i++)
            for (int j = 0; j < width; j++)
            {
                int b = i / factor * cw + j / factor;
                means[b] += plane[i * stride + col0 + j];
                counts[b]++;
            }
        for (int b = 0; b < means.Length; b++) means[b] /= counts[b];
        var (fx, tx) = (Taps(0, width, factor), Span(0, width, factor));
        var (fy, ty) = (Taps(0, height, factor), Span(0, height, factor));
        var padded = new float[tx.Count * ty.Count];
        for (int r = 0; r < ty.Count; r++)
            for (int c = 0; c < tx.Count; c++)
            {
                long sr = Math.Clamp(ty.First + r, 0, ch - 1), sc = Math.Clamp(tx.First + c, 0, cw - 1);
                padded[r * tx.Count + c] = (float)means[sr * cw + sc];
            }
        var context = new float[width * height];
        Add(padded, tx.Count, ty.Count, (fx.Index, fx.Weights), (fy.Index, fy.Weights), width, height, 1f, context);
        return context;
    }
}
