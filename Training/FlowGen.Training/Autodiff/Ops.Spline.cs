// Ops for spline flows: softmax and cumulative sum along the last axis, searchsorted (not
// differentiable: it only picks indices) and a per-row gather whose backward scatter-adds.
using System.Numerics;

namespace FlowGen.Training.Autodiff;

public static partial class Ops
{
    /// <summary>Softmax over the last axis, composed from primitives (the row max is a constant shift).</summary>
    public static Tensor<T> Softmax<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = x.Dim(-1), rows = x.Length / k;
        var shape = (int[])x.Shape.Clone();
        shape[^1] = 1;
        var mx = new T[rows];
        for (int r = 0; r < rows; r++) mx[r] = System.Numerics.Tensors.TensorPrimitives.Max<T>(x.Data.AsSpan(r * k, k));
        var e = Exp(Sub(x, new Tensor<T>(shape, mx)));
        return Div(e, Sum(e, [-1], keepDims: true));
    }

    /// <summary>Inclusive cumulative sum over the last axis. Backward: reverse cumulative sum.</summary>
    public static Tensor<T> CumSum<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = x.Dim(-1), rows = x.Length / k;
        var o = new T[x.Length];
        for (int r = 0; r < rows; r++)
        {
            T s = T.Zero;
            for (int j = 0; j < k; j++) o[r * k + j] = s += x.Data[r * k + j];
        }
        return Tensor<T>.Result(x.Shape, o, [x], res =>
        {
            var g = x.GradBuffer();
            for (int r = 0; r < rows; r++)
            {
                T s = T.Zero;
                for (int j = k - 1; j >= 0; j--) g[r * k + j] += s += res.Grad![r * k + j];
            }
        });
    }

    /// <summary>For each row r: the bin b in [0, E-2] with edges[r,b] ≤ v[r] &lt; edges[r,b+1], clamped to the ends.</summary>
    public static int[] SearchSorted<T>(Tensor<T> edges, Tensor<T> v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int e = edges.Dim(-1), rows = edges.Length / e;
        if (v.Length != rows) throw new ArgumentException("SearchSorted: one value per row expected.");
        var idx = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            int lo = 0, hi = e - 2;
            T val = v.Data[r];
            while (lo < hi)
            {
                int mid = (lo + hi + 1) >> 1;
                if (edges.Data[r * e + mid] <= val) lo = mid;
                else hi = mid - 1;
            }
            idx[r] = lo;
        }
        return idx;
    }

    /// <summary>out[r] = x[r, index[r] + offset] for x [rows, J]; out has shape [rows].</summary>
    public static Tensor<T> GatherRows<T>(Tensor<T> x, int[] index, int offset = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = x.Dim(-1), rows = x.Length / j;
        if (index.Length != rows) throw new ArgumentException("GatherRows: one index per row expected.");
        var o = new T[rows];
        for (int r = 0; r < rows; r++)
        {
            int c = index[r] + offset;
            if ((uint)c >= (uint)j) throw new ArgumentOutOfRangeException(nameof(index), $"Index {c} outside row of {j}.");
            o[r] = x.Data[r * j + c];
        }
        return Tensor<T>.Result([rows], o, [x], res =>
        {
            var g = x.GradBuffer();
            for (int r = 0; r < rows; r++) g[r * j + index[r] + offset] += res.Grad![r];
        });
    }
}
