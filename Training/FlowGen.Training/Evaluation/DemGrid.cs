// An elevation grid in metres (row-major, row 0 = north) as evaluation reads it. Loading understands
// the bundled DEM's NPZ (member `elevation`) and plain NPY 2-D arrays of <i2 <u2 <i4 <f4 <f8, C order;
// it stays small on purpose and gives way to FlowGen.Runtime.Formats once that reads every DEM format.
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace FlowGen.Training.Evaluation;

public sealed class DemGrid
{
    public DemGrid(float[] elevation, int rows, int columns, string source)
    {
        ArgumentNullException.ThrowIfNull(elevation);
        if (elevation.Length != (long)rows * columns) throw new ArgumentException("elevation length is not rows x columns");
        Elevation = elevation;
        Rows = rows;
        Columns = columns;
        Source = source;
    }

    public float[] Elevation { get; }
    public int Rows { get; }
    public int Columns { get; }
    /// <summary>The file it came from (for error messages).</summary>
    public string Source { get; }

    /// <summary>Reads a DEM from an .npz (member `elevation`, or its only 2-D array) or a 2-D .npy.</summary>
    public static DemGrid Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        try
        {
            using var file = File.OpenRead(path);
            if (!path.EndsWith(".npz", StringComparison.OrdinalIgnoreCase)) return ReadNpy(file, path);
            using var zip = new ZipArchive(file, ZipArchiveMode.Read);
            var entry = zip.GetEntry("elevation.npy")
                ?? zip.Entries.SingleOrDefault(e => e.FullName.EndsWith(".npy", StringComparison.Ordinal))
                ?? throw new EvaluationException("NPZ has no `elevation` member and not exactly one array", path);
            using var stream = entry.Open();
            using var buffered = new MemoryStream();
            stream.CopyTo(buffered);
            buffered.Position = 0;
            return ReadNpy(buffered, path);
        }
        catch (InvalidDataException e)
        {
            throw new EvaluationException($"not a readable NPZ/NPY elevation file ({e.Message})", path, e);
        }
        catch (EndOfStreamException e)
        {
            throw new EvaluationException("truncated NPY data", path, e);
        }
    }

    private static DemGrid ReadNpy(Stream s, string path)
    {
        var reader = new BinaryReader(s);
        var magic = reader.ReadBytes(6);
        if (magic.Length != 6 || magic[0] != 0x93 || Encoding.ASCII.GetString(magic, 1, 5) != "NUMPY")
            throw new EvaluationException("not an NPY array (bad magic)", path);
        int major = reader.ReadByte();
        reader.ReadByte();
        int headerLength = major == 1 ? reader.ReadUInt16() : (int)reader.ReadUInt32();
        if (headerLength is < 0 or > 65536) throw new EvaluationException("NPY header length out of range", path);
        string header = Encoding.ASCII.GetString(reader.ReadBytes(headerLength));
        var descr = Regex.Match(header, @"'descr':\s*'([^']*)'").Groups[1].Value;
        if (Regex.IsMatch(header, @"'fortran_order':\s*True")) throw new EvaluationException("Fortran-order NPY is not supported here", path);
        var shape = Regex.Match(header, @"'shape':\s*\(\s*(\d+)\s*,\s*(\d+)\s*,?\s*\)");
        if (!shape.Success) throw new EvaluationException("elevation is not a 2-D array", path);
        int rows = int.Parse(shape.Groups[1].Value), cols = int.Parse(shape.Groups[2].Value);
        if (rows <= 0 || cols <= 0 || (long)rows * cols > 1L << 28) throw new EvaluationException($"unsupported DEM size {rows}x{cols}", path);
        int n = rows * cols;
        var z = new float[n];
        for (int i = 0; i < n; i++)
        {
            z[i] = descr switch
            {
                "<i2" => reader.ReadInt16(),
                "<u2" => reader.ReadUInt16(),
                "<i4" => reader.ReadInt32(),
                "<f4" => reader.ReadSingle(),
                "<f8" => (float)reader.ReadDouble(),
                _ => throw new EvaluationException($"unsupported NPY dtype '{descr}'", path),
            };
            if (!float.IsFinite(z[i])) throw new EvaluationException($"non-finite elevation at index {i} (nodata is not supported)", path);
        }
        return new DemGrid(z, rows, cols, path);
    }
}
