// Reductions and data-movement ops: sum/mean over axes, reshape, permute, slice (with step), concat,
// the 2x2 space-to-depth squeeze. Backward rules scatter the gradient back along the same index map.
using System.Numerics;
using System.Numerics.Tensors;

namespace FlowGen.Training.Autodiff;

public static partial class Ops
{
    /// <summary>Sum over <paramref name="axes"/> (all when empty). The backward broadcasts the gradient back.</summary>
    public static Tensor<T> Sum<T>(Tensor<T> x, int[] axes, bool keepDims = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var keep = (int[])x.Shape.Clone();
        if (axes.Length == 0) Array.Fill(keep, 1);
        foreach (int a0 in axes) keep[Axis(a0, x.Rank)] = 1;
        var o = TensorArena<T>.Alloc(ShapeLength(keep));
        Broadcast.AccumulateTo(x.Data, x.Shape, o, keep);
        int[] shape = keepDims ? keep : keep.Where((_, i) => axes.Length != 0 && !axes.Select(a => Axis(a, x.Rank)).Contains(i)).ToArray();
        return Tensor<T>.Result(shape, o, [x], r =>
        {
            var g = x.GradBuffer();
            Broadcast.Zip<T, AddOp<T>>(g, x.Shape, r.Grad!, keep, g, x.Shape);
        });
    }

    /// <summary>Sum of all elements (a scalar).</summary>
    public static Tensor<T> SumAll<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Sum(x, []);

    /// <summary>Mean over <paramref name="axes"/> (all when empty).</summary>
    public static Tensor<T> Mean<T>(Tensor<T> x, int[] axes, bool keepDims = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = 1;
        if (axes.Length == 0) n = x.Length;
        foreach (int a in axes) n *= x.Shape[Axis(a, x.Rank)];
        return Scale(Sum(x, axes, keepDims), 1.0 / n);
    }

    /// <summary>Same values, new shape (one dimension may be -1).</summary>
    public static Tensor<T> Reshape<T>(Tensor<T> x, params int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        shape = (int[])shape.Clone();
        int known = 1, infer = -1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1) infer = i;
            else known *= shape[i];
        }
        if (infer >= 0) shape[infer] = known == 0 ? 0 : x.Length / known;
        if (ShapeLength(shape) != x.Length)
            throw new ArgumentException($"Cannot reshape [{string.Join(",", x.Shape)}] to [{string.Join(",", shape)}].");
        return Tensor<T>.Result(shape, x.Data, [x], r => Accumulate(x, r.Grad!));
    }

    /// <summary>Reorders dimensions: output dim i is input dim perm[i].</summary>
    public static Tensor<T> Permute<T>(Tensor<T> x, params int[] perm) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (perm.Length != x.Rank) throw new ArgumentException("Permutation rank mismatch.");
        var shape = perm.Select(p => x.Shape[p]).ToArray();
        var map = PermuteMap(x.Shape, perm);
        var o = TensorArena<T>.Alloc(x.Length, clear: false);
        for (int i = 0; i < o.Length; i++) o[i] = x.Data[map[i]];
        return Tensor<T>.Result(shape, o, [x], r =>
        {
            var g = x.GradBuffer();
            var dr = r.Grad!;
            for (int i = 0; i < dr.Length; i++) g[map[i]] += dr[i];
        });
    }

    // For each output linear index, the input linear index.
    private static int[] PermuteMap(int[] inShape, int[] perm)
    {
        int r = inShape.Length;
        var inStride = new int[r];
        int acc = 1;
        for (int i = r - 1; i >= 0; i--)
        {
            inStride[i] = acc;
            acc *= inShape[i];
        }
        var dims = perm.Select(p => inShape[p]).ToArray();
        var st = perm.Select(p => inStride[p]).ToArray();
        var map = new int[acc];
        var idx = new int[r];
        int off = 0;
        for (int i = 0; i < acc; i++)
        {
            map[i] = off;
            for (int d = r - 1; d >= 0; d--)
            {
                off += st[d];
                if (++idx[d] < dims[d]) break;
                off -= st[d] * dims[d];
                idx[d] = 0;
            }
        }
        return map;
    }

    /// <summary>2-D transpose.</summary>
    public static Tensor<T> Transpose<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Permute(x, 1, 0);

    /// <summary>Space-to-depth [N,C,H,W] → [N,4C,H/2,W/2]; output channel = c*4 + dy*2 + dx (openai/glow order).</summary>
    public static Tensor<T> Squeeze2x2<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Dim(0), c = x.Dim(1), h = x.Dim(2), w = x.Dim(3);
        if (h % 2 != 0 || w % 2 != 0) throw new ArgumentException($"Squeeze needs even H and W, got {h}x{w}.");
        var t = Permute(Reshape(x, n, c, h / 2, 2, w / 2, 2), 0, 1, 3, 5, 2, 4);
        return Reshape(t, n, c * 4, h / 2, w / 2);
    }

    /// <summary>Depth-to-space, the inverse of <see cref="Squeeze2x2{T}"/>: [N,4C,H,W] → [N,C,2H,2W].</summary>
    public static Tensor<T> Unsqueeze2x2<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Dim(0), c = x.Dim(1), h = x.Dim(2), w = x.Dim(3);
        if (c % 4 != 0) throw new ArgumentException($"Unsqueeze needs channels divisible by 4, got {c}.");
        var t = Permute(Reshape(x, n, c / 4, 2, 2, h, w), 0, 1, 4, 2, 5, 3);
        return Reshape(t, n, c / 4, h * 2, w * 2);
    }

    /// <summary>Elements start, start+step, … (count of them) along <paramref name="axis"/>.</summary>
    public static Tensor<T> Slice<T>(Tensor<T> x, int axis, int start, int count, int step = 1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        axis = Axis(axis, x.Rank);
        int len = x.Shape[axis];
        if (count < 0 || step < 1 || start < 0 || (count > 0 && start + (count - 1) * step >= len))
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice {start}+{count}x{step} outside axis of length {len}.");
        int outer = ShapeLength(x.Shape[..axis]), inner = ShapeLength(x.Shape[(axis + 1)..]);
        var shape = (int[])x.Shape.Clone();
        shape[axis] = count;
        var o = TensorArena<T>.Alloc(outer * count * inner, clear: false);
        for (int a = 0; a < outer; a++)
            for (int k = 0; k < count; k++)
                Array.Copy(x.Data, (a * len + start + k * step) * inner, o, (a * count + k) * inner, inner);
        return Tensor<T>.Result(shape, o, [x], r =>
        {
            var g = x.GradBuffer();
            var dr = r.Grad!;
            for (int a = 0; a < outer; a++)
                for (int k = 0; k < count; k++)
                {
                    var dst = g.AsSpan((a * len + start + k * step) * inner, inner);
                    TensorPrimitives.Add(dst, dr.AsSpan((a * count + k) * inner, inner), dst);
                }
        });
    }

    /// <summary>Joins tensors along <paramref name="axis"/> (other dimensions equal).</summary>
    public static Tensor<T> Concat<T>(int axis, params Tensor<T>[] xs) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (xs.Length == 0) throw new ArgumentException("Concat of nothing.");
        int rank = xs[0].Rank;
        axis = Axis(axis, rank);
        var shape = (int[])xs[0].Shape.Clone();
        shape[axis] = 0;
        foreach (var t in xs)
        {
            if (t.Rank != rank) throw new ArgumentException("Concat rank mismatch.");
            for (int i = 0; i < rank; i++)
                if (i != axis && t.Shape[i] != xs[0].Shape[i]) throw new ArgumentException("Concat shape mismatch.");
            shape[axis] += t.Shape[axis];
        }
        int outer = ShapeLength(shape[..axis]), inner = ShapeLength(shape[(axis + 1)..]), total = shape[axis];
        var o = TensorArena<T>.Alloc(ShapeLength(shape), clear: false);
        int at = 0;
        foreach (var t in xs)
        {
            int blk = t.Shape[axis] * inner;
            for (int a = 0; a < outer; a++) Array.Copy(t.Data, a * blk, o, (a * total + at) * inner, blk);
            at += t.Shape[axis];
        }
        return Tensor<T>.Result(shape, o, xs, r =>
        {
            int at2 = 0;
            foreach (var t in xs)
            {
                int blk = t.Shape[axis] * inner;
                if (t.RequiresGrad)
                {
                    var g = t.GradBuffer();
                    for (int a = 0; a < outer; a++)
                        TensorPrimitives.Add(g.AsSpan(a * blk, blk), r.Grad.AsSpan((a * total + at2) * inner, blk), g.AsSpan(a * blk, blk));
                }
                at2 += t.Shape[axis];
            }
        });
    }

    internal static int Axis(int axis, int rank)
    {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} outside rank {rank}.");
        return a;
    }
}
