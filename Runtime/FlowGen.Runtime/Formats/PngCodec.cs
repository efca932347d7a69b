// FlowGen's PNG entry points: read any PNG into a Raster; write rasters as 8/16-bit gray, gray+alpha,
// RGB or RGBA; and span-based helpers for previews that allocate nothing per call beyond pooled rows.
// A 16-bit heightmap stores metres through an explicit range that is recorded in a tEXt chunk
// (RangeKey = "min,max"), so reading the file back gives metres again.
using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace FlowGen.Runtime.Formats;

/// <summary>How <see cref="PngCodec.Write(string, Raster, PngWriteOptions?)"/> maps samples to the file.</summary>
public sealed record PngWriteOptions
{
    /// <summary>8 or 16 bits per sample.</summary>
    public int BitDepth { get; init; } = 8;

    /// <summary>
    /// Physical range mapped to 0..2^bits-1 and recorded in the file. Null: samples must already be
    /// integers in 0..2^bits-1 (as read from a PNG), otherwise writing fails rather than clamping.
    /// </summary>
    public ValueRange? Range { get; init; }
}

/// <summary>Reads and writes PNG files.</summary>
public static class PngCodec
{
    /// <summary>tEXt keyword under which the value range of a FlowGen heightmap is recorded ("min,max").</summary>
    public const string RangeKey = "flowgen.value_range";

    /// <summary>
    /// Reads a PNG: samples are the file's integer sample values (palette expanded to RGB, or RGBA with tRNS),
    /// except 16-bit gray with a recorded range (or <see cref="RasterReadOptions.Range"/>), which comes back in physical units.
    /// </summary>
    public static Raster Read(string path, RasterReadOptions? options = null)
    {
        options ??= RasterReadOptions.Default;
        return PngDecoder.Decode(RasterFile.ReadAllBytes(path), path, options);
    }

    /// <summary>Writes <paramref name="raster"/> (1-4 channels) as a PNG, atomically.</summary>
    public static void Write(string path, Raster raster, PngWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(raster);
        options ??= new PngWriteOptions();
        if (options.BitDepth is not (8 or 16)) throw new ArgumentOutOfRangeException(nameof(options), "PNG bit depth must be 8 or 16");
        if (raster.Channels > 4) throw new ArgumentException($"PNG holds at most 4 channels, the raster has {raster.Channels}");
        options.Range?.Validate();
        int maxSample = (1 << options.BitDepth) - 1;
        int bytes = options.BitDepth / 8;
        if (options.Range is { } check)
        {
            var (lo, hi) = raster.ValidRange();
            double slack = (check.Max - check.Min) / maxSample / 2;
            if (lo < check.Min - slack || hi > check.Max + slack)
                throw new ArgumentException(FormattableString.Invariant($"values {lo:G9}..{hi:G9} lie outside the range {check}; widen it rather than clip"));
        }
        var buffer = new byte[raster.Samples.LongLength * bytes];
        for (long i = 0; i < raster.Samples.LongLength; i++)
        {
            float v = raster.Samples[i];
            int s;
            if (options.Range is { } r && i % raster.Channels == 0) s = float.IsNaN(v) ? 0 : r.ToSample(v, maxSample);
            else
            {
                if (!(v >= 0 && v <= maxSample && v == MathF.Round(v)))
                    throw new ArgumentException($"sample {v} at index {i} is not an integer in 0..{maxSample}; give PngWriteOptions.Range to map physical values");
                s = (int)v;
            }
            if (bytes == 1) buffer[i] = (byte)s;
            else BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan((int)(i * 2)), (ushort)s);
        }
        int colorType = raster.Channels switch { 1 => 0, 2 => 4, 3 => 2, _ => 6 };
        var texts = options.Range is { } range ? new[] { KeyValuePair.Create(RangeKey, range.ToString()) } : null;
        WriteCore(path, raster.Width, raster.Height, colorType, options.BitDepth, buffer, texts);
    }

    /// <summary>Writes an 8-bit grayscale PNG from row-major bytes.</summary>
    public static void WriteGray8(string path, int width, int height, ReadOnlySpan<byte> pixels) =>
        WriteChecked(path, width, height, 0, 8, pixels, 1);

    /// <summary>Writes an 8-bit RGB PNG from row-major interleaved bytes (r, g, b).</summary>
    public static void WriteRgb8(string path, int width, int height, ReadOnlySpan<byte> pixels) =>
        WriteChecked(path, width, height, 2, 8, pixels, 3);

    /// <summary>Writes an 8-bit RGBA PNG from row-major interleaved bytes (r, g, b, a).</summary>
    public static void WriteRgba8(string path, int width, int height, ReadOnlySpan<byte> pixels) =>
        WriteChecked(path, width, height, 6, 8, pixels, 4);

    /// <summary>Writes a 16-bit grayscale PNG; <paramref name="range"/>, when given, is recorded as the physical range of 0..65535.</summary>
    public static void WriteGray16(string path, int width, int height, ReadOnlySpan<ushort> pixels, ValueRange? range = null)
    {
        range?.Validate();
        CheckSize(width, height, pixels.Length, 1);
        byte[] be = ArrayPool<byte>.Shared.Rent(pixels.Length * 2);
        try
        {
            var span = be.AsSpan(0, pixels.Length * 2);
            if (BitConverter.IsLittleEndian)
                BinaryPrimitives.ReverseEndianness(pixels, MemoryMarshal.Cast<byte, ushort>(span));
            else MemoryMarshal.AsBytes(pixels).CopyTo(span);
            var texts = range is { } r ? new[] { KeyValuePair.Create(RangeKey, r.ToString()) } : null;
            WriteCore(path, width, height, 0, 16, span, texts);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(be);
        }
    }

    private static void WriteChecked(string path, int width, int height, int colorType, int bitDepth, ReadOnlySpan<byte> pixels, int channels)
    {
        CheckSize(width, height, pixels.Length, channels);
        WriteCore(path, width, height, colorType, bitDepth, pixels, null);
    }

    private static void CheckSize(int width, int height, int length, int channels)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"invalid size {width}x{height}");
        if ((long)width * height * channels != length)
            throw new ArgumentException($"{length} samples given, {width}x{height}x{channels} needs {(long)width * height * channels}");
    }

    private static void WriteCore(string path, int width, int height, int colorType, int bitDepth, ReadOnlySpan<byte> pixels,
        IReadOnlyList<KeyValuePair<string, string>>? texts)
    {
        using var file = new AtomicFile(path);
        PngEncoder.Encode(file.Stream, width, height, colorType, bitDepth, pixels, texts);
        file.Commit();
    }
}
