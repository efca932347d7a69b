// The float (training) path of Conv2d, nothing im2col'd. With x zero-padded to [N, Ci, Hp, Wp], every
// row p = (c, ky, kx) of a stride-1 convolution's column matrix is the padded image shifted by
// rowOff[p] = c·Hp·Wp + ky·Wp + kx, read over the padded grid q = i·Wp + j (pad columns dropped):
//   forward  Y(s, o)  = Σ_p W[o, p] · xpad(s)[rowOff[p] + q]          (GridConv.cs)
//   dX       dX(s, c) += Σ_p' W'[c, p'] · dYpad(s)[rowOff'[p'] + q],  W'[c, (o, ky, kx)] = W[o, c, k-1-ky, k-1-kx]
//   dW       dW[o, p] += Σ_s Σ_q dYpad(s, o)[q] · xpad(s)[rowOff[p] + q]   (ConvWeightGrad.cs)
// Every sum runs in a fixed order, so results do not depend on the thread count.
using System.Buffers;
using System.Runtime.Intrinsics;
using System.Numerics.Tensors;

namespace FlowGen.Training.Autodiff;

public static partial class Ops
{
    // relu: y = max(conv + b, 0), and the backward first masks dY by y > 0 (which is conv + b > 0).
    private static unsafe Tensor<float> Conv2dFloat(Tensor<float> x, Tensor<float> w, Tensor<float>? b, bool relu)
    {
        int n = x.Dim(0), ci = x.Dim(1), h = x.Dim(2), wd = x.Dim(3), co = w.Dim(0), k = w.Dim(2);
        int pad = k / 2, wp = wd + 2 * pad;
        var y = TensorArena<float>.Alloc(n * co * h * wd, clear: false);
        // each sample is padded by the item that convolves it, so the convolution reads it from cache
        var xp = PaddedBuffer(x.Data, n, ci, h, wd, pad, false);
        Action<int>? fill = ReferenceEquals(xp, x.Data) ? null : s => PadSample(x.Data, xp, s, ci, h, wd, pad, null);
        // In a training step the padded x lives on in the arena for the weight gradient.
        bool keep = TensorArena<float>.Active && GradMode.Enabled && w.RequiresGrad;
        try
        {
            fixed (float* px = xp, py = y)
                GridConv.Run(px, ci * (h + 2 * pad) * wp, RowOffsets(ci, k, h, wd), w.Data, b?.Data, relu, co, n, h, wd, wp, py, false, fill);
        }
        finally
        {
            if (!keep) Release(xp, x.Data);
        }
        Tensor<float>[] parents = b is null ? [x, w] : [x, w, b];
        return Tensor<float>.Result([n, co, h, wd], y, parents, r => Conv2dFloatBackward(r, x, w, b, k, relu, keep ? xp : null));
    }

    private static unsafe void Conv2dFloatBackward(Tensor<float> r, Tensor<float> x, Tensor<float> w, Tensor<float>? b, int k, bool relu,
        float[]? xPadded)
    {
        int n = x.Dim(0), ci = x.Dim(1), h = x.Dim(2), wd = x.Dim(3), co = w.Dim(0);
        int p = k / 2;
        var dy = r.Grad!;
        int hp = h + 2 * p, wp = wd + 2 * p, plane = hp * wp;
        // dY zero-padded (after a fused ReLU, masked by y > 0), sample by sample inside the input
        // gradient's convolution when there is one
        var mask = relu ? r.Data : null;
        var dyp = PaddedBuffer(dy, n, co, h, wd, p, mask is not null);
        Action<int>? fill = ReferenceEquals(dyp, dy) ? null : s => PadSample(dy, dyp, s, co, h, wd, p, mask);
        try
        {
            fixed (float* pdyp = dyp)
            {
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
                    fixed (float* pdx = x.GradBuffer(out bool overwrite))
                        GridConv.Run(pdyp, co * plane, RowOffsets(co, k, h, wd), wf, null, false, ci, n, h, wd, wp, pdx, !overwrite, fill);
                    TensorArena<float>.Return(wf);
                }
                else if (fill is not null) Engine.For(n, fill);
                if (w.RequiresGrad)
                {
                    var xp = xPadded ?? Padded(x.Data, n, ci, h, wd, p);
                    try
                    {
                        fixed (float* px = xp, pdw = w.GradBuffer())
                            ConvWeightGrad.Run(px, ci * plane, RowOffsets(ci, k, h, wd), pdyp + p * wp + p, co * plane, plane, n, co, (h - 1) * wp + wd, pdw);
                    }
                    finally
                    {
                        Release(xp, x.Data);
                    }
                }
            }
            if (b is { RequiresGrad: true })
            {
                var g = b.GradBuffer();
                // per-channel sums in a fixed order: samples ascending, each (padded) plane summed by TensorPrimitives
                for (int o = 0; o < co; o++)
                {
                    float s = 0;
                    for (int sm = 0; sm < n; sm++) s += TensorPrimitives.Sum<float>(dyp.AsSpan((sm * co + o) * plane, plane));
                    g[o] += s;
                }
            }
        }
        finally
        {
            Release(dyp, dy);
        }
    }

    // rowOff[(c·k + ky)·k + kx] = c·Hp·Wp + ky·Wp + kx: the column matrix's rows as shifts of a padded [C, Hp, Wp] image.
    private static int[] RowOffsets(int c, int k, int h, int w)
    {
        int p = k / 2, wp = w + 2 * p, plane = (h + 2 * p) * wp;
        var rows = new int[c * k * k];
        for (int ch = 0; ch < c; ch++)
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++) rows[(ch * k + ky) * k + kx] = ch * plane + ky * wp + kx;
        return rows;
    }

    // x zero-padded by p on each side of H and W (or x itself when p = 0 and there is no mask); with a
    // mask, the values are first zeroed where mask ≤ 0 (a fused ReLU's backward). In a training step the
    // buffer comes from the arena, otherwise from the shared pool (Release gives it back).
    private static float[] Padded(float[] x, int n, int c, int h, int w, int p)
    {
        var buf = PaddedBuffer(x, n, c, h, w, p, false);
        if (!ReferenceEquals(buf, x)) Engine.For(n, s => PadSample(x, buf, s, c, h, w, p, null));
        return buf;
    }

    // The buffer for x zero-padded to [N, C, H+2p, W+2p] (filled by PadSample), or x itself when p = 0 and
    // nothing is masked. In a training step it comes from the arena, otherwise from the shared pool
    // (Release gives it back).
    private static float[] PaddedBuffer(float[] x, int n, int c, int h, int w, int p, bool masked)
    {
        if (p == 0 && !masked) return x;
        int len = n * c * (h + 2 * p) * (w + 2 * p);
        return TensorArena<float>.Active ? TensorArena<float>.Alloc(len, clear: false) : ArrayPool<float>.Shared.Rent(len);
    }

    // Sample s of x, zero-padded by p on each side of H and W, into buf; with a mask, values are first
    // zeroed where mask ≤ 0 (a fused ReLU's backward). Rows move as Vector256 copies, pads in runs.
    private static unsafe void PadSample(float[] x, float[] buf, int s, int c, int h, int w, int p, float[]? mask)
    {
        int wp = w + 2 * p, plane = (h + 2 * p) * wp;
        fixed (float* px = x, pb = buf, pm = mask)
            for (int pl = s * c; pl < (s + 1) * c; pl++)
            {
                float* dst = pb + (long)pl * plane;
                new Span<float>(dst, p * wp + p).Clear(); // top rows and the first row's left pad
                for (int i = 0; i < h; i++)
                {
                    float* row = dst + (i + p) * wp + p, src = px + ((long)pl * h + i) * w;
                    float* m = pm == null ? null : pm + ((long)pl * h + i) * w;
                    int j = 0;
                    for (; j + 8 <= w; j += 8)
                    {
                        var v = Vector256.Load(src + j);
                        if (m != null) v &= Vector256.GreaterThan(Vector256.Load(m + j), Vector256<float>.Zero);
                        v.Store(row + j);
                    }
                    for (; j < w; j++) row[j] = m == null || m[j] > 0 ? src[j] : 0;
                    // right pad of this row and left pad of the next
                    for (int k = 0; k < 2 * p; k++) row[w + k] = 0;
                }
                new Span<float>(dst + (h + p) * wp + p, p * wp - p).Clear(); // the rest of the bottom rows
            }
    }

    private static void Release(float[] padded, float[] original)
    {
        if (ReferenceEquals(padded, original)) return;
        if (TensorArena<float>.Active) TensorArena<float>.Return(padded);
        else ArrayPool<float>.Shared.Return(padded);
    }
}
