// Conv2dKernel against a naive double-precision reference over many shapes (strides, dilations,
// asymmetric pads, groups incl. depthwise, every fused activation), and bitwise identity across
// thread counts. Tagged Kernels so run-tests.sh reruns them with narrower SIMD paths disabled.
using FlowGen.Runtime.Cpu;

namespace FlowGen.Runtime.Tests.Cpu;

[Trait("Category", "Kernels")]
public sealed unsafe class Conv2dKernelTests
{
    // (cin, cout, h, w, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, groups)
    public static TheoryData<int[]> Shapes => new()
    {
        new[] { 2, 64, 16, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1 },   // Glow coupling, level 1 in
        new[] { 64, 64, 16, 16, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1 },  // hidden 1x1
        new[] { 64, 4, 16, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1 },   // coupling out
        new[] { 4, 64, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1 },
        new[] { 64, 8, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1 },
        new[] { 8, 64, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1 },
        new[] { 64, 16, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1 },
        new[] { 16, 16, 4, 4, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1 },   // invertible 1x1
        new[] { 3, 5, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1 },     // odd sizes
        new[] { 3, 5, 13, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1 },   // width past one vector with a tail
        new[] { 5, 7, 19, 37, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1 },
        new[] { 4, 6, 11, 10, 3, 2, 2, 3, 1, 0, 2, 1, 1, 1, 1 },   // strides, asymmetric pads
        new[] { 4, 4, 12, 12, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1 },   // dilation
        new[] { 4, 6, 9, 9, 3, 3, 1, 1, 0, 1, 2, 0, 1, 2, 2 },     // groups, asymmetric pads, dilation
        new[] { 8, 8, 10, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8 },   // depthwise
        new[] { 8, 16, 6, 6, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 8 },    // depthwise multiplier 2, 5x5
        new[] { 3, 2, 5, 5, 5, 5, 1, 1, 0, 0, 0, 0, 1, 1, 1 },     // 1x1 output
        new[] { 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1 },
        new[] { 6, 4, 1, 8, 1, 3, 1, 1, 0, 1, 0, 1, 1, 1, 1 },     // one row
        new[] { 2, 3, 16, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1 },   // stride 2
        new[] { 5, 3, 6, 20, 1, 1, 1, 1, 1, 0, 0, 2, 1, 1, 1 },    // padded 1x1
    };

    private static Conv2dShape ShapeOf(int[] p) =>
        new(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14]);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesDoubleReference(int[] p)
    {
        var s = ShapeOf(p);
        foreach (var act in new[] { FusedActivation.None, FusedActivation.Relu })
            foreach (int batch in new[] { 1, 3 })
                Check(s, batch, act, seed: p.Sum() + batch, withBias: true);
        Check(s, 2, FusedActivation.None, seed: 7, withBias: false);
    }

    [Theory]
    [InlineData((int)FusedActivation.LeakyRelu)]
    [InlineData((int)FusedActivation.Sigmoid)]
    [InlineData((int)FusedActivation.Tanh)]
    public void FusedActivationsMatchReference(int activation)
    {
        var act = (FusedActivation)activation;
        Check(Conv2dShape.Simple(3, 8, 16, 16, 3, 1), 2, act, seed: 11, withBias: true);
        Check(Conv2dShape.Simple(16, 5, 4, 4, 1, 0), 2, act, seed: 12, withBias: true);
        Check(Conv2dShape.Simple(4, 6, 8, 8, 3, 1), 3, act, seed: 13, withBias: true);   // flat segments (compacted from the Ho x Wp plane)
    }

    [Fact]
    public void BitwiseIdenticalAcrossThreadCounts()
    {
        foreach (var s in new[] { Conv2dShape.Simple(2, 64, 16, 16, 3, 1), Conv2dShape.Simple(64, 64, 16, 16, 1, 0),
                     Conv2dShape.Simple(64, 4, 8, 8, 3, 1), Conv2dShape.Simple(8, 64, 4, 4, 3, 1) })
        {
            var (x, w, b) = Inputs(s, 32, seed: 3);   // batch 32: every shape here is above ParallelMinFlops
            var kernel = new Conv2dKernel(s, w, b, FusedActivation.Relu);
            float[]? first = null;
            foreach (int threads in new[] { 1, 2, 4 })
            {
                using var pool = new WorkerPool(threads);
                var y = RunKernel(kernel, x, 32, pool);
                if (first is null) first = y;
                else Assert.Equal(first.Select(BitConverter.SingleToInt32Bits), y.Select(BitConverter.SingleToInt32Bits));
            }
        }
    }

    [Theory]
    [InlineData(8, 64, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 3)]     // Glow level 3 input conv: 3 images a plane
    [InlineData(64, 16, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 3)]    // level 3 output conv
    [InlineData(64, 8, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1)]     // level 2 output conv: eight would not fit in L1
    [InlineData(4, 6, 9, 7, 3, 2, 2, 1, 0, 1, 2, 2, 2, 0)]      // asymmetric pads, dilation, groups
    [InlineData(3, 5, 5, 6, 5, 5, 1, 1, 2, 3, 2, 1, 1, 0)]      // pads wider on one side than the other
    public void ImagesSideBySideGiveEachImageTheBitsItGetsAlone(int cin, int cout, int h, int w, int kh, int kw, int dh, int dw,
        int pt, int pl, int pb, int pr, int groups, int stack)
    {
        var s = new Conv2dShape(cin, cout, h, w, kh, kw, 1, 1, pt, pl, pb, pr, dh, dw, groups);
        var (_, wt, b) = Inputs(s, 1, seed: 5);
        var kernel = new Conv2dKernel(s, wt, b, FusedActivation.Relu);
        // With 512-bit registers (this machine): the images a plane the kernel picks (0: whichever); narrower ones suit these images differently.
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && stack > 0) Assert.Equal(stack, kernel.Stack);
        int batch = 2 * Math.Max(1, kernel.Stack) + 1;   // two full planes and a partial one
        var (x, _, _) = Inputs(s, batch, seed: 5);
        int inLen = s.InChannels * h * w, outLen = s.OutChannels * s.OutHeight * s.OutWidth;
        foreach (int threads in new[] { 1, 2 })
        {
            using var pool = new WorkerPool(threads);
            var together = RunKernel(kernel, x, batch, pool);
            for (int n = 0; n < batch; n++)
            {
                var alone = RunKernel(kernel, x[(n * inLen)..((n + 1) * inLen)], 1, pool);
                Assert.Equal(alone.Select(BitConverter.SingleToInt32Bits), together[(n * outLen)..((n + 1) * outLen)].Select(BitConverter.SingleToInt32Bits));
            }
        }
        Check(s, batch, FusedActivation.None, seed: 6, withBias: true);
    }

    [Fact]
    public void RejectsInvalidShapesAndWeights()
    {
        Assert.Throws<ArgumentException>(() => new Conv2dKernel(Conv2dShape.Simple(3, 4, 2, 2, 5, 0), new float[4 * 3 * 25], default, FusedActivation.None));
        Assert.Throws<ArgumentException>(() => new Conv2dKernel(Conv2dShape.Simple(3, 4, 8, 8, 3, 1), new float[10], default, FusedActivation.None));
        Assert.Throws<ArgumentException>(() => new Conv2dKernel(Conv2dShape.Simple(3, 4, 8, 8, 3, 1), new float[4 * 27], new float[3], FusedActivation.None));
        var grouped = new Conv2dShape(3, 4, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2);
        Assert.Throws<ArgumentException>(() => new Conv2dKernel(grouped, new float[4 * 27], default, FusedActivation.None));
    }

    [Fact]
    public void RunAllocatesNothingAfterWarmUp()
    {
        var s = Conv2dShape.Simple(8, 16, 16, 16, 3, 1);
        var (x, w, b) = Inputs(s, 4, seed: 9);
        var kernel = new Conv2dKernel(s, w, b, FusedActivation.Relu);
        var y = new float[4 * s.OutChannels * s.OutHeight * s.OutWidth];
        var scratch = new float[Math.Max(1, kernel.ScratchFloats(4))];
        void Run()
        {
            fixed (float* px = x, py = y, ps = scratch) kernel.Run(px, py, 4, ps, WorkerPool.Serial);
        }
        Run();
        Assert.Equal(0, AllocationMeter.Allocated(Run));
    }

    private static void Check(Conv2dShape s, int batch, FusedActivation act, int seed, bool withBias)
    {
        var (x, w, b) = Inputs(s, batch, seed);
        if (!withBias) b = [];
        using var pool = new WorkerPool(2);
        var y = RunKernel(new Conv2dKernel(s, w, b, act, 0.2f), x, batch, pool);
        var expected = Reference(s, x, w, b, batch, act, 0.2);
        for (int i = 0; i < y.Length; i++)
        {
            double tol = 1e-5 * (1 + Math.Abs(expected[i].Scale));
            Assert.True(Math.Abs(y[i] - expected[i].Value) <= tol,
                $"{s} batch {batch} {act}: y[{i}] = {y[i]}, expected {expected[i].Value}");
        }
    }

    internal static float[] RunKernel(Conv2dKernel kernel, float[] x, int batch, WorkerPool pool)
    {
        var s = kernel.Shape;
        var y = new float[batch * s.OutChannels * s.OutHeight * s.OutWidth];
        Array.Fill(y, float.NaN);
        var scratch = new float[Math.Max(1, kernel.ScratchFloats(batch))];
        Array.Fill(scratch, float.NaN);  // the kernel must not depend on scratch contents
        fixed (float* px = x, py = y, ps = scratch)
            kernel.Run(px, py, batch, ps, pool);
        return y;
    }

    internal static (float[] X, float[] W, float[] B) Inputs(Conv2dShape s, int batch, int seed)
    {
        var rng = new Random(seed);
        float R() => (float)(rng.NextDouble() * 2 - 1);
        var x = new float[batch * s.InChannels * s.InHeight * s.InWidth];
        var w = new float[s.OutChannels * s.GroupInChannels * s.KernelH * s.KernelW];
        var b = new float[s.OutChannels];
        for (int i = 0; i < x.Length; i++) x[i] = R();
        for (int i = 0; i < w.Length; i++) w[i] = R();
        for (int i = 0; i < b.Length; i++) b[i] = R();
        return (x, w, b);
    }

    // Value and the sum of absolute terms (the scale a float32 sum's rounding error is relative to).
    private static (double Value, double Scale)[] Reference(Conv2dShape s, float[] x, float[] w, float[] b,
        int batch, FusedActivation act, double alpha)
    {
        int ho = s.OutHeight, wo = s.OutWidth, cinG = s.GroupInChannels, coutG = s.GroupOutChannels;
        var y = new (double, double)[batch * s.OutChannels * ho * wo];
        for (int n = 0; n < batch; n++)
        for (int co = 0; co < s.OutChannels; co++)
        for (int oh = 0; oh < ho; oh++)
        for (int ow = 0; ow < wo; ow++)
        {
            double acc = b.Length == 0 ? 0 : b[co], scale = Math.Abs(acc);
            int g = co / coutG;
            for (int ci = 0; ci < cinG; ci++)
            for (int kh = 0; kh < s.KernelH; kh++)
            for (int kw = 0; kw < s.KernelW; kw++)
            {
                int ih = oh * s.StrideH - s.PadTop + kh * s.DilationH, iw = ow * s.StrideW - s.PadLeft + kw * s.DilationW;
                if (ih < 0 || ih >= s.InHeight || iw < 0 || iw >= s.InWidth) continue;
                double t = (double)w[((co * cinG + ci) * s.KernelH + kh) * s.KernelW + kw]
                    * x[((n * s.InChannels + g * cinG + ci) * s.InHeight + ih) * s.InWidth + iw];
                acc += t;
                scale += Math.Abs(t);
            }
            double v = act switch
            {
                FusedActivation.Relu => Math.Max(acc, 0),
                FusedActivation.LeakyRelu => acc >= 0 ? acc : acc * alpha,
                FusedActivation.Sigmoid => 1 / (1 + Math.Exp(-acc)),
                FusedActivation.Tanh => Math.Tanh(acc),
                _ => acc,
            };
            y[((n * s.OutChannels + co) * ho + oh) * wo + ow] = (v, act is FusedActivation.Sigmoid or FusedActivation.Tanh ? 1 : scale);
        }
        return y;
    }
}
