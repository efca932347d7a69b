// Element-wise float loops of the world code, vectorised: each element gets exactly the one multiply, add, subtract or
// divide the scalar loop gave it (IEEE-rounded the same at any width), so worlds keep their bits.
using System.Numerics;

namespace FlowGen.Runtime.Streaming;

internal static class SpanMath
{
    /// <summary>dst[i] = src[i] · factor.</summary>
    public static void Scale(ReadOnlySpan<float> src, float factor, Span<float> dst)
    {
        if (dst.Length < src.Length) throw new ArgumentException("dst is shorter than src", nameof(dst));
        int i = 0;
        var f = new Vector<float>(factor);
        for (; i <= src.Length - Vector<float>.Count; i += Vector<float>.Count) (new Vector<float>(src[i..]) * f).CopyTo(dst[i..]);
        for (; i < src.Length; i++) dst[i] = src[i] * factor;
    }

    /// <summary>dst[i] += src[i].</summary>
    public static void Add(ReadOnlySpan<float> src, Span<float> dst)
    {
        if (dst.Length < src.Length) throw new ArgumentException("dst is shorter than src", nameof(dst));
        int i = 0;
        for (; i <= src.Length - Vector<float>.Count; i += Vector<float>.Count) (new Vector<float>(dst[i..]) + new Vector<float>(src[i..])).CopyTo(dst[i..]);
        for (; i < src.Length; i++) dst[i] += src[i];
    }

    /// <summary>dst[i] = a[i] / √b[i] (vector square root and division are correctly rounded, as MathF.Sqrt and / are).</summary>
    public static void DivideBySqrt(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> dst)
    {
        if (b.Length < a.Length || dst.Length < a.Length) throw new ArgumentException("b and dst must be at least as long as a");
        int i = 0;
        for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
            (new Vector<float>(a[i..]) / Vector.SquareRoot(new Vector<float>(b[i..]))).CopyTo(dst[i..]);
        for (; i < a.Length; i++) dst[i] = a[i] / MathF.Sqrt(b[i]);
    }

    /// <summary>q[i] = (1 - rho)·q[i] + rho·w[i]²: the variance of a blend with weights summing to w and squares to q, of patches correlated by rho.</summary>
    public static void Mix(Span<float> q, ReadOnlySpan<float> w, float rho)
    {
        if (w.Length < q.Length) throw new ArgumentException("w is shorter than q", nameof(w));
        int i = 0;
        Vector<float> keep = new(1 - rho), share = new(rho);
        for (; i <= q.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var wv = new Vector<float>(w[i..]);
            (keep * new Vector<float>(q[i..]) + share * wv * wv).CopyTo(q[i..]);
        }
        for (; i < q.Length; i++) q[i] = (1 - rho) * q[i] + rho * w[i] * w[i];
    }

    /// <summary>dst[i] = (src[i] - shift) / divisor.</summary>
    public static void ShiftDivide(ReadOnlySpan<float> src, float shift, float divisor, Span<float> dst)
    {
        if (dst.Length < src.Length) throw new ArgumentException("dst is shorter than src", nameof(dst));
        int i = 0;
        Vector<float> m = new(shift), d = new(divisor);
        for (; i <= src.Length - Vector<float>.Count; i += Vector<float>.Count) ((new Vector<float>(src[i..]) - m) / d).CopyTo(dst[i..]);
        for (; i < src.Length; i++) dst[i] = (src[i] - shift) / divisor;
    }
}
