// What every multi-scale world does with a requested rectangle: the argument checks of IWorldSource.Fill, and
// block means for levels of detail coarser than the level that computes them.
namespace FlowGen.Runtime.Streaming;

internal static class WorldRect
{
    /// <summary>Throws for a level of detail outside 0..maxLod, an empty rectangle, a short destination or a rectangle
    /// leaving ±(coordinateLimit >> lod); returns the destination cut to width × height.</summary>
    public static Span<float> Check(long x0, long y0, int width, int height, int lod, int maxLod, long coordinateLimit, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lod);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lod, maxLod);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if ((long)width * height > destination.Length)
            throw new ArgumentException($"Destination holds {destination.Length} values; {width}x{height} needs {(long)width * height}.", nameof(destination));
        long limit = coordinateLimit >> lod;
        if (x0 < -limit || y0 < -limit || x0 + width > limit || y0 + height > limit)
            throw new ArgumentOutOfRangeException(nameof(x0), $"Rectangle ({x0}, {y0}, {width}x{height}) at level of detail {lod} leaves the world's coordinate range ±{limit}.");
        return destination[..(width * height)];
    }

    /// <summary>
    /// Output pixel (x, y) covers samples [x·r, (x+1)·r) × [y·r, (y+1)·r) of <paramref name="fine"/> (width·r wide): their sum ×
    /// <paramref name="scale"/> is added to (or, without <paramref name="add"/>, written into) <paramref name="dst"/>.
    /// </summary>
    public static void BlockMeans(ReadOnlySpan<float> fine, int r, int width, int height, float scale, Span<float> dst, bool add)
    {
        int w = width * r;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                float s = 0;
                for (int v = 0; v < r; v++)
                {
                    int o = (y * r + v) * w + x * r;
                    for (int u = 0; u < r; u++) s += fine[o + u];
                }
                if (add) dst[y * width + x] += s * scale;
                else dst[y * width + x] = s * scale;
            }
    }
}
