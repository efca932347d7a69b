// The main job (`flowgen` with no arguments, on the bundled terrain model) and `flowgen generate`'s formats,
// preview grid and shards, through the real executable; PNGs checked against the same samples written as NPY.
using FlowGen.Runtime.Formats;

namespace FlowGen.Cli.Tests.Commands;

public class GenerateCommandTests
{
    private static readonly string Model = FlowgenProcess.Fixture("glow_ref_sample.onnx");

    [Fact]
    public void TheMainJobWritesSixtyFourSixteenBitHeightmapsAndAHillshadedPreview()
    {
        var work = FlowgenProcess.TempDir();
        var (code, stdout, stderr) = FlowgenProcess.RunIn(work);
        Assert.True(code == 0, stderr);
        string outDir = Path.Combine(work, "flowgen-output", "terrain");
        Assert.Contains("wrote 64 samples as png", stdout);
        var files = Directory.GetFiles(outDir).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, 64).Select(i => $"sample_{i:D6}.png").Append("preview.png").Order(), files);

        // The same samples as float32: each PNG holds them through its recorded range, to 16-bit precision.
        var npyDir = FlowgenProcess.TempDir();
        (code, _, stderr) = FlowgenProcess.Run("generate", "terrain", "--count", "3", "--format", "npy", "--out", npyDir, "--no-preview");
        Assert.True(code == 0, stderr);
        for (int i = 0; i < 3; i++)
        {
            var png = RasterFile.Load(Path.Combine(outDir, $"sample_{i:D6}.png"));
            var exact = NpyCodec.Read(Path.Combine(npyDir, $"sample_{i:D6}.npy")).ToSingleArray();
            Assert.Equal(exact.Length, png.Width * png.Height);
            Assert.True(png.Metadata.ContainsKey(PngCodec.RangeKey), "16-bit heightmaps record their metre range");
            float lo = exact.Min(), hi = exact.Max();
            Assert.True(hi - lo > 1, $"sample {i} is flat: {lo}..{hi} m");
            for (int k = 0; k < exact.Length; k++)
                Assert.True(Math.Abs(png.Samples[k] - exact[k]) <= (hi - lo) / 65535 + 1e-3, $"sample {i} pixel {k}: png {png.Samples[k]} m, exact {exact[k]} m");
        }

        var preview = RasterFile.Load(Path.Combine(outDir, "preview.png"));
        Assert.True(preview.Width >= 4 * 32 * 4 && preview.Height >= 4 * 32 * 4, $"preview is {preview.Width}x{preview.Height}");
        var shades = preview.Samples.Distinct().Count();
        Assert.True(shades > 50, $"the hillshaded preview has only {shades} gray levels");
    }

    [Fact]
    public void ShardsPartitionTheSamplesAndMatchASingleRunByteForByte()
    {
        var single = FlowgenProcess.TempDir();
        var (code, _, stderr) = FlowgenProcess.Run("generate", Model, "--count", "10", "--seed", "5", "--out", single, "--no-preview");
        Assert.True(code == 0, stderr);
        var sharded = FlowgenProcess.TempDir();
        for (int i = 0; i < 3; i++)
        {
            string stdout;
            (code, stdout, stderr) = FlowgenProcess.Run("generate", Model, "--count", "10", "--seed", "5", "--out", sharded, "--shard", $"{i}/3", "--batch", "2");
            Assert.True(code == 0, stderr);
            Assert.Contains($"shard {i}/3", stdout);
        }
        var names = Directory.GetFiles(single).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(10, names.Length);
        foreach (var name in names)
            Assert.Equal(File.ReadAllBytes(Path.Combine(single, name!)), File.ReadAllBytes(Path.Combine(sharded, name!)));
        Assert.Equal(3, Directory.GetFiles(sharded, "preview.shard-*-of-3.png").Length);
    }

    [Fact]
    public void LevelTemperaturesScaleEachLevelOfDetail()
    {
        // Level temperatures of 1 change nothing and 0.5 for all is --temperature 0.5 (bit for bit: the model's default is 1);
        // a cold finest level gives smoother pixel-scale detail (smaller second differences); a list of the wrong length is
        // refused with the level count.
        float[][] Draw(params string[] extra)
        {
            var dir = FlowgenProcess.TempDir();
            var (code, _, stderr) = FlowgenProcess.Run(["generate", "terrain", "--count", "6", "--format", "npy", "--no-preview", "--out", dir, .. extra]);
            Assert.True(code == 0, stderr);
            return Enumerable.Range(0, 6).Select(i => NpyCodec.Read(Path.Combine(dir, $"sample_{i:D6}.npy")).ToSingleArray()).ToArray();
        }
        static double Roughness(float[][] patches) => patches.Average(z =>
        {
            double sum = 0;
            for (int y = 0; y < 32; y++)
                for (int x = 1; x < 31; x++) sum += Math.Abs(z[y * 32 + x - 1] - 2 * z[y * 32 + x] + z[y * 32 + x + 1]);
            return sum;
        });
        var plain = Draw();
        Assert.Equal(plain, Draw("--level-temperatures", "1,1,1"));
        Assert.Equal(Draw("--temperature", "0.5"), Draw("--level-temperatures", "0.5,0.5,0.5"));
        var smooth = Draw("--level-temperatures", "0.3,1,1");
        Assert.NotEqual(plain, smooth);
        Assert.True(Roughness(smooth) < Roughness(plain), $"roughness {Roughness(smooth)} against {Roughness(plain)}");
        var (code2, _, stderr2) = FlowgenProcess.Run("generate", "terrain", "--count", "1", "--out", FlowgenProcess.TempDir(), "--level-temperatures", "1,1");
        Assert.Equal(2, code2);
        Assert.Contains("3 latent levels", stderr2);
    }

    [Fact]
    public void ExportBakesLevelTemperaturesIntoAnExportedModel()
    {
        // `flowgen export MODEL.onnx OUT --level-temperatures`: no checkpoint needed; the tempered file draws bit for bit what
        // the runtime's level temperatures draw on the original, records them (composing when tempered twice), and keeps the
        // density graph beside it. Bad input: exit 2 with one line, no file written.
        var dir = FlowgenProcess.TempDir();
        string once = Path.Combine(dir, "coarse-warm.onnx"), twice = Path.Combine(dir, "coarse-twice.onnx");
        var (code, _, stderr) = FlowgenProcess.Run("export", "terrain-coarse", once, "--level-temperatures", "1.2,1");
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(Path.Combine(dir, "coarse-warm.density.onnx")), "the density graph was not copied beside the tempered model");
        float[][] Draw(params string[] args)
        {
            var outDir = FlowgenProcess.TempDir();
            var (c, _, err) = FlowgenProcess.Run(["generate", .. args, "--count", "4", "--format", "npy", "--no-preview", "--out", outDir]);
            Assert.True(c == 0, err);
            return Enumerable.Range(0, 4).Select(i => NpyCodec.Read(Path.Combine(outDir, $"sample_{i:D6}.npy")).ToSingleArray()).ToArray();
        }
        Assert.Equal(Draw("terrain-coarse", "--level-temperatures", "1.2,1"), Draw(once));
        Assert.NotEqual(Draw("terrain-coarse"), Draw(once));
        (code, _, stderr) = FlowgenProcess.Run("export", once, twice, "--level-temperatures", "0.5,2");
        Assert.True(code == 0, stderr);
        var (_, inspect, _) = FlowgenProcess.Run("inspect", twice);
        Assert.Contains("flowgen.level_temperatures = 0.6,2", inspect);
        Assert.Contains("latent levels: 2 (128, 128 latents, finest first", inspect);

        string bad = Path.Combine(dir, "bad.onnx");
        foreach (var (args, message) in new[]
        {
            (new[] { "export", "terrain-coarse", bad }, "--level-temperatures, records --context-phase or --data's draw correlation; all are missing"),
            (["export", "terrain-coarse", bad, "--level-temperatures", "1,1,1"], "2 latent levels"),
            (["export", FlowgenProcess.Fixture("glow_ref_sample.onnx"), bad, "--level-temperatures", "1,1,1"], "latent layout"),
        })
        {
            (code, _, stderr) = FlowgenProcess.Run(args);
            Assert.Equal(2, code);
            Assert.StartsWith("flowgen: error: ", stderr);
            Assert.Contains(message, stderr);
        }
        Assert.False(File.Exists(bad), "a refused export left a file");
    }

    [Fact]
    public void WritesRaw16AndExr()
    {
        var dir = FlowgenProcess.TempDir();
        var (code, _, stderr) = FlowgenProcess.Run("generate", Model, "--count", "2", "--format", "r16", "--out", dir, "--no-preview");
        Assert.True(code == 0, stderr);
        Assert.Equal(32 * 32 * 2, new FileInfo(Path.Combine(dir, "sample_000001.r16")).Length);

        (code, _, stderr) = FlowgenProcess.Run("generate", Model, "--count", "2", "--format", "exr", "--out", dir, "--no-preview");
        Assert.True(code == 0, stderr);
        var exr = File.ReadAllBytes(Path.Combine(dir, "sample_000000.exr"));
        Assert.Equal(new byte[] { 0x76, 0x2f, 0x31, 0x01 }, exr[..4]); // OpenEXR magic

        (code, _, stderr) = FlowgenProcess.Run("generate", Model, "--count", "1", "--format", "r16", "--preset", "unity", "--out", dir);
        Assert.Equal(2, code); // Unity terrains are 2^n+1 squares; a 32x32 patch is refused, not resampled
        Assert.StartsWith("flowgen: error: ", stderr);
    }

    [Fact]
    public void ATrainedTextureModelGivesEightBitImagesAndEvalRecomputesItsBitsPerDim()
    {
        // A tiny texture model trained for a few steps by the real trainer: generate and eval take it end to end.
        var run = FlowgenProcess.TempDir();
        string grass = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Model)))!, "..", "data", "grass.png");
        var (code, _, stderr) = FlowgenProcess.Run("train", "--data", grass, "--out", run, "--levels", "2", "--steps-per-level", "1", "--hidden", "8",
            "--batch", "8", "--steps", "3", "--test-count", "64", "--eval-every", "100", "--augment", "flips", "--json");
        Assert.True(code == 0, stderr);
        string model = Path.Combine(run, "model.onnx");
        (code, var info, stderr) = FlowgenProcess.Run("inspect", model);
        Assert.True(code == 0, stderr);
        Assert.Contains("--augment flips", info); // the recorded training command reproduces the run
        (code, _, stderr) = FlowgenProcess.Run("train", "--data", grass, "--out", FlowgenProcess.TempDir(), "--augment", "sideways");
        Assert.Equal(2, code);
        Assert.Contains("--augment must be dihedral, flips or none, not 'sideways'", stderr);
        Assert.True(File.Exists(Path.Combine(run, "model.density.onnx")), "Glow exports its density graph beside the model");

        var dir = FlowgenProcess.TempDir();
        string stdout;
        (code, stdout, stderr) = FlowgenProcess.Run("generate", model, "--count", "3", "--out", dir);
        Assert.True(code == 0, stderr);
        var image = RasterFile.Load(Path.Combine(dir, "sample_000002.png"));
        Assert.Equal((32, 32, 1), (image.Width, image.Height, image.Channels));
        // 8-bit levels of intensity 0..1 (the range is recorded in the file, so reading gives intensities back).
        Assert.All(image.Samples, v => Assert.True(v >= 0 && v <= 1 && Math.Abs(v * 255 - Math.Round(v * 255)) < 1e-3, $"an 8-bit level of 0..1 expected, got {v}"));
        Assert.True(image.Samples.Distinct().Count() > 10, "the texture sample is nearly flat");
        Assert.True(File.Exists(Path.Combine(dir, "preview.png")));

        (code, stdout, stderr) = FlowgenProcess.Run("eval", model, "--data", grass, "--count", "64");
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain("not recomputed", stdout);
        Assert.Contains("bits/dim", stdout);
    }

    [Fact]
    public void TheVulkanBackendWritesTheSameSamplesToFloatRounding()
    {
        if (FlowGen.Runtime.Vulkan.VulkanDeviceProbe.Missing() is { } reason)
        {
            // No Vulkan here: a typed error that names the backend's need, exit code 2, no output folder.
            var none = Path.Combine(FlowgenProcess.TempDir(), "out");
            var (c, _, e) = FlowgenProcess.Run("generate", "terrain", "--count", "2", "--backend", "vulkan", "--out", none);
            Assert.Equal(2, c);
            Assert.Contains("Vulkan", e);
            Assert.False(Directory.Exists(none), reason);
            return;
        }
        var cpu = FlowgenProcess.TempDir();
        var gpu = FlowgenProcess.TempDir();
        var (code, _, stderr) = FlowgenProcess.Run("generate", "terrain-coarse", "--count", "5", "--seed", "3", "--format", "npy", "--batch", "4", "--out", cpu, "--no-preview");
        Assert.True(code == 0, stderr);
        (code, _, stderr) = FlowgenProcess.Run("generate", "terrain-coarse", "--count", "5", "--seed", "3", "--format", "npy", "--batch", "4", "--out", gpu, "--no-preview", "--backend", "vulkan");
        Assert.True(code == 0, stderr);
        for (int i = 0; i < 5; i++)
        {
            var a = NpyCodec.Read(Path.Combine(cpu, $"sample_{i:D6}.npy")).ToSingleArray();
            var b = NpyCodec.Read(Path.Combine(gpu, $"sample_{i:D6}.npy")).ToSingleArray();
            for (int k = 0; k < a.Length; k++) Assert.True(Math.Abs(a[k] - b[k]) <= 1e-4 * (1 + Math.Abs(a[k])), $"sample {i} pixel {k}: cpu {a[k]} m, vulkan {b[k]} m");
        }
    }

    [Fact]
    public void AnUnknownBackendIsATypedError()
    {
        var (code, _, stderr) = FlowgenProcess.Run("generate", "terrain", "--count", "1", "--backend", "metal", "--out", FlowgenProcess.TempDir());
        Assert.Equal(2, code);
        Assert.Contains("--backend must be cpu or vulkan", stderr);
    }
}
