// `flowgen upscale` through the real executable on the bundled DEM: its 4x4 block means upscaled back by the bundled
// fast detail model (the real coarse terrain under the drawn detail), and the one-line refusals of inputs it cannot use.
using FlowGen.Runtime.Formats;

namespace FlowGen.Cli.Tests.Commands;

public class UpscaleCommandTests
{
    private static string Data(string name) =>
        Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(FlowgenProcess.Fixture("glow_ref_sample.onnx"))))!, "..", "data", name);

    private static readonly string Dem = Data("jacksboro_fault_dem.npz");

    [Fact]
    public void TheDemsBlockMeansUpscaledBackKeepItsReliefAndGainDrawnDetail()
    {
        string dir = FlowgenProcess.TempDir();
        string a = Path.Combine(dir, "a.npy"), b = Path.Combine(dir, "b.npy"), c = Path.Combine(dir, "c.npy"), preview = Path.Combine(dir, "p.png");
        var (code, stdout, stderr) = FlowgenProcess.Run("upscale", Dem, "--downsample", "4", "--detail", "terrain-detail-fast", "--out", a, "--preview", preview);
        Assert.True(code == 0, stderr);
        Assert.Contains("wrote 400x344 heightmap at 83.524 m", stdout);
        Assert.Contains("power spectrum of the upscaled DEM over the original's", stdout); // the per-band comparison, 12 bands
        Assert.Contains("12.3", stdout);
        var up = NpyCodec.Read(a);
        Assert.Equal([344, 400], up.Shape);
        var values = up.ToSingleArray();

        // Against the real DEM on the same 344x400 pixels: within a few metres RMS (the relief is the DEM's own), not
        // equal to it (the detail is drawn), and each 4x4 block's mean close to the real block's (the residual is small).
        var real = RasterFile.Load(Dem);
        double sq = 0, blockSq = 0, realVar = 0, realMean = 0;
        for (int y = 0; y < 344; y++)
            for (int x = 0; x < 400; x++) realMean += real.Samples[y * real.Width + x] / (344.0 * 400);
        for (int y = 0; y < 344; y++)
            for (int x = 0; x < 400; x++)
            {
                double r = real.Samples[y * real.Width + x], d = values[y * 400 + x] - r;
                sq += d * d;
                realVar += (r - realMean) * (r - realMean);
            }
        for (int by = 0; by < 86; by++)
            for (int bx = 0; bx < 100; bx++)
            {
                double d = 0;
                for (int v = 0; v < 4; v++)
                    for (int u = 0; u < 4; u++) d += values[(4 * by + v) * 400 + 4 * bx + u] - real.Samples[(4 * by + v) * real.Width + 4 * bx + u];
                blockSq += d / 16 * (d / 16);
            }
        double rms = Math.Sqrt(sq / (344 * 400)), blockRms = Math.Sqrt(blockSq / (86 * 100)), realStd = Math.Sqrt(realVar / (344 * 400));
        Assert.InRange(rms, 1, 0.2 * realStd);
        Assert.True(blockRms < 0.6 * rms, $"block means differ by {blockRms:F2} m RMS against {rms:F2} m per pixel");

        // The same seed gives the same bytes; another seed other detail on the same relief.
        (code, _, stderr) = FlowgenProcess.Run("upscale", Dem, "--downsample", "4", "--detail", "terrain-detail-fast", "--out", b);
        Assert.True(code == 0, stderr);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        (code, _, stderr) = FlowgenProcess.Run("upscale", Dem, "--downsample", "4", "--detail", "terrain-detail-fast", "--seed", "1", "--out", c);
        Assert.True(code == 0, stderr);
        Assert.NotEqual(values, NpyCodec.Read(c).ToSingleArray());

        var image = PngCodec.Read(preview); // the original beside the upscaled DEM
        Assert.Equal((2 * 400 + 8, 344), (image.Width, image.Height));
    }

    [Fact]
    public void NodataCellsAreRefusedOrFilledSmoothly()
    {
        // A 37x29 GeoTIFF of 83.5 m pixels (the formats fixtures) with 16 nodata cells (-9999).
        string tif = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(FlowgenProcess.Fixture("glow_ref_sample.onnx")))!, "formats", "tiff", "nodata_int16_lzw.tif");
        string dir = FlowgenProcess.TempDir(), outFile = Path.Combine(dir, "filled.npy");
        var (code, _, stderr) = FlowgenProcess.Run("upscale", tif, "--downsample", "4", "--out", outFile);
        Assert.Equal(2, code);
        Assert.Contains("16 nodata cells: pass --fill-nodata", stderr);
        Assert.False(File.Exists(outFile));
        (code, var stdout, stderr) = FlowgenProcess.Run("upscale", tif, "--downsample", "4", "--fill-nodata", "--out", outFile);
        Assert.True(code == 0, stderr);
        Assert.Contains("filled 16 nodata cells", stderr);
        Assert.Contains("wrote 36x28 heightmap", stdout);
        var values = NpyCodec.Read(outFile).ToSingleArray();
        var real = RasterFile.Load(tif);
        var valid = real.Samples.Where((_, i) => !real.NoDataMask![i]).ToArray();
        // Filled cells take heights from around them: the result stays within the DEM's valid range, give or take detail.
        Assert.All(values, v => Assert.InRange(v, valid.Min() - 100, valid.Max() + 100));
    }

    [Fact]
    public void InputsItCannotUseAreTypedErrorsAndWriteNothing()
    {
        string dir = FlowgenProcess.TempDir(), outFile = Path.Combine(dir, "out.npy");
        var cases = new (string[] Args, string Message)[]
        {
            (["upscale", Data("grass.png"), "--out", outFile], "texture, not a DEM"),
            (["upscale", Dem, "--out", outFile], "--downsample 4"), // 83.5 m pixels: the model adds detail to 334 m ones
            (["upscale", Dem, "--downsample", "4", "--detail", "terrain", "--out", outFile], "needs a detail model"),
            (["upscale", Dem, "--downsample", "4", "--out", Path.Combine(dir, "out.txt")], "--out must end in"),
            (["upscale", Path.Combine(dir, "missing.npz"), "--out", outFile], "missing.npz"),
            (["upscale", Dem, "--downsample", "4", "--pixel-size", "-5", "--out", outFile], "--pixel-size"),
        };
        foreach (var (args, message) in cases)
        {
            var (code, _, stderr) = FlowgenProcess.Run(args);
            Assert.True(code == 2, $"{string.Join(' ', args)}: exit {code}, {stderr}");
            Assert.StartsWith("flowgen: error:", stderr);
            Assert.Contains(message, stderr);
        }
        Assert.Empty(Directory.GetFiles(dir));
    }
}
