// OpenEXR writer for float32 heightmaps and images: single-part scanline files, uncompressed or ZIP
// (zlib over 16-line blocks after OpenEXR's byte split and delta predictor), which Godot, Gaea,
// Houdini and Blender import. One channel is written as "Y" (luminance); 3 or 4 channels as R, G, B(, A).
// Spec: https://openexr.com/en/latest/OpenEXRFileLayout.html
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace FlowGen.Runtime.Formats;

/// <summary>EXR pixel data compression.</summary>
public enum ExrCompression
{
    /// <summary>NO_COMPRESSION (one scanline per chunk).</summary>
    None = 0,
    /// <summary>ZIP_COMPRESSION (zlib, 16 scanlines per chunk).</summary>
    Zip = 3,
}

/// <summary>Writes OpenEXR files.</summary>
public static class ExrWriter
{
    /// <summary>Writes <paramref name="raster"/> as float32 EXR, atomically.</summary>
    public static void Write(string path, Raster raster, ExrCompression compression = ExrCompression.Zip)
    {
        ArgumentNullException.ThrowIfNull(raster);
        string[] names = raster.Channels switch
        {
            1 => ["Y"],
            2 => ["Y", "A"],
            3 => ["R", "G", "B"],
            4 => ["R", "G", "B", "A"],
            _ => throw new ArgumentException($"EXR output supports 1-4 channels, the raster has {raster.Channels}"),
        };
        if (compression is not (ExrCompression.None or ExrCompression.Zip)) throw new ArgumentOutOfRangeException(nameof(compression));
        AtomicFile.Write(path, s => WriteCore(s, raster, names, compression));
    }

    private static void WriteCore(Stream output, Raster raster, string[] names, ExrCompression compression)
    {
        int w = raster.Width, h = raster.Height;
        // Channels are stored in alphabetical order of their names; map each to its raster channel.
        var order = names.Select((n, i) => (n, i)).OrderBy(t => t.n, StringComparer.Ordinal).ToArray();
        var header = new MemoryStream();
        header.Write([0x76, 0x2F, 0x31, 0x01, 2, 0, 0, 0]);
        var chlist = new MemoryStream();
        foreach (var (name, _) in order)
        {
            chlist.Write(Encoding.ASCII.GetBytes(name + "\0"));
            WriteInt(chlist, 2);          // pixel type FLOAT
            chlist.Write([0, 0, 0, 0]);   // pLinear + reserved
            WriteInt(chlist, 1);          // x sampling
            WriteInt(chlist, 1);          // y sampling
        }
        chlist.WriteByte(0);
        Attribute(header, "channels", "chlist", chlist.ToArray());
        Attribute(header, "compression", "compression", [(byte)compression]);
        var box = new byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(box.AsSpan(8), w - 1);
        BinaryPrimitives.WriteInt32LittleEndian(box.AsSpan(12), h - 1);
        Attribute(header, "dataWindow", "box2i", box);
        Attribute(header, "displayWindow", "box2i", box);
        Attribute(header, "lineOrder", "lineOrder", [0]);
        Attribute(header, "pixelAspectRatio", "float", BitConverter.GetBytes(1.0f));
        Attribute(header, "screenWindowCenter", "v2f", new byte[8]);
        Attribute(header, "screenWindowWidth", "float", BitConverter.GetBytes(1.0f));
        header.WriteByte(0);

        int linesPerChunk = compression == ExrCompression.Zip ? 16 : 1;
        int chunks = (h + linesPerChunk - 1) / linesPerChunk;
        long tableStart = header.Length;
        output.Write(header.GetBuffer(), 0, (int)header.Length);
        var offsets = new long[chunks];
        output.Write(new byte[chunks * 8L]); // placeholder, rewritten below once offsets are known
        long position = tableStart + chunks * 8L;
        var raw = new byte[(long)linesPerChunk * w * names.Length * 4];
        var scratch = new byte[raw.Length];
        Span<byte> head = stackalloc byte[8];
        for (int c = 0; c < chunks; c++)
        {
            int y0 = c * linesPerChunk, lines = Math.Min(linesPerChunk, h - y0);
            int n = 0;
            for (int y = y0; y < y0 + lines; y++)
                foreach (var (_, ch) in order)
                    for (int x = 0; x < w; x++, n += 4)
                        BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(n), raster.Samples[((long)y * w + x) * raster.Channels + ch]);
            ReadOnlySpan<byte> data = raw.AsSpan(0, n);
            byte[]? compressed = compression == ExrCompression.Zip ? Zip(raw.AsSpan(0, n), scratch) : null;
            if (compressed is not null && compressed.Length < n) data = compressed; // else stored raw, as OpenEXR does
            BinaryPrimitives.WriteInt32LittleEndian(head, y0);
            BinaryPrimitives.WriteInt32LittleEndian(head[4..], data.Length);
            offsets[c] = position;
            output.Write(head);
            output.Write(data);
            position += 8 + data.Length;
        }
        output.Position = tableStart;
        foreach (long o in offsets)
        {
            BinaryPrimitives.WriteInt64LittleEndian(head, o);
            output.Write(head);
        }
        output.Position = position;
    }

    /// <summary>OpenEXR's ZIP: split even/odd bytes into two halves, delta-encode (+128), then zlib.</summary>
    private static byte[] Zip(ReadOnlySpan<byte> raw, byte[] tmp)
    {
        int n = raw.Length, half = (n + 1) / 2;
        for (int i = 0, a = 0, b = half; i < n; i++)
        {
            if ((i & 1) == 0) tmp[a++] = raw[i];
            else tmp[b++] = raw[i];
        }
        int p = tmp[0];
        for (int i = 1; i < n; i++)
        {
            int cur = tmp[i];
            tmp[i] = (byte)(cur - p + 128 + 256);
            p = cur;
        }
        var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.Optimal, leaveOpen: true)) z.Write(tmp, 0, n);
        return ms.ToArray();
    }

    private static void Attribute(Stream s, string name, string type, byte[] value)
    {
        s.Write(Encoding.ASCII.GetBytes(name + "\0" + type + "\0"));
        WriteInt(s, value.Length);
        s.Write(value);
    }

    private static void WriteInt(Stream s, int v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, v);
        s.Write(b);
    }
}
