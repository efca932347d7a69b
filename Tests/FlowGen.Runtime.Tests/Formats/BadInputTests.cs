// Bad input: every reader must end in a RasterFormatException that names the file, within bounded
// memory and time, for truncations, bit flips, wrong magic, inconsistent tags, absurd dimensions,
// decompression bombs and malformed LZW codes. The mutation test runs thousands of seeded corruptions
// of valid fixtures; the targeted tests build each kind of bad file on purpose.
using System.Buffers.Binary;
using System.IO.Compression;
using FlowGen.Runtime.Formats;

namespace FlowGen.Runtime.Tests.Formats;

public class BadInputTests
{
    // Small enough that no corrupted header can make a reader allocate more than ~64 MiB.
    private static readonly RasterReadOptions Limited = new() { MaxSamples = 1 << 22 };

    private static readonly string[] Seeds =
    [
        "png/gray8.png", "png/rgba16_i.png", "png/palette_trns_i.png", "png/gray2_i.png", "png/dem16.png",
        "tiff/int16_lzw_p2_strips.tif", "tiff/float32_deflate_p3_tiles.tif", "tiff/uint16_packbits_p1_tiles.tif",
        "tiff/be_rgb_int16_band_tiles.tif", "tiff/bigtiff_int16_lzw_tiles.tif", "tiff/float64_lzw_p2_strips.tif",
        "tiff/nodata_int16_lzw.tif", "tiff/utm16n_float32.tif",
        "npy/f4_be.npy", "npy/i2_be_fortran.npy", "npy/f8_v3.npy", "npy/deflated.npz", "npy/stored.npz",
    ];

    public static TheoryData<string> SeedFiles()
    {
        var d = new TheoryData<string>();
        foreach (var s in Seeds) d.Add(s);
        return d;
    }

    [Theory]
    [MemberData(nameof(SeedFiles))]
    public async Task SeededMutationsGiveTypedErrorsNamingTheFile(string seedFile)
    {
        var original = File.ReadAllBytes(FormatFixtures.Path(seedFile.Split('/')));
        using var dir = new TempDir();
        string path = dir.File("mutant" + Path.GetExtension(seedFile));
        var rng = new Random(seedFile.Aggregate(17, (h, c) => h * 31 + c));
        int failures = 0, loaded = 0;
        // CI (FLOWGEN_SLOW_TESTS=1) runs five times as many mutations per seed file.
        int mutations = Environment.GetEnvironmentVariable("FLOWGEN_SLOW_TESTS") == "1" ? 1000 : 200;
        for (int i = 0; i < mutations; i++)
        {
            var bytes = Mutate(original, rng, out string how);
            if (seedFile.EndsWith(".png", StringComparison.Ordinal) && rng.Next(2) == 0) FixPngCrcs(bytes);
            File.WriteAllBytes(path, bytes);
            var task = Task.Run(() => RasterFile.Load(path, Limited));
            // A hang detector, not a timing assertion: legitimate loads of these files take milliseconds.
            var first = await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(30)));
            Assert.True(first == task, $"{seedFile} mutation {i} ({how}) did not finish");
            try
            {
                var r = await task;
                Assert.True((long)r.Width * r.Height * r.Channels <= Limited.MaxSamples);
                loaded++;
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                Assert.True(e is RasterFormatException, $"{seedFile} mutation {i} ({how}): {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
                Assert.Contains(path, e.Message);
                failures++;
            }
        }
        Assert.True(failures > 0, $"{seedFile}: no mutation was detected as bad");
    }

    private static byte[] Mutate(byte[] original, Random rng, out string how)
    {
        var b = (byte[])original.Clone();
        switch (rng.Next(6))
        {
            case 0:
                int len = rng.Next(b.Length);
                how = $"truncate to {len}";
                return b[..len];
            case 1:
                int flips = rng.Next(1, 9);
                how = $"{flips} bit flips";
                for (int k = 0; k < flips; k++) b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                return b;
            case 2:
                // Headers and directories sit near the start (or, for zip, the end): hit them harder.
                int at = rng.Next(2) == 0 ? rng.Next(Math.Min(b.Length, 256)) : rng.Next(b.Length);
                how = $"0xFF run at {at}";
                for (int k = at; k < Math.Min(b.Length, at + rng.Next(1, 5)); k++) b[k] = 0xFF;
                return b;
            case 3:
                int z = rng.Next(b.Length);
                how = $"zero run at {z}";
                for (int k = z; k < Math.Min(b.Length, z + rng.Next(1, 64)); k++) b[k] = 0;
                return b;
            case 4:
                int from = Math.Max(0, b.Length - 1 - rng.Next(Math.Min(b.Length, 512)));
                how = $"bit flip in the last 512 bytes at {from}";
                b[from] ^= (byte)(1 << rng.Next(8));
                return b;
            default:
                int p = rng.Next(Math.Max(1, b.Length - 4));
                uint v = rng.Next(3) switch { 0 => uint.MaxValue, 1 => 0x7FFFFFFF, _ => (uint)rng.Next() };
                how = $"u32 {v} at {p}";
                if (p + 4 <= b.Length) BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(p), v);
                return b;
        }
    }

    /// <summary>Recomputes PNG chunk CRCs so mutations reach the decoder instead of stopping at the CRC check.</summary>
    private static void FixPngCrcs(byte[] b)
    {
        int pos = 8;
        while (pos + 12 <= b.Length)
        {
            uint len = BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(pos));
            if (len > b.Length || pos + 12L + len > b.Length) return;
            uint crc = Crc32.Compute(b.AsSpan(pos + 4, 4 + (int)len));
            BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(pos + 8 + (int)len), crc);
            pos += 12 + (int)len;
        }
    }

    private static RasterFormatException LoadFails(TempDir dir, string name, byte[] content, RasterReadOptions? options = null)
    {
        string p = dir.File(name);
        File.WriteAllBytes(p, content);
        var e = Assert.Throws<RasterFormatException>(() => RasterFile.Load(p, options ?? Limited));
        Assert.Contains(p, e.Message);
        return e;
    }

    private static byte[] Png(uint width, uint height, byte[] idat)
    {
        var ms = new MemoryStream();
        ms.Write(PngDecoder.Signature);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        PngEncoder.WriteChunk(ms, "IHDR"u8, ihdr);
        PngEncoder.WriteChunk(ms, "IDAT"u8, idat);
        PngEncoder.WriteChunk(ms, "IEND"u8, []);
        return ms.ToArray();
    }

    private static byte[] Zlib(byte[] raw)
    {
        var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.SmallestSize)) z.Write(raw);
        return ms.ToArray();
    }

    [Fact]
    public void AbsurdPngDimensionsAreRefusedBeforeAllocating()
    {
        using var dir = new TempDir();
        var e = LoadFails(dir, "huge.png", Png(1_000_000, 1_000_000, Zlib(new byte[16])));
        Assert.Contains("exceed", e.Message);
        LoadFails(dir, "zero.png", Png(0, 5, Zlib(new byte[16])));
    }

    [Fact]
    public void PngDecompressionBombInflatesOnlyWhatTheHeaderImplies()
    {
        using var dir = new TempDir();
        // 64 MiB of zeros compress to ~64 KiB; the 16x16 image needs 16*17 bytes of it.
        var bomb = Png(16, 16, Zlib(new byte[64 << 20]));
        string p = dir.File("bomb.png");
        File.WriteAllBytes(p, bomb);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var r = RasterFile.Load(p, Limited);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal((16, 16), (r.Width, r.Height));
        Assert.True(allocated < 8 << 20, $"decoding allocated {allocated} bytes");
        // The same bomb declaring a huge image stops at the size check.
        LoadFails(dir, "bomb2.png", Png(60_000, 60_000, Zlib(new byte[1 << 20])));
    }

    [Fact]
    public void WrongMagicIsUnrecognised()
    {
        using var dir = new TempDir();
        var e = LoadFails(dir, "image.png", "GIF89a...................."u8.ToArray());
        Assert.Contains("unrecognised", e.Message);
        LoadFails(dir, "x.npy", [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 9, 0, 0, 0]);
    }

    [Fact]
    public void AbsurdNpyShapeIsRefusedBeforeAllocating()
    {
        using var dir = new TempDir();
        string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }";
        var ms = new MemoryStream();
        ms.Write(NpyCodec.Magic);
        ms.Write([1, 0, (byte)header.Length, 0]);
        ms.Write(System.Text.Encoding.ASCII.GetBytes(header));
        var e = LoadFails(dir, "big.npy", ms.ToArray());
        Assert.Contains("limit", e.Message);
    }

    /// <summary>A little-endian classic TIFF: 8x8 uint16, one strip, with the given compression and strip bytes.</summary>
    private static byte[] Tiff(int compression, byte[] strip, long width = 8, long height = 8, uint? stripOffset = null, int stripCount = 1)
    {
        var entries = new List<(ushort Tag, ushort Type, uint Count, uint Value)>
        {
            (256, 4, 1, (uint)width), (257, 4, 1, (uint)height), (258, 3, 1, 16), (259, 3, 1, (uint)compression),
            (273, 4, (uint)stripCount, stripOffset ?? 8), (277, 3, 1, 1), (278, 4, 1, (uint)height), (279, 4, 1, (uint)strip.Length),
        };
        var ms = new MemoryStream();
        var w = new BinaryWriter(ms);
        w.Write("II"u8);
        w.Write((ushort)42);
        w.Write((uint)(8 + strip.Length));
        w.Write(strip);
        w.Write((ushort)entries.Count);
        foreach (var (tag, type, count, value) in entries)
        {
            w.Write(tag);
            w.Write(type);
            w.Write(count);
            if (type == 3) { w.Write((ushort)value); w.Write((ushort)0); } else w.Write(value);
        }
        w.Write(0u);
        return ms.ToArray();
    }

    [Fact]
    public void HandBuiltTiffIsReadSoTheCorruptionsBelowAreMeaningful()
    {
        using var dir = new TempDir();
        var strip = new byte[128];
        for (int i = 0; i < 64; i++) BinaryPrimitives.WriteUInt16LittleEndian(strip.AsSpan(2 * i), (ushort)(i * 1000));
        File.WriteAllBytes(dir.File("ok.tif"), Tiff(1, strip));
        var r = RasterFile.Load(dir.File("ok.tif"));
        Assert.Equal(63000f, r[7, 7]);
    }

    [Fact]
    public void MalformedLzwCodesAreNamed()
    {
        using var dir = new TempDir();
        // 9-bit codes MSB first: Clear (256), then 300, which is beyond the next free code 258.
        var e = LoadFails(dir, "lzw.tif", Tiff(5, [0b1000_0000, 0b0_1001011, 0b00_000000, 0, 0]));
        Assert.Contains("LZW", e.Message);
        // A stream that ends early decodes to too few bytes.
        var e2 = LoadFails(dir, "short.tif", Tiff(5, [0b1000_0000, 0b0_0000000, 0b01_000000]));
        Assert.Contains("decodes to", e2.Message);
    }

    [Fact]
    public void InconsistentTiffTagsAreNamed()
    {
        using var dir = new TempDir();
        var strip = new byte[128];
        Assert.Contains("outside the file", LoadFails(dir, "off.tif", Tiff(1, strip, stripOffset: 1_000_000)).Message);
        Assert.Contains("invalid image size", LoadFails(dir, "dims.tif", Tiff(1, strip, width: 3_000_000_000, height: 3_000_000_000)).Message);
        Assert.Contains("exceed", LoadFails(dir, "big.tif", Tiff(1, strip, width: 60_000, height: 60_000)).Message);
        Assert.Contains("decodes to", LoadFails(dir, "small.tif", Tiff(1, strip, width: 64, height: 64)).Message);
        Assert.Contains("unsupported TIFF compression", LoadFails(dir, "jpeg.tif", Tiff(7, strip)).Message);
        Assert.Contains("tag 273", LoadFails(dir, "count.tif", Tiff(1, strip, stripCount: 1000)).Message);
    }

    [Fact]
    public void TruncatedFilesOfEveryFormatAreNamed()
    {
        using var dir = new TempDir();
        foreach (var f in new[] { "png/rgb8.png", "tiff/int16_deflate_p2_tiles.tif", "npy/f8_v2.npy", "npy/deflated.npz" })
        {
            var b = File.ReadAllBytes(FormatFixtures.Path(f.Split('/')));
            LoadFails(dir, "cut" + Path.GetExtension(f), b[..(b.Length * 2 / 3)]);
        }
    }
}
