// The Vulkan compute backend (FlowBackend.Vulkan) on the machine's driver (lavapipe in CI) against the CPU backend:
// the bundled models' samples, at batch sizes that rebind the plan, under the validation layer with no errors.
using FlowGen.Runtime.Tests.Onnx;
using FlowGen.Runtime.Tests.Sampling;
using FlowGen.Runtime.Vulkan;

namespace FlowGen.Runtime.Tests.Vulkan;

public class VulkanBackendTests
{
    private static string Bundled(string name) => Path.Combine(AppContext.BaseDirectory, "models", name + ".onnx");

    // One model loaded on the CPU backend (one thread) and on Vulkan, with the same batch limit.
    private sealed class BothBackends(Func<FlowModelOptions, FlowModel> load, int maxBatch) : IDisposable
    {
        public FlowModel Cpu { get; } = load(new FlowModelOptions { MaxBatch = maxBatch, Threads = 1 });
        public FlowModel Gpu { get; } = load(new FlowModelOptions { MaxBatch = maxBatch, Backend = FlowBackend.Vulkan });

        public static BothBackends Of(string path, int maxBatch) => new(o => FlowModel.Load(path, o), maxBatch);
        public static BothBackends Of(byte[] bytes, int maxBatch) => new(o => FlowModel.Load(bytes, o), maxBatch);

        public void Dispose()
        {
            Gpu.Dispose();
            Cpu.Dispose();
        }
    }

    // Largest |Vulkan - CPU| over the samples, relative to 1 + |CPU| (model units, as the ONNX Runtime parity tests).
    private static double WorstDifference(FlowModel cpu, FlowModel gpu, ulong seed, long first, int count, float[]? context = null)
    {
        var a = new float[count * cpu.SampleLength];
        var b = new float[count * cpu.SampleLength];
        if (context is null)
        {
            cpu.Sample(a, seed, first, count, 1f);
            gpu.Sample(b, seed, first, count, 1f);
        }
        else
        {
            cpu.Sample(a, seed, first, count, 1f, context);
            gpu.Sample(b, seed, first, count, 1f, context);
        }
        double worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(float.IsFinite(b[i]), $"sample value {i} is {b[i]}");
            worst = Math.Max(worst, Math.Abs(a[i] - b[i]) / (1 + Math.Abs(a[i])));
        }
        return worst;
    }

    [VulkanTheory]
    [InlineData("terrain")]
    [InlineData("terrain-coarse")]
    [InlineData("grass")]
    public void BundledModelSamplesMatchTheCpuBackend(string name)
    {
        using var models = BothBackends.Of(Bundled(name), 8);
        var (cpu, gpu) = (models.Cpu, models.Gpu);
        Assert.Equal(FlowBackend.Vulkan, gpu.Backend);
        Assert.False(string.IsNullOrEmpty(gpu.DeviceName));
        // 11 samples: a full batch of 8, then 3 (the plan rebinds), then a batch of 1.
        Assert.True(WorstDifference(cpu, gpu, 7, 100, 11) < 1e-4);
        Assert.True(WorstDifference(cpu, gpu, 7, 5, 1) < 1e-4);
    }

    [VulkanTheory]
    [InlineData("terrain-detail")]
    [InlineData("terrain-detail-fast")]
    public void ConditionalDetailModelMatchesTheCpuBackend(string name)
    {
        using var models = BothBackends.Of(Bundled(name), 4);
        var (cpu, gpu) = (models.Cpu, models.Gpu);
        // Contexts as the world gives them (smooth upsampled coarse terrain, in units of the model's scale) plus a little noise:
        // white-noise contexts lie far outside what a detail model was trained on, and the narrow fast model's inverse blows up on some.
        var rng = new Random(3);
        var context = new float[6 * cpu.ContextLength];
        for (int i = 0; i < 6; i++)
            for (int v = 0; v < 32; v++)
                for (int u = 0; u < 32; u++)
                    context[i * 1024 + v * 32 + u] = (float)(1.5 * Math.Sin(0.2 * u + i) + Math.Cos(0.15 * v - i) + 0.2 * (rng.NextDouble() - 0.5));
        Assert.True(WorstDifference(cpu, gpu, 11, 0, 6, context) < 1e-4);
    }

    [VulkanTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void ValidationReportsNoErrors(bool staged)
    {
        if (!VkLoader.InstanceLayers().Contains(VulkanInstance.ValidationLayer)) return; // the layer is optional; lavapipe runs without it
        Environment.SetEnvironmentVariable("FLOWGEN_VULKAN_VALIDATION", "1");
        var model = FlowModel.Load(Bundled("terrain-coarse"), new FlowModelOptions { MaxBatch = 4, Backend = FlowBackend.Vulkan, ForceStagedArena = staged });
        var x = new float[5 * model.SampleLength];
        model.Sample(x, 1, 0, 5, 1f);
        var log = model.VulkanValidationLog;
        model.Dispose();
        Assert.NotNull(log);
        Assert.True(log!.Errors == 0, string.Join("\n", log.Messages));
    }

    [VulkanFact]
    public void ElementwiseChainsWithBroadcastMatchTheCpuBackend()
    {
        var bytes = FlowModelTests.ElementwiseSampler();
        using var models = BothBackends.Of(bytes, 4);
        var (cpu, gpu) = (models.Cpu, models.Gpu);
        Assert.True(WorstDifference(cpu, gpu, 9, 3, 10) < 1e-5);
    }

    [VulkanFact]
    public void SpaceToDepthSlicesAndConcatsMatchTheCpuBackend()
    {
        var bytes = GlowLikeModel.Build(seed: 4);
        using var models = BothBackends.Of(bytes, 3);
        var (cpu, gpu) = (models.Cpu, models.Gpu);
        Assert.True(WorstDifference(cpu, gpu, 2, 0, 5) < 1e-4);
    }

    [VulkanFact]
    public void TransposeReduceAndExpandMatchTheCpuBackend()
    {
        // x = transpose(z) + expand(reduce_sum(z, axis 3)) / 4 over z [N,1,4,4]
        var bytes = new TestModel()
            .Input("z", [-1, 1, 4, 4])
            .Longs("axes", [1], [3]).Longs("shape", [4], [1, 1, 4, 4]).Floats("four", [], [4f])
            .Node("Transpose", ["z"], ["t"], TestModel.Ints("perm", 0, 1, 3, 2))
            .Node("ReduceSum", ["z", "axes"], ["r"], TestModel.Int("keepdims", 1))
            .Node("Expand", ["r", "shape"], ["e"]).Node("Div", ["e", "four"], ["q"]).Node("Add", ["t", "q"], ["x"])
            .Output("x", [-1, 1, 4, 4])
            .ToBytes4x4Sampler();
        using var models = BothBackends.Of(bytes, 4);
        var (cpu, gpu) = (models.Cpu, models.Gpu);
        Assert.True(WorstDifference(cpu, gpu, 5, 0, 7) < 1e-5);
    }

    [VulkanFact]
    public void AnOperatorWithoutAVulkanKernelIsATypedError()
    {
        var bytes = new TestModel()
            .Input("z", [-1, 1, 4, 4])
            .Node("Softmax", ["z"], ["x"], TestModel.Int("axis", 3))
            .Output("x", [-1, 1, 4, 4])
            .ToBytes4x4Sampler();
        var e = Assert.Throws<FlowGenException>(() => FlowModel.Load(bytes, new FlowModelOptions { MaxBatch = 2, Backend = FlowBackend.Vulkan }));
        Assert.Contains("Softmax", e.Message);
        Assert.Contains("no Vulkan implementation", e.Message);
        using var cpu = FlowModel.Load(bytes, new FlowModelOptions { MaxBatch = 2 });
        Assert.Contains("Softmax", VulkanExecutor.Refusal(cpu.Plan)); // what `flowgen inspect` prints, without a device
    }

    [VulkanFact]
    public void SamplingIsDeterministicAndAllocatesNothingAfterWarmUp()
    {
        using var m = FlowModel.Load(Bundled("terrain-coarse"), new FlowModelOptions { MaxBatch = 8, Backend = FlowBackend.Vulkan });
        var a = new float[20 * m.SampleLength];
        var b = new float[20 * m.SampleLength];
        m.Sample(a, 5, 0, 20, 1f);   // batches 8, 8, 4: two slots recorded
        m.Sample(b, 5, 0, 20, 1f);
        Assert.Equal(a, b);
        Assert.Equal(0, AllocationMeter.Allocated(() =>
        {
            for (int i = 0; i < 10; i++) m.Sample(b, 5, i, 20, 1f);
        }));
        m.Sample(b, 5, 0, 20, 1f);
        Assert.Equal(a, b);
    }

    [VulkanTheory]
    [InlineData("terrain-coarse")]
    [InlineData("terrain-detail")]
    public void ADeviceLocalArenaBehindAMirrorGivesTheSameSamples(string name)
    {
        // The discrete-GPU path (constants copied once, inputs in and outputs out by copy commands each run) forced on
        // this device: the same kernels on the same device, so the same bits as the host-visible arena.
        using var plain = FlowModel.Load(Bundled(name), new FlowModelOptions { MaxBatch = 4, Backend = FlowBackend.Vulkan });
        using var staged = FlowModel.Load(Bundled(name), new FlowModelOptions { MaxBatch = 4, Backend = FlowBackend.Vulkan, ForceStagedArena = true });
        var a = new float[7 * plain.SampleLength];
        var b = new float[7 * plain.SampleLength];
        if (plain.IsConditional)
        {
            var context = new float[7 * plain.ContextLength];
            for (int i = 0; i < context.Length; i++) context[i] = MathF.Sin(i * 0.01f);
            plain.Sample(a, 3, 10, 7, 1f, context);
            staged.Sample(b, 3, 10, 7, 1f, context);
        }
        else
        {
            plain.Sample(a, 3, 10, 7, 1f);
            staged.Sample(b, 3, 10, 7, 1f);
        }
        Assert.Equal(a, b);
        if (!staged.IsConditional)
            Assert.Equal(0, AllocationMeter.Allocated(() =>
            {
                for (int i = 0; i < 5; i++) staged.Sample(b, 3, 10, 7, 1f);
            }));
    }

    [VulkanFact]
    public void ManyBatchSizesRecordOnceEachAndEvictBeyondTheSlots()
    {
        // A world asks for lattice rows of many sizes: each size is recorded once, so a second pass over a dozen sizes
        // allocates nothing; forty sizes (more than the 32 the executor keeps) re-record the oldest and stay correct.
        using var models = BothBackends.Of(Bundled("terrain-coarse"), 64);
        var (cpu, gpu) = (models.Cpu, models.Gpu);
        var x = new float[40 * gpu.SampleLength];
        for (int n = 1; n <= 12; n++) gpu.Sample(x.AsSpan(0, n * gpu.SampleLength), 9, 100, n, 1f);
        Assert.Equal(0, AllocationMeter.Allocated(() =>
        {
            for (int n = 1; n <= 12; n++) gpu.Sample(x.AsSpan(0, n * gpu.SampleLength), 9, 100, n, 1f);
        }));
        for (int n = 40; n >= 13; n -= 9) Assert.True(WorstDifference(cpu, gpu, 9, 100 + n, n) < 1e-4, $"batch {n}");

        var bytes = FlowModelTests.ElementwiseSampler();  // small: forty sizes are cheap
        using var small = BothBackends.Of(bytes, 64);
        for (int pass = 0; pass < 2; pass++)
            for (int n = 1; n <= 40; n++) Assert.True(WorstDifference(small.Cpu, small.Gpu, 4, n, n) < 1e-5, $"pass {pass}, batch {n}");
    }
}

internal static class SamplerTestModels
{
    /// <summary>The metadata of a 1x4x4 heightmap sampling graph in model units, then its bytes.</summary>
    public static byte[] ToBytes4x4Sampler(this TestModel m) => m
        .Meta("flowgen.version", "1").Meta("flowgen.kind", "heightmap").Meta("flowgen.shape", "1,4,4")
        .Meta("flowgen.scale", "1").Meta("flowgen.offset", "0").Meta("flowgen.default_temperature", "1")
        .ToBytes();
}
