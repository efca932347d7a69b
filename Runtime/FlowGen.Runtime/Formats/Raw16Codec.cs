// RAW16 heightmaps (.r16 / .raw): headerless unsigned 16-bit samples, rows top (north) first, in a
// selectable byte order. Two engine presets fix the mapping between metres and samples:
//  - Unity terrain: square (2^n+1)² grids, little-endian; 0..65535 spans 0..terrain height, where
//    terrain height = the range's max - min (set TerrainData.size.y to it, offset the terrain by min).
//  - Unreal landscape: little-endian; 32768 is 0 m and one unit is ZScale/128 cm (ZScale = the landscape
//    actor's Z scale, 100 by default, which gives -256 m .. +256 m).
// Without a preset, an explicit ValueRange maps min..max onto 0..65535.
using System.Buffers.Binary;

namespace FlowGen.Runtime.Formats;

/// <summary>Engine conventions for RAW16 heightmaps.</summary>
public enum Raw16Preset
{
    /// <summary>No preset: an explicit range, or raw sample values.</summary>
    None,
    /// <summary>Unity terrain: (2^n+1)² little-endian, 0..65535 = 0..terrain height.</summary>
    Unity,
    /// <summary>Unreal landscape: little-endian, 32768 = 0 m, ZScale/128 cm per unit.</summary>
    Unreal,
}

/// <summary>Layout and value mapping of a RAW16 file.</summary>
public sealed record Raw16Options
{
    /// <summary>Columns; 0 infers a square size from the file length on read.</summary>
    public int Width { get; init; }

    /// <summary>Rows; 0 infers a square size from the file length on read.</summary>
    public int Height { get; init; }

    /// <summary>Big-endian samples (Mac/Photoshop "Mac" order); engines use little-endian.</summary>
    public bool BigEndian { get; init; }

    /// <summary>Engine preset.</summary>
    public Raw16Preset Preset { get; init; }

    /// <summary>Metres mapped onto 0..65535 (no preset, or Unity). Null on write: the data's min..max.</summary>
    public ValueRange? Range { get; init; }

    /// <summary>Unreal landscape Z scale (percent, 100 = 1/128 m per unit). Null on write: the smallest that fits the data.</summary>
    public double? UnrealZScale { get; init; }
}

/// <summary>Reads and writes RAW16 heightmaps.</summary>
public static class Raw16Codec
{
    /// <summary>Metres per Unreal unit at Z scale 100: 512 m over 65536 units.</summary>
    public const double UnrealMetresPerUnitAtScale100 = 1.0 / 128.0;

    /// <summary>Reads with <see cref="RasterReadOptions.Raw16"/> (defaults: square, little-endian, raw values).</summary>
    public static Raster Read(string path, RasterReadOptions? options = null)
    {
        options ??= RasterReadOptions.Default;
        var o = options.Raw16 ?? new Raw16Options { Range = options.Range };
        using var s = RasterFile.OpenRead(path);
        long length = s.Length;
        if (length % 2 != 0) throw new RasterFormatException(path, $"length {length} is odd, not 16-bit samples");
        int w = o.Width, h = o.Height;
        if (w < 0 || h < 0) throw new ArgumentOutOfRangeException(nameof(options), "RAW16 width and height must not be negative");
        if (w == 0 && h == 0)
        {
            long side = (long)Math.Round(Math.Sqrt(length / 2.0));
            if (side == 0 || side * side * 2 != length) throw new RasterFormatException(path, $"length {length} is not a square 16-bit grid; give width and height");
            w = h = (int)side;
        }
        else if (w == 0) w = (int)(length / 2 / h);
        else if (h == 0) h = (int)(length / 2 / w);
        if ((long)w * h * 2 != length) throw new RasterFormatException(path, $"length {length} does not match {w}x{h} 16-bit samples ({(long)w * h * 2} bytes)");
        if ((long)w * h > options.MaxSamples) throw new RasterFormatException(path, $"{w}x{h} exceeds the limit of {options.MaxSamples} samples");
        if (o.Preset == Raw16Preset.Unity && (w != h || !IsPowerOfTwoPlusOne(w)))
            throw new RasterFormatException(path, $"{w}x{h} is not a Unity terrain size (square, 2^n+1)");

        var bytes = new byte[length];
        if (!NpyCodec.TryFill(s, bytes)) throw new RasterFormatException(path, "truncated while reading");
        var raster = new Raster(w, h, 1);
        double unrealStep = (o.UnrealZScale ?? 100.0) / 100.0 * UnrealMetresPerUnitAtScale100;
        ValueRange? range = options.ApplyRange ? o.Range : null;
        for (int i = 0; i < w * h; i++)
        {
            var b = bytes.AsSpan(i * 2, 2);
            int v = o.BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b);
            raster.Samples[i] = o.Preset switch
            {
                Raw16Preset.Unreal when options.ApplyRange => (float)((v - 32768) * unrealStep),
                _ when range is { } r => r.FromSample(v, 65535),
                _ => v,
            };
        }
        raster.Metadata["format"] = "raw16";
        raster.Metadata["byte_order"] = o.BigEndian ? "big-endian" : "little-endian";
        if (o.Preset != Raw16Preset.None) raster.Metadata["preset"] = o.Preset.ToString().ToLowerInvariant();
        return raster;
    }

    /// <summary>
    /// Writes channel 0 of <paramref name="raster"/> (metres) atomically and returns the mapping used
    /// (range for none/Unity; for Unreal, the Z scale to enter in the editor). Nodata pixels become the range minimum.
    /// </summary>
    public static Raw16Mapping Write(string path, Raster raster, Raw16Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(raster);
        options ??= new Raw16Options();
        options.Range?.Validate();
        if (options.Preset == Raw16Preset.Unity && (raster.Width != raster.Height || !IsPowerOfTwoPlusOne(raster.Width)))
            throw new ArgumentException($"Unity terrain heightmaps are square with 2^n+1 samples per side (33..4097); this one is {raster.Width}x{raster.Height}");
        var (lo, hi) = raster.ValidRange();
        if (float.IsNaN(lo)) throw new ArgumentException("the raster has no valid samples");
        var mapping = Mapping(options, lo, hi);
        // Refuse rather than clamp: heights outside the mapped span would silently flatten.
        double top = mapping.MinMetres + (65535 - mapping.ZeroSampleOffset) * mapping.MetresPerUnit;
        double bottom = mapping.MinMetres - mapping.ZeroSampleOffset * mapping.MetresPerUnit;
        double slack = mapping.MetresPerUnit / 2;
        if (lo < bottom - slack || hi > top + slack)
            throw new ArgumentException(FormattableString.Invariant(
                $"heights {lo:G9}..{hi:G9} m do not fit the RAW16 mapping {bottom:G9}..{top:G9} m") +
                (options.Preset == Raw16Preset.Unreal ? " (raise the Unreal Z scale)" : " (widen the range)"));
        var bytes = new byte[(long)raster.Width * raster.Height * 2];
        for (long p = 0; p < (long)raster.Width * raster.Height; p++)
        {
            float v = raster.Samples[p * raster.Channels];
            if (raster.NoDataMask is { } m && m[p] || float.IsNaN(v)) v = (float)mapping.MinMetres;
            int s = (int)Math.Clamp(Math.Round((v - mapping.MinMetres) / mapping.MetresPerUnit) + mapping.ZeroSampleOffset, 0, 65535);
            var b = bytes.AsSpan((int)(p * 2), 2);
            if (options.BigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)s);
            else BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)s);
        }
        AtomicFile.Write(path, s => s.Write(bytes));
        return mapping;
    }

    private static Raw16Mapping Mapping(Raw16Options o, double lo, double hi)
    {
        if (o.Preset == Raw16Preset.Unreal)
        {
            // Smallest Z scale (percent) that keeps |h| within the 32767 units on either side of 0 m.
            double need = Math.Max(Math.Abs(lo), Math.Abs(hi)) / 32767.0 / UnrealMetresPerUnitAtScale100 * 100.0;
            double scale = o.UnrealZScale ?? Math.Max(need, 1e-3);
            if (scale <= 0 || !double.IsFinite(scale)) throw new ArgumentException($"Unreal Z scale {scale} must be positive");
            double step = scale / 100.0 * UnrealMetresPerUnitAtScale100;
            // MinMetres = 0 and offset 32768: sample = h / step + 32768.
            return new Raw16Mapping(0, step, 32768, scale);
        }
        var r = o.Range ?? new ValueRange(lo, hi > lo ? hi : lo + 1);
        return new Raw16Mapping(r.Min, (r.Max - r.Min) / 65535.0, 0, null);
    }

    internal static bool IsPowerOfTwoPlusOne(int n) => n >= 3 && ((n - 1) & (n - 2)) == 0;
}

/// <summary>How metres were mapped to RAW16 samples: sample = (h - MinMetres) / MetresPerUnit + ZeroSampleOffset.</summary>
/// <param name="MinMetres">Metres at sample ZeroSampleOffset.</param>
/// <param name="MetresPerUnit">Metres per sample step.</param>
/// <param name="ZeroSampleOffset">0, or 32768 for Unreal.</param>
/// <param name="UnrealZScale">The Unreal landscape Z scale to enter, for the Unreal preset.</param>
public sealed record Raw16Mapping(double MinMetres, double MetresPerUnit, int ZeroSampleOffset, double? UnrealZScale)
{
    /// <summary>Height spanned by 0..65535 (Unity's terrain height) in metres.</summary>
    public double SpanMetres => MetresPerUnit * 65535;
}
