// RAW16: byte order, square-size inference, explicit ranges, and the Unity and Unreal presets'
// value mappings (documented in the README), each checked on real DEM data by round trip.
using FlowGen.Runtime.Formats;

namespace FlowGen.Runtime.Tests.Formats;

public class Raw16CodecTests
{
    private static Raster DemCrop(int size)
    {
        var dem = RasterFile.Load(FormatFixtures.Data("jacksboro_fault_dem.npz"));
        var r = new Raster(size, size, 1);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++) r[x, y] = dem[x + 10, y + 20] + 0.3f;
        return r;
    }

    [Fact]
    public void ByteOrderIsSelectable()
    {
        using var dir = new TempDir();
        var r = new Raster(3, 1, 1, [0f, 1f, 2f]);
        var range = new ValueRange(0, 65535);
        Raw16Codec.Write(dir.File("le.r16"), r, new Raw16Options { Range = range });
        Raw16Codec.Write(dir.File("be.r16"), r, new Raw16Options { Range = range, BigEndian = true });
        Assert.Equal(new byte[] { 0, 0, 1, 0, 2, 0 }, File.ReadAllBytes(dir.File("le.r16")));
        Assert.Equal(new byte[] { 0, 0, 0, 1, 0, 2 }, File.ReadAllBytes(dir.File("be.r16")));
        var back = Raw16Codec.Read(dir.File("be.r16"), new RasterReadOptions { Raw16 = new Raw16Options { Width = 3, Height = 1, BigEndian = true } });
        Assert.Equal(r.Samples, back.Samples);
    }

    [Fact]
    public void ExplicitRangeRoundTripsWithinHalfAStep()
    {
        using var dir = new TempDir();
        var r = DemCrop(65);
        var range = new ValueRange(0, 2000);
        Raw16Codec.Write(dir.File("h.raw"), r, new Raw16Options { Range = range });
        // RAW16 has no signature: loading by extension infers the square size from the length.
        var back = RasterFile.Load(dir.File("h.raw"), new RasterReadOptions { Range = range });
        Assert.Equal((65, 65), (back.Width, back.Height));
        double step = 2000.0 / 65535;
        for (int i = 0; i < r.Samples.Length; i++) Assert.InRange(back.Samples[i] - r.Samples[i], -step / 2 - 1e-3, step / 2 + 1e-3);
    }

    [Fact]
    public void UnityPresetMapsDataRangeOntoFullScaleAndNeedsPowerOfTwoPlusOne()
    {
        using var dir = new TempDir();
        var r = DemCrop(129);
        var (lo, hi) = r.ValidRange();
        var mapping = Raw16Codec.Write(dir.File("u.r16"), r, new Raw16Options { Preset = Raw16Preset.Unity });
        Assert.Equal(lo, mapping.MinMetres, 1e-4);
        Assert.Equal(hi - lo, mapping.SpanMetres, 1e-3);
        var raw = Raw16Codec.Read(dir.File("u.r16"), new RasterReadOptions { Raw16 = new Raw16Options { Preset = Raw16Preset.Unity } });
        Assert.Equal(0f, raw.ValidRange().Min);
        Assert.Equal(65535f, raw.ValidRange().Max);
        Assert.Throws<ArgumentException>(() => Raw16Codec.Write(dir.File("bad.r16"), DemCrop(128), new Raw16Options { Preset = Raw16Preset.Unity }));
        Assert.False(File.Exists(dir.File("bad.r16")));
        Assert.True(Raw16Codec.IsPowerOfTwoPlusOne(4097));
        Assert.False(Raw16Codec.IsPowerOfTwoPlusOne(4096));
    }

    [Fact]
    public void UnrealPresetPutsZeroMetresAt32768()
    {
        using var dir = new TempDir();
        var r = new Raster(4, 1, 1, [0f, 1f, -1f, 250f]);
        var mapping = Raw16Codec.Write(dir.File("ue.r16"), r, new Raw16Options { Preset = Raw16Preset.Unreal, UnrealZScale = 100 });
        Assert.Equal(100, mapping.UnrealZScale);
        var bytes = File.ReadAllBytes(dir.File("ue.r16"));
        int Sample(int i) => bytes[2 * i] | bytes[2 * i + 1] << 8;
        Assert.Equal(32768, Sample(0));
        Assert.Equal(32768 + 128, Sample(1));     // Z scale 100: 1/128 m per unit
        Assert.Equal(32768 - 128, Sample(2));
        Assert.Equal(32768 + 32000, Sample(3));
        var back = Raw16Codec.Read(dir.File("ue.r16"), new RasterReadOptions { Raw16 = new Raw16Options { Width = 4, Height = 1, Preset = Raw16Preset.Unreal, UnrealZScale = 100 } });
        Assert.Equal(r.Samples, back.Samples);

        // Without a Z scale the smallest one that fits is chosen; the tallest point then sits at 32767 units.
        var tall = DemCrop(33);
        var fit = Raw16Codec.Write(dir.File("fit.r16"), tall, new Raw16Options { Preset = Raw16Preset.Unreal });
        var fitBack = Raw16Codec.Read(dir.File("fit.r16"), new RasterReadOptions { Raw16 = new Raw16Options { Preset = Raw16Preset.Unreal, UnrealZScale = fit.UnrealZScale } });
        Assert.Equal(tall.ValidRange().Max, fitBack.ValidRange().Max, 0.05f);
        Assert.Equal(65535, File.ReadAllBytes(dir.File("fit.r16")).Chunk(2).Max(b => b[0] | b[1] << 8));
    }

    [Fact]
    public void LengthThatFitsNoGridIsATypedError()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("odd.r16"), new byte[10]);
        var e = Assert.Throws<RasterFormatException>(() => RasterFile.Load(dir.File("odd.r16")));
        Assert.Contains("odd.r16", e.Message);
        Assert.Throws<RasterFormatException>(() => Raw16Codec.Read(dir.File("odd.r16"), new RasterReadOptions { Raw16 = new Raw16Options { Width = 3, Height = 2 } }));
    }
}
