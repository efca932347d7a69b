// SRTM .hgt tiles: 1201x1201 (3 arc-second) or 3601x3601 (1 arc-second) big-endian int16 metres,
// -32768 = void. The name (e.g. N36W085.hgt) gives the south-west corner; sample centres lie on whole
// degrees at the tile edges, so the outer pixel corner is half a pixel beyond (as GDAL reports it).
using System.Buffers.Binary;
using System.Text.RegularExpressions;

namespace FlowGen.Runtime.Formats;

/// <summary>Reads SRTM .hgt elevation tiles.</summary>
public static partial class HgtReader
{
    /// <summary>The void value of SRTM tiles.</summary>
    public const short Void = -32768;

    /// <summary>Reads a tile; voids are flagged in <see cref="Raster.NoDataMask"/>.</summary>
    public static Raster Read(string path, RasterReadOptions? options = null)
    {
        options ??= RasterReadOptions.Default;
        using var s = RasterFile.OpenRead(path);
        int size = s.Length switch
        {
            1201L * 1201 * 2 => 1201,
            3601L * 3601 * 2 => 3601,
            _ => throw new RasterFormatException(path, $"size {s.Length} bytes is not an SRTM tile (1201² or 3601² int16)"),
        };
        if ((long)size * size > options.MaxSamples) throw new RasterFormatException(path, $"{size}x{size} exceeds the limit of {options.MaxSamples} samples");
        var bytes = new byte[s.Length];
        if (!NpyCodec.TryFill(s, bytes)) throw new RasterFormatException(path, "truncated while reading");
        var raster = new Raster(size, size, 1);
        bool[]? mask = null;
        for (int i = 0; i < size * size; i++)
        {
            short v = BinaryPrimitives.ReadInt16BigEndian(bytes.AsSpan(i * 2));
            raster.Samples[i] = v;
            if (v == Void) (mask ??= new bool[size * size])[i] = true;
        }
        raster.NoDataMask = mask;
        raster.NoDataValue = Void;
        raster.Metadata["format"] = "hgt";
        raster.Metadata["sample_type"] = "int16";
        raster.Metadata["arc_seconds"] = size == 1201 ? "3" : "1";
        var m = TileName().Match(Path.GetFileName(path));
        if (m.Success)
        {
            int lat = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) * (m.Groups[1].Value.ToUpperInvariant() == "S" ? -1 : 1);
            int lon = int.Parse(m.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture) * (m.Groups[3].Value.ToUpperInvariant() == "W" ? -1 : 1);
            double step = 1.0 / (size - 1);
            raster.Geo = new GeoReference(lon - step / 2, lat + 1 + step / 2, step, -step, 4326, true);
        }
        return raster;
    }

    [GeneratedRegex(@"^([NSns])(\d{2})([EWew])(\d{3})", RegexOptions.CultureInvariant)]
    private static partial Regex TileName();
}
