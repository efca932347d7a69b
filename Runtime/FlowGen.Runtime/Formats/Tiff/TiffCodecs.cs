// TIFF strip/tile decompression (LZW, Deflate, PackBits) and predictors (2 = horizontal differencing,
// 3 = floating point). Every decoder writes at most dst.Length bytes, so output is bounded by the
// chunk size the IFD declares; malformed input is a RasterFormatException, never an overrun or a hang.
using System.Buffers.Binary;
using System.IO.Compression;

namespace FlowGen.Runtime.Formats;

internal static class TiffCodecs
{
    /// <summary>Decompresses one chunk into <paramref name="dst"/>; returns the bytes produced.</summary>
    public static int Decompress(int compression, ReadOnlySpan<byte> src, Span<byte> dst, string path)
    {
        switch (compression)
        {
            case 1:
                int n = Math.Min(src.Length, dst.Length);
                src[..n].CopyTo(dst);
                return n;
            case 5: return Lzw(src, dst, path);
            case 8 or 32946: return Inflate(src, dst, path);
            case 32773: return PackBits(src, dst, path);
            default: throw new RasterFormatException(path, $"unsupported TIFF compression {compression} (FlowGen reads none, LZW, Deflate, PackBits)");
        }
    }

    private static unsafe int Inflate(ReadOnlySpan<byte> src, Span<byte> dst, string path)
    {
        if (src.IsEmpty) throw new RasterFormatException(path, "empty Deflate chunk (a zlib stream has at least a header)");
        fixed (byte* p = src)
        {
            using var ms = new UnmanagedMemoryStream(p, src.Length);
            try
            {
                using var z = new ZLibStream(ms, CompressionMode.Decompress);
                int total = 0;
                while (total < dst.Length)
                {
                    int k = z.Read(dst[total..]);
                    if (k <= 0) break;
                    total += k;
                }
                return total;
            }
            catch (InvalidDataException e)
            {
                throw new RasterFormatException(path, $"corrupt Deflate data: {e.Message}", e);
            }
        }
    }

    /// <summary>PackBits (Apple RLE): n in 0..127 copies n+1 bytes, -127..-1 repeats one byte 1-n times, -128 is a no-op.</summary>
    public static int PackBits(ReadOnlySpan<byte> src, Span<byte> dst, string path)
    {
        int i = 0, o = 0;
        while (i < src.Length && o < dst.Length)
        {
            int n = (sbyte)src[i++];
            if (n >= 0)
            {
                int len = n + 1;
                if (i + len > src.Length) throw new RasterFormatException(path, "PackBits literal run past the end of the strip");
                len = Math.Min(len, dst.Length - o);
                src.Slice(i, len).CopyTo(dst[o..]);
                i += n + 1;
                o += len;
            }
            else if (n != -128)
            {
                if (i >= src.Length) throw new RasterFormatException(path, "PackBits repeat run past the end of the strip");
                int len = Math.Min(1 - n, dst.Length - o);
                dst.Slice(o, len).Fill(src[i++]);
                o += len;
            }
        }
        return o;
    }

    /// <summary>
    /// TIFF LZW (MSB-first codes of 9-12 bits, Clear=256, EOI=257, code width grows one code early).
    /// Strings are rebuilt from prefix links, so the work is proportional to the output, bounded by dst.
    /// </summary>
    public static int Lzw(ReadOnlySpan<byte> src, Span<byte> dst, string path)
    {
        if (src.Length >= 2 && src[0] == 0 && (src[1] & 1) != 0)
            throw new RasterFormatException(path, "old-style (pre-TIFF 6) LZW is not supported");
        const int Clear = 256, Eoi = 257, MaxCodes = 4096;
        Span<short> prefix = stackalloc short[MaxCodes];
        Span<byte> suffix = stackalloc byte[MaxCodes];
        Span<byte> first = stackalloc byte[MaxCodes];
        Span<int> length = stackalloc int[MaxCodes];
        for (int c = 0; c < 256; c++) { prefix[c] = -1; suffix[c] = (byte)c; first[c] = (byte)c; length[c] = 1; }
        int next = 258, width = 9, old = -1, o = 0;
        long bitPos = 0;
        long totalBits = (long)src.Length * 8;
        while (o < dst.Length)
        {
            if (bitPos + width > totalBits) break; // ran out of codes without EOI: take what we have
            int code = 0;
            for (int k = 0; k < width; k++, bitPos++)
                code = code << 1 | (src[(int)(bitPos >> 3)] >> (7 - (int)(bitPos & 7)) & 1);
            if (code == Eoi) break;
            if (code == Clear)
            {
                next = 258;
                width = 9;
                old = -1;
                continue;
            }
            // A code already in the table, or the one about to be added (the KwKwK case).
            bool known = code < next;
            if (!known && !(code == next && old >= 0 && next < MaxCodes))
                throw new RasterFormatException(path, $"malformed LZW code {code} (next free code {next})");
            if (old >= 0 && next < MaxCodes)
            {
                prefix[next] = (short)old;
                suffix[next] = known ? first[code] : first[old];
                first[next] = first[old];
                length[next] = length[old] + 1;
                next++;
            }
            int emit = code;
            // Write the string of `emit` backwards from its end; clip at dst's end.
            int len = length[emit];
            int end = o + len;
            for (int c = emit, p = end - 1; c >= 0; c = prefix[c], p--)
                if (p < dst.Length) dst[p] = suffix[c];
            o = Math.Min(end, dst.Length);
            old = emit;
            if (next >= (1 << width) - 1 && width < 12) width++;
        }
        return o;
    }

    /// <summary>Undoes predictor 2 on one row of native-order samples (<paramref name="stride"/> samples per pixel).</summary>
    public static void HorizontalAccumulate(Span<byte> row, int bytesPerSample, int stride)
    {
        switch (bytesPerSample)
        {
            case 1:
                for (int i = stride; i < row.Length; i++) row[i] += row[i - stride];
                break;
            case 2:
                var s16 = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(row);
                for (int i = stride; i < s16.Length; i++) s16[i] += s16[i - stride];
                break;
            case 4:
                var s32 = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(row);
                for (int i = stride; i < s32.Length; i++) s32[i] += s32[i - stride];
                break;
            default:
                var s64 = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(row);
                for (int i = stride; i < s64.Length; i++) s64[i] += s64[i - stride];
                break;
        }
    }

    /// <summary>
    /// Undoes predictor 3 (floating point) on one row: bytes are differenced with stride `samplesPerPixel`
    /// over byte planes stored most significant first; the result is little-endian samples.
    /// </summary>
    public static void FloatingPointAccumulate(Span<byte> row, Span<byte> scratch, int bytesPerSample, int samplesPerPixel)
    {
        for (int i = samplesPerPixel; i < row.Length; i++) row[i] += row[i - samplesPerPixel];
        int count = row.Length / bytesPerSample;
        row.CopyTo(scratch);
        for (int s = 0; s < count; s++)
            for (int b = 0; b < bytesPerSample; b++)
                row[s * bytesPerSample + b] = scratch[(bytesPerSample - 1 - b) * count + s];
    }

    /// <summary>Reverses the bytes of every sample (file big-endian to native little-endian).</summary>
    public static void SwapBytes(Span<byte> data, int bytesPerSample)
    {
        switch (bytesPerSample)
        {
            case 2:
                var s16 = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(data);
                BinaryPrimitives.ReverseEndianness(s16, s16);
                break;
            case 4:
                var s32 = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(data);
                BinaryPrimitives.ReverseEndianness(s32, s32);
                break;
            case 8:
                var s64 = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(data);
                BinaryPrimitives.ReverseEndianness(s64, s64);
                break;
        }
    }
}
