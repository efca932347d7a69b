// Graph compilation: batch-linear shape arithmetic as torch emits it, constant folding, dead-node removal,
// elementwise fusion and arena reuse, each checked on the compiled plan and on the numbers it produces.
using FlowGen.Runtime.Graph;
using FlowGen.Runtime.Onnx;
using FlowGen.Runtime.Tests.Onnx;

namespace FlowGen.Runtime.Tests.Graph;

public class GraphCompilerTests
{
    private static ExecutionPlan Compile(TestModel m, int maxBatch = 4) =>
        GraphCompiler.Compile(OnnxReader.Read(m.ToBytes(), "t.onnx"), maxBatch);

    /// <summary>y = Reshape(x, [Shape(x)[0], -1]) with x [N,2,3], then Mul by 2: torch's flatten pattern.</summary>
    private static TestModel TorchFlatten() => new TestModel()
        .Input("x", [-1, 2, 3])
        .Longs("zero", [], [0]).Longs("axes0", [1], [0]).Longs("minus1", [1], [-1]).Floats("two", [], [2f])
        .Node("Shape", ["x"], ["s"])
        .Node("Gather", ["s", "zero"], ["n"], TestModel.Int("axis", 0))
        .Node("Unsqueeze", ["n", "axes0"], ["n1"])
        .Node("Concat", ["n1", "minus1"], ["shape"], TestModel.Int("axis", 0))
        .Node("Reshape", ["x", "shape"], ["r"])
        .Node("Mul", ["r", "two"], ["y"])
        .Output("y");

    [Fact]
    public void ShapeArithmeticFoldsToBatchLinearShapes()
    {
        var plan = Compile(TorchFlatten());
        var y = plan.Outputs[0];
        Assert.Equal(new SymDim[] { SymDim.Batch, 6 }, y.Shape);
        // Shape, Gather, Unsqueeze, Concat folded; Reshape is a view: one step remains.
        Assert.Equal(["Elementwise"], plan.Steps.Select(s => s.OpType));
        using var m = FlowModel.Load(TorchFlatten().ToBytes(), new FlowModelOptions { MaxBatch = 4 });
        var x = Enumerable.Range(0, 18).Select(i => (float)i).ToArray();
        var r = m.Run(new Dictionary<string, TensorData> { ["x"] = TensorData.FromFloats([3, 2, 3], x) })["y"];
        Assert.Equal([3, 6], r.Shape);
        Assert.Equal(x.Select(v => v * 2), r.Floats);
    }

    [Fact]
    public void BatchDependentShapeValuesAreMaterialisedAtRunTime()
    {
        // y = Cast(Shape(x)) * x[:, :1]: the batch size used as data
        var m = new TestModel().Input("x", [-1, 3])
            .Longs("st", [1], [0]).Longs("en", [1], [1]).Longs("ax", [1], [1])
            .Node("Shape", ["x"], ["s"])
            .Node("Slice", ["s", "st", "en"], ["n"])
            .Node("Cast", ["n"], ["nf"], TestModel.Int("to", 1))
            .Node("Slice", ["x", "st", "en", "ax"], ["x0"])
            .Node("Mul", ["x0", "nf"], ["y"]).Output("y");
        using var model = FlowModel.Load(m.ToBytes(), new FlowModelOptions { MaxBatch = 5 });
        for (int n = 1; n <= 5; n++)
        {
            var x = Enumerable.Range(0, 3 * n).Select(i => (float)i).ToArray();
            var y = model.Run(new Dictionary<string, TensorData> { ["x"] = TensorData.FromFloats([n, 3], x) })["y"];
            Assert.Equal(Enumerable.Range(0, n).Select(i => x[3 * i] * n), y.Floats);
        }
    }

    [Fact]
    public void FusesElementwiseChainsAndRemovesDeadNodes()
    {
        var m = new TestModel().Input("x", [-1, 8]).Floats("c", [8], Enumerable.Range(1, 8).Select(i => (float)i).ToArray())
            .Node("Add", ["x", "c"], ["a"]).Node("Relu", ["a"], ["r"]).Node("Mul", ["c", "r"], ["m"]).Node("Sigmoid", ["m"], ["y"])
            .Node("Exp", ["x"], ["unused"])
            .Output("y");
        var plan = Compile(m);
        Assert.Single(plan.Steps);
        var chain = (ChainParams)plan.Steps[0].Params!;
        Assert.Equal([ElementwiseKind.Add, ElementwiseKind.Relu, ElementwiseKind.Mul, ElementwiseKind.Sigmoid], chain.Ops.Select(o => o.Kind));
        using var model = FlowModel.Load(m.ToBytes());
        var x = Enumerable.Range(0, 16).Select(i => i * 0.3f - 2.4f).ToArray();
        var y = model.Run(new Dictionary<string, TensorData> { ["x"] = TensorData.FromFloats([2, 8], x) })["y"].Floats;
        for (int i = 0; i < 16; i++)
        {
            float c = i % 8 + 1;
            Assert.Equal(1f / (1f + MathF.Exp(-(c * MathF.Max(0, x[i] + c)))), y[i], 5);
        }
    }

    [Fact]
    public void FoldsPerChannelAffineAndActivationIntoConv()
    {
        // y = relu((conv(x, w) * s - t) + u), s/t/u per channel: one Conv step with folded weights, bias and activation
        var rng = new Random(3);
        float[] R(int n) => Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray();
        var w = R(3 * 2 * 3 * 3);
        var s = R(3);
        var t = R(3);
        var u = R(3);
        var m = new TestModel().Input("x", [-1, 2, 5, 5]).Floats("w", [3, 2, 3, 3], w)
            .Floats("s", [1, 3, 1, 1], s).Floats("t", [3, 1, 1], t).Floats("u", [], [u[0]])
            .Node("Conv", ["x", "w"], ["c"], TestModel.Ints("pads", 1, 1, 1, 1))
            .Node("Mul", ["c", "s"], ["a"]).Node("Sub", ["a", "t"], ["b"]).Node("Add", ["u", "b"], ["d"]).Node("Relu", ["d"], ["y"])
            .Output("y");
        var plan = Compile(m);
        var step = Assert.Single(plan.Steps);
        Assert.Equal(Activation.Relu, ((ConvParams)step.Params!).Activation);
        using var model = FlowModel.Load(m.ToBytes());
        var x = R(2 * 2 * 25);
        var y = model.Run(new Dictionary<string, TensorData> { ["x"] = TensorData.FromFloats([2, 2, 5, 5], x) })["y"].Floats;
        for (int n = 0; n < 2; n++)
            for (int co = 0; co < 3; co++)
                for (int i = 0; i < 5; i++)
                    for (int j = 0; j < 5; j++)
                    {
                        double acc = 0;
                        for (int ci = 0; ci < 2; ci++)
                            for (int ki = 0; ki < 3; ki++)
                                for (int kj = 0; kj < 3; kj++)
                                {
                                    int yi = i + ki - 1, xj = j + kj - 1;
                                    if (yi < 0 || yi >= 5 || xj < 0 || xj >= 5) continue;
                                    acc += x[((n * 2 + ci) * 5 + yi) * 5 + xj] * w[((co * 2 + ci) * 3 + ki) * 3 + kj];
                                }
                        double expected = Math.Max(0, acc * s[co] - t[co] + u[0]);
                        Assert.Equal(expected, y[((n * 3 + co) * 5 + i) * 5 + j], 4);
                    }
    }

    [Fact]
    public void FoldsConstantSubgraphs()
    {
        var m = new TestModel().Input("x", [-1, 4]).Floats("a", [4], [1, 4, 9, 16])
            .Node("Sqrt", ["a"], ["s"]).Node("Neg", ["s"], ["ns"]).Node("Add", ["x", "ns"], ["y"]).Output("y");
        var plan = Compile(m);
        Assert.Single(plan.Steps);
        var folded = plan.Steps[0].Inputs[1]!.Const!.Floats.ToArray();
        Assert.Equal([-1f, -2, -3, -4], folded);
    }

    [Fact]
    public void ReusesArenaSpaceOfDeadIntermediates()
    {
        // a long chain of Transposes (not fusable): the arena must not grow with the chain length
        var m = new TestModel().Input("x", [-1, 64, 64]);
        string prev = "x";
        for (int i = 0; i < 12; i++) { m.Node("Transpose", [prev], [$"t{i}"], TestModel.Ints("perm", 0, 2, 1)); prev = $"t{i}"; }
        m.Output(prev);
        var plan = Compile(m, 2);
        long buffer = 2L * 64 * 64 * 4;
        Assert.Equal(12, plan.Steps.Count);
        Assert.True(plan.ArenaBytes <= 4 * buffer, $"arena {plan.ArenaBytes} for buffers of {buffer}");
        using var model = FlowModel.Load(m.ToBytes(), new FlowModelOptions { MaxBatch = 2 });
        var x = Enumerable.Range(0, 2 * 64 * 64).Select(i => (float)i).ToArray();
        Assert.Equal(x, model.Run(new Dictionary<string, TensorData> { ["x"] = TensorData.FromFloats([2, 64, 64], x) })[prev].Floats);
    }
}
