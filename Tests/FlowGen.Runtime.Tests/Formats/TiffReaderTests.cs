// GeoTIFF reading against GDAL: every fixture (all data types, compressions, predictors, strips and
// tiles, chunky and planar bands, both byte orders, BigTIFF, nodata, PixelIsPoint, geographic and
// projected CRSs) is compared value for value with GDAL's own read-back, and its georeference and
// nodata with gdalinfo's, both recorded by make_geotiff_fixtures.py.
using System.Text.Json;
using FlowGen.Runtime.Formats;

namespace FlowGen.Runtime.Tests.Formats;

public class TiffReaderTests
{
    private static readonly Lazy<IReadOnlyDictionary<string, NpyArray>> Expected =
        new(() => NpzArchive.Read(FormatFixtures.Path("tiff", "expected.npz")));

    private static readonly Lazy<JsonElement> Manifest =
        new(() => JsonDocument.Parse(File.ReadAllText(FormatFixtures.Path("tiff", "manifest.json"))).RootElement);

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var p in JsonDocument.Parse(File.ReadAllText(FormatFixtures.Path("tiff", "manifest.json"))).RootElement.EnumerateObject())
            data.Add(p.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void MatchesGdalValueForValue(string name)
    {
        var info = Manifest.Value.GetProperty(name);
        var r = RasterFile.Load(FormatFixtures.Path("tiff", name + ".tif"));
        var expected = Expected.Value[name];
        int bands = info.GetProperty("bands").GetInt32();
        Assert.Equal(info.GetProperty("size")[0].GetInt32(), r.Width);
        Assert.Equal(info.GetProperty("size")[1].GetInt32(), r.Height);
        Assert.Equal(bands, r.Channels);
        Assert.Equal(new[] { bands, r.Height, r.Width }, expected.Shape);
        for (int b = 0; b < bands; b++)
            for (int y = 0; y < r.Height; y++)
                for (int x = 0; x < r.Width; x++)
                {
                    float want = (float)expected.GetDouble(((long)b * r.Height + y) * r.Width + x);
                    float got = r[x, y, b];
                    Assert.True(want.Equals(got), $"{name}: band {b} ({x},{y}) is {got}, GDAL reads {want}");
                }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void MatchesGdalinfoGeoreferenceAndNoData(string name)
    {
        var info = Manifest.Value.GetProperty(name);
        var r = TiffReader.Read(FormatFixtures.Path("tiff", name + ".tif"));
        var gt = info.GetProperty("geoTransform").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.NotNull(r.Geo);
        var g = r.Geo!;
        Assert.Equal(gt[0], g.OriginX, 1e-9);
        Assert.Equal(gt[3], g.OriginY, 1e-9);
        Assert.Equal(gt[1], g.PixelWidth, 1e-12);
        Assert.Equal(gt[5], g.PixelHeight, 1e-12);
        Assert.Equal(info.GetProperty("epsg").GetInt32(), g.Epsg);
        Assert.Equal(info.GetProperty("geographic").GetBoolean(), g.IsGeographic);
        var nd = info.GetProperty("noData");
        if (nd.ValueKind == JsonValueKind.Null)
        {
            Assert.Null(r.NoDataValue);
            Assert.Null(r.NoDataMask);
        }
        else
        {
            double want = nd.GetString() == "NaN" ? double.NaN : double.Parse(nd.GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(want, r.NoDataValue!.Value);
            Assert.NotNull(r.NoDataMask);
            for (long p = 0; p < (long)r.Width * r.Height; p++)
            {
                float v = r.Samples[p];
                Assert.Equal(double.IsNaN(want) ? float.IsNaN(v) : v == (float)want, r.NoDataMask![p]);
            }
        }
    }

    [Fact]
    public void FixturesCoverTheMatrix()
    {
        var names = Manifest.Value.EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var t in new[] { "uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64" })
            foreach (var c in new[] { "none_p1", "lzw_p1", "lzw_p2", "deflate_p1", "deflate_p2", "packbits_p1" })
                foreach (var l in new[] { "strips", "tiles" })
                    Assert.Contains($"{t}_{c}_{l}", names);
        Assert.Contains("float32_lzw_p3_tiles", names);
        Assert.Contains("float64_deflate_p3_strips", names);
        Assert.Contains("rgb_int16_band_tiles", names);
        Assert.Contains("rgb_float32_pixel_strips", names);
        Assert.Contains("be_float32_deflate_p3_strips", names);
        Assert.Contains("bigtiff_int16_lzw_tiles", names);
        Assert.Contains("utm16n_float32", names);
        var be = TiffReader.Read(FormatFixtures.Path("tiff", "be_rgb_int16_band_tiles.tif"));
        Assert.Equal("big-endian", be.Metadata["byte_order"]);
        Assert.Contains("planar", be.Metadata["layout"]);
    }

    [Theory]
    [InlineData("rgb_int16_pixel_tiles")]
    [InlineData("rgb_float32_band_strips")]
    [InlineData("be_rgb_int16_band_tiles")]
    public void PicksOneBand(string name)
    {
        var all = TiffReader.Read(FormatFixtures.Path("tiff", name + ".tif"));
        for (int b = 0; b < 3; b++)
        {
            var one = RasterFile.Load(FormatFixtures.Path("tiff", name + ".tif"), new RasterReadOptions { Band = b });
            Assert.Equal(1, one.Channels);
            Assert.Equal(all.SelectChannel(b).Samples, one.Samples);
        }
        Assert.Throws<RasterFormatException>(() => TiffReader.Read(FormatFixtures.Path("tiff", name + ".tif"), new RasterReadOptions { Band = 3 }));
    }

    [Fact]
    public void PixelSizeInMetres()
    {
        var geo = TiffReader.Read(FormatFixtures.Path("tiff", "int16_none_p1_strips.tif"));
        var (gx, gy) = geo.Geo!.PixelSizeMetres(geo.Height);
        Assert.InRange(gx, 74.0, 75.0);   // 3" of longitude at 36.6° N
        Assert.InRange(gy, 92.0, 93.0);   // 3" of latitude
        var utm = TiffReader.Read(FormatFixtures.Path("tiff", "utm16n_float32.tif"));
        Assert.Equal((90.0, 90.0), utm.Geo!.PixelSizeMetres(utm.Height));
    }

    [Fact]
    public void ReadsGdalSrtmTile()
    {
        using var dir = new TempDir();
        string hgt = dir.File("N36W085.hgt");
        using (var gz = new System.IO.Compression.GZipStream(File.OpenRead(FormatFixtures.Path("hgt", "N36W085.hgt.gz")), System.IO.Compression.CompressionMode.Decompress))
        using (var o = File.Create(hgt)) gz.CopyTo(o);
        Assert.Equal(RasterFormat.Hgt, RasterFile.Detect(hgt));
        var r = RasterFile.Load(hgt);
        var expected = NpzArchive.ReadMember(FormatFixtures.Path("hgt", "expected.npz"), "elevation").AsSpan<short>();
        Assert.Equal((1201, 1201), (r.Width, r.Height));
        int voids = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], r.Samples[i]);
            Assert.Equal(expected[i] == -32768, r.NoDataMask![i]);
            if (r.NoDataMask[i]) voids++;
        }
        Assert.Equal(1201 * 1201 - 64 * 80 + 5, voids);
        var m = JsonDocument.Parse(File.ReadAllText(FormatFixtures.Path("hgt", "manifest.json"))).RootElement;
        var gt = m.GetProperty("geoTransform").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(gt[0], r.Geo!.OriginX, 1e-9);
        Assert.Equal(gt[3], r.Geo.OriginY, 1e-9);
        Assert.Equal(gt[1], r.Geo.PixelWidth, 1e-12);
        Assert.Equal(gt[5], r.Geo.PixelHeight, 1e-12);
        Assert.Equal(m.GetProperty("noData").GetDouble(), r.NoDataValue);
    }
}
