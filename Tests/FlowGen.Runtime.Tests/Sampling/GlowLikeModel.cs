// Builds a Glow-like sampling graph z [N,1,32,32] -> x [N,1,32,32] with random weights, shaped like the
// reference model of the issue: 3 levels x 4 steps, 64 hidden channels, affine couplings
// (conv3x3-relu-conv1x1-relu-conv3x3, sigmoid scale), 1x1 invertible convs, actnorm; squeezes as
// SpaceToDepth/DepthToSpace, splits as Slice/Concat. About 150 k parameters. Used by tests and benchmarks
// until the trainer exports real models.
using FlowGen.Runtime.Tests.Onnx;

namespace FlowGen.Runtime.Tests.Sampling;

internal static class GlowLikeModel
{
    public const int Levels = 3, Steps = 4, Hidden = 64;

    public static byte[] Build(int seed = 1) => Create(seed).ToBytes();

    public static TestModel Create(int seed)
    {
        var rng = new Random(seed);
        var m = new TestModel().Input("z", [-1, 1, 32, 32]).Output("x", [-1, 1, 32, 32])
            .Meta("flowgen.version", "1").Meta("flowgen.kind", "heightmap").Meta("flowgen.shape", "1,32,32")
            .Meta("flowgen.scale", "120").Meta("flowgen.offset", "300").Meta("flowgen.pixel_size_m", "90")
            .Meta("flowgen.default_temperature", "0.7").Meta("flowgen.arch", "glow-like-random");
        int id = 0;
        string Name(string p) => $"{p}_{id++}";
        float[] Normal(int n, double std) => Enumerable.Range(0, n).Select(_ => (float)(std * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()))).ToArray();
        string Const(long[] shape, float[] v) { var n = Name("w"); m.Floats(n, shape, v); return n; }
        string Longs(params long[] v) { var n = Name("i"); m.Longs(n, [v.Length], v); return n; }
        string Node(string op, string[] ins, params FlowGen.Runtime.Onnx.Proto.AttributeProto[] attrs) { var o = Name(op.ToLowerInvariant()); m.Node(op, ins, [o], attrs); return o; }
        string Slice(string x, long from, long to) => Node("Slice", [x, Longs(from), Longs(to), Longs(1)]);
        string Conv(string x, int cin, int cout, int k, double std) =>
            Node("Conv", [x, Const([cout, cin, k, k], Normal(cout * cin * k * k, std)), Const([cout], Normal(cout, 0.01))],
                TestModel.Ints("kernel_shape", k, k), TestModel.Ints("pads", k / 2, k / 2, k / 2, k / 2));

        // latents per level: z -> s2d -> [4,16,16]: ch 0-1 level 0; ch 2-3 -> s2d -> [8,8,8]: ch 0-3 level 1; ch 4-7 -> s2d -> [16,4,4] level 2
        var s1 = Node("SpaceToDepth", ["z"], TestModel.Int("blocksize", 2));
        var z0 = Slice(s1, 0, 2);
        var s2 = Node("SpaceToDepth", [Slice(s1, 2, 4)], TestModel.Int("blocksize", 2));
        var z1 = Slice(s2, 0, 4);
        var h = Node("SpaceToDepth", [Slice(s2, 4, 8)], TestModel.Int("blocksize", 2));
        string[] latents = [z0, z1];
        for (int level = Levels - 1; level >= 0; level--)
        {
            int c = 4 << level;
            for (int step = Steps - 1; step >= 0; step--)
            {
                // actnorm inverse, then the 1x1 conv inverse (identity + noise), then the coupling inverse
                h = Node("Sub", [Node("Mul", [h, Const([1, c, 1, 1], Normal(c, 0.1).Select(v => 1 + v).ToArray())]), Const([1, c, 1, 1], Normal(c, 0.1))]);
                var w = Normal(c * c, 0.05);
                for (int i = 0; i < c; i++) w[i * c + i] += 1;
                h = Node("Conv", [h, Const([c, c, 1, 1], w)], TestModel.Ints("kernel_shape", 1, 1));
                var xa = Slice(h, 0, c / 2);
                var xb = Slice(h, c / 2, c);
                var net = Node("Relu", [Conv(xa, c / 2, Hidden, 3, 0.05)]);
                net = Node("Relu", [Conv(net, Hidden, Hidden, 1, 0.05)]);
                net = Conv(net, Hidden, c, 3, 0.01);
                var shift = Slice(net, 0, c / 2);
                var scale = Node("Sigmoid", [Node("Add", [Slice(net, c / 2, c), Const([], [2f])])]);
                xb = Node("Sub", [Node("Div", [xb, scale]), shift]);
                h = Node("Concat", [xa, xb], TestModel.Int("axis", 1));
            }
            h = Node("DepthToSpace", [h], TestModel.Int("blocksize", 2));
            if (level > 0) h = Node("Concat", [latents[level - 1], h], TestModel.Int("axis", 1));
        }
        m.Node("Identity", [h], ["x"]);
        return m;
    }
}
