// NumPy broadcasting for the elementwise ops. Shapes are aligned from the right; dimensions of size 1
// repeat. Dimensions that both operands walk contiguously (or both repeat) are merged first, so the
// common cases (same shape; per-channel [1,C,1,1] against [N,C,H,W]) run as long vector rows.
using System.Numerics;
using System.Runtime.CompilerServices;

namespace FlowGen.Training.Autodiff;

/// <summary>Elementwise binary operator: scalar and vector forms compute the same thing.</summary>
internal interface IBinaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    static abstract T Invoke(T a, T b);
    static abstract Vector<T> Invoke(Vector<T> a, Vector<T> b);
}

internal struct AddOp<T> : IBinaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T a, T b) => a + b;
    public static Vector<T> Invoke(Vector<T> a, Vector<T> b) => a + b;
}

internal struct SubOp<T> : IBinaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T a, T b) => a - b;
    public static Vector<T> Invoke(Vector<T> a, Vector<T> b) => a - b;
}

internal struct MulOp<T> : IBinaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T a, T b) => a * b;
    public static Vector<T> Invoke(Vector<T> a, Vector<T> b) => a * b;
}

internal struct DivOp<T> : IBinaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T a, T b) => a / b;
    public static Vector<T> Invoke(Vector<T> a, Vector<T> b) => a / b;
}

internal static class Broadcast
{
    /// <summary>The broadcast result shape of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static int[] Shape(int[] a, int[] b)
    {
        int r = Math.Max(a.Length, b.Length);
        var s = new int[r];
        for (int i = 0; i < r; i++)
        {
            int da = i < r - a.Length ? 1 : a[i - (r - a.Length)];
            int db = i < r - b.Length ? 1 : b[i - (r - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"Shapes [{string.Join(",", a)}] and [{string.Join(",", b)}] do not broadcast.");
            s[i] = da == 1 ? db : da;
        }
        return s;
    }

    /// <summary>Row plan over <paramref name="outShape"/>: merged dims and each operand's strides (0 = repeat).</summary>
    public static (int[] Dims, int[] SA, int[] SB) Plan(int[] outShape, int[] a, int[] b)
    {
        int r = outShape.Length;
        var sa = Strides(outShape, a);
        var sb = Strides(outShape, b);
        var dims = new List<int>();
        var la = new List<int>();
        var lb = new List<int>();
        for (int i = 0; i < r; i++)
        {
            if (outShape[i] == 1) continue;
            int n = dims.Count;
            if (n > 0 && la[n - 1] == sa[i] * outShape[i] && lb[n - 1] == sb[i] * outShape[i])
            {
                dims[n - 1] *= outShape[i];
                la[n - 1] = sa[i];
                lb[n - 1] = sb[i];
            }
            else
            {
                dims.Add(outShape[i]);
                la.Add(sa[i]);
                lb.Add(sb[i]);
            }
        }
        if (dims.Count == 0)
        {
            dims.Add(1);
            la.Add(0);
            lb.Add(0);
        }
        return (dims.ToArray(), la.ToArray(), lb.ToArray());
    }

    private static int[] Strides(int[] outShape, int[] s)
    {
        int r = outShape.Length;
        var st = new int[r];
        int acc = 1;
        for (int i = r - 1; i >= 0; i--)
        {
            int k = i - (r - s.Length);
            int d = k < 0 ? 1 : s[k];
            st[i] = d == 1 ? 0 : acc;
            acc *= d;
        }
        return st;
    }

    /// <summary>o = op(a, b) with broadcasting; o has the broadcast shape.</summary>
    public static void Zip<T, TOp>(T[] a, int[] shapeA, T[] b, int[] shapeB, T[] o, int[] shapeO)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IBinaryOp<T>
    {
        var (dims, sa, sb) = Plan(shapeO, shapeA, shapeB);
        int r = dims.Length, inner = dims[r - 1], ia = sa[r - 1], ib = sb[r - 1];
        int rows = o.Length / Math.Max(inner, 1);
        if (o.Length == 0) return;
        var idx = new int[r];
        int offA = 0, offB = 0;
        for (int row = 0; row < rows; row++)
        {
            Row<T, TOp>(a.AsSpan(offA), ia, b.AsSpan(offB), ib, o.AsSpan(row * inner, inner));
            for (int d = r - 2; d >= 0; d--)
            {
                offA += sa[d];
                offB += sb[d];
                if (++idx[d] < dims[d]) break;
                offA -= sa[d] * dims[d];
                offB -= sb[d] * dims[d];
                idx[d] = 0;
            }
        }
    }

    private static void Row<T, TOp>(ReadOnlySpan<T> a, int ia, ReadOnlySpan<T> b, int ib, Span<T> o)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IBinaryOp<T>
    {
        int n = o.Length, vw = Vector<T>.Count, j = 0;
        ref T ra = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a);
        ref T rb = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(b);
        ref T ro = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(o);
        if (ia == 1 && ib == 1)
        {
            for (; j <= n - vw; j += vw)
                TOp.Invoke(Vector.LoadUnsafe(ref ra, (nuint)j), Vector.LoadUnsafe(ref rb, (nuint)j)).StoreUnsafe(ref ro, (nuint)j);
            for (; j < n; j++) Unsafe.Add(ref ro, j) = TOp.Invoke(Unsafe.Add(ref ra, j), Unsafe.Add(ref rb, j));
        }
        else if (ia == 1 && ib == 0)
        {
            var vb = new Vector<T>(rb);
            for (; j <= n - vw; j += vw) TOp.Invoke(Vector.LoadUnsafe(ref ra, (nuint)j), vb).StoreUnsafe(ref ro, (nuint)j);
            for (; j < n; j++) Unsafe.Add(ref ro, j) = TOp.Invoke(Unsafe.Add(ref ra, j), rb);
        }
        else if (ia == 0 && ib == 1)
        {
            var va = new Vector<T>(ra);
            for (; j <= n - vw; j += vw) TOp.Invoke(va, Vector.LoadUnsafe(ref rb, (nuint)j)).StoreUnsafe(ref ro, (nuint)j);
            for (; j < n; j++) Unsafe.Add(ref ro, j) = TOp.Invoke(ra, Unsafe.Add(ref rb, j));
        }
        else
        {
            for (; j < n; j++) Unsafe.Add(ref ro, j) = TOp.Invoke(Unsafe.Add(ref ra, j * ia), Unsafe.Add(ref rb, j * ib));
        }
    }

    /// <summary>dst (shape <paramref name="shapeD"/>) += src (broadcast shape) summed over repeated dims.</summary>
    public static void AccumulateTo<T>(T[] src, int[] shapeS, T[] dst, int[] shapeD)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (src.Length == 0) return;
        if (src.Length == dst.Length)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(dst, src, dst);
            return;
        }
        var (dims, sd, _) = Plan(shapeS, shapeD, shapeS);
        int r = dims.Length, inner = dims[r - 1], id = sd[r - 1];
        int rows = src.Length / inner;
        var idx = new int[r];
        int off = 0;
        for (int row = 0; row < rows; row++)
        {
            var s = src.AsSpan(row * inner, inner);
            if (id == 1) System.Numerics.Tensors.TensorPrimitives.Add(dst.AsSpan(off, inner), s, dst.AsSpan(off, inner));
            else if (id == 0) dst[off] += System.Numerics.Tensors.TensorPrimitives.Sum<T>(s);
            else for (int j = 0; j < inner; j++) dst[off + j * id] += s[j];
            for (int d = r - 2; d >= 0; d--)
            {
                off += sd[d];
                if (++idx[d] < dims[d]) break;
                off -= sd[d] * dims[d];
                idx[d] = 0;
            }
        }
    }
}
