// FlowModel's conditional sampling contract on a small elementwise graph whose context is larger than a sample
// (two channels against one), so context rows and sample rows are indexed apart: each sample gets its own
// context row on the serial and the lane path, and graphs with a malformed context input are not sampling graphs.
using FlowGen.Runtime.Tests.Onnx;
using static FlowGen.Runtime.Tests.Onnx.TestModel;

namespace FlowGen.Runtime.Tests.Sampling;

public class ConditionalSamplingTests
{
    /// <summary>x = tanh(z * 0.8 + context[:, 0]) - context[:, 1] / 3 over z [N,1,4,4], context [N,2,4,4].</summary>
    private static TestModel ConditionalSampler(long[]? contextShape = null) => new TestModel()
        .Input("z", [-1, 1, 4, 4]).Input("context", contextShape ?? [-1, 2, 4, 4])
        .Floats("s", [], [0.8f]).Floats("three", [], [3f])
        .Longs("c0", [1], [0]).Longs("c1", [1], [1]).Longs("c2", [1], [2]).Longs("axis", [1], [1])
        .Node("Slice", ["context", "c0", "c1", "axis"], ["a"]).Node("Slice", ["context", "c1", "c2", "axis"], ["b"])
        .Node("Mul", ["z", "s"], ["m"]).Node("Add", ["m", "a"], ["u"]).Node("Tanh", ["u"], ["t"])
        .Node("Div", ["b", "three"], ["d"]).Node("Sub", ["t", "d"], ["x"])
        .Output("x", [-1, 1, 4, 4]);

    private static float[] Contexts(int count)
    {
        var c = new float[count * 32];
        for (int i = 0; i < c.Length; i++) c[i] = MathF.Sin(i * 0.37f) * 1.5f;
        return c;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void EachSampleUsesItsOwnContextRow(int threads)
    {
        using var m = FlowModel.Load(ConditionalSampler().ToBytes(), new FlowModelOptions { MaxBatch = 4, Threads = threads });
        Assert.True(m.CanSample && m.IsConditional);
        Assert.Equal([2, 4, 4], m.ContextShape);
        Assert.Equal(32, m.ContextLength);
        var grid = new SampleIndices(5, 3, Rows: 3, RowStride: 100);
        var context = Contexts(grid.Count);
        var x = new float[grid.Count * 16];
        m.Sample(x, 9, grid, 0.7f, context);
        var z = new float[16];
        for (int k = 0; k < grid.Count; k++)
        {
            LatentGenerator.Fill(z, 9, grid.IndexAt(k), 0.7f);
            for (int e = 0; e < 16; e++)
                Assert.Equal(MathF.Tanh(z[e] * 0.8f + context[k * 32 + e]) - context[k * 32 + 16 + e] / 3f, x[k * 16 + e], 5);
        }
    }

    [Fact]
    public void UnconditionalGraphsSayNoContextAndConditionalOnesNeedOne()
    {
        using var plain = FlowModel.Load(FlowModelTests.ElementwiseSampler());
        Assert.False(plain.IsConditional);
        Assert.Empty(plain.ContextShape);
        Assert.Equal(0, plain.ContextLength);
        Assert.Throws<FlowGenException>(() => plain.Sample(new float[16], 1, 0, 1, 1f, new float[16]));

        using var m = FlowModel.Load(ConditionalSampler().ToBytes(), new FlowModelOptions(), "cond.onnx");
        var e = Assert.Throws<FlowGenException>(() => m.Sample(new float[32], 1, 0, 2, 1f));
        Assert.Equal("cond.onnx", e.FilePath);
        Assert.Throws<FlowGenException>(() => m.SamplePlausible(new float[32], 1, 0, 2, 1f));
        var shortContext = Assert.Throws<ArgumentException>(() => m.Sample(new float[32], 1, 0, 2, 1f, new float[63]));
        Assert.Equal("context", shortContext.ParamName);
        Assert.Contains("cond.onnx", shortContext.Message);
    }

    [Fact]
    public void MalformedContextInputsAreNotSamplingGraphs()
    {
        using (var noBatch = FlowModel.Load(ConditionalSampler([1, 2, 4, 4]).ToBytes()))
        {
            Assert.False(noBatch.CanSample);
            Assert.Contains("'context'", Assert.Throws<FlowGenException>(() => noBatch.Sample(new float[16], 1, 0, 1, 1f)).Message);
        }
        var extra = ConditionalSampler().Input("q", [-1, 1, 4, 4]).Node("Add", ["x", "q"], ["y"]).Output("y", [-1, 1, 4, 4]);
        using var m = FlowModel.Load(extra.ToBytes());
        Assert.False(m.CanSample);
        Assert.Contains("'q'", Assert.Throws<FlowGenException>(() => m.Sample(new float[16], 1, 0, 1, 1f, new float[32])).Message);
    }
}
