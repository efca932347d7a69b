// NumPy .npy reader and writer (format versions 1.0, 2.0, 3.0). Reads the numeric dtypes FlowGen
// uses in either byte order and in C or Fortran order, normalising to little-endian C order.
// Writes version 1.0, little-endian, C order, header padded to 64 bytes as numpy does.
// Spec: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
using System.Text;

namespace FlowGen.Runtime.Formats;

/// <summary>Reads and writes NumPy .npy files.</summary>
public static class NpyCodec
{
    internal static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    // numpy itself refuses headers over 10000 bytes by default; 64 KiB leaves room and bounds memory.
    private const int MaxHeaderBytes = 1 << 16;

    /// <summary>Reads an .npy file.</summary>
    public static NpyArray Read(string path, RasterReadOptions? options = null)
    {
        options ??= RasterReadOptions.Default;
        using var stream = RasterFile.OpenRead(path);
        return ReadCore(stream, path, options.MaxSamples);
    }

    /// <summary>Reads an .npy file as a raster: 2-D (H,W); 3-D (H,W,C) when the last axis is at most 4, else (C,H,W).</summary>
    public static Raster ReadRaster(string path, RasterReadOptions? options = null)
    {
        options ??= RasterReadOptions.Default;
        var raster = ToRaster(Read(path, options), path, options);
        raster.Metadata["format"] = "npy";
        return raster;
    }

    /// <summary>Writes <paramref name="array"/> as an .npy file (version 1.0), atomically.</summary>
    public static void Write(string path, NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        AtomicFile.Write(path, s => WriteCore(s, array));
    }

    /// <summary>Writes <paramref name="values"/> with the given shape as an .npy file, atomically.</summary>
    public static void Write<T>(string path, ReadOnlySpan<T> values, params int[] shape) where T : unmanaged
    {
        long count = 1;
        foreach (int d in shape) count *= d;
        if (count != values.Length) throw new ArgumentException($"{values.Length} values do not fill shape ({string.Join(",", shape)})");
        Write(path, NpyArray.From(values, shape));
    }

    /// <summary>Writes a raster: (H,W) for one channel, else (H,W,C); float32.</summary>
    public static void Write(string path, Raster raster)
    {
        ArgumentNullException.ThrowIfNull(raster);
        int[] shape = raster.Channels == 1 ? [raster.Height, raster.Width] : [raster.Height, raster.Width, raster.Channels];
        Write<float>(path, raster.Samples, shape);
    }

    internal static void WriteCore(Stream stream, NpyArray array)
    {
        string shape = array.Shape.Length switch
        {
            0 => "()",
            1 => $"({array.Shape[0]},)",
            _ => "(" + string.Join(", ", array.Shape) + ")",
        };
        string dict = $"{{'descr': '{Descr(array.DType)}', 'fortran_order': False, 'shape': {shape}, }}";
        int total = Magic.Length + 2 + 2 + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        var header = new StringBuilder(dict).Append(' ', padded - total).Append('\n').ToString();
        stream.Write(Magic);
        stream.WriteByte(1);
        stream.WriteByte(0);
        stream.WriteByte((byte)(header.Length & 0xFF));
        stream.WriteByte((byte)(header.Length >> 8));
        stream.Write(Encoding.ASCII.GetBytes(header));
        stream.Write(array.Data);
    }

    private static string Descr(NpyDType t) => t switch
    {
        NpyDType.Bool => "|b1",
        NpyDType.Int8 => "|i1",
        NpyDType.UInt8 => "|u1",
        NpyDType.Int16 => "<i2",
        NpyDType.UInt16 => "<u2",
        NpyDType.Int32 => "<i4",
        NpyDType.UInt32 => "<u4",
        NpyDType.Int64 => "<i8",
        NpyDType.UInt64 => "<u8",
        NpyDType.Float32 => "<f4",
        _ => "<f8",
    };

    /// <summary>Reads one array from <paramref name="stream"/>; <paramref name="path"/> names it in errors.</summary>
    internal static NpyArray ReadCore(Stream stream, string path, long maxElements)
    {
        Span<byte> pre = stackalloc byte[10];
        if (!TryFill(stream, pre[..8])) throw Bad(path, "truncated before the .npy header");
        if (!pre[..6].SequenceEqual(Magic)) throw Bad(path, "not an .npy file (bad magic)");
        int major = pre[6];
        int headerLen;
        if (major == 1)
        {
            if (!TryFill(stream, pre[8..10])) throw Bad(path, "truncated .npy header length");
            headerLen = pre[8] | pre[9] << 8;
        }
        else if (major is 2 or 3)
        {
            Span<byte> len = stackalloc byte[4];
            if (!TryFill(stream, len)) throw Bad(path, "truncated .npy header length");
            uint n = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(len);
            if (n > MaxHeaderBytes) throw Bad(path, $".npy header of {n} bytes is absurdly long");
            headerLen = (int)n;
        }
        else throw Bad(path, $"unsupported .npy format version {major}.{pre[7]}");

        var headerBytes = new byte[headerLen];
        if (!TryFill(stream, headerBytes)) throw Bad(path, "truncated .npy header");
        string header = major == 3 ? Encoding.UTF8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        var (dtype, bigEndian, fortran, shape) = ParseHeader(header, path);

        long count = 1;
        foreach (int d in shape)
        {
            count *= d;
            if (count > maxElements) throw Bad(path, $"array of shape ({string.Join(",", shape)}) exceeds the limit of {maxElements} elements");
        }
        int item = NpyArray.ItemSize(dtype);
        var data = new byte[count * item];
        if (!TryFill(stream, data)) throw Bad(path, $"truncated: the array needs {data.Length} data bytes");

        if (bigEndian && item > 1)
            for (int i = 0; i < data.Length; i += item) data.AsSpan(i, item).Reverse();
        if (fortran && shape.Length > 1) data = FortranToC(data, shape, item);
        return new NpyArray(dtype, shape, data);
    }

    internal static Raster ToRaster(NpyArray a, string path, RasterReadOptions options)
    {
        var shape = a.Shape.SkipWhile(d => d == 1).ToArray();
        if (shape.Length < 2 && a.Shape.Length >= 2) shape = a.Shape[^2..];
        int h, w, c;
        bool channelsFirst = false;
        switch (shape.Length)
        {
            case 2: h = shape[0]; w = shape[1]; c = 1; break;
            case 3 when shape[2] <= 4: h = shape[0]; w = shape[1]; c = shape[2]; break;
            case 3: c = shape[0]; h = shape[1]; w = shape[2]; channelsFirst = true; break;
            default: throw Bad(path, $"array of shape ({string.Join(",", a.Shape)}) is not an image (need 2 or 3 dimensions)");
        }
        if (h == 0 || w == 0 || c == 0) throw Bad(path, "array is empty");
        var all = a.ToSingleArray();
        float[] samples = all;
        if (channelsFirst)
        {
            samples = new float[all.Length];
            for (int ch = 0; ch < c; ch++)
                for (long p = 0; p < (long)h * w; p++) samples[p * c + ch] = all[ch * (long)h * w + p];
        }
        var raster = new Raster(w, h, c, samples);
        raster.Metadata["sample_type"] = a.DType.ToString().ToLowerInvariant();
        if (options.Band is int band)
        {
            if ((uint)band >= (uint)c) throw Bad(path, $"band {band} requested but the array has {c}");
            raster = raster.SelectChannel(band);
        }
        return raster;
    }

    private static byte[] FortranToC(byte[] data, int[] shape, int item)
    {
        int n = shape.Length;
        var result = new byte[data.Length];
        var index = new int[n];
        // Fortran strides: axis 0 fastest.
        var fstride = new long[n];
        fstride[0] = 1;
        for (int k = 1; k < n; k++) fstride[k] = fstride[k - 1] * shape[k - 1];
        long count = data.Length / item;
        for (long c = 0; c < count; c++)
        {
            long f = 0;
            for (int k = 0; k < n; k++) f += index[k] * fstride[k];
            Buffer.BlockCopy(data, (int)(f * item), result, (int)(c * item), item);
            for (int k = n - 1; k >= 0; k--)
            {
                if (++index[k] < shape[k]) break;
                index[k] = 0;
            }
        }
        return result;
    }

    private static (NpyDType, bool BigEndian, bool Fortran, int[] Shape) ParseHeader(string header, string path)
    {
        Dictionary<string, object> dict;
        try
        {
            var p = new PyLiteralParser(header);
            dict = p.ParseDict();
        }
        catch (FormatException e)
        {
            throw Bad(path, $".npy header is not a valid dictionary ({e.Message})");
        }
        if (!dict.TryGetValue("descr", out var d) || d is not string descr) throw Bad(path, ".npy header lacks a 'descr' string");
        if (!dict.TryGetValue("fortran_order", out var f) || f is not bool fortran) throw Bad(path, ".npy header lacks 'fortran_order'");
        if (!dict.TryGetValue("shape", out var s) || s is not List<long> dims) throw Bad(path, ".npy header lacks a 'shape' tuple");
        if (dims.Count > 32) throw Bad(path, $".npy shape has {dims.Count} dimensions");
        var shape = new int[dims.Count];
        for (int i = 0; i < dims.Count; i++)
        {
            if (dims[i] < 0 || dims[i] > int.MaxValue) throw Bad(path, $".npy dimension {dims[i]} is out of range");
            shape[i] = (int)dims[i];
        }
        if (descr.Length < 2) throw Bad(path, $"unsupported dtype '{descr}'");
        char order = descr[0];
        string code = order is '<' or '>' or '|' or '=' ? descr[1..] : descr;
        bool big = order == '>';
        NpyDType? t = code switch
        {
            "b1" => NpyDType.Bool,
            "i1" => NpyDType.Int8,
            "u1" => NpyDType.UInt8,
            "i2" => NpyDType.Int16,
            "u2" => NpyDType.UInt16,
            "i4" => NpyDType.Int32,
            "u4" => NpyDType.UInt32,
            "i8" => NpyDType.Int64,
            "u8" => NpyDType.UInt64,
            "f4" => NpyDType.Float32,
            "f8" => NpyDType.Float64,
            _ => null,
        };
        if (t is null) throw Bad(path, $"unsupported dtype '{descr}'");
        return (t.Value, big, fortran, shape);
    }

    internal static bool TryFill(Stream stream, Span<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            int n = stream.Read(buffer);
            if (n <= 0) return false;
            buffer = buffer[n..];
        }
        return true;
    }

    private static RasterFormatException Bad(string path, string problem) => new(path, problem);
}
