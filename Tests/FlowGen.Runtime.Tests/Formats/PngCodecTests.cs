// PNG reading against files from three independent encoders (the fixture script's own zlib/struct
// encoder covering every colour type, bit depth, filter and Adam7; PIL; ImageMagick), writer round
// trips, and PIL and ImageMagick reading FlowGen's PNGs back identically.
using FlowGen.Runtime.Formats;

namespace FlowGen.Runtime.Tests.Formats;

public class PngCodecTests
{
    private static readonly Lazy<IReadOnlyDictionary<string, NpyArray>> Expected =
        new(() => NpzArchive.Read(FormatFixtures.Path("png", "expected.npz")));

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(FormatFixtures.Path("png"), "*.png")) data.Add(Path.GetFileNameWithoutExtension(f));
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void ReadsIndependentEncoderOutputSampleForSample(string name)
    {
        var expected = Expected.Value[name];
        var r = PngCodec.Read(FormatFixtures.Path("png", name + ".png"));
        Assert.Equal(expected.Shape, new[] { r.Height, r.Width, r.Channels });
        var e = expected.AsSpan<ushort>();
        for (int i = 0; i < e.Length; i++)
            Assert.True(e[i] == r.Samples[i], $"{name}: sample {i} is {r.Samples[i]}, expected {e[i]}");
    }

    [Fact]
    public void FixturesCoverEveryColourTypeDepthAndInterlace()
    {
        var names = Directory.GetFiles(FormatFixtures.Path("png"), "*.png").Select(Path.GetFileNameWithoutExtension).ToHashSet();
        foreach (string i in new[] { "", "_i" })
        {
            foreach (int d in new[] { 1, 2, 4, 8, 16 }) Assert.Contains($"gray{d}{i}", names);
            foreach (int d in new[] { 1, 2, 4, 8 }) Assert.Contains($"palette{d}{i}", names);
            foreach (var c in new[] { "rgb", "graya", "rgba" })
                foreach (int d in new[] { 8, 16 }) Assert.Contains($"{c}{d}{i}", names);
        }
        var interlaced = PngCodec.Read(FormatFixtures.Path("png", "im_gray16_adam7.png"));
        Assert.Equal("adam7", interlaced.Metadata["interlace"]);
    }

    [Theory]
    [InlineData(1, 8)]
    [InlineData(2, 8)]
    [InlineData(3, 8)]
    [InlineData(4, 8)]
    [InlineData(1, 16)]
    [InlineData(2, 16)]
    [InlineData(3, 16)]
    [InlineData(4, 16)]
    public void RoundTripsEveryWrittenLayout(int channels, int bits)
    {
        using var dir = new TempDir();
        var rng = new Random(channels * 100 + bits);
        var r = new Raster(37, 23, channels);
        for (int i = 0; i < r.Samples.Length; i++) r.Samples[i] = rng.Next(1 << bits);
        PngCodec.Write(dir.File("x.png"), r, new PngWriteOptions { BitDepth = bits });
        var back = PngCodec.Read(dir.File("x.png"));
        Assert.Equal((r.Width, r.Height, r.Channels), (back.Width, back.Height, back.Channels));
        Assert.Equal(r.Samples, back.Samples);
    }

    [Fact]
    public void SixteenBitHeightmapKeepsMetresThroughRecordedRange()
    {
        using var dir = new TempDir();
        var dem = RasterFile.Load(FormatFixtures.Data("jacksboro_fault_dem.npz"));
        var range = new ValueRange(200, 1100);
        PngCodec.Write(dir.File("h.png"), dem, new PngWriteOptions { BitDepth = 16, Range = range });
        var back = PngCodec.Read(dir.File("h.png"));
        Assert.Equal(range.ToString(), back.Metadata[PngCodec.RangeKey]);
        double step = (range.Max - range.Min) / 65535;
        for (int i = 0; i < dem.Samples.Length; i++) Assert.InRange(back.Samples[i] - dem.Samples[i], -step / 2 - 1e-4, step / 2 + 1e-4);
        var raw = PngCodec.Read(dir.File("h.png"), new RasterReadOptions { ApplyRange = false });
        Assert.Equal(Math.Round((dem.Samples[0] - 200) / 900.0 * 65535), raw.Samples[0]);
    }

    [Fact]
    public void SpanHelpersWriteWhatTheyAreGiven()
    {
        using var dir = new TempDir();
        var gray = Enumerable.Range(0, 15).Select(i => (byte)(i * 17)).ToArray();
        PngCodec.WriteGray8(dir.File("g.png"), 5, 3, gray);
        Assert.Equal(gray.Select(b => (float)b), PngCodec.Read(dir.File("g.png")).Samples);
        var rgb = Enumerable.Range(0, 45).Select(i => (byte)(i * 5)).ToArray();
        PngCodec.WriteRgb8(dir.File("c.png"), 5, 3, rgb);
        Assert.Equal(rgb.Select(b => (float)b), PngCodec.Read(dir.File("c.png")).Samples);
        var g16 = Enumerable.Range(0, 15).Select(i => (ushort)(i * 4000 + 3)).ToArray();
        PngCodec.WriteGray16(dir.File("h.png"), 5, 3, g16);
        Assert.Equal(g16.Select(b => (float)b), PngCodec.Read(dir.File("h.png")).Samples);
        Assert.Throws<ArgumentException>(() => PngCodec.WriteGray8(dir.File("bad.png"), 5, 4, gray));
        Assert.False(File.Exists(dir.File("bad.png")));
    }

    [Fact]
    public void RefusesUnmappedValuesInsteadOfClampingAndLeavesOldFile()
    {
        using var dir = new TempDir();
        PngCodec.WriteGray8(dir.File("x.png"), 1, 1, [9]);
        var r = new Raster(2, 1, 1, [0.5f, 300f]);
        Assert.Throws<ArgumentException>(() => PngCodec.Write(dir.File("x.png"), r));
        Assert.Equal([9f], PngCodec.Read(dir.File("x.png")).Samples);
        Assert.Single(Directory.GetFiles(dir.Root));
    }

    [ToolFact("python:numpy,PIL")]
    public void PilReadsFlowGenPngsIdentically()
    {
        using var dir = new TempDir();
        var rng = new Random(5);
        foreach (var (channels, bits) in new[] { (1, 8), (1, 16), (3, 8), (4, 8), (2, 8), (3, 16) })
        {
            var r = new Raster(19, 7, channels);
            for (int i = 0; i < r.Samples.Length; i++) r.Samples[i] = rng.Next(1 << bits);
            string name = $"c{channels}_b{bits}";
            PngCodec.Write(dir.File(name + ".png"), r, new PngWriteOptions { BitDepth = bits });
            NpyCodec.Write(dir.File(name + ".npy"), r);
        }
        string output = ExternalTool.RunPython("""
            import sys, glob, numpy as np
            from PIL import Image
            n = 0
            for p in sorted(glob.glob(sys.argv[1] + '/*.png')):
                im = Image.open(p); im.load()
                want = np.load(p[:-4] + '.npy')
                if im.mode in ('I;16', 'I;16B', 'I'):
                    got = np.array(im).astype(np.float32)
                elif '_b16' in p:
                    continue  # PIL decodes 16-bit colour PNGs to 8 bits; ImageMagick checks those
                else:
                    got = np.array(im).astype(np.float32)
                if got.ndim == 2 and want.ndim == 3: got = got[:, :, None]
                assert got.shape == want.shape, (p, got.shape, want.shape)
                assert (got == want).all(), p
                n += 1
            print('pil ok', n)
            """, dir.Root);
        Assert.Contains("pil ok 5", output);
    }

    [ToolFact("exe:/usr/bin/convert")]
    public void ImageMagickReadsFlowGenPngsIdentically()
    {
        using var dir = new TempDir();
        var rng = new Random(6);
        foreach (var (channels, bits, map) in new[] { (1, 16, "gray"), (3, 16, "rgb"), (4, 8, "rgba"), (1, 8, "gray") })
        {
            var r = new Raster(11, 9, channels);
            for (int i = 0; i < r.Samples.Length; i++) r.Samples[i] = rng.Next(1 << bits);
            string p = dir.File($"x{channels}_{bits}.png");
            PngCodec.Write(p, r, new PngWriteOptions { BitDepth = bits });
            int rc = ExternalTool.Run("/usr/bin/convert", [p, "-depth", bits.ToString(), "-endian", "MSB", $"{map}:{dir.File("out.raw")}"], out _, out var err);
            Assert.True(rc == 0, err);
            var raw = File.ReadAllBytes(dir.File("out.raw"));
            Assert.Equal(r.Samples.Length * bits / 8, raw.Length);
            for (int i = 0; i < r.Samples.Length; i++)
            {
                int v = bits == 8 ? raw[i] : raw[2 * i] << 8 | raw[2 * i + 1];
                Assert.True(v == r.Samples[i], $"{p}: sample {i} is {v} in ImageMagick, {r.Samples[i]} written");
            }
        }
    }

    [Fact]
    public void BadCrcNamesFileAndChunk()
    {
        using var dir = new TempDir();
        var bytes = File.ReadAllBytes(FormatFixtures.Path("png", "gray8.png"));
        bytes[20] ^= 0x40; // inside IHDR's data
        File.WriteAllBytes(dir.File("bad.png"), bytes);
        var e = Assert.Throws<RasterFormatException>(() => RasterFile.Load(dir.File("bad.png")));
        Assert.Contains("bad.png", e.Message);
        Assert.Contains("CRC", e.Message);
    }
}
