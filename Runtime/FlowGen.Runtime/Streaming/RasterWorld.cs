// A finite raster as a world: real heights (a DEM) where a trained model would otherwise draw them. Under a
// ConditionalPyramidWorld it is the coarse level, and the detail model adds what a coarse DEM does not hold:
// `flowgen upscale` (a 334 m DEM to 83.5 m with the bundled detail models), `flowgen-demo --dem`. Beyond the raster's
// edges the edge values repeat (Clamp: the Catmull-Rom taps and the detail patches along the border see a flat
// continuation, not zeros), or the raster repeats mirrored (Mirror: an endless, continuous terrain to fly over, each
// copy the mirror image of its neighbours). Levels of detail box-average the pixels the edge rule gives.
namespace FlowGen.Runtime.Streaming;

/// <summary>What a <see cref="RasterWorld"/> holds beyond its raster's edges.</summary>
public enum RasterEdge
{
    /// <summary>The nearest edge pixel's value.</summary>
    Clamp,
    /// <summary>The raster mirrored at each edge, endlessly: pixel -1 is pixel 0, pixel W is pixel W - 1.</summary>
    Mirror,
}

/// <summary>
/// A raster's heights as a world (see the file comment): pixel (0, 0) at the raster's top-left; coordinates outside it
/// follow the <see cref="RasterEdge"/> rule.
/// </summary>
public sealed class RasterWorld : IWorldSource
{
    private readonly float[] _values;

    /// <summary>The <paramref name="width"/> x <paramref name="height"/> heights of <paramref name="values"/> (row-major,
    /// metres, copied) on pixels of <paramref name="pixelSizeMetres"/>, extended past its edges by <paramref name="edge"/>.</summary>
    public RasterWorld(ReadOnlySpan<float> values, int width, int height, double pixelSizeMetres, RasterEdge edge = RasterEdge.Clamp)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if ((long)width * height != values.Length) throw new ArgumentException($"{values.Length} values are not {width}x{height}", nameof(values));
        if (!double.IsFinite(pixelSizeMetres) || pixelSizeMetres <= 0)
            throw new ArgumentOutOfRangeException(nameof(pixelSizeMetres), pixelSizeMetres, "the pixel size must be finite and positive");
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) throw new ArgumentException($"non-finite height at row {i / width}, column {i % width}", nameof(values));
        _values = values.ToArray();
        Width = width;
        Height = height;
        PixelSizeMetres = pixelSizeMetres;
        Edge = edge is RasterEdge.Clamp or RasterEdge.Mirror ? edge : throw new ArgumentOutOfRangeException(nameof(edge), edge, "unknown edge rule");
    }

    /// <summary>What the world holds beyond the raster.</summary>
    public RasterEdge Edge { get; }

    public int Width { get; }
    public int Height { get; }

    /// <inheritdoc />
    public double PixelSizeMetres { get; }

    /// <summary>Pixels up to 256 times larger (box averages).</summary>
    public int MaxLod => 8;

    /// <summary>Rectangles may reach far beyond the raster (edge values repeat) up to ±2^40 pixels.</summary>
    public long CoordinateLimit => 1L << 40;

    /// <inheritdoc />
    public void Fill(long x0, long y0, int width, int height, int lod, Span<float> destination, CancellationToken cancellationToken)
    {
        var dst = WorldRect.Check(x0, y0, width, height, lod, MaxLod, CoordinateLimit, destination);
        int r = 1 << lod;
        // Source column of each output column's r pixels, then each output row averages its r source rows.
        var columns = new int[checked(width * r)];
        for (int i = 0; i < columns.Length; i++) columns[i] = Index(x0 * r + i, Width);
        var sum = new double[width];
        for (int y = 0; y < height; y++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var row = dst.Slice(y * width, width);
            if (r == 1)
            {
                var src = _values.AsSpan(Index(y0 + y, Height) * Width, Width);
                for (int x = 0; x < width; x++) row[x] = src[columns[x]];
                continue;
            }
            Array.Clear(sum);
            for (int v = 0; v < r; v++)
            {
                var src = _values.AsSpan(Index((y0 + y) * r + v, Height) * Width, Width);
                for (int x = 0; x < width; x++)
                    for (int u = 0; u < r; u++) sum[x] += src[columns[x * r + u]];
            }
            for (int x = 0; x < width; x++) row[x] = (float)(sum[x] / ((double)r * r));
        }
    }

    // The raster pixel that coordinate i of an axis of n pixels reads.
    private int Index(long i, int n)
    {
        if (Edge == RasterEdge.Clamp) return (int)Math.Clamp(i, 0, n - 1);
        long m = ((i % (2L * n)) + 2L * n) % (2L * n);
        return (int)(m < n ? m : 2L * n - 1 - m);
    }
}
