// Elementwise operator structs (System.Numerics.Tensors' TensorPrimitives idiom): each op has a scalar
// Invoke, which is the specification, and Vector128/256/512 overloads that ElementwiseDriver picks from.
// NaN propagates through Min/Max/Relu like numpy. Transcendentals use the runtime's vector Exp/Log on
// .NET 9+ and fall back lane by lane on .NET 8; they agree with the scalar spec to a few ulp.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FlowGen.Runtime.Cpu;

internal interface IUnaryOperator
{
    static abstract float Invoke(float x);
    static abstract Vector128<float> Invoke(Vector128<float> x);
    static abstract Vector256<float> Invoke(Vector256<float> x);
    static abstract Vector512<float> Invoke(Vector512<float> x);
}

internal interface IBinaryOperator
{
    static abstract float Invoke(float x, float y);
    static abstract Vector128<float> Invoke(Vector128<float> x, Vector128<float> y);
    static abstract Vector256<float> Invoke(Vector256<float> x, Vector256<float> y);
    static abstract Vector512<float> Invoke(Vector512<float> x, Vector512<float> y);
}

internal readonly struct AddOperator : IBinaryOperator
{
    public static float Invoke(float x, float y) => x + y;
    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x + y;
    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x + y;
    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x + y;
}

internal readonly struct SubtractOperator : IBinaryOperator
{
    public static float Invoke(float x, float y) => x - y;
    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x - y;
    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x - y;
    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x - y;
}

internal readonly struct MultiplyOperator : IBinaryOperator
{
    public static float Invoke(float x, float y) => x * y;
    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x * y;
    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x * y;
    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x * y;
}

internal readonly struct DivideOperator : IBinaryOperator
{
    public static float Invoke(float x, float y) => x / y;
    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x / y;
    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x / y;
    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x / y;
}

/// <summary>max(x, y), NaN if either is NaN.</summary>
internal readonly struct MaxOperator : IBinaryOperator
{
    public static float Invoke(float x, float y) => x > y || float.IsNaN(x) ? x : y;
    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(x, y) | ~Vector128.Equals(x, x), x, y);
    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, y) | ~Vector256.Equals(x, x), x, y);
    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, y) | ~Vector512.Equals(x, x), x, y);
}

/// <summary>min(x, y), NaN if either is NaN.</summary>
internal readonly struct MinOperator : IBinaryOperator
{
    public static float Invoke(float x, float y) => x < y || float.IsNaN(x) ? x : y;
    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) =>
        Vector128.ConditionalSelect(Vector128.LessThan(x, y) | ~Vector128.Equals(x, x), x, y);
    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) =>
        Vector256.ConditionalSelect(Vector256.LessThan(x, y) | ~Vector256.Equals(x, x), x, y);
    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) =>
        Vector512.ConditionalSelect(Vector512.LessThan(x, y) | ~Vector512.Equals(x, x), x, y);
}

/// <summary>x for x ≥ 0, alpha·x otherwise (y is alpha, broadcast).</summary>
internal readonly struct LeakyReluOperator : IBinaryOperator
{
    public static float Invoke(float x, float alpha) => x >= 0 ? x : x * alpha;
    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> a) =>
        Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), x * a, x);
    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> a) =>
        Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), x * a, x);
    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> a) =>
        Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), x * a, x);
}

/// <summary>x^y. No vector formula is exact enough for negative bases and integer exponents, so lanes use MathF.Pow.</summary>
internal readonly struct PowOperator : IBinaryOperator
{
    public static float Invoke(float x, float y) => MathF.Pow(x, y);
    public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => Lanes.Map<PowOperator>(x, y);
    public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => Vector256.Create(Invoke(x.GetLower(), y.GetLower()), Invoke(x.GetUpper(), y.GetUpper()));
    public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => Vector512.Create(Invoke(x.GetLower(), y.GetLower()), Invoke(x.GetUpper(), y.GetUpper()));
}

internal readonly struct NegateOperator : IUnaryOperator
{
    public static float Invoke(float x) => -x;
    public static Vector128<float> Invoke(Vector128<float> x) => -x;
    public static Vector256<float> Invoke(Vector256<float> x) => -x;
    public static Vector512<float> Invoke(Vector512<float> x) => -x;
}

internal readonly struct AbsOperator : IUnaryOperator
{
    public static float Invoke(float x) => MathF.Abs(x);
    public static Vector128<float> Invoke(Vector128<float> x) => Vector128.Abs(x);
    public static Vector256<float> Invoke(Vector256<float> x) => Vector256.Abs(x);
    public static Vector512<float> Invoke(Vector512<float> x) => Vector512.Abs(x);
}

internal readonly struct SqrtOperator : IUnaryOperator
{
    public static float Invoke(float x) => MathF.Sqrt(x);
    public static Vector128<float> Invoke(Vector128<float> x) => Vector128.Sqrt(x);
    public static Vector256<float> Invoke(Vector256<float> x) => Vector256.Sqrt(x);
    public static Vector512<float> Invoke(Vector512<float> x) => Vector512.Sqrt(x);
}

/// <summary>max(x, 0); NaN stays NaN.</summary>
internal readonly struct ReluOperator : IUnaryOperator
{
    public static float Invoke(float x) => MaxOperator.Invoke(x, 0f);
    public static Vector128<float> Invoke(Vector128<float> x) => MaxOperator.Invoke(x, Vector128<float>.Zero);
    public static Vector256<float> Invoke(Vector256<float> x) => MaxOperator.Invoke(x, Vector256<float>.Zero);
    public static Vector512<float> Invoke(Vector512<float> x) => MaxOperator.Invoke(x, Vector512<float>.Zero);
}

internal readonly struct ExpOperator : IUnaryOperator
{
    public static float Invoke(float x) => MathF.Exp(x);
#if NET9_0_OR_GREATER
    public static Vector128<float> Invoke(Vector128<float> x) => Vector128.Exp(x);
    public static Vector256<float> Invoke(Vector256<float> x) => Vector256.Exp(x);
    public static Vector512<float> Invoke(Vector512<float> x) => Vector512.Exp(x);
#else
    public static Vector128<float> Invoke(Vector128<float> x) => Lanes.Map<ExpOperator>(x);
    public static Vector256<float> Invoke(Vector256<float> x) => Vector256.Create(Invoke(x.GetLower()), Invoke(x.GetUpper()));
    public static Vector512<float> Invoke(Vector512<float> x) => Vector512.Create(Invoke(x.GetLower()), Invoke(x.GetUpper()));
#endif
}

internal readonly struct LogOperator : IUnaryOperator
{
    public static float Invoke(float x) => MathF.Log(x);
#if NET9_0_OR_GREATER
    public static Vector128<float> Invoke(Vector128<float> x) => Vector128.Log(x);
    public static Vector256<float> Invoke(Vector256<float> x) => Vector256.Log(x);
    public static Vector512<float> Invoke(Vector512<float> x) => Vector512.Log(x);
#else
    public static Vector128<float> Invoke(Vector128<float> x) => Lanes.Map<LogOperator>(x);
    public static Vector256<float> Invoke(Vector256<float> x) => Vector256.Create(Invoke(x.GetLower()), Invoke(x.GetUpper()));
    public static Vector512<float> Invoke(Vector512<float> x) => Vector512.Create(Invoke(x.GetLower()), Invoke(x.GetUpper()));
#endif
}

/// <summary>1 / (1 + e^-x).</summary>
internal readonly struct SigmoidOperator : IUnaryOperator
{
    public static float Invoke(float x) => 1f / (1f + MathF.Exp(-x));
    public static Vector128<float> Invoke(Vector128<float> x) => Vector128<float>.One / (Vector128<float>.One + ExpOperator.Invoke(-x));
    public static Vector256<float> Invoke(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + ExpOperator.Invoke(-x));
    public static Vector512<float> Invoke(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + ExpOperator.Invoke(-x));
}

/// <summary>tanh(x) = sign(x)·(1 − e^{−2|x|}) / (1 + e^{−2|x|}); below |x| = 2^-6 the series x − x³/3 avoids cancellation.</summary>
internal readonly struct TanhOperator : IUnaryOperator
{
    private const float Small = 0.015625f;

    public static float Invoke(float x) => MathF.Tanh(x);

    public static Vector128<float> Invoke(Vector128<float> x)
    {
        var a = Vector128.Abs(x);
        var e = ExpOperator.Invoke(a * Vector128.Create(-2f));
        var t = (Vector128<float>.One - e) / (Vector128<float>.One + e);
        t = Vector128.ConditionalSelect(Vector128.LessThan(a, Vector128.Create(Small)), a - a * a * a * Vector128.Create(1f / 3), t);
        return Vector128.ConditionalSelect(Vector128.Create(-0f).AsSingle(), x, t); // copy the sign of x
    }

    public static Vector256<float> Invoke(Vector256<float> x)
    {
        var a = Vector256.Abs(x);
        var e = ExpOperator.Invoke(a * Vector256.Create(-2f));
        var t = (Vector256<float>.One - e) / (Vector256<float>.One + e);
        t = Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(Small)), a - a * a * a * Vector256.Create(1f / 3), t);
        return Vector256.ConditionalSelect(Vector256.Create(-0f), x, t);
    }

    public static Vector512<float> Invoke(Vector512<float> x)
    {
        var a = Vector512.Abs(x);
        var e = ExpOperator.Invoke(a * Vector512.Create(-2f));
        var t = (Vector512<float>.One - e) / (Vector512<float>.One + e);
        t = Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(Small)), a - a * a * a * Vector512.Create(1f / 3), t);
        return Vector512.ConditionalSelect(Vector512.Create(-0f), x, t);
    }
}

/// <summary>log(1 + e^x), computed as max(x, 0) + log(1 + e^{−|x|}) so it neither overflows nor underflows.</summary>
internal readonly struct SoftplusOperator : IUnaryOperator
{
    public static float Invoke(float x) => MathF.Max(x, 0) + MathF.Log(1 + MathF.Exp(-MathF.Abs(x)));
    public static Vector128<float> Invoke(Vector128<float> x) =>
        ReluOperator.Invoke(x) + LogOperator.Invoke(Vector128<float>.One + ExpOperator.Invoke(-Vector128.Abs(x)));
    public static Vector256<float> Invoke(Vector256<float> x) =>
        ReluOperator.Invoke(x) + LogOperator.Invoke(Vector256<float>.One + ExpOperator.Invoke(-Vector256.Abs(x)));
    public static Vector512<float> Invoke(Vector512<float> x) =>
        ReluOperator.Invoke(x) + LogOperator.Invoke(Vector512<float>.One + ExpOperator.Invoke(-Vector512.Abs(x)));
}

/// <summary>Lane-by-lane fallback through an operator's scalar spec.</summary>
internal static class Lanes
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Map<T>(Vector128<float> x) where T : IUnaryOperator =>
        Vector128.Create(T.Invoke(x[0]), T.Invoke(x[1]), T.Invoke(x[2]), T.Invoke(x[3]));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Map<T>(Vector128<float> x, Vector128<float> y) where T : IBinaryOperator =>
        Vector128.Create(T.Invoke(x[0], y[0]), T.Invoke(x[1], y[1]), T.Invoke(x[2], y[2]), T.Invoke(x[3], y[3]));
}
