// The one loop behind every elementwise operator: it picks the widest hardware-accelerated vector width
// once per process and runs the whole span through it. The tail (n mod width elements) is copied into a
// zero-padded vector on the stack and computed with the same vector code, so an element's result never
// depends on where it sits in the span — which keeps sample i identical whatever batch produced it.
// Without hardware intrinsics the scalar Invoke (the spec) runs instead. In place (y == x) is allowed.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FlowGen.Runtime.Cpu;

internal static unsafe class ElementwiseDriver
{
    /// <summary>y[i] = T(x[i]).</summary>
    public static void Unary<T>(float* x, float* y, int n) where T : IUnaryOperator
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16) Vector512.Store(T.Invoke(Vector512.Load(x + i)), y + i);
            if (i < n) { var b = stackalloc float[16]; Pad(x + i, b, n - i, 16); Vector512.Store(T.Invoke(Vector512.Load(b)), b); Copy(b, y + i, n - i); }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8) Vector256.Store(T.Invoke(Vector256.Load(x + i)), y + i);
            if (i < n) { var b = stackalloc float[8]; Pad(x + i, b, n - i, 8); Vector256.Store(T.Invoke(Vector256.Load(b)), b); Copy(b, y + i, n - i); }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - 4; i += 4) Vector128.Store(T.Invoke(Vector128.Load(x + i)), y + i);
            if (i < n) { var b = stackalloc float[4]; Pad(x + i, b, n - i, 4); Vector128.Store(T.Invoke(Vector128.Load(b)), b); Copy(b, y + i, n - i); }
        }
        else
        {
            for (; i < n; i++) y[i] = T.Invoke(x[i]);
        }
    }

    /// <summary>y[i] = T(a[i], b[i]).</summary>
    public static void Binary<T>(float* a, float* b, float* y, int n) where T : IBinaryOperator
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16) Vector512.Store(T.Invoke(Vector512.Load(a + i), Vector512.Load(b + i)), y + i);
            if (i < n)
            {
                var pa = stackalloc float[16]; var pb = stackalloc float[16];
                Pad(a + i, pa, n - i, 16); Pad(b + i, pb, n - i, 16);
                Vector512.Store(T.Invoke(Vector512.Load(pa), Vector512.Load(pb)), pa); Copy(pa, y + i, n - i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8) Vector256.Store(T.Invoke(Vector256.Load(a + i), Vector256.Load(b + i)), y + i);
            if (i < n)
            {
                var pa = stackalloc float[8]; var pb = stackalloc float[8];
                Pad(a + i, pa, n - i, 8); Pad(b + i, pb, n - i, 8);
                Vector256.Store(T.Invoke(Vector256.Load(pa), Vector256.Load(pb)), pa); Copy(pa, y + i, n - i);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - 4; i += 4) Vector128.Store(T.Invoke(Vector128.Load(a + i), Vector128.Load(b + i)), y + i);
            if (i < n)
            {
                var pa = stackalloc float[4]; var pb = stackalloc float[4];
                Pad(a + i, pa, n - i, 4); Pad(b + i, pb, n - i, 4);
                Vector128.Store(T.Invoke(Vector128.Load(pa), Vector128.Load(pb)), pa); Copy(pa, y + i, n - i);
            }
        }
        else
        {
            for (; i < n; i++) y[i] = T.Invoke(a[i], b[i]);
        }
    }

    /// <summary>y[i] = T(a[i], s), or T(s, a[i]) when <paramref name="scalarFirst"/>.</summary>
    public static void BinaryScalar<T>(float* a, float s, float* y, int n, bool scalarFirst) where T : IBinaryOperator
    {
        if (scalarFirst) BinaryScalarCore<Swapped<T>>(a, s, y, n);
        else BinaryScalarCore<T>(a, s, y, n);
    }

    private static void BinaryScalarCore<T>(float* a, float s, float* y, int n) where T : IBinaryOperator
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vs = Vector512.Create(s);
            for (; i <= n - 16; i += 16) Vector512.Store(T.Invoke(Vector512.Load(a + i), vs), y + i);
            if (i < n) { var p = stackalloc float[16]; Pad(a + i, p, n - i, 16); Vector512.Store(T.Invoke(Vector512.Load(p), vs), p); Copy(p, y + i, n - i); }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256.Create(s);
            for (; i <= n - 8; i += 8) Vector256.Store(T.Invoke(Vector256.Load(a + i), vs), y + i);
            if (i < n) { var p = stackalloc float[8]; Pad(a + i, p, n - i, 8); Vector256.Store(T.Invoke(Vector256.Load(p), vs), p); Copy(p, y + i, n - i); }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var vs = Vector128.Create(s);
            for (; i <= n - 4; i += 4) Vector128.Store(T.Invoke(Vector128.Load(a + i), vs), y + i);
            if (i < n) { var p = stackalloc float[4]; Pad(a + i, p, n - i, 4); Vector128.Store(T.Invoke(Vector128.Load(p), vs), p); Copy(p, y + i, n - i); }
        }
        else
        {
            for (; i < n; i++) y[i] = T.Invoke(a[i], s);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pad(float* src, float* dst, int count, int width)
    {
        for (int k = 0; k < count; k++) dst[k] = src[k];
        for (int k = count; k < width; k++) dst[k] = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(float* src, float* dst, int count)
    {
        for (int k = 0; k < count; k++) dst[k] = src[k];
    }

    /// <summary>T with its operands swapped: Invoke(x, y) = T.Invoke(y, x).</summary>
    private readonly struct Swapped<T> : IBinaryOperator where T : IBinaryOperator
    {
        public static float Invoke(float x, float y) => T.Invoke(y, x);
        public static Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => T.Invoke(y, x);
        public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => T.Invoke(y, x);
        public static Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => T.Invoke(y, x);
    }
}
