// PNG encoding: 8/16-bit gray, gray+alpha, RGB, RGBA, no interlace. Each row gets the filter with the
// smallest sum of absolute signed bytes (libpng's default heuristic); the zlib stream goes straight
// into 32 KiB IDAT chunks, so encoding holds only a few rows in pooled buffers.
using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace FlowGen.Runtime.Formats;

internal static class PngEncoder
{
    /// <summary>
    /// Writes a complete PNG. <paramref name="pixels"/> holds the rows packed as they appear in the file
    /// (samples big-endian for 16-bit), height * width * channels * bitDepth/8 bytes.
    /// </summary>
    public static void Encode(Stream output, int width, int height, int colorType, int bitDepth, ReadOnlySpan<byte> pixels,
        IReadOnlyList<KeyValuePair<string, string>>? texts = null)
    {
        int channels = colorType switch { 0 => 1, 2 => 3, 4 => 2, 6 => 4, _ => throw new ArgumentOutOfRangeException(nameof(colorType)) };
        int bpp = channels * bitDepth / 8;
        int rowBytes = width * bpp;
        output.Write(PngDecoder.Signature);

        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr[4..], (uint)height);
        ihdr[8] = (byte)bitDepth;
        ihdr[9] = (byte)colorType;
        ihdr[10] = ihdr[11] = ihdr[12] = 0;
        WriteChunk(output, "IHDR"u8, ihdr);
        if (texts is not null)
            foreach (var (key, value) in texts)
            {
                var bytes = Encoding.Latin1.GetBytes(key + "\0" + value);
                WriteChunk(output, "tEXt"u8, bytes);
            }

        byte[] rented = ArrayPool<byte>.Shared.Rent(6 * (rowBytes + 1));
        try
        {
            var candidates = rented.AsSpan(0, 5 * (rowBytes + 1));
            var zeros = rented.AsSpan(5 * (rowBytes + 1), rowBytes);
            zeros.Clear();
            using (var idat = new IdatStream(output))
            {
                using var z = new ZLibStream(idat, CompressionLevel.Optimal, leaveOpen: true);
                for (int y = 0; y < height; y++)
                {
                    var row = pixels.Slice(y * rowBytes, rowBytes);
                    var prev = y == 0 ? zeros : pixels.Slice((y - 1) * rowBytes, rowBytes);
                    z.Write(ChooseFilter(row, prev, bpp, candidates, rowBytes + 1));
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
        WriteChunk(output, "IEND"u8, []);
    }

    private static ReadOnlySpan<byte> ChooseFilter(ReadOnlySpan<byte> row, ReadOnlySpan<byte> prev, int bpp, Span<byte> buffers, int stride)
    {
        long best = long.MaxValue;
        int bestIndex = 0;
        for (int f = 0; f < 5; f++)
        {
            var dst = buffers.Slice(f * stride, stride);
            dst[0] = (byte)f;
            long sum = 0;
            for (int i = 0; i < row.Length; i++)
            {
                byte a = i >= bpp ? row[i - bpp] : (byte)0, b = prev[i], c = i >= bpp ? prev[i - bpp] : (byte)0;
                byte v = f switch
                {
                    0 => row[i],
                    1 => (byte)(row[i] - a),
                    2 => (byte)(row[i] - b),
                    3 => (byte)(row[i] - ((a + b) >> 1)),
                    _ => (byte)(row[i] - PngDecoder.Paeth(a, b, c)),
                };
                dst[i + 1] = v;
                int signed = (sbyte)v;
                sum += signed < 0 ? -signed : signed;
            }
            if (sum < best) { best = sum; bestIndex = f; }
        }
        return buffers.Slice(bestIndex * stride, stride);
    }

    internal static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(head, (uint)data.Length);
        type.CopyTo(head[4..]);
        output.Write(head);
        output.Write(data);
        uint crc = Crc32.Update(Crc32.Compute(type), data);
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tail, crc);
        output.Write(tail);
    }

    /// <summary>Buffers the zlib stream and emits it as IDAT chunks of up to 32 KiB.</summary>
    private sealed class IdatStream(Stream output) : Stream
    {
        private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(1 << 15);
        private int _count;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> data)
        {
            while (data.Length > 0)
            {
                int n = Math.Min(data.Length, (1 << 15) - _count);
                data[..n].CopyTo(_buffer.AsSpan(_count));
                _count += n;
                data = data[n..];
                if (_count == 1 << 15) Flush();
            }
        }

        public override void Flush()
        {
            if (_count == 0) return;
            WriteChunk(output, "IDAT"u8, _buffer.AsSpan(0, _count));
            _count = 0;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Flush();
                ArrayPool<byte>.Shared.Return(_buffer);
            }
            base.Dispose(disposing);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
