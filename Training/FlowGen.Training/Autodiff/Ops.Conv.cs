// 2-D convolution (stride 1, zero "same" padding, odd square kernels) and 2-D matrix products, both
// on top of GEMM. float tensors take the whole-batch implicit-GEMM path (Ops.ConvFloat.cs); the
// per-sample path below is the generic one (double, used by the gradient checks). Shapes (llm.c style):
//   forward   y[n] [Co,HW]     = W [Co,Ci*k*k] · col(x[n]) [Ci*k*k,HW]  (+ bias)
//   backward  dW   [Co,Ci*k*k] = Σ_n dy[n] · col(x[n])^T   (per-sample partials summed in order n = 0..N-1)
//             dx[n]            = col2im(W^T · dy[n])
// The batch is split across the engine's workers, one sample per item, so results are identical for
// any thread count. For k = 1 the image itself is the column matrix.
using System.Numerics;
using System.Numerics.Tensors;

namespace FlowGen.Training.Autodiff;

public static partial class Ops
{
    /// <summary>y = conv2d(x, w) + b with x [N,Ci,H,W], w [Co,Ci,k,k] (k odd), b [Co] or null; padding k/2.</summary>
    public static Tensor<T> Conv2d<T>(Tensor<T> x, Tensor<T> w, Tensor<T>? b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckConv2d(x, w, b);
        if (typeof(T) == typeof(float))
            return (Tensor<T>)(object)Conv2dFloat((Tensor<float>)(object)x, (Tensor<float>)(object)w, (Tensor<float>?)(object?)b, false);
        return Conv2dCore(x, w, b);
    }

    /// <summary>relu(conv2d(x, w) + b), as <see cref="Relu{T}"/> of <see cref="Conv2d{T}"/>; float tensors take
    /// one fused op (the ReLU in the convolution's epilogue, its mask applied to dY in the backward).</summary>
    public static Tensor<T> Conv2dRelu<T>(Tensor<T> x, Tensor<T> w, Tensor<T>? b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckConv2d(x, w, b);
        if (typeof(T) == typeof(float))
            return (Tensor<T>)(object)Conv2dFloat((Tensor<float>)(object)x, (Tensor<float>)(object)w, (Tensor<float>?)(object?)b, true);
        return Relu(Conv2dCore(x, w, b));
    }

    private static void CheckConv2d<T>(Tensor<T> x, Tensor<T> w, Tensor<T>? b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Rank != 4 || w.Rank != 4) throw new ArgumentException("Conv2d expects x [N,C,H,W] and w [Co,Ci,k,k].");
        int ci = x.Dim(1), co = w.Dim(0), k = w.Dim(2);
        if (w.Dim(1) != ci || w.Dim(3) != k || k % 2 == 0)
            throw new ArgumentException($"Conv2d weight [{string.Join(",", w.Shape)}] does not fit input channels {ci}.");
        if (b is not null && b.Length != co) throw new ArgumentException("Conv2d bias length mismatch.");
    }

    // The generic per-sample path (double: the gradient checks).
    private static unsafe Tensor<T> Conv2dCore<T>(Tensor<T> x, Tensor<T> w, Tensor<T>? b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Dim(0), ci = x.Dim(1), h = x.Dim(2), wd = x.Dim(3), co = w.Dim(0), k = w.Dim(2);
        int hw = h * wd, kk = ci * k * k;
        var y = TensorArena<T>.Alloc(n * co * hw, clear: false);
        var xd = x.Data;
        var wdat = w.Data;
        var bd = b?.Data;
        Engine.For(n, s =>
        {
            var col = k == 1 ? null : Scratch<T>.Get(kk * hw);
            fixed (T* px = xd, pw = wdat, py = y)
            fixed (T* pc = col)
            {
                T* xs = px + (long)s * ci * hw;
                T* src = xs;
                if (k != 1)
                {
                    Im2Col(xs, ci, h, wd, k, pc);
                    src = pc;
                }
                T* ys = py + (long)s * co * hw;
                Gemm<T>.Run(false, false, co, hw, kk, pw, kk, src, hw, T.Zero, ys, hw);
                if (bd is not null)
                    for (int o = 0; o < co; o++) TensorPrimitives.Add(new Span<T>(ys + o * hw, hw), bd[o], new Span<T>(ys + o * hw, hw));
            }
        });
        Tensor<T>[] parents = b is null ? [x, w] : [x, w, b];
        return Tensor<T>.Result([n, co, h, wd], y, parents, r => Conv2dBackward(r, x, w, b, k));
    }

    private static unsafe void Conv2dBackward<T>(Tensor<T> r, Tensor<T> x, Tensor<T> w, Tensor<T>? b, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Dim(0), ci = x.Dim(1), h = x.Dim(2), wd = x.Dim(3), co = w.Dim(0);
        int hw = h * wd, kk = ci * k * k;
        bool needW = w.RequiresGrad, needX = x.RequiresGrad, needB = b is { RequiresGrad: true };
        var dy = r.Grad!;
        var xd = x.Data;
        var wdat = w.Data;
        var dx = needX ? x.GradBuffer() : null;
        var dwPart = needW ? TensorArena<T>.Alloc(n * co * kk, clear: false) : null;
        var dbPart = needB ? TensorArena<T>.Alloc(n * co, clear: false) : null;
        Engine.For(n, s =>
        {
            var col = k == 1 ? null : Scratch<T>.Get(kk * hw);
            fixed (T* px = xd, pw = wdat, pdy = dy, pdx = dx, pdw = dwPart, pc = col)
            {
                T* dys = pdy + (long)s * co * hw;
                if (needW)
                {
                    T* src = px + (long)s * ci * hw;
                    if (k != 1)
                    {
                        Im2Col(src, ci, h, wd, k, pc);
                        src = pc;
                    }
                    Gemm<T>.Run(false, true, co, kk, hw, dys, hw, src, hw, T.Zero, pdw + (long)s * co * kk, kk);
                }
                if (needX)
                {
                    T* dxs = pdx + (long)s * ci * hw;
                    if (k == 1) Gemm<T>.Run(true, false, ci, hw, co, pw, kk, dys, hw, T.One, dxs, hw);
                    else
                    {
                        Gemm<T>.Run(true, false, kk, hw, co, pw, kk, dys, hw, T.Zero, pc, hw);
                        Col2ImAdd(pc, ci, h, wd, k, dxs);
                    }
                }
                if (dbPart is not null)
                    for (int o = 0; o < co; o++) dbPart[s * co + o] = TensorPrimitives.Sum<T>(new ReadOnlySpan<T>(dys + o * hw, hw));
            }
        });
        if (dwPart is not null)
        {
            var g = w.GradBuffer();
            for (int s = 0; s < n; s++) TensorPrimitives.Add(g, dwPart.AsSpan(s * co * kk, co * kk), g);
        }
        if (dbPart is not null)
        {
            var g = b!.GradBuffer();
            for (int s = 0; s < n; s++) TensorPrimitives.Add(g, dbPart.AsSpan(s * co, co), g);
        }
    }

    // col[(c*k + dy)*k + dx, i*W + j] = x[c, i + dy - k/2, j + dx - k/2] (0 outside).
    private static unsafe void Im2Col<T>(T* x, int c, int h, int w, int k, T* col) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int p = k / 2;
        for (int ch = 0; ch < c; ch++)
            for (int dy = 0; dy < k; dy++)
                for (int dx = 0; dx < k; dx++)
                {
                    T* row = col + (long)((ch * k + dy) * k + dx) * h * w;
                    for (int i = 0; i < h; i++)
                    {
                        int si = i + dy - p;
                        T* o = row + i * w;
                        if ((uint)si >= (uint)h)
                        {
                            new Span<T>(o, w).Clear();
                            continue;
                        }
                        T* srow = x + (ch * h + si) * w;
                        int j0 = Math.Max(0, p - dx), j1 = Math.Min(w, w + p - dx);
                        for (int j = 0; j < j0; j++) o[j] = T.Zero;
                        new ReadOnlySpan<T>(srow + j0 + dx - p, j1 - j0).CopyTo(new Span<T>(o + j0, j1 - j0));
                        for (int j = j1; j < w; j++) o[j] = T.Zero;
                    }
                }
    }

    // The adjoint of Im2Col: x[c, i+dy-p, j+dx-p] += col[(c*k+dy)*k+dx, i*W+j].
    private static unsafe void Col2ImAdd<T>(T* col, int c, int h, int w, int k, T* x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int p = k / 2;
        for (int ch = 0; ch < c; ch++)
            for (int dy = 0; dy < k; dy++)
                for (int dx = 0; dx < k; dx++)
                {
                    T* row = col + (long)((ch * k + dy) * k + dx) * h * w;
                    for (int i = 0; i < h; i++)
                    {
                        int si = i + dy - p;
                        if ((uint)si >= (uint)h) continue;
                        T* drow = x + (ch * h + si) * w;
                        int j0 = Math.Max(0, p - dx), j1 = Math.Min(w, w + p - dx);
                        var d = new Span<T>(drow + j0 + dx - p, j1 - j0);
                        TensorPrimitives.Add(d, new ReadOnlySpan<T>(row + i * w + j0, j1 - j0), d);
                    }
                }
    }

    /// <summary>2-D matrix product a [m,k] · b [k,n].</summary>
    public static unsafe Tensor<T> MatMul<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (a.Rank != 2 || b.Rank != 2 || a.Dim(1) != b.Dim(0))
            throw new ArgumentException($"MatMul shapes [{string.Join(",", a.Shape)}] x [{string.Join(",", b.Shape)}].");
        int m = a.Dim(0), k = a.Dim(1), n = b.Dim(1);
        var o = TensorArena<T>.Alloc(m * n, clear: false);
        fixed (T* pa = a.Data, pb = b.Data, po = o) Gemm<T>.Run(false, false, m, n, k, pa, k, pb, n, T.Zero, po, n);
        return Tensor<T>.Result([m, n], o, [a, b], r =>
        {
            fixed (T* pa = a.Data, pb = b.Data, pg = r.Grad)
            {
                if (a.RequiresGrad)
                    fixed (T* pda = a.GradBuffer()) Gemm<T>.Run(false, true, m, k, n, pg, n, pb, n, T.One, pda, k);
                if (b.RequiresGrad)
                    fixed (T* pdb = b.GradBuffer()) Gemm<T>.Run(true, false, k, n, m, pa, k, pg, n, T.One, pdb, n);
            }
        });
    }

    /// <summary>Square matrix with <paramref name="v"/> [n] on the diagonal.</summary>
    public static Tensor<T> Diag<T>(Tensor<T> v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = v.Length;
        var o = TensorArena<T>.Alloc(n * n);
        for (int i = 0; i < n; i++) o[i * n + i] = v.Data[i];
        return Tensor<T>.Result([n, n], o, [v], r =>
        {
            var g = v.GradBuffer();
            for (int i = 0; i < n; i++) g[i] += r.Grad![i * n + i];
        });
    }
}

/// <summary>Per-thread scratch buffers for the conv ops (contents never outlive one item).</summary>
internal static class Scratch<T> where T : unmanaged
{
    [ThreadStatic] private static T[]? t_buf;

    public static T[] Get(int length)
    {
        var b = t_buf;
        if (b is null || b.Length < length) t_buf = b = new T[length];
        return b;
    }
}
