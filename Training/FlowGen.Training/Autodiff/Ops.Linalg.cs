// Matrix functions needed by flows: log|det W| (plain 1x1 convolution) and gather along an axis
// (channel permutations, spline bin lookup).
using System.Numerics;
using FlowGen.Training.Flows;

namespace FlowGen.Training.Autodiff;

public static partial class Ops
{
    /// <summary>log|det W| of a square matrix (LU in double). d/dW = W^{-T}.</summary>
    public static Tensor<T> LogAbsDet<T>(Tensor<T> w) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (w.Rank != 2 || w.Dim(0) != w.Dim(1)) throw new ArgumentException("LogAbsDet needs a square matrix.");
        int n = w.Dim(0);
        var a = w.Data.Select(double.CreateTruncating).ToArray();
        var v = SmallMatrix.LogAbsDet(a, n);
        return Tensor<T>.Result([], [T.CreateTruncating(v)], [w], r =>
        {
            var inv = SmallMatrix.Inverse(a, n);
            var g = w.GradBuffer();
            T gr = r.Grad![0];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) g[i * n + j] += gr * T.CreateTruncating(inv[j * n + i]);
        });
    }

    /// <summary>out[..., k, ...] = x[..., index[k], ...] along <paramref name="axis"/>. Backward scatter-adds.</summary>
    public static Tensor<T> Gather<T>(Tensor<T> x, int axis, int[] index) where T : unmanaged, IFloatingPointIeee754<T>
    {
        axis = Axis(axis, x.Rank);
        int len = x.Shape[axis], outer = ShapeLength(x.Shape[..axis]), inner = ShapeLength(x.Shape[(axis + 1)..]);
        foreach (int i in index) if ((uint)i >= (uint)len) throw new ArgumentOutOfRangeException(nameof(index), $"Index {i} outside axis of length {len}.");
        var shape = (int[])x.Shape.Clone();
        shape[axis] = index.Length;
        int cnt = index.Length;
        var o = TensorArena<T>.Alloc(outer * cnt * inner, clear: false);
        for (int a = 0; a < outer; a++)
            for (int k = 0; k < cnt; k++) Array.Copy(x.Data, (a * len + index[k]) * inner, o, (a * cnt + k) * inner, inner);
        return Tensor<T>.Result(shape, o, [x], r =>
        {
            var g = x.GradBuffer();
            for (int a = 0; a < outer; a++)
                for (int k = 0; k < cnt; k++)
                {
                    var d = g.AsSpan((a * len + index[k]) * inner, inner);
                    System.Numerics.Tensors.TensorPrimitives.Add(d, r.Grad.AsSpan((a * cnt + k) * inner, inner), d);
                }
        });
    }
}
