// PNG decoding (ISO/IEC 15948 / W3C PNG 2nd ed.): every colour type and legal bit depth, palette and
// its tRNS alpha, all five row filters, Adam7 interlace, chunk CRCs checked, unknown critical chunks
// refused. The zlib stream is inflated only up to the size IHDR implies, so decompression bombs stop
// there; IHDR dimensions are checked against RasterReadOptions.MaxSamples before any allocation.
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace FlowGen.Runtime.Formats;

internal static class PngDecoder
{
    internal static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    // Adam7 pass origins and steps: (x0, y0, dx, dy).
    private static readonly (int X0, int Y0, int Dx, int Dy)[] Adam7 =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    public static Raster Decode(byte[] file, string path, RasterReadOptions options)
    {
        if (file.Length < 8 || !file.AsSpan(0, 8).SequenceEqual(Signature)) throw Bad(path, "not a PNG file (bad signature)");
        int pos = 8;
        int width = 0, height = 0, bitDepth = 0, colorType = -1, interlace = 0;
        byte[]? palette = null, trns = null;
        var idat = new MemoryStream();
        var text = new Dictionary<string, string>(StringComparer.Ordinal);
        bool seenEnd = false, first = true;
        while (!seenEnd)
        {
            if (pos + 12 > file.Length) throw Bad(path, "truncated: chunk header past end of file (no IEND)");
            uint len = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(pos));
            if (len > int.MaxValue || pos + 12L + len > file.Length) throw Bad(path, $"truncated or corrupt: chunk of {len} bytes at offset {pos} runs past the end of the file");
            var type = file.AsSpan(pos + 4, 4);
            var data = file.AsSpan(pos + 8, (int)len);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(pos + 8 + (int)len));
            string name = Encoding.ASCII.GetString(type);
            foreach (byte b in type)
                if (!((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z'))) throw Bad(path, $"corrupt chunk type at offset {pos}");
            if (Crc32.Compute(file.AsSpan(pos + 4, 4 + (int)len)) != crc) throw Bad(path, $"bad CRC in {name} chunk at offset {pos}");
            if (first && name != "IHDR") throw Bad(path, "first chunk is not IHDR");
            first = false;
            switch (name)
            {
                case "IHDR":
                    if (len != 13) throw Bad(path, $"IHDR has {len} bytes, expected 13");
                    width = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(data), int.MaxValue);
                    height = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(data[4..]), int.MaxValue);
                    bitDepth = data[8];
                    colorType = data[9];
                    if (data[10] != 0 || data[11] != 0) throw Bad(path, "unknown compression or filter method in IHDR");
                    interlace = data[12];
                    if (interlace > 1) throw Bad(path, $"unknown interlace method {interlace}");
                    ValidateHeader(path, width, height, bitDepth, colorType, options);
                    break;
                case "PLTE":
                    if (len % 3 != 0 || len == 0 || len > 768) throw Bad(path, $"PLTE of {len} bytes is invalid");
                    palette = data.ToArray();
                    break;
                case "tRNS":
                    trns = data.ToArray();
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "tEXt":
                    int zero = data.IndexOf((byte)0);
                    if (zero > 0) text[Encoding.Latin1.GetString(data[..zero])] = Encoding.Latin1.GetString(data[(zero + 1)..]);
                    break;
                case "IEND":
                    seenEnd = true;
                    break;
                default:
                    if (char.IsAsciiLetterUpper(name[0])) throw Bad(path, $"unknown critical chunk {name}");
                    break;
            }
            pos += 12 + (int)len;
        }
        if (colorType < 0) throw Bad(path, "no IHDR chunk");
        if (colorType == 3 && palette is null) throw Bad(path, "palette image without PLTE chunk");
        if (idat.Length == 0) throw Bad(path, "no IDAT chunk");

        int samplesPerPixel = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        int bitsPerPixel = samplesPerPixel * bitDepth;
        int filterBpp = Math.Max(1, bitsPerPixel / 8);
        long total = 0;
        foreach (var (pw, ph) in Passes(width, height, interlace)) total += ph * (1 + RowBytes(pw, bitsPerPixel));
        if (total > Array.MaxLength) throw Bad(path, "image too large");
        var raw = new byte[total];
        idat.Position = 0;
        try
        {
            using var z = new ZLibStream(idat, CompressionMode.Decompress);
            if (!NpyCodec.TryFill(z, raw)) throw Bad(path, "truncated image data (zlib stream ended early)");
        }
        catch (InvalidDataException e)
        {
            throw Bad(path, $"corrupt zlib image data: {e.Message}");
        }

        int outChannels = colorType == 3 ? (trns is { Length: > 0 } ? 4 : 3) : samplesPerPixel;
        var raster = new Raster(width, height, outChannels);
        int maxSample = (1 << bitDepth) - 1;
        var pal = palette;
        int off = 0, passIndex = 0;
        foreach (var (pw, ph) in Passes(width, height, interlace))
        {
            var (x0, y0, dx, dy) = interlace == 1 ? Adam7[PassNumber(width, height, passIndex++)] : (0, 0, 1, 1);
            int rowBytes = (int)RowBytes(pw, bitsPerPixel);
            var prev = new byte[rowBytes];
            for (int r = 0; r < ph; r++)
            {
                byte filter = raw[off];
                var row = raw.AsSpan(off + 1, rowBytes);
                Unfilter(filter, row, prev, filterBpp, path);
                int y = y0 + r * dy;
                for (int i = 0; i < pw; i++)
                {
                    int x = x0 + i * dx;
                    long dst = ((long)y * width + x) * outChannels;
                    if (colorType == 3)
                    {
                        int idx = Sample(row, i, bitDepth);
                        if (idx * 3 + 2 >= pal!.Length) throw Bad(path, $"palette index {idx} beyond the {pal.Length / 3} PLTE entries");
                        raster.Samples[dst] = pal[idx * 3];
                        raster.Samples[dst + 1] = pal[idx * 3 + 1];
                        raster.Samples[dst + 2] = pal[idx * 3 + 2];
                        if (outChannels == 4) raster.Samples[dst + 3] = idx < trns!.Length ? trns[idx] : 255;
                    }
                    else
                    {
                        for (int c = 0; c < samplesPerPixel; c++)
                            raster.Samples[dst + c] = Sample(row, i * samplesPerPixel + c, bitDepth);
                    }
                }
                row.CopyTo(prev);
                off += 1 + rowBytes;
            }
        }

        raster.Metadata["format"] = "png";
        raster.Metadata["bit_depth"] = bitDepth.ToString(System.Globalization.CultureInfo.InvariantCulture);
        raster.Metadata["color_type"] = colorType switch { 0 => "gray", 2 => "rgb", 3 => "palette", 4 => "gray+alpha", _ => "rgba" };
        raster.Metadata["interlace"] = interlace == 1 ? "adam7" : "none";
        raster.Metadata["max_sample"] = (colorType == 3 ? 255 : maxSample).ToString(System.Globalization.CultureInfo.InvariantCulture);
        ValueRange? range = options.Range;
        if (text.TryGetValue(PngCodec.RangeKey, out var rangeText))
        {
            raster.Metadata[PngCodec.RangeKey] = rangeText;
            try { range ??= ValueRange.Parse(rangeText); }
            catch (ArgumentException) { throw Bad(path, $"invalid {PngCodec.RangeKey} text '{rangeText}'"); }
        }
        if (range is { } vr && options.ApplyRange && colorType is 0 or 4)
        {
            for (long p = 0; p < (long)width * height; p++)
            {
                long i = p * outChannels;
                raster.Samples[i] = vr.FromSample((int)raster.Samples[i], maxSample);
            }
            raster.Metadata["value_range"] = vr.ToString();
        }
        return raster;
    }

    private static void ValidateHeader(string path, int width, int height, int bitDepth, int colorType, RasterReadOptions options)
    {
        if (width <= 0 || height <= 0) throw Bad(path, $"invalid dimensions {width}x{height}");
        bool ok = colorType switch
        {
            0 => bitDepth is 1 or 2 or 4 or 8 or 16,
            3 => bitDepth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => bitDepth is 8 or 16,
            _ => false,
        };
        if (!ok) throw Bad(path, $"invalid colour type {colorType} with bit depth {bitDepth}");
        int channels = colorType switch { 0 => 1, 2 => 3, 3 => 4, 4 => 2, _ => 4 };
        if ((long)width * height * channels > options.MaxSamples)
            throw Bad(path, $"dimensions {width}x{height} exceed the limit of {options.MaxSamples} samples");
    }

    private static int PassNumber(int width, int height, int nonEmptyIndex)
    {
        // Passes() skips empty passes; map the running index back to the Adam7 pass number.
        int seen = 0;
        for (int p = 0; p < 7; p++)
        {
            var (x0, y0, dx, dy) = Adam7[p];
            if (width > x0 && height > y0)
            {
                if (seen == nonEmptyIndex) return p;
                seen++;
            }
        }
        throw new InvalidOperationException("pass index out of range");
    }

    private static IEnumerable<(int W, int H)> Passes(int width, int height, int interlace)
    {
        if (interlace == 0)
        {
            yield return (width, height);
            yield break;
        }
        foreach (var (x0, y0, dx, dy) in Adam7)
        {
            if (width <= x0 || height <= y0) continue;
            yield return ((width - x0 + dx - 1) / dx, (height - y0 + dy - 1) / dy);
        }
    }

    internal static long RowBytes(int width, int bitsPerPixel) => ((long)width * bitsPerPixel + 7) / 8;

    private static int Sample(ReadOnlySpan<byte> row, int index, int bitDepth)
    {
        switch (bitDepth)
        {
            case 8: return row[index];
            case 16: return row[index * 2] << 8 | row[index * 2 + 1];
            default:
                int bit = index * bitDepth;
                int shift = 8 - bitDepth - (bit & 7);
                return (row[bit >> 3] >> shift) & ((1 << bitDepth) - 1);
        }
    }

    private static void Unfilter(byte filter, Span<byte> row, ReadOnlySpan<byte> prev, int bpp, string path)
    {
        switch (filter)
        {
            case 0: break;
            case 1: for (int i = bpp; i < row.Length; i++) row[i] += row[i - bpp]; break;
            case 2: for (int i = 0; i < row.Length; i++) row[i] += prev[i]; break;
            case 3:
                for (int i = 0; i < row.Length; i++)
                    row[i] += (byte)(((i >= bpp ? row[i - bpp] : 0) + prev[i]) >> 1);
                break;
            case 4:
                for (int i = 0; i < row.Length; i++)
                    row[i] += Paeth(i >= bpp ? row[i - bpp] : (byte)0, prev[i], i >= bpp ? prev[i - bpp] : (byte)0);
                break;
            default: throw Bad(path, $"invalid row filter type {filter}");
        }
    }

    internal static byte Paeth(byte a, byte b, byte c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static RasterFormatException Bad(string path, string problem) => new(path, problem);
}
