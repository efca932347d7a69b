// The float (training) path of Conv2d: whole-batch implicit GEMMs on PackedGemm, nothing im2col'd.
// With x zero-padded to [N, Ci, Hp, Wp], the "column" matrix of a stride-1 convolution is separable:
//   col(p = (c, dy, dx), j = (s, i, jj)) = xpad[(c·Hp + dy)·Wp + dx  +  s·Ci·Hp·Wp + i·Wp + jj]
// so it is a MatView over xpad (row offsets by p, column offsets by output position j). Then
//   forward  Y  [Co, N·HW] = W [Co, Ci·k²] · col(xpad)
//   dX       dX [Ci, N·HW] += W' [Ci, Co·k²] · col(dYpad),  W'[c, (o, ky, kx)] = W[o, c, k-1-ky, k-1-kx]
//   dW       dW [Co, Ci·k²] += dY · col(xpad)ᵀ, as dot products along the pixels (ConvWeightGrad.cs)
// Sums run in fixed blocked order inside PackedGemm, so results do not depend on the thread count.
using System.Buffers;
using System.Numerics.Tensors;

namespace FlowGen.Training.Autodiff;

public static partial class Ops
{
    private static unsafe Tensor<float> Conv2dFloat(Tensor<float> x, Tensor<float> w, Tensor<float>? b)
    {
        int n = x.Dim(0), ci = x.Dim(1), h = x.Dim(2), wd = x.Dim(3), co = w.Dim(0), k = w.Dim(2);
        int hw = h * wd, kk = ci * k * k, cols = n * hw;
        var y = TensorArena<float>.Alloc(n * co * hw, clear: false);
        var xp = Padded(x.Data, n, ci, h, wd, k / 2);
        try
        {
            fixed (float* px = xp, pw = w.Data, py = y)
            {
                var yv = new MatView(py, MatView.Strided(co, hw), MatView.Blocked(cols, hw, co * hw));
                var wv = new MatView(pw, MatView.Strided(co, kk), MatView.Strided(kk, 1));
                PackedGemm.Run(co, cols, kk, wv, ColumnView(px, n, ci, h, wd, k), yv, false);
            }
        }
        finally
        {
            Release(xp, x.Data);
        }
        if (b is not null)
        {
            var bd = b.Data;
            Engine.For(n, s =>
            {
                for (int o = 0; o < co; o++)
                {
                    var row = y.AsSpan((s * co + o) * hw, hw);
                    TensorPrimitives.Add(row, bd[o], row);
                }
            });
        }
        Tensor<float>[] parents = b is null ? [x, w] : [x, w, b];
        return Tensor<float>.Result([n, co, h, wd], y, parents, r => Conv2dFloatBackward(r, x, w, b, k));
    }

    private static unsafe void Conv2dFloatBackward(Tensor<float> r, Tensor<float> x, Tensor<float> w, Tensor<float>? b, int k)
    {
        int n = x.Dim(0), ci = x.Dim(1), h = x.Dim(2), wd = x.Dim(3), co = w.Dim(0);
        int hw = h * wd, kk = ci * k * k, cols = n * hw, p = k / 2;
        var dy = r.Grad!;
        int hp = h + 2 * p, wp = wd + 2 * p, plane = hp * wp;
        var dyp = Padded(dy, n, co, h, wd, p);
        try
        {
            fixed (float* pdyp = dyp)
            {
                if (w.RequiresGrad)
                {
                    var xp = Padded(x.Data, n, ci, h, wd, p);
                    try
                    {
                        var rows = new int[kk];
                        for (int c = 0; c < ci; c++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++) rows[(c * k + ky) * k + kx] = c * plane + ky * wp + kx;
                        fixed (float* px = xp, pdw = w.GradBuffer())
                            ConvWeightGrad.Run(px, ci * plane, rows, pdyp + p * wp + p, co * plane, plane, n, co, (h - 1) * wp + wd, pdw);
                    }
                    finally
                    {
                        Release(xp, x.Data);
                    }
                }
                if (x.RequiresGrad)
                {
                    // W'[c, (o, ky, kx)] = W[o, c, k-1-ky, k-1-kx]: the adjoint is a convolution of dY.
                    int ko = co * k * k;
                    var wf = TensorArena<float>.Alloc(ci * ko, clear: false);
                    for (int o = 0; o < co; o++)
                        for (int c = 0; c < ci; c++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++)
                                    wf[c * ko + (o * k + ky) * k + kx] = w.Data[((o * ci + c) * k + (k - 1 - ky)) * k + (k - 1 - kx)];
                    fixed (float* pwf = wf, pdx = x.GradBuffer())
                    {
                        var dxv = new MatView(pdx, MatView.Strided(ci, hw), MatView.Blocked(cols, hw, ci * hw));
                        var wv = new MatView(pwf, MatView.Strided(ci, ko), MatView.Strided(ko, 1));
                        PackedGemm.Run(ci, cols, ko, wv, ColumnView(pdyp, n, co, h, wd, k), dxv, true);
                    }
                }
            }
        }
        finally
        {
            Release(dyp, dy);
        }
        if (b is { RequiresGrad: true })
        {
            var g = b.GradBuffer();
            // per-channel sums in a fixed order: samples ascending, each row summed by TensorPrimitives
            for (int o = 0; o < co; o++)
            {
                float s = 0;
                for (int sm = 0; sm < n; sm++) s += TensorPrimitives.Sum<float>(dy.AsSpan((sm * co + o) * hw, hw));
                g[o] += s;
            }
        }
    }

    // The implicit column matrix [C·k², N·H·W] over a padded [N, C, H+2p, W+2p] buffer.
    private static unsafe MatView ColumnView(float* xpad, int n, int c, int h, int w, int k)
    {
        int p = k / 2, hp = h + 2 * p, wp = w + 2 * p, plane = hp * wp;
        var rows = new int[c * k * k];
        for (int ch = 0; ch < c; ch++)
            for (int dy = 0; dy < k; dy++)
                for (int dx = 0; dx < k; dx++) rows[(ch * k + dy) * k + dx] = ch * plane + dy * wp + dx;
        var colsOff = new int[n * h * w];
        for (int s = 0; s < n; s++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++) colsOff[(s * h + i) * w + j] = s * c * plane + i * wp + j;
        return new MatView(xpad, rows, colsOff);
    }

    // x zero-padded by p on each side of H and W (pooled buffer), or x itself when p = 0.
    private static float[] Padded(float[] x, int n, int c, int h, int w, int p)
    {
        if (p == 0) return x;
        int hp = h + 2 * p, wp = w + 2 * p, planes = n * c;
        var buf = ArrayPool<float>.Shared.Rent(planes * hp * wp);
        Engine.For(n, s =>
        {
            for (int pl = s * c; pl < (s + 1) * c; pl++)
            {
                var dst = buf.AsSpan(pl * hp * wp, hp * wp);
                dst[..(p * wp)].Clear();
                dst[((h + p) * wp)..].Clear();
                for (int i = 0; i < h; i++)
                {
                    var row = dst.Slice((i + p) * wp, wp);
                    row[..p].Clear();
                    row[(p + w)..].Clear();
                    x.AsSpan(pl * h * w + i * w, w).CopyTo(row[p..]);
                }
            }
        });
        return buf;
    }

    private static void Release(float[] padded, float[] original)
    {
        if (!ReferenceEquals(padded, original)) ArrayPool<float>.Shared.Return(padded);
    }
}
