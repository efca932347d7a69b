// A finite raster as a world: real heights (a DEM) where a trained model would otherwise draw them. Under a
// ConditionalPyramidWorld it is the coarse level, and the detail model adds what a coarse DEM does not hold:
// `flowgen upscale` (a 334 m DEM to 83.5 m with the bundled detail models). Beyond the raster's edges the edge
// values repeat, so the Catmull-Rom taps and the detail patches along the border see a flat continuation, not zeros.
namespace FlowGen.Runtime.Streaming;

/// <summary>
/// A raster's heights as a world (see the file comment): pixel (0, 0) at the raster's top-left; coordinates outside it
/// take the nearest edge pixel's value. Level of detail 0 only.
/// </summary>
public sealed class RasterWorld : IWorldSource
{
    private readonly float[] _values;

    /// <summary>The <paramref name="width"/> x <paramref name="height"/> heights of <paramref name="values"/> (row-major,
    /// metres, copied) on pixels of <paramref name="pixelSizeMetres"/>.</summary>
    public RasterWorld(ReadOnlySpan<float> values, int width, int height, double pixelSizeMetres)
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
    }

    public int Width { get; }
    public int Height { get; }

    /// <inheritdoc />
    public double PixelSizeMetres { get; }

    /// <summary>Level of detail 0 only.</summary>
    public int MaxLod => 0;

    /// <summary>Rectangles may reach far beyond the raster (edge values repeat) up to ±2^40 pixels.</summary>
    public long CoordinateLimit => 1L << 40;

    /// <inheritdoc />
    public void Fill(long x0, long y0, int width, int height, int lod, Span<float> destination, CancellationToken cancellationToken)
    {
        var dst = WorldRect.Check(x0, y0, width, height, lod, MaxLod, CoordinateLimit, destination);
        for (int y = 0; y < height; y++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var src = _values.AsSpan((int)Math.Clamp(y0 + y, 0, Height - 1) * Width, Width);
            var row = dst.Slice(y * width, width);
            // Left of the raster, inside it, right of it.
            int left = (int)Math.Clamp(-x0, 0, width), inside0 = (int)Math.Clamp(x0, 0, Width), right = (int)Math.Clamp(x0 + width - Width, 0, width);
            int inside = width - left - right;
            row[..left].Fill(src[0]);
            if (inside > 0) src.Slice(inside0, inside).CopyTo(row.Slice(left, inside));
            row[(width - right)..].Fill(src[Width - 1]);
        }
    }
}
