// Options for reading any raster file. The size limit is what keeps absurd dimensions and
// decompression bombs from exhausting memory: decoders never allocate or inflate beyond it.
namespace FlowGen.Runtime.Formats;

/// <summary>How to read a raster file.</summary>
public sealed record RasterReadOptions
{
    /// <summary>Default limit: 2^27 samples (512 MiB of float32), far above any terrain tile.</summary>
    public const long DefaultMaxSamples = 1L << 27;

    /// <summary>Largest number of samples (width x height x channels) a file may declare.</summary>
    public long MaxSamples { get; init; } = DefaultMaxSamples;

    /// <summary>Band (channel) to keep, 0-based; null keeps all bands as channels.</summary>
    public int? Band { get; init; }

    /// <summary>NPZ member to read as the raster; null picks the first array of rank 2 or more.</summary>
    public string? Member { get; init; }

    /// <summary>
    /// When a 16-bit PNG or RAW16 file carries a FlowGen value range (or one is given in
    /// <see cref="Range"/>), map samples 0..65535 back to that range. False returns raw sample values.
    /// </summary>
    public bool ApplyRange { get; init; } = true;

    /// <summary>Explicit value range for formats that store normalised integers (RAW16, PNG).</summary>
    public ValueRange? Range { get; init; }

    /// <summary>RAW16 layout; also forces the RAW16 reader, since RAW16 has no signature.</summary>
    public Raw16Options? Raw16 { get; init; }

    /// <summary>The defaults.</summary>
    public static RasterReadOptions Default { get; } = new();
}

/// <summary>A closed range of physical values (metres, or 0..1 intensity) mapped onto integer samples.</summary>
public readonly record struct ValueRange(double Min, double Max)
{
    /// <summary>Parses "min,max" (invariant culture).</summary>
    public static ValueRange Parse(string text)
    {
        var parts = text.Split(',');
        if (parts.Length != 2
            || !double.TryParse(parts[0], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double lo)
            || !double.TryParse(parts[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double hi))
            throw new ArgumentException($"range '{text}' is not of the form min,max");
        var r = new ValueRange(lo, hi);
        r.Validate();
        return r;
    }

    /// <summary>Throws unless Min &lt; Max and both are finite.</summary>
    public void Validate()
    {
        if (!double.IsFinite(Min) || !double.IsFinite(Max) || !(Min < Max))
            throw new ArgumentException($"range {Min},{Max} must be finite with min < max");
    }

    /// <summary>Invariant "min,max" text, as recorded in files.</summary>
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Min:R},{Max:R}");

    /// <summary>Maps a physical value to an integer sample in [0, maxSample], clamped.</summary>
    public int ToSample(float value, int maxSample)
    {
        double t = (value - Min) / (Max - Min) * maxSample;
        return (int)Math.Clamp(Math.Round(t), 0, maxSample);
    }

    /// <summary>Maps an integer sample in [0, maxSample] back to the physical value.</summary>
    public float FromSample(int sample, int maxSample) => (float)(Min + (Max - Min) * sample / maxSample);
}
