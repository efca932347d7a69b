// FlowGen's in-memory raster: heightfields (1 channel, metres) and images (1-4 channels), float32
// samples, row-major with channels interleaved, row 0 at the top (north). Readers fill it, writers
// and the trainer consume it. It is a plain container: no resampling, no colour management.
namespace FlowGen.Runtime.Formats;

/// <summary>A width x height x channels grid of float32 samples with optional nodata mask and georeference.</summary>
public sealed class Raster
{
    /// <summary>Creates a zero-filled raster.</summary>
    public Raster(int width, int height, int channels = 1)
        : this(width, height, channels, AllocateChecked(width, height, channels))
    {
    }

    /// <summary>Wraps <paramref name="samples"/> (length width*height*channels, index (y*width+x)*channels+c).</summary>
    public Raster(int width, int height, int channels, float[] samples)
    {
        CheckShape(width, height, channels);
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.LongLength != (long)width * height * channels)
            throw new ArgumentException($"samples has {samples.LongLength} elements, expected {(long)width * height * channels}", nameof(samples));
        Width = width;
        Height = height;
        Channels = channels;
        Samples = samples;
    }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>Rows; row 0 is the top (north) edge.</summary>
    public int Height { get; }

    /// <summary>Samples per pixel (bands).</summary>
    public int Channels { get; }

    /// <summary>All samples, index (y * Width + x) * Channels + c.</summary>
    public float[] Samples { get; }

    /// <summary>Per-pixel nodata flags (length Width*Height, true = no data), or null when every pixel is valid.</summary>
    public bool[]? NoDataMask { get; set; }

    /// <summary>The nodata value the source file declared, if any (samples under the mask keep it).</summary>
    public double? NoDataValue { get; set; }

    /// <summary>Georeference, when the file carries one.</summary>
    public GeoReference? Geo { get; set; }

    /// <summary>
    /// Facts about the source file that do not change the samples (format, sample type, compression,
    /// recorded value range...), for <c>flowgen info</c> and for round trips.
    /// </summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>Ground distance between pixels in metres from the georeference (the mean of its two axes), or null when
    /// the raster has none or it gives no finite positive size.</summary>
    public double? PixelSizeMetres
    {
        get
        {
            if (Geo is not { } geo) return null;
            var (px, py) = geo.PixelSizeMetres(Height);
            return double.IsFinite(px) && double.IsFinite(py) && px > 0 && py > 0 ? 0.5 * (px + py) : null;
        }
    }

    /// <summary>Whether the source was an 8-bit PNG: an image (a texture photograph), not elevations.</summary>
    public bool IsEightBitPng =>
        Metadata.TryGetValue("format", out var f) && f == "png" && Metadata.TryGetValue("bit_depth", out var bits) && bits == "8";

    /// <summary>
    /// The means of <paramref name="factor"/>² blocks of a one-channel grid from its top-left corner, a partial last row or
    /// column of blocks dropped: (width / factor) x (height / factor) values, row-major (the coarse grid of
    /// <c>flowgen train --downsample F</c>).
    /// </summary>
    public static float[] BlockMeans(ReadOnlySpan<float> values, int width, int height, int factor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 1);
        if ((long)width * height != values.Length) throw new ArgumentException($"{values.Length} values are not {width}x{height}", nameof(values));
        int w = width / factor, h = height / factor;
        var means = new float[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double sum = 0;
                for (int v = 0; v < factor; v++)
                    for (int u = 0; u < factor; u++) sum += values[(y * factor + v) * width + x * factor + u];
                means[y * w + x] = (float)(sum / (factor * factor));
            }
        return means;
    }

    /// <summary>Sample (x, y, c).</summary>
    public float this[int x, int y, int c = 0]
    {
        get => Samples[((long)y * Width + x) * Channels + c];
        set => Samples[((long)y * Width + x) * Channels + c] = value;
    }

    /// <summary>Row <paramref name="y"/> (Width*Channels samples).</summary>
    public Span<float> Row(int y) => Samples.AsSpan(y * Width * Channels, Width * Channels);

    /// <summary>True when pixel (x, y) is flagged as nodata.</summary>
    public bool IsNoData(int x, int y) => NoDataMask is { } m && m[(long)y * Width + x];

    /// <summary>Smallest and largest valid (non-nodata, non-NaN) sample of channel <paramref name="channel"/>; NaN when none.</summary>
    public (float Min, float Max) ValidRange(int channel = 0)
    {
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        for (long p = 0; p < (long)Width * Height; p++)
        {
            if (NoDataMask is { } m && m[p]) continue;
            float v = Samples[p * Channels + channel];
            if (float.IsNaN(v)) continue;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
        return lo > hi ? (float.NaN, float.NaN) : (lo, hi);
    }

    /// <summary>A new one-channel raster holding channel <paramref name="channel"/>, with mask and georeference.</summary>
    public Raster SelectChannel(int channel)
    {
        if ((uint)channel >= (uint)Channels) throw new ArgumentOutOfRangeException(nameof(channel), $"raster has {Channels} channels");
        var r = new Raster(Width, Height, 1);
        for (long p = 0; p < (long)Width * Height; p++) r.Samples[p] = Samples[p * Channels + channel];
        r.NoDataMask = NoDataMask;
        r.NoDataValue = NoDataValue;
        r.Geo = Geo;
        foreach (var kv in Metadata) r.Metadata[kv.Key] = kv.Value;
        return r;
    }

    internal static void CheckShape(int width, int height, int channels)
    {
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), "must be positive");
        if (height <= 0) throw new ArgumentOutOfRangeException(nameof(height), "must be positive");
        if (channels <= 0) throw new ArgumentOutOfRangeException(nameof(channels), "must be positive");
        if ((long)width * height * channels > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(width), $"{width}x{height}x{channels} samples exceed one array");
    }

    private static float[] AllocateChecked(int width, int height, int channels)
    {
        CheckShape(width, height, channels);
        return new float[(long)width * height * channels];
    }
}
