// flowgen-demo as a user runs it, in a child process: headless screenshot and window runs with the
// validation layer on (no errors, no leaks at teardown), and bad input (no driver, no display, missing
// or wrong model, bad option) giving one clear message and a non-zero exit, never a crash or a hang.
using Google.Protobuf;
using FlowGen.Runtime.Onnx.Proto;

namespace FlowGen.Demo.Tests;

public class DemoProcessTests
{
    private static string Model => HeadlessRenderTests.FixtureModel;

    private static void AssertNoCrash(DemoProcess.Result r)
    {
        Assert.DoesNotContain("Unhandled exception", r.All);
        Assert.DoesNotContain("   at ", r.Stderr); // no stack trace
        Assert.NotEqual(134, r.ExitCode);        // SIGABRT
        Assert.NotEqual(139, r.ExitCode);        // SIGSEGV
    }

    [VulkanFact]
    public void HeadlessScreenshotWithValidationWritesAPngAndReportsNoErrors()
    {
        string dir = Directory.CreateTempSubdirectory("flowgen-demo-").FullName;
        try
        {
            string png = Path.Combine(dir, "out.png");
            var args = new List<string> { "--headless", "--frames", "8", "--screenshot", png, "--width", "200", "--height", "120", "--model", Model,
                "--view-radius", "1", "--fly-speed", "40000", "--bench" }; // 8 frames cross a chunk: eviction + streaming
            bool validation = TestEnvironment.HasValidationLayer();
            if (validation) args.Add("--validation");
            var r = DemoProcess.Run(args);
            AssertNoCrash(r);
            Assert.True(r.ExitCode == 0, r.All);
            var bytes = File.ReadAllBytes(png);
            Assert.True(bytes.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), "not a PNG");
            Assert.Equal(200, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
            Assert.Equal(120, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
            Assert.Single(Directory.GetFiles(dir)); // no temporary file left behind
            var image = FlowGen.Runtime.Formats.PngCodec.Read(png);
            Assert.Equal(4, image.Channels);
            var (min, max) = image.ValidRange(1);
            Assert.True(max - min > 0.05 * max, "the screenshot is one flat colour");
            Assert.Contains("bench: frames 8", r.Stdout);
            Assert.Matches(@"chunks uploaded (1\d|[2-9]\d)", r.Stdout); // more than the first 3x3 view
            Assert.Matches(@"generation \d+(\.\d)? ms/chunk", r.Stdout);
            if (validation) Assert.Contains("validation: 0 errors", r.Stdout);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [VulkanFact]
    public void FlowsOnTheVulkanBackendRenderTheSameTerrain()
    {
        // The default world's two models in Vulkan compute (the same driver as the renderer here) against the CPU
        // backend: the same heights to float rounding, so the same picture to a level of rounding.
        string dir = Directory.CreateTempSubdirectory("flowgen-demo-").FullName;
        try
        {
            string Shot(string backend)
            {
                string png = Path.Combine(dir, backend + ".png");
                var args = new List<string> { "--headless", "--screenshot", png, "--width", "160", "--height", "96", "--view-radius", "0", "--seed", "3",
                    "--camera", "2000,450,3000,35,-12", "--backend", backend,
                    "--model", Path.Combine(TestEnvironment.RepoRoot, "models", "terrain-coarse.onnx"),
                    "--detail", Path.Combine(TestEnvironment.RepoRoot, "models", "terrain-detail.onnx") };
                var r = DemoProcess.Run(args, timeoutMs: 300_000);
                AssertNoCrash(r);
                Assert.True(r.ExitCode == 0, r.All);
                if (backend == "vulkan") Assert.Contains("[flows on Vulkan: ", r.Stdout);
                return png;
            }
            var cpu = FlowGen.Runtime.Formats.PngCodec.Read(Shot("cpu"));
            var gpu = FlowGen.Runtime.Formats.PngCodec.Read(Shot("vulkan"));
            Assert.Equal(cpu.Samples.Length, gpu.Samples.Length);
            double worst = 0;
            for (int i = 0; i < cpu.Samples.Length; i++) worst = Math.Max(worst, Math.Abs(cpu.Samples[i] - gpu.Samples[i]));
            var (min, max) = cpu.ValidRange(1);
            Assert.True(max - min > 0.05 * max, "the screenshot is one flat colour");
            Assert.True(worst <= 2.0 / 255 * max, $"pixels differ by up to {worst} (range {min}..{max})");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AnUnknownBackendIsAUsageError()
    {
        var r = DemoProcess.Run(["--headless", "--backend", "metal"]);
        AssertNoCrash(r);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--backend must be cpu or vulkan", r.Stderr);
    }

    [XvfbFact]
    public void WindowUnderXvfbPresentsResizesAndClosesCleanly()
    {
        // Flying fast while resizing: chunks stream in and are evicted with two frames in flight, so the
        // validation layer would see a buffer destroyed while a frame still used it.
        var args = new List<string> { "--frames", "24", "--resize-test", "--width", "320", "--height", "200", "--model", Model, "--view-radius", "1",
            "--fly-speed", "100000" };
        bool validation = TestEnvironment.HasValidationLayer();
        if (validation) args.Add("--validation");
        var r = DemoProcess.Run(args, wrapper: TestEnvironment.OnPath("xvfb-run"), timeoutMs: 90_000);
        AssertNoCrash(r);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("frames 24, swapchain recreations 1, last extent 160x100, present mode FIFO", r.Stdout);
        if (validation) Assert.Contains("validation: 0 errors", r.Stdout);
    }

    [XvfbFact]
    public void WindowWithoutVsyncPresentsWithoutWaitingAndReportsTimings()
    {
        var args = new List<string> { "--frames", "12", "--no-vsync", "--bench", "--width", "256", "--height", "160", "--model", Model, "--view-radius", "1" };
        bool validation = TestEnvironment.HasValidationLayer();
        if (validation) args.Add("--validation");
        var r = DemoProcess.Run(args, wrapper: TestEnvironment.OnPath("xvfb-run"), timeoutMs: 90_000);
        AssertNoCrash(r);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Matches(@"frames 12, swapchain recreations 0, last extent 256x160, present mode (MAILBOX|IMMEDIATE)", r.Stdout);
        Assert.Contains("bench: frames 12", r.Stdout);
        if (validation) Assert.Contains("validation: 0 errors", r.Stdout);
    }

    [VulkanFact]
    public void NoDisplayIsAClearErrorNotACrash()
    {
        var r = DemoProcess.Run(["--frames", "2", "--model", Model], env: new Dictionary<string, string?> { ["DISPLAY"] = null, ["WAYLAND_DISPLAY"] = null });
        AssertNoCrash(r);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("cannot open a window", r.Stderr);
        Assert.Contains("--headless", r.Stderr);
    }

    [Fact]
    public void NoVulkanDriverIsAClearErrorNotACrash()
    {
        var r = DemoProcess.Run(["--headless", "--model", Model], env: new Dictionary<string, string?> { ["VK_ICD_FILENAMES"] = "/nonexistent/icd.json", ["VK_DRIVER_FILES"] = null });
        AssertNoCrash(r);
        Assert.Equal(1, r.ExitCode);
        Assert.Matches("no Vulkan (driver|loader)", r.Stderr);
    }

    [VulkanFact]
    public void ARealDemFliesAndABadOneIsNamed()
    {
        string dir = Directory.CreateTempSubdirectory("flowgen-demo-").FullName;
        try
        {
            string png = Path.Combine(dir, "dem.png"), dem = Path.Combine(TestEnvironment.RepoRoot, "data", "jacksboro_fault_dem.npz");
            var r = DemoProcess.Run(["--headless", "--fast", "--dem", dem, "--screenshot", png, "--width", "160", "--height", "90", "--view-radius", "1"]);
            AssertNoCrash(r);
            Assert.True(r.ExitCode == 0, r.All);
            var (min, max) = FlowGen.Runtime.Formats.PngCodec.Read(png).ValidRange(1);
            Assert.True(max - min > 0.05 * max, "the screenshot is one flat colour");
            string texture = Path.Combine(TestEnvironment.RepoRoot, "data", "grass.png");
            r = DemoProcess.Run(["--headless", "--fast", "--dem", texture]);
            AssertNoCrash(r);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("grass.png", r.Stderr);
            Assert.Contains("--dem", r.Stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void MissingModelFileIsNamed()
    {
        string missing = Path.Combine(Path.GetTempPath(), "flowgen-no-such-model.onnx");
        var r = DemoProcess.Run(["--headless", "--model", missing]);
        AssertNoCrash(r);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(missing, r.Stderr);
    }

    [Fact]
    public void TextureModelIsRejectedAsTheWrongKind()
    {
        // The fixture with its metadata changed to flowgen.kind = texture: a valid model of the wrong kind.
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Model));
        var kind = model.MetadataProps.Single(p => p.Key == "flowgen.kind");
        kind.Value = "texture";
        string path = Path.Combine(Path.GetTempPath(), $"flowgen-texture-{Environment.ProcessId}.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        try
        {
            var r = DemoProcess.Run(["--headless", "--model", path]);
            AssertNoCrash(r);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains(path, r.Stderr);
            Assert.Contains("texture", r.Stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void UnknownOptionPrintsUsage()
    {
        var r = DemoProcess.Run(["--frobnicate"]);
        AssertNoCrash(r);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown option --frobnicate", r.Stderr);
        Assert.Contains("--headless", r.Stderr);
    }
}
