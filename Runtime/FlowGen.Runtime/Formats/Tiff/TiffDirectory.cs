// The header and first image file directory (IFD) of a TIFF or BigTIFF, with bounds-checked access
// to tag values in either byte order. Later IFDs (overviews, masks) are not read: the first IFD is the
// full-resolution image in every GeoTIFF GDAL writes.
using System.Buffers.Binary;
using System.Text;

namespace FlowGen.Runtime.Formats;

internal sealed class TiffDirectory
{
    private const int MaxEntries = 4096;
    private readonly byte[] _file;
    private readonly string _path;
    private readonly Dictionary<ushort, (ushort Type, long Count, long Offset)> _entries = new();

    private TiffDirectory(byte[] file, string path, bool bigEndian, bool bigTiff)
    {
        _file = file;
        _path = path;
        BigEndian = bigEndian;
        BigTiff = bigTiff;
    }

    public bool BigEndian { get; }

    public bool BigTiff { get; }

    public static TiffDirectory Parse(byte[] file, string path)
    {
        if (file.Length < 8) throw new RasterFormatException(path, "truncated TIFF header");
        bool be = file[0] == 'M' && file[1] == 'M';
        if (!be && !(file[0] == 'I' && file[1] == 'I')) throw new RasterFormatException(path, "not a TIFF file (bad byte-order mark)");
        var d = new TiffDirectory(file, path, be, false);
        int version = d.U16(2);
        long ifd;
        if (version == 42) ifd = d.U32(4);
        else if (version == 43)
        {
            if (file.Length < 16) throw new RasterFormatException(path, "truncated BigTIFF header");
            if (d.U16(4) != 8 || d.U16(6) != 0) throw new RasterFormatException(path, "BigTIFF header has an unsupported offset size");
            d = new TiffDirectory(file, path, be, true);
            ifd = (long)Math.Min(d.U64(8), long.MaxValue);
        }
        else throw new RasterFormatException(path, $"not a TIFF file (version {version})");
        d.ReadIfd(ifd);
        return d;
    }

    private void ReadIfd(long offset)
    {
        int countSize = BigTiff ? 8 : 2, entrySize = BigTiff ? 20 : 12, valueSize = BigTiff ? 8 : 4;
        if (offset < 8 || offset > _file.Length - countSize) throw Bad($"first IFD offset {offset} lies outside the file");
        long n = BigTiff ? (long)Math.Min(U64(offset), long.MaxValue) : U16(offset);
        if (n == 0 || n > MaxEntries) throw Bad($"IFD declares {n} entries");
        if (n * entrySize > _file.Length - countSize - offset) throw Bad("truncated IFD");
        for (long i = 0; i < n; i++)
        {
            long e = offset + countSize + i * entrySize;
            ushort tag = U16(e), type = U16(e + 2);
            long count = BigTiff ? (long)Math.Min(U64(e + 4), long.MaxValue) : U32(e + 4);
            int size = TypeSize(type);
            if (size == 0) continue; // unknown field types are skipped, as the TIFF spec asks
            long valuePos = e + (BigTiff ? 12 : 8);
            if (count > _file.Length / size + 1) throw Bad($"tag {tag} declares {count} values, more than the file holds");
            long bytes = count * size;
            long dataOffset = bytes <= valueSize ? valuePos : (BigTiff ? (long)Math.Min(U64(valuePos), long.MaxValue) : U32(valuePos));
            if (dataOffset < 0 || dataOffset > _file.Length - bytes) throw Bad($"values of tag {tag} lie outside the file");
            _entries[tag] = (type, count, dataOffset);
        }
    }

    public bool Has(ushort tag) => _entries.ContainsKey(tag);

    /// <summary>Integer values of an integer-typed tag, or null when absent.</summary>
    public long[]? Longs(ushort tag)
    {
        if (!_entries.TryGetValue(tag, out var e)) return null;
        var result = new long[e.Count];
        for (long i = 0; i < e.Count; i++)
        {
            long p = e.Offset + i * TypeSize(e.Type);
            result[i] = e.Type switch
            {
                1 or 7 => _file[p],
                6 => (sbyte)_file[p],
                3 => U16(p),
                8 => (short)U16(p),
                4 or 13 => U32(p),
                9 => (int)U32(p),
                16 or 18 => (long)Math.Min(U64(p), long.MaxValue),
                17 => (long)U64(p),
                _ => throw Bad($"tag {tag} has type {e.Type}, expected an integer type"),
            };
        }
        return result;
    }

    public long Long(ushort tag, long fallback)
    {
        var v = Longs(tag);
        if (v is null) return fallback;
        if (v.Length == 0) throw Bad($"tag {tag} has no value");
        return v[0];
    }

    /// <summary>Floating values of a numeric tag (DOUBLE, FLOAT, RATIONAL or integer), or null when absent.</summary>
    public double[]? Doubles(ushort tag)
    {
        if (!_entries.TryGetValue(tag, out var e)) return null;
        if (e.Type is 1 or 3 or 4 or 6 or 8 or 9 or 16 or 17) return Array.ConvertAll(Longs(tag)!, v => (double)v);
        var result = new double[e.Count];
        for (long i = 0; i < e.Count; i++)
        {
            long p = e.Offset + i * TypeSize(e.Type);
            result[i] = e.Type switch
            {
                12 => BitConverter.Int64BitsToDouble((long)U64(p)),
                11 => BitConverter.Int32BitsToSingle((int)U32(p)),
                5 => U32(p + 4) == 0 ? double.NaN : (double)U32(p) / U32(p + 4),
                10 => (int)U32(p + 4) == 0 ? double.NaN : (double)(int)U32(p) / (int)U32(p + 4),
                _ => throw Bad($"tag {tag} has type {e.Type}, expected a number"),
            };
        }
        return result;
    }

    public string? Ascii(ushort tag)
    {
        if (!_entries.TryGetValue(tag, out var e)) return null;
        if (e.Type is not (2 or 7 or 1)) throw Bad($"tag {tag} has type {e.Type}, expected ASCII");
        return Encoding.Latin1.GetString(_file, (int)e.Offset, (int)e.Count).TrimEnd('\0');
    }

    public ushort U16(long p) => BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(_file.AsSpan((int)p)) : BinaryPrimitives.ReadUInt16LittleEndian(_file.AsSpan((int)p));

    public uint U32(long p) => BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(_file.AsSpan((int)p)) : BinaryPrimitives.ReadUInt32LittleEndian(_file.AsSpan((int)p));

    public ulong U64(long p) => BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(_file.AsSpan((int)p)) : BinaryPrimitives.ReadUInt64LittleEndian(_file.AsSpan((int)p));

    private static int TypeSize(ushort type) => type switch
    {
        1 or 2 or 6 or 7 => 1,
        3 or 8 => 2,
        4 or 9 or 11 or 13 => 4,
        5 or 10 or 12 or 16 or 17 or 18 => 8,
        _ => 0,
    };

    private RasterFormatException Bad(string problem) => new(_path, problem);
}
