// NPY/NPZ against files numpy wrote (every dtype, both byte orders, Fortran order, format versions
// 1-3, stored and deflated NPZ), round trips of FlowGen's writer, and numpy reading FlowGen's files.
using FlowGen.Runtime.Formats;

namespace FlowGen.Runtime.Tests.Formats;

public class NpyCodecTests
{
    // The fixture script's formula: element i (C order) of the (5, 7) arrays.
    private static double Expected(string code, int i) =>
        code[0] == 'u' ? i * 37 % 200 : code[0] == 'f' ? (i * 37 % 200 - 100) / 4.0 : i * 37 % 200 - 100;

    public static TheoryData<string, string> Files()
    {
        var data = new TheoryData<string, string>();
        foreach (var f in Directory.GetFiles(FormatFixtures.Path("npy"), "*.npy"))
        {
            string name = Path.GetFileNameWithoutExtension(f);
            if (name == "rgb_hwc") continue;
            data.Add(name, name[..2]);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void ReadsNumpyFileValueForValue(string name, string code)
    {
        var a = NpyCodec.Read(FormatFixtures.Path("npy", name + ".npy"));
        Assert.Equal([5, 7], a.Shape);
        for (int i = 0; i < 35; i++) Assert.Equal(Expected(code, i), a.GetDouble(i));
    }

    [Fact]
    public void ReadsAllTypesAndVersionsPresent()
    {
        var names = Files().Select(r => (string)r[0]!).ToHashSet();
        foreach (var n in new[] { "f4_le", "f4_be", "f8_le", "f8_be", "i2_le", "i2_be", "u2_le", "u2_be", "i4_le", "i4_be", "u1_le", "f4_fortran", "i2_be_fortran", "f8_v1", "f8_v2", "f8_v3" })
            Assert.Contains(n, names);
    }

    [Fact]
    public void ThreeDimensionalArrayBecomesChannels()
    {
        var r = NpyCodec.ReadRaster(FormatFixtures.Path("npy", "rgb_hwc.npy"));
        Assert.Equal((7, 5, 3), (r.Width, r.Height, r.Channels));
        Assert.Equal(Expected("u1", 2 * 7 + 3), r[3, 2, 1]);
        var band = NpyCodec.ReadRaster(FormatFixtures.Path("npy", "rgb_hwc.npy"), new RasterReadOptions { Band = 2 });
        Assert.Equal(1, band.Channels);
        Assert.Equal(Expected("u1", 34), band[6, 4]);
    }

    [Theory]
    [InlineData("stored.npz")]
    [InlineData("deflated.npz")]
    public void ReadsNpzStoredAndDeflated(string file)
    {
        var members = NpzArchive.Read(FormatFixtures.Path("npy", file));
        Assert.Equal(0.5, members["dx"].ScalarValue);
        var e = members["elevation"];
        Assert.Equal(NpyDType.Int16, e.DType);
        for (int i = 0; i < 35; i++) Assert.Equal(Expected("i2", i), e.AsSpan<short>()[i]);
    }

    [Fact]
    public void ReadsBundledDemWithGeoreference()
    {
        var r = RasterFile.Load(FormatFixtures.Data("jacksboro_fault_dem.npz"));
        Assert.Equal((403, 344, 1), (r.Width, r.Height, r.Channels));
        var (lo, hi) = r.ValidRange();
        Assert.Equal((236f, 1076f), (lo, hi));
        Assert.NotNull(r.Geo);
        Assert.True(r.Geo!.IsGeographic);
        var (mx, my) = r.Geo.PixelSizeMetres(r.Height);
        // 3 arc-seconds at 36.6° N: ~92.5 m north-south, ~74.4 m east-west.
        Assert.InRange(my, 92.0, 93.0);
        Assert.InRange(mx, 74.0, 75.0);
    }

    [Fact]
    public void RoundTripsEveryWrittenType()
    {
        using var dir = new TempDir();
        var rng = new Random(7);
        void Check<T>(T[] values) where T : unmanaged
        {
            string p = dir.File(typeof(T).Name + ".npy");
            NpyCodec.Write<T>(p, values, 3, values.Length / 3);
            var a = NpyCodec.Read(p);
            Assert.Equal(NpyArray.DTypeOf<T>(), a.DType);
            Assert.Equal([3, values.Length / 3], a.Shape);
            Assert.Equal(values, a.AsSpan<T>().ToArray());
        }
        Check(Enumerable.Range(0, 30).Select(_ => (float)rng.NextDouble() * 1000 - 500).ToArray());
        Check(Enumerable.Range(0, 30).Select(_ => rng.NextDouble()).ToArray());
        Check(Enumerable.Range(0, 30).Select(_ => (short)rng.Next(short.MinValue, short.MaxValue)).ToArray());
        Check(Enumerable.Range(0, 30).Select(_ => (ushort)rng.Next(0, 65536)).ToArray());
        Check(Enumerable.Range(0, 30).Select(_ => rng.Next()).ToArray());
        Check(Enumerable.Range(0, 30).Select(_ => (byte)rng.Next(256)).ToArray());
    }

    [Fact]
    public void RoundTripsNpz()
    {
        using var dir = new TempDir();
        var elev = NpyArray.From<short>([1, -2, 3, 400, -500, 6], 2, 3);
        foreach (bool compress in new[] { false, true })
        {
            string p = dir.File($"a{compress}.npz");
            NpzArchive.Write(p, [KeyValuePair.Create("elevation", elev), KeyValuePair.Create("dx", NpyArray.Scalar(0.25))], compress);
            var back = NpzArchive.Read(p);
            Assert.Equal(elev.Data, back["elevation"].Data);
            Assert.Empty(back["dx"].Shape);
            Assert.Equal(0.25, back["dx"].ScalarValue);
        }
    }

    [ToolFact("python:numpy")]
    public void NumpyReadsFlowGenFiles()
    {
        using var dir = new TempDir();
        NpyCodec.Write<float>(dir.File("f.npy"), [1.5f, -2.25f, 3e8f, 0f, float.Epsilon, -7f], 2, 3);
        NpyCodec.Write<short>(dir.File("s.npy"), [1, -2, 32767, -32768], 4);
        NpyCodec.Write<double>(dir.File("d.npy"), [Math.PI], []);
        NpzArchive.Write(dir.File("z.npz"), [KeyValuePair.Create("elevation", NpyArray.From<ushort>([0, 65535, 7, 9], 2, 2)), KeyValuePair.Create("dx", NpyArray.Scalar(0.5))]);
        string output = ExternalTool.RunPython("""
            import sys, numpy as np
            d = sys.argv[1]
            f = np.load(d + '/f.npy'); s = np.load(d + '/s.npy'); x = np.load(d + '/d.npy'); z = np.load(d + '/z.npz')
            assert f.dtype == np.float32 and f.shape == (2, 3), (f.dtype, f.shape)
            assert (f == np.array([[1.5, -2.25, 3e8], [0, np.float32(1e-45), -7]], dtype=np.float32)).all(), f
            assert s.dtype == np.int16 and list(s) == [1, -2, 32767, -32768], s
            assert x.shape == () and x == np.pi
            assert z['elevation'].dtype == np.uint16 and z['elevation'].tolist() == [[0, 65535], [7, 9]]
            assert float(z['dx']) == 0.5
            print('numpy ok')
            """, dir.Root);
        Assert.Contains("numpy ok", output);
    }

    [Fact]
    public void WriterLeavesNoTemporaryFiles()
    {
        using var dir = new TempDir();
        NpyCodec.Write<float>(dir.File("x.npy"), [1f, 2f], 2);
        NpyCodec.Write<float>(dir.File("x.npy"), [3f], 1);
        Assert.Equal(["x.npy"], Directory.GetFiles(dir.Root).Select(Path.GetFileName));
        Assert.Equal([3f], NpyCodec.Read(dir.File("x.npy")).AsSpan<float>().ToArray());
    }
}
