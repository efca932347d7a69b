// The C ABI for real: a C program (Native/capi_test.c) compiled by gcc against include/flowgen.h and linked with the
// NativeAOT libflowgen.so that Tests/run-tests.sh publishes (FLOWGEN_NATIVE_DIR) drives sampling, worlds and the
// error paths; its printed floats must equal the managed runtime's on the same calls. Not bit for bit: the NativeAOT
// library is compiled for baseline x64 and takes other SIMD paths than this JIT (as the kernel tests' reruns with
// AVX-512/AVX2 disabled do), so values agree to float rounding; within one build they are bitwise deterministic.
using System.Diagnostics;
using System.Globalization;
using FlowGen.Runtime.Streaming;

namespace FlowGen.Runtime.Tests.Native;

public sealed class NativeFactAttribute : FactAttribute
{
    public NativeFactAttribute()
    {
        if (CAbiTests.NativeDir() is null) Skip = "libflowgen.so not published: Tests/run-tests.sh publishes it and sets FLOWGEN_NATIVE_DIR";
        else if (!File.Exists("/usr/bin/gcc")) Skip = "gcc absent";
    }
}

public class CAbiTests
{
    internal static string? NativeDir() =>
        Environment.GetEnvironmentVariable("FLOWGEN_NATIVE_DIR") is { } d && File.Exists(Path.Combine(d, "libflowgen.so")) ? d : null;

    private static Dictionary<string, string> RunCProgram(string model)
    {
        string dir = NativeDir()!, work = Directory.CreateTempSubdirectory("flowgen-capi-").FullName;
        try
        {
            string exe = Path.Combine(work, "capi_test");
            var cc = Process.Start(new ProcessStartInfo("gcc", ["-std=c11", "-Wall", "-Werror", "-o", exe, Path.Combine(AppContext.BaseDirectory, "Native", "capi_test.c"),
                "-I", Path.Combine(dir, "include"), "-L", dir, "-l:libflowgen.so", $"-Wl,-rpath,{dir}"]) { RedirectStandardError = true })!;
            string ccErr = cc.StandardError.ReadToEnd();
            cc.WaitForExit();
            Assert.True(cc.ExitCode == 0, "gcc: " + ccErr);
            var run = Process.Start(new ProcessStartInfo(exe, [model, Bundled("terrain-coarse"), Bundled("terrain-detail")]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            string stdout = run.StandardOutput.ReadToEnd(), stderr = run.StandardError.ReadToEnd();
            Assert.True(run.WaitForExit(120_000), "capi_test hung");
            Assert.True(run.ExitCode == 0, $"capi_test exited {run.ExitCode}: {stdout}\n{stderr}");
            return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToDictionary(l => l.Split(' ')[0], l => l.Contains(' ') ? l[(l.IndexOf(' ') + 1)..] : "");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // A bundled model (models/NAME.onnx, copied next to the tests).
    private static string Bundled(string name) => Path.Combine(AppContext.BaseDirectory, "models", name + ".onnx");

    private static void AssertClose(ReadOnlySpan<float> expected, string printed)
    {
        var got = printed.Split(' ').Select(h => BitConverter.UInt32BitsToSingle(uint.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture))).ToArray();
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < got.Length; i++)
            Assert.True(Math.Abs(got[i] - expected[i]) <= 1e-4 * (1 + Math.Abs(expected[i])), $"value {i}: C {got[i]}, managed {expected[i]}");
    }

    [NativeFact]
    public void A_C_program_samples_and_fills_worlds_bit_identically_to_the_managed_runtime_and_gets_clear_errors()
    {
        string model = Sampling.GlowReferenceTests.Fixture("glow_ref_sample.onnx");
        var c = RunCProgram(model);
        Assert.Equal("1", c["abi"]);
        Assert.StartsWith("3 ", c["missing_file"]); // FLOWGEN_ERROR_IO
        Assert.Contains("/nonexistent/model.onnx", c["missing_file"]);

        using var m = FlowModel.Load(model, new FlowModelOptions { MaxBatch = 16, Threads = 2 });
        var meta = m.Metadata;
        Assert.Equal(string.Join(' ', "0", "1", "32", "32", "1024", "0", BitConverter.SingleToUInt32Bits(meta.DefaultTemperature).ToString("x8"),
            (meta.PixelSizeMetres ?? 0).ToString("G9", CultureInfo.InvariantCulture), meta.Scale.ToString("G9", CultureInfo.InvariantCulture),
            meta.Offset.ToString("G9", CultureInfo.InvariantCulture)), c["info"]);
        Assert.Equal($"0 {meta.Kind!.Length} {meta.Kind}", c["kind"]);
        Assert.Equal("1", c["no_key"]);

        var x = new float[3 * 1024];
        m.Sample(x, 7, 5, 3, 0.8f, SampleUnits.Physical);
        Assert.Equal("0", c["sample_rc"]);
        AssertClose(x, c["sample"]);
        Assert.StartsWith("1 ", c["too_small"]);
        Assert.Contains("destination", c["too_small"]);
        Assert.Equal("1", c["bad_units"]);
        int redrawn = m.SamplePlausible(x, 7, 5, 3, 0.8f);
        Assert.Equal($"0 {redrawn}", c["plausible_rc"]);
        AssertClose(x, c["plausible"]);

        var world = new PyramidWorld(new FlowPatchSampler(m, meta.DefaultTemperature), 42, 5, 1.6);
        Assert.Equal($"0 {world.MaxLod} {world.PixelSizeMetres.ToString("G9", CultureInfo.InvariantCulture)} {world.CoordinateLimit}", c["world"]);
        var tile = new float[40 * 30];
        world.Fill(-100, 50, 40, 30, 0, tile, default);
        Assert.Equal("0", c["fill_rc"]);
        AssertClose(tile, c["fill"]);
        world.Fill(3, -2, 40, 30, 3, tile, default);
        AssertClose(tile, c["fill_lod3"]);
        Assert.Equal("1", c["bad_lod"]);
        Assert.StartsWith("1 ", c["freed_world"]);
        Assert.Contains("not a live flowgen_world handle", c["freed_world"]);

        using var terrain = FlowModel.Load(Bundled("terrain-coarse"), new FlowModelOptions { MaxBatch = 16, Threads = 2 });
        using var detail = FlowModel.Load(Bundled("terrain-detail"), new FlowModelOptions { MaxBatch = 16, Threads = 2 });
        Assert.Equal("0", c["detail_load"]);
        var coarse = new float[2 * 256];
        terrain.SetLevelTemperatures([0.8f, 1.2f]);
        terrain.Sample(coarse, 7, 3, 2, 0.9f);
        terrain.SetLevelTemperatures([]);
        Assert.Equal("0", c["levels_rc"]);
        AssertClose(coarse, c["levels"]);
        Assert.StartsWith("1 ", c["levels_bad_count"]); // FLOWGEN_ERROR_ARGUMENT
        Assert.Contains("2 latent levels", c["levels_bad_count"]);
        Assert.StartsWith("2 ", c["levels_no_layout"]); // FLOWGEN_ERROR_MODEL: the torch-exported reference records no layout
        Assert.Contains("latent layout", c["levels_no_layout"]);
        Assert.Equal("0", c["levels_reset"]);
        var detailed = ConditionalPyramidWorld.Create(new FlowPatchSampler(terrain, terrain.Metadata.DefaultTemperature),
            new FlowDetailSampler(detail, detail.Metadata.DefaultTemperature), 42, 4, 1.6);
        Assert.Equal($"0 {detailed.MaxLod}", c["detailed"]);
        detailed.Fill(-100, 50, 40, 30, 0, tile, default);
        Assert.Equal("0", c["detailed_rc"]);
        AssertClose(tile, c["detailed_fill"]);
        Assert.StartsWith("2 ", c["not_detail"]); // FLOWGEN_ERROR_MODEL: a plain model as the detail model
        Assert.Contains("detail model", c["not_detail"]);
        var dem = new float[30 * 20];
        for (int i = 0; i < dem.Length; i++) dem[i] = 200f + 3f * (i % 30) + 40f * (i / 30 % 5);
        var upscaled = ConditionalPyramidWorld.Upscale(new FlowDetailSampler(detail, detail.Metadata.DefaultTemperature), dem, 30, 20, 334.1, 9);
        Assert.Equal("0", c["upscaled"]);
        upscaled.Fill(-8, 12, 40, 30, 0, tile, default);
        Assert.Equal("0", c["upscaled_rc"]);
        AssertClose(tile, c["upscaled_fill"]);
        Assert.StartsWith("1 ", c["upscaled_scale"]); // FLOWGEN_ERROR_ARGUMENT: 90 m pixels under a 4x detail model of 83.5 m
        Assert.Contains("4 times the detail model's", c["upscaled_scale"]);
        // The Vulkan backend through the ABI: the same device and kernels as the managed backend (lavapipe in CI), so
        // the same samples to float rounding; where this machine has no Vulkan, FLOWGEN_ERROR_DEVICE with the reason.
        if (FlowGen.Runtime.Tests.Vulkan.VulkanFactAttribute.Probe() is null)
        {
            Assert.StartsWith("0", c["vulkan_load"]);
            Assert.Equal("1", c["vulkan_too_small"]);
            Assert.Equal("0", c["vulkan_rc"]);
            using var gpu = FlowModel.Load(Bundled("terrain-coarse"), new FlowModelOptions { MaxBatch = 4, Backend = FlowBackend.Vulkan });
            var five = new float[5 * 256];
            gpu.Sample(five, 7, 3, 5, 0.9f);
            AssertClose(five, c["vulkan"]);
        }
        else Assert.StartsWith("5 ", c["vulkan_load"]);
        Assert.StartsWith("1 ", c["bad_backend"]);
        Assert.Contains("FLOWGEN_BACKEND_CPU", c["bad_backend"]);
        Assert.Equal("1", c["freed_model"]);
        Assert.Equal("1", c["null_model"]);
        Assert.Equal("", c["done"]);
    }
}
