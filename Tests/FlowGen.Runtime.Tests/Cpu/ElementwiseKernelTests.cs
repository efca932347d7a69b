// Every elementwise operator struct through ElementwiseDriver against its scalar spec, for all lengths
// 0..256 (around every vector width and its tails), out of place and in place, with special values.
// Arithmetic must match bit for bit; transcendentals within a few ulp (vector Exp/Log are approximations).
// Rerun by run-tests.sh with AVX-512, AVX2 and all intrinsics disabled.
using FlowGen.Runtime.Cpu;

namespace FlowGen.Runtime.Tests.Cpu;

[Trait("Category", "Kernels")]
public unsafe class ElementwiseKernelTests
{
    private static readonly float[] Special = [0f, -0f, 1f, -1f, float.NaN, float.PositiveInfinity, float.NegativeInfinity,
        float.Epsilon, -float.Epsilon, 1e-30f, 88f, -88f, 100f, -100f, 1e30f, 0.5f, 3f, 1e-4f, -1e-4f];

    private static float[] Data(int n, int seed, bool positive = false)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = i % 5 == 3 ? Special[rng.Next(Special.Length)] : (float)(rng.NextDouble() * 20 - 10);
            if (positive) a[i] = MathF.Abs(a[i]);
        }
        return a;
    }

    private static void Check(float expected, float actual, int ulps, string what)
    {
        if (float.IsNaN(expected)) { Assert.True(float.IsNaN(actual), $"{what}: expected NaN, got {actual}"); return; }
        if (ulps == 0) { Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual) || expected == actual, $"{what}: expected {expected}, got {actual}"); return; }
        if (float.IsInfinity(expected) || expected == actual) { Assert.Equal(expected, actual); return; }
        float tol = ulps * (MathF.BitIncrement(MathF.Abs(expected)) - MathF.Abs(expected)) + 2e-7f * MathF.Max(1, MathF.Abs(expected));
        Assert.True(MathF.Abs(expected - actual) <= tol, $"{what}: expected {expected}, got {actual} (diff {MathF.Abs(expected - actual)})");
    }

    private static void UnaryCase<T>(int ulps, bool positive = false) where T : IUnaryOperator
    {
        for (int n = 0; n <= 256; n++)
        {
            var x = Data(n, n, positive);
            var y = new float[n];
            var inPlace = (float[])x.Clone();
            fixed (float* px = x, py = y, pi = inPlace)
            {
                ElementwiseDriver.Unary<T>(px, py, n);
                ElementwiseDriver.Unary<T>(pi, pi, n);
            }
            for (int i = 0; i < n; i++)
            {
                Check(T.Invoke(x[i]), y[i], ulps, $"{typeof(T).Name}({x[i]}) n={n} i={i}");
                Assert.Equal(BitConverter.SingleToInt32Bits(y[i]), BitConverter.SingleToInt32Bits(inPlace[i]));
            }
        }
    }

    private static void BinaryCase<T>(int ulps) where T : IBinaryOperator
    {
        for (int n = 0; n <= 256; n++)
        {
            var a = Data(n, n);
            var b = Data(n, n + 1000);
            var y = new float[n];
            var ys = new float[n];
            var yr = new float[n];
            float s = b.Length > 0 ? b[0] : 2.5f;
            fixed (float* pa = a, pb = b, py = y, ps = ys, pr = yr)
            {
                ElementwiseDriver.Binary<T>(pa, pb, py, n);
                ElementwiseDriver.BinaryScalar<T>(pa, s, ps, n, false);
                ElementwiseDriver.BinaryScalar<T>(pa, s, pr, n, true);
            }
            for (int i = 0; i < n; i++)
            {
                Check(T.Invoke(a[i], b[i]), y[i], ulps, $"{typeof(T).Name}({a[i]}, {b[i]}) n={n} i={i}");
                Check(T.Invoke(a[i], s), ys[i], ulps, $"{typeof(T).Name}({a[i]}, s={s})");
                Check(T.Invoke(s, a[i]), yr[i], ulps, $"{typeof(T).Name}(s={s}, {a[i]})");
            }
        }
    }

    [Fact] public void Add() => BinaryCase<AddOperator>(0);
    [Fact] public void Subtract() => BinaryCase<SubtractOperator>(0);
    [Fact] public void Multiply() => BinaryCase<MultiplyOperator>(0);
    [Fact] public void Divide() => BinaryCase<DivideOperator>(0);
    [Fact] public void Min() => BinaryCase<MinOperator>(0);
    [Fact] public void Max() => BinaryCase<MaxOperator>(0);
    [Fact] public void LeakyRelu() => BinaryCase<LeakyReluOperator>(0);
    [Fact] public void Pow() => BinaryCase<PowOperator>(0);
    [Fact] public void Negate() => UnaryCase<NegateOperator>(0);
    [Fact] public void Abs() => UnaryCase<AbsOperator>(0);
    [Fact] public void Sqrt() => UnaryCase<SqrtOperator>(0, positive: true);
    [Fact] public void Relu() => UnaryCase<ReluOperator>(0);
    [Fact] public void Exp() => UnaryCase<ExpOperator>(4);
    [Fact] public void Log() => UnaryCase<LogOperator>(4, positive: true);
    [Fact] public void Sigmoid() => UnaryCase<SigmoidOperator>(4);
    [Fact] public void Tanh() => UnaryCase<TanhOperator>(4);
    [Fact] public void Softplus() => UnaryCase<SoftplusOperator>(4);

    [Fact]
    public void NaNPropagatesThroughMinMaxRelu()
    {
        Assert.True(float.IsNaN(MaxOperator.Invoke(float.NaN, 1)) && float.IsNaN(MaxOperator.Invoke(1, float.NaN)));
        Assert.True(float.IsNaN(MinOperator.Invoke(float.NaN, 1)) && float.IsNaN(MinOperator.Invoke(1, float.NaN)));
        Assert.True(float.IsNaN(ReluOperator.Invoke(float.NaN)));
        Assert.Equal(0f, ReluOperator.Invoke(-3));
        Assert.Equal(-0.03f, LeakyReluOperator.Invoke(-3, 0.01f), 6);
    }

    [Fact]
    public void TailResultsDoNotDependOnPosition()
    {
        // The same value must give the same bits whether it sits in the vector body or the tail.
        var x = Data(67, 5);
        for (int offset = 0; offset < 17; offset++)
        {
            var shifted = new float[67 + offset];
            Array.Copy(x, 0, shifted, offset, 67);
            var y0 = new float[67];
            var y1 = new float[shifted.Length];
            fixed (float* px = x, ps = shifted, p0 = y0, p1 = y1)
            {
                ElementwiseDriver.Unary<TanhOperator>(px, p0, 67);
                ElementwiseDriver.Unary<TanhOperator>(ps, p1, shifted.Length);
            }
            for (int i = 0; i < 67; i++) Assert.Equal(BitConverter.SingleToInt32Bits(y0[i]), BitConverter.SingleToInt32Bits(y1[i + offset]));
        }
    }
}
