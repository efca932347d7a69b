// `flowgen convert` and `flowgen info` run as a user runs them (the built flowgen.dll in a child
// process), on the committed format fixtures and the bundled DEM; outputs are checked by reading them
// back with the runtime's readers.
using System.Diagnostics;
using FlowGen.Runtime.Formats;

namespace FlowGen.Cli.Tests.Formats;

public sealed class ConvertInfoCommandTests : IDisposable
{
    private static readonly string Root = FindRoot();
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "flowgen-cli-formats-" + Guid.NewGuid().ToString("N"));

    public ConvertInfoCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(params string[] parts) => Path.Combine([Root, "Tests", "Fixtures", "formats", .. parts]);

    private static string Dem => Path.Combine(Root, "data", "jacksboro_fault_dem.npz");

    private string Out(string name) => Path.Combine(_dir, name);

    private static (int Code, string Stdout, string Stderr) Flowgen(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "flowgen.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(120_000), "flowgen did not finish");
        return (p.ExitCode, stdout, err.Result);
    }

    [Fact]
    public void ConvertsDemToSixteenBitPngWithRecordedRange()
    {
        var (code, stdout, stderr) = Flowgen("convert", Dem, Out("dem.png"));
        Assert.True(code == 0, stderr);
        Assert.Contains("range: 0..65535 = 236..1076", stdout);
        var dem = RasterFile.Load(Dem);
        var png = RasterFile.Load(Out("dem.png"));
        Assert.Equal("16", png.Metadata["bit_depth"]);
        for (int i = 0; i < dem.Samples.Length; i++) Assert.InRange(png.Samples[i] - dem.Samples[i], -0.01f, 0.01f);
    }

    [Fact]
    public void ConvertsOneBandOfAGeoTiffToNpy()
    {
        string tif = Fixture("tiff", "rgb_int16_band_tiles.tif");
        var (code, _, stderr) = Flowgen("convert", tif, Out("b1.npy"), "--band", "1");
        Assert.True(code == 0, stderr);
        var want = TiffReader.Read(tif).SelectChannel(1);
        var got = NpyCodec.Read(Out("b1.npy"));
        Assert.Equal(new[] { want.Height, want.Width }, got.Shape);
        Assert.Equal(want.Samples, got.AsSpan<float>().ToArray());
    }

    [Fact]
    public void UnrealPresetReportsZScaleAndRoundTrips()
    {
        // Z scale 400 spans +-1024 m: the DEM's 1076 m summit does not fit, and clipping is refused.
        var (tooSmall, _, err) = Flowgen("convert", Dem, Out("dem.r16"), "--preset", "unreal", "--unreal-zscale", "400");
        Assert.Equal(2, tooSmall);
        Assert.Contains("raise the Unreal Z scale", err);
        var (code, stdout, stderr) = Flowgen("convert", Dem, Out("dem.r16"), "--preset", "unreal", "--unreal-zscale", "500");
        Assert.True(code == 0, stderr);
        Assert.Contains("set the landscape Z scale to 500", stdout);
        var back = Raw16Codec.Read(Out("dem.r16"), new RasterReadOptions { Raw16 = new Raw16Options { Width = 403, Height = 344, Preset = Raw16Preset.Unreal, UnrealZScale = 500 } });
        var dem = RasterFile.Load(Dem);
        double step = 5.0 / 128;
        for (int i = 0; i < dem.Samples.Length; i++) Assert.InRange(back.Samples[i] - dem.Samples[i], -step, step);
    }

    [Fact]
    public void UnityPresetRefusesNonTerrainSizesWithoutWritingAnything()
    {
        var (code, _, stderr) = Flowgen("convert", Dem, Out("dem.r16"), "--preset", "unity");
        Assert.Equal(2, code);
        Assert.Contains("2^n+1", stderr);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void InfoReportsGeoreferenceNoDataAndPixelSize()
    {
        var (code, stdout, stderr) = Flowgen("info", Fixture("tiff", "nodata_int16_lzw.tif"));
        Assert.True(code == 0, stderr);
        Assert.Contains("format: tiff", stdout);
        Assert.Contains("size: 37x29", stdout);
        Assert.Contains("nodata: -9999 (16 pixels)", stdout);
        Assert.Contains("crs: EPSG:4326 (geographic)", stdout);
        Assert.Contains("pixel size (m): 74.", stdout);
        Assert.Contains("compression: lzw", stdout);
    }

    [Fact]
    public void BadInputIsOneLineNamingTheFile()
    {
        string junk = Out("junk.tif");
        var bytes = File.ReadAllBytes(Fixture("tiff", "int16_lzw_p2_tiles.tif"));
        File.WriteAllBytes(junk, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        var (code, _, stderr) = Flowgen("info", junk);
        Assert.Equal(2, code);
        Assert.StartsWith("flowgen: error: " + junk, stderr.Trim());
        Assert.Single(stderr.Trim().Split('\n'));
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FlowGen.sln"))) return dir.FullName;
        throw new InvalidOperationException("FlowGen.sln not found");
    }
}
