// FlowModel's sampling contract on a small elementwise sampling graph: batch-independence of sample i,
// bitwise determinism across thread counts and runs, no allocation after warm-up, physical units,
// argument validation, and the allocation-free Run path.
using FlowGen.Runtime.Tests.Onnx;

namespace FlowGen.Runtime.Tests.Sampling;

public class FlowModelTests
{
    /// <summary>x = tanh(z * 0.8 + b) - sigmoid(z) / 3 over z [N,1,4,4].</summary>
    internal static byte[] ElementwiseSampler() => new TestModel()
        .Input("z", [-1, 1, 4, 4])
        .Floats("s", [], [0.8f]).Floats("b", [1, 1, 4], [0.1f, -0.2f, 0.3f, 0f]).Floats("three", [], [3f])
        .Node("Mul", ["z", "s"], ["m"]).Node("Add", ["m", "b"], ["a"]).Node("Tanh", ["a"], ["t"])
        .Node("Sigmoid", ["z"], ["g"]).Node("Div", ["g", "three"], ["d"]).Node("Sub", ["t", "d"], ["x"])
        .Output("x", [-1, 1, 4, 4])
        .Meta("flowgen.version", "1").Meta("flowgen.kind", "heightmap").Meta("flowgen.shape", "1,4,4")
        .Meta("flowgen.scale", "250").Meta("flowgen.offset", "1000").Meta("flowgen.default_temperature", "0.7")
        .ToBytes();

    private static float Reference(float z, int element)
    {
        float b = new[] { 0.1f, -0.2f, 0.3f, 0f }[element % 4];
        return MathF.Tanh(z * 0.8f + b) - 1f / (1f + MathF.Exp(-z)) / 3f;
    }

    [Fact]
    public void SamplesMatchTheGraphOnGeneratedLatents()
    {
        using var m = FlowModel.Load(ElementwiseSampler(), new FlowModelOptions { MaxBatch = 4 });
        Assert.True(m.CanSample);
        Assert.Equal([1, 4, 4], m.SampleShape);
        Assert.Equal(0.7f, m.Metadata.DefaultTemperature);
        var x = new float[10 * 16];
        m.Sample(x, 9, 3, 10, 0.7f);
        var z = new float[16];
        for (int s = 0; s < 10; s++)
        {
            LatentGenerator.Fill(z, 9, 3 + s, 0.7f);
            for (int e = 0; e < 16; e++) Assert.Equal(Reference(z[e], e), x[s * 16 + e], 5);
        }
    }

    [Fact]
    public void SampleIsIndependentOfBatchingAndThreads()
    {
        float[] Draw(int maxBatch, int threads, long first, int count)
        {
            using var m = FlowModel.Load(ElementwiseSampler(), new FlowModelOptions { MaxBatch = maxBatch, Threads = threads });
            var x = new float[count * 16];
            m.Sample(x, 77, first, count, 1f);
            return x;
        }
        var all = Draw(16, 1, 0, 40);
        foreach (var (mb, th) in new[] { (1, 1), (3, 2), (16, 4), (7, 3) })
        {
            var again = Draw(mb, th, 0, 40);
            Assert.Equal(all.Select(BitConverter.SingleToInt32Bits), again.Select(BitConverter.SingleToInt32Bits));
        }
        var one = Draw(5, 2, 23, 1);
        Assert.Equal(all.AsSpan(23 * 16, 16).ToArray().Select(BitConverter.SingleToInt32Bits), one.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void A_grid_of_runs_draws_the_same_samples_as_one_call_per_run_whatever_the_threads()
    {
        var grid = new SampleIndices(FirstIndex: 1000, Columns: 7, Rows: 5, RowStride: 1L << 32);
        float[]? first = null;
        foreach (var (mb, th) in new[] { (16, 1), (8, 2), (4, 3) })
        {
            using var m = FlowModel.Load(ElementwiseSampler(), new FlowModelOptions { MaxBatch = mb, Threads = th });
            var x = new float[grid.Count * 16];
            m.Sample(x, 5, grid, 0.8f, SampleUnits.Physical);
            var run = new float[7 * 16];
            for (int r = 0; r < 5; r++)
            {
                m.Sample(run, 5, 1000 + r * (1L << 32), 7, 0.8f, SampleUnits.Physical);
                Assert.Equal(run, x.AsSpan(r * 7 * 16, 7 * 16).ToArray());
            }
            first ??= x;
            Assert.Equal(first.Select(BitConverter.SingleToInt32Bits), x.Select(BitConverter.SingleToInt32Bits));
        }
        Assert.Equal(1000 + 3 * (1L << 32) + 2, grid.IndexAt(3 * 7 + 2));
        using var model = FlowModel.Load(ElementwiseSampler());
        var dest = new float[64 * 16];
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Sample(dest, 1, new SampleIndices(0, 4, 2, RowStride: 3), 1f)); // rows overlap
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Sample(dest, 1, new SampleIndices(-1, 4), 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Sample(dest, 1, new SampleIndices(long.MaxValue - 10, 4, 2, RowStride: 8), 1f));
        Assert.Throws<ArgumentException>(() => model.Sample(dest, 1, new SampleIndices(0, 33, 2, 40), 1f)); // 66 samples, room for 64
    }

    [Fact]
    public void PhysicalUnitsApplyScaleAndOffset()
    {
        using var m = FlowModel.Load(ElementwiseSampler());
        var model = new float[32];
        var phys = new float[32];
        m.Sample(model, 1, 0, 2, 1f);
        m.Sample(phys, 1, 0, 2, 1f, SampleUnits.Physical);
        for (int i = 0; i < 32; i++) Assert.Equal(model[i] * 250f + 1000f, phys[i]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SampleAndRunAllocateNothingAfterWarmUp(int threads)
    {
        using var m = FlowModel.Load(ElementwiseSampler(), new FlowModelOptions { MaxBatch = 8, Threads = threads });
        var x = new float[20 * 16];
        var z = new float[8 * 16];
        var y = new float[8 * 16];
        m.Sample(x, 5, 0, 20, 0.9f);
        m.Run(z, y, 8);
        m.Sample(x, 5, 0, 20, 0.9f);
        // allowance: the worker pool's one-time lazy lock object (see GlowLikeModelTests); per-call allocation would be 80x this
        long allocated = AllocationMeter.Allocated(() =>
        {
            for (int i = 0; i < 40; i++)
            {
                m.Sample(x, 5, i, 20, 0.9f);
                m.Run(z, y, 8);
            }
        }, allowance: 48);
        Assert.InRange(allocated, 0, 48);
    }

    [Fact]
    public void RejectsBadArguments()
    {
        using var m = FlowModel.Load(ElementwiseSampler(), new FlowModelOptions { MaxBatch = 2 });
        Assert.Throws<ArgumentException>(() => m.Sample(new float[15], 1, 0, 1, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Sample(new float[16], 1, -1, 1, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Sample(new float[16], 1, 0, 1, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Sample(new float[16], 1, 0, 1, -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Run(new float[48], new float[48], 3));
        Assert.Throws<ArgumentException>(() => m.Run(new Dictionary<string, TensorData> { ["q"] = TensorData.FromFloats([1], [0]) }));
        Assert.Throws<ArgumentException>(() => m.Run(new Dictionary<string, TensorData> { ["z"] = TensorData.FromFloats([1, 1, 4, 3], new float[12]) }));
        m.Dispose();
        Assert.Throws<ObjectDisposedException>(() => m.Sample(new float[16], 1, 0, 1, 1f));
    }

    [Fact]
    public void NonSamplingGraphSaysWhy()
    {
        var g = new TestModel().Input("a", [-1, 3]).Node("Relu", ["a"], ["b"]).Output("b").ToBytes();
        using var m = FlowModel.Load(g);
        Assert.False(m.CanSample);
        var e = Assert.Throws<FlowGenException>(() => m.Sample(new float[3], 1, 0, 1, 1f));
        Assert.Contains("'z'", e.Message);
    }

    [Fact]
    public void NaNInputsPropagateWithoutCrashing()
    {
        using var m = FlowModel.Load(ElementwiseSampler(), new FlowModelOptions { MaxBatch = 1 });
        var z = Enumerable.Repeat(float.NaN, 16).ToArray();
        var y = new float[16];
        m.Run(z, y, 1);
        Assert.All(y, v => Assert.True(float.IsNaN(v)));
    }
}
