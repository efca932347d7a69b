// The vector widths the register-blocked GEMM micro-kernel runs on, as operator structs (the
// TensorPrimitives pattern): one generic kernel, specialised by the JIT for Vector512, Vector256,
// Vector128 and plain float. The scalar struct is the specification; MulAdd is fused (one rounding)
// where the CPU has FMA and a*b+c otherwise, so each path is deterministic on its own.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FlowGen.Runtime.Cpu;

/// <summary>Element-wise operations on one register of floats of width <see cref="Count"/>.</summary>
internal unsafe interface IGemmVector<TV> where TV : struct
{
    static abstract int Count { get; }
    static abstract TV Load(float* p);
    static abstract void Store(float* p, TV v);
    static abstract TV Splat(float x);
    static abstract TV Zero { get; }
    /// <summary>a * b + c.</summary>
    static abstract TV MulAdd(TV a, TV b, TV c);
    /// <summary>v &gt; 0 ? v : 0 per lane (NaN gives 0, like the scalar definition).</summary>
    static abstract TV Relu(TV v);
    /// <summary>v &gt;= 0 ? v : v * alpha per lane.</summary>
    static abstract TV LeakyRelu(TV v, TV alpha);
}

internal unsafe struct GemmVector512 : IGemmVector<Vector512<float>>
{
    public static int Count => 16;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(float* p) => Vector512.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* p, Vector512<float> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Splat(float x) => Vector512.Create(x);
    public static Vector512<float> Zero => Vector512<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) : a * b + c;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Relu(Vector512<float> v) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<float>.Zero), v, Vector512<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LeakyRelu(Vector512<float> v, Vector512<float> alpha) =>
        Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(v, Vector512<float>.Zero), v, v * alpha);
}

internal unsafe struct GemmVector256 : IGemmVector<Vector256<float>>
{
    public static int Count => 8;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* p, Vector256<float> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Splat(float x) => Vector256.Create(x);
    public static Vector256<float> Zero => Vector256<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Relu(Vector256<float> v) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), v, Vector256<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LeakyRelu(Vector256<float> v, Vector256<float> alpha) =>
        Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(v, Vector256<float>.Zero), v, v * alpha);
}

internal unsafe struct GemmVector128 : IGemmVector<Vector128<float>>
{
    public static int Count => 4;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(float* p) => Vector128.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* p, Vector128<float> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Splat(float x) => Vector128.Create(x);
    public static Vector128<float> Zero => Vector128<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MulAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Relu(Vector128<float> v) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(v, Vector128<float>.Zero), v, Vector128<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LeakyRelu(Vector128<float> v, Vector128<float> alpha) =>
        Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(v, Vector128<float>.Zero), v, v * alpha);
}

/// <summary>The specification: one float per "register", a * b + c rounded twice.</summary>
internal unsafe struct GemmScalar : IGemmVector<float>
{
    public static int Count => 1;
    public static float Load(float* p) => *p;
    public static void Store(float* p, float v) => *p = v;
    public static float Splat(float x) => x;
    public static float Zero => 0f;
    public static float MulAdd(float a, float b, float c) => a * b + c;
    public static float Relu(float v) => v > 0f ? v : 0f;
    public static float LeakyRelu(float v, float alpha) => v >= 0f ? v : v * alpha;
}
