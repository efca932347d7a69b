// One entry point for every raster format: the format is detected from the file's content (magic
// numbers; SRTM .hgt by its exact size; RAW16, which has no signature, only when asked for or by its
// extension), then the matching reader runs. Saving picks the writer from the output extension.
namespace FlowGen.Runtime.Formats;

/// <summary>Loads any supported raster file and saves rasters by extension.</summary>
public static class RasterFile
{
    /// <summary>Detects the format of <paramref name="path"/> from its first bytes and size.</summary>
    public static RasterFormat Detect(string path)
    {
        using var s = OpenRead(path);
        Span<byte> head = stackalloc byte[8];
        int n = s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return DetectCore(head[..n], s.Length);
    }

    internal static RasterFormat DetectCore(ReadOnlySpan<byte> head, long length)
    {
        if (head.StartsWith(PngDecoder.Signature)) return RasterFormat.Png;
        if (head.StartsWith(NpyCodec.Magic)) return RasterFormat.Npy;
        if (head.StartsWith("PK\u0003\u0004"u8) || head.StartsWith("PK\u0005\u0006"u8)) return RasterFormat.Npz;
        if (head.StartsWith("II*\0"u8) || head.StartsWith("MM\0*"u8) || head.StartsWith("II+\0"u8) || head.StartsWith("MM\0+"u8))
            return RasterFormat.Tiff;
        if (head.StartsWith((ReadOnlySpan<byte>)[0x76, 0x2F, 0x31, 0x01])) return RasterFormat.Exr;
        if (length == 1201L * 1201 * 2 || length == 3601L * 3601 * 2) return RasterFormat.Hgt;
        return RasterFormat.Unknown;
    }

    /// <summary>Loads a raster from any supported format, detected by content.</summary>
    public static Raster Load(string path, RasterReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= RasterReadOptions.Default;
        if (options.Raw16 is not null) return Raw16Codec.Read(path, options);
        var format = Detect(path);
        return format switch
        {
            RasterFormat.Png => PngCodec.Read(path, options),
            RasterFormat.Npy => NpyCodec.ReadRaster(path, options),
            RasterFormat.Npz => NpzArchive.ReadRaster(path, options),
            RasterFormat.Tiff => TiffReader.Read(path, options),
            RasterFormat.Hgt => HgtReader.Read(path, options),
            RasterFormat.Exr => throw new RasterFormatException(path, "OpenEXR files are written by FlowGen, not read"),
            _ when IsRawExtension(path) => Raw16Codec.Read(path, options),
            _ => throw new RasterFormatException(path, "unrecognised raster format (not PNG, TIFF, NPY, NPZ or SRTM HGT; give RAW16 options for headerless files)"),
        };
    }

    /// <summary>
    /// Saves by extension: .png (8-bit unless <paramref name="options"/> asks for 16), .npy, .npz,
    /// .r16/.raw (RAW16), .exr (float32, ZIP).
    /// </summary>
    public static void Save(string path, Raster raster, RasterWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(raster);
        options ??= new RasterWriteOptions();
        string ext = Path.GetExtension(path).ToLowerInvariant();
        switch (ext)
        {
            case ".png":
                PngCodec.Write(path, raster, new PngWriteOptions { BitDepth = options.PngBitDepth, Range = options.Range ?? DefaultRange(raster) });
                break;
            case ".npy":
                NpyCodec.Write(path, raster);
                break;
            case ".npz":
                int[] shape = raster.Channels == 1 ? [raster.Height, raster.Width] : [raster.Height, raster.Width, raster.Channels];
                NpzArchive.Write(path, [KeyValuePair.Create("elevation", NpyArray.From<float>(raster.Samples, shape))]);
                break;
            case ".r16" or ".raw":
                Raw16Codec.Write(path, raster, options.Raw16 ?? new Raw16Options { Range = options.Range });
                break;
            case ".exr":
                ExrWriter.Write(path, raster, options.ExrCompression);
                break;
            default:
                throw new ArgumentException($"cannot write '{ext}' files; use .png, .npy, .npz, .r16/.raw or .exr");
        }
    }

    /// <summary>
    /// The range a PNG write maps through when none is given: none for images read from a PNG without a
    /// recorded range and for multi-channel images (their samples are written as they are), the recorded
    /// range of a heightmap read from a FlowGen PNG, else the data's valid min..max (recorded in the file).
    /// </summary>
    private static ValueRange? DefaultRange(Raster raster)
    {
        if (raster.Metadata.TryGetValue("value_range", out var recorded)) return ValueRange.Parse(recorded);
        if (raster.Channels > 2 || raster.Metadata.GetValueOrDefault("format") == "png") return null;
        var (lo, hi) = raster.ValidRange();
        if (float.IsNaN(lo)) throw new ArgumentException("the raster has no valid samples");
        return new ValueRange(lo, hi > lo ? hi : lo + 1);
    }

    private static bool IsRawExtension(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".r16" or ".raw";

    /// <summary>Opens a file for reading, turning "missing" into the typed error.</summary>
    internal static FileStream OpenRead(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new RasterFormatException(path, "file does not exist", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new RasterFormatException(path, "file cannot be read (access denied)", e);
        }
    }

    /// <summary>Reads a whole file (at most one array, 2 GiB).</summary>
    internal static byte[] ReadAllBytes(string path)
    {
        using var s = OpenRead(path);
        if (s.Length > Array.MaxLength) throw new RasterFormatException(path, $"file of {s.Length} bytes is too large to read at once");
        var data = new byte[s.Length];
        if (!NpyCodec.TryFill(s, data)) throw new RasterFormatException(path, "file shrank while it was read");
        return data;
    }
}

/// <summary>How <see cref="RasterFile.Save"/> writes.</summary>
public sealed record RasterWriteOptions
{
    /// <summary>PNG bits per sample (8 or 16). Heightmaps want 16.</summary>
    public int PngBitDepth { get; init; } = 16;

    /// <summary>Physical range mapped onto integer samples (PNG, RAW16); null: the data's own min..max, recorded.</summary>
    public ValueRange? Range { get; init; }

    /// <summary>RAW16 layout and preset.</summary>
    public Raw16Options? Raw16 { get; init; }

    /// <summary>EXR compression.</summary>
    public ExrCompression ExrCompression { get; init; } = ExrCompression.Zip;
}
