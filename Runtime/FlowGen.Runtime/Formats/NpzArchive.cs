// NumPy .npz archives: a zip of .npy members, stored or deflated (np.savez / np.savez_compressed).
// Reading is bounded by the .npy headers and RasterReadOptions.MaxSamples, never by the sizes the zip
// directory claims, so a zip bomb cannot inflate beyond one legal array.
using System.IO.Compression;

namespace FlowGen.Runtime.Formats;

/// <summary>Reads and writes NumPy .npz archives.</summary>
public static class NpzArchive
{
    private const int MaxMembers = 4096;

    /// <summary>Reads every member; keys are member names without the ".npy" suffix.</summary>
    public static IReadOnlyDictionary<string, NpyArray> Read(string path, RasterReadOptions? options = null)
    {
        options ??= RasterReadOptions.Default;
        using var zip = Open(path);
        var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        foreach (var entry in Entries(zip, path))
            result[MemberName(entry)] = ReadEntry(entry, path, options.MaxSamples);
        return result;
    }

    /// <summary>Reads one member (name with or without ".npy").</summary>
    public static NpyArray ReadMember(string path, string member, RasterReadOptions? options = null)
    {
        options ??= RasterReadOptions.Default;
        using var zip = Open(path);
        foreach (var entry in Entries(zip, path))
            if (MemberName(entry) == member || entry.FullName == member)
                return ReadEntry(entry, path, options.MaxSamples);
        throw new RasterFormatException(path, $"has no member '{member}'");
    }

    /// <summary>Member names (without ".npy").</summary>
    public static IReadOnlyList<string> MemberNames(string path)
    {
        using var zip = Open(path);
        return Entries(zip, path).Select(MemberName).ToArray();
    }

    /// <summary>
    /// Reads a raster: member <see cref="RasterReadOptions.Member"/>, else the first array of rank 2 or more.
    /// Scalar members <c>xmin</c>, <c>ymin</c>, <c>ymax</c>, <c>dx</c>, <c>dy</c> (degrees; the layout of the
    /// bundled DEM and matplotlib's sample DEMs) become a geographic georeference.
    /// </summary>
    public static Raster ReadRaster(string path, RasterReadOptions? options = null)
    {
        options ??= RasterReadOptions.Default;
        var members = Read(path, options);
        NpyArray? image = null;
        string? name = options.Member;
        if (name is not null)
        {
            if (!members.TryGetValue(name, out image)) throw new RasterFormatException(path, $"has no member '{name}'");
        }
        else
        {
            foreach (var kv in members)
                if (kv.Value.Shape.Length >= 2) { image = kv.Value; name = kv.Key; break; }
            if (image is null) throw new RasterFormatException(path, "has no array of rank 2 or more");
        }
        var raster = NpyCodec.ToRaster(image, path, options);
        raster.Metadata["format"] = "npz";
        raster.Metadata["member"] = name!;
        raster.Geo = GeoFromScalars(members);
        return raster;
    }

    /// <summary>Writes an .npz archive of <paramref name="members"/> (deflated when <paramref name="compress"/>), atomically.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, NpyArray>> members, bool compress = true)
    {
        ArgumentNullException.ThrowIfNull(members);
        var list = members.ToList();
        AtomicFile.Write(path, s =>
        {
            using var zip = new ZipArchive(s, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var (name, array) in list)
            {
                var entry = zip.CreateEntry(name + ".npy", compress ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
                using var es = entry.Open();
                NpyCodec.WriteCore(es, array);
            }
        });
    }

    private static GeoReference? GeoFromScalars(IReadOnlyDictionary<string, NpyArray> m)
    {
        double? S(string k) => m.TryGetValue(k, out var a) && a.Count == 1 ? a.GetDouble(0) : null;
        if (S("xmin") is not double xmin || S("dx") is not double dx || S("dy") is not double dy) return null;
        double? ymin = S("ymin"), ymax = S("ymax");
        if (ymin is null && ymax is null) return null;
        double north = Math.Max(ymin ?? double.MinValue, ymax ?? double.MinValue);
        bool geographic = Math.Abs(xmin) <= 360 && Math.Abs(north) <= 90 && dx < 1 && dy < 1;
        return new GeoReference(xmin, north, Math.Abs(dx), -Math.Abs(dy), geographic ? 4326 : null, geographic);
    }

    private static ZipArchive Open(string path)
    {
        var stream = RasterFile.OpenRead(path);
        try
        {
            return new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or NotSupportedException)
        {
            stream.Dispose();
            throw new RasterFormatException(path, $"not a readable .npz (zip) archive: {e.Message}", e);
        }
    }

    private static List<ZipArchiveEntry> Entries(ZipArchive zip, string path)
    {
        try
        {
            var entries = zip.Entries.Where(e => e.FullName.EndsWith(".npy", StringComparison.Ordinal)).ToList();
            if (entries.Count > MaxMembers) throw new RasterFormatException(path, $"has {entries.Count} members (limit {MaxMembers})");
            return entries;
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new RasterFormatException(path, $"corrupt zip directory: {e.Message}", e);
        }
    }

    private static NpyArray ReadEntry(ZipArchiveEntry entry, string path, long maxElements)
    {
        try
        {
            using var s = entry.Open();
            return NpyCodec.ReadCore(s, $"{path}[{entry.FullName}]", maxElements);
        }
        catch (RasterFormatException e)
        {
            throw new RasterFormatException(path, e.Problem + $" (member {entry.FullName})", e);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            throw new RasterFormatException(path, $"member {entry.FullName} is corrupt: {e.Message}", e);
        }
    }

    private static string MemberName(ZipArchiveEntry e) =>
        e.FullName.EndsWith(".npy", StringComparison.Ordinal) ? e.FullName[..^4] : e.FullName;
}
