// Glow's affine coupling as one fused op (llm.c style forward/backward pair) instead of ten elementwise
// ops, each with its own tensors and passes. Shapes: xb [N, Cb, H, W], h [N, 2·Cb, H, W] (the
// conditioner's output; shift and pre-scale interleaved by channel, as openai/glow):
//   a = h[:, 1::2] + 2,  s = sigmoid(a),  u = xb + h[:, 0::2]
//   forward   y = u ⊙ s [N, Cb, H, W];   logdet[n] = Σ_{c,i,j} log s = Σ -softplus(-a) [N]
//   backward  dxb = dy ⊙ s;  dh[:, 0::2] = dy ⊙ s;  dh[:, 1::2] = dy ⊙ u ⊙ s ⊙ (1 - s) + dlogdet[n] · sigmoid(-a)
// The forward computes exactly what Mul(Add(xb, shift), Sigmoid(AddScalar(pre, 2))) and
// Sum(LogSigmoid(·), [1, 2, 3]) compute; samples are the parallel items.
using System.Numerics;
using System.Numerics.Tensors;

namespace FlowGen.Training.Autodiff;

public static partial class Ops
{
    /// <summary>The affine coupling y = (xb + h[:, 0::2]) ⊙ sigmoid(h[:, 1::2] + 2) and its per-sample
    /// log-determinant Σ log sigmoid(h[:, 1::2] + 2) (shapes in the file comment).</summary>
    public static (Tensor<T> Y, Tensor<T> LogDet) AffineCoupling<T>(Tensor<T> xb, Tensor<T> h) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (xb.Rank != 4 || h.Rank != 4 || h.Dim(0) != xb.Dim(0) || h.Dim(1) != 2 * xb.Dim(1) || h.Dim(2) != xb.Dim(2) || h.Dim(3) != xb.Dim(3))
            throw new ArgumentException($"AffineCoupling needs xb [N,C,H,W] and h [N,2C,H,W], got [{string.Join(",", xb.Shape)}] and [{string.Join(",", h.Shape)}].");
        int n = xb.Dim(0), cb = xb.Dim(1), hw = xb.Dim(2) * xb.Dim(3), per = cb * hw;
        T two = T.CreateTruncating(2.0);
        var (xd, hd) = (xb.Data, h.Data);
        var u = TensorArena<T>.Alloc(xb.Length, clear: false);
        var s = TensorArena<T>.Alloc(xb.Length, clear: false);
        var y = TensorArena<T>.Alloc(xb.Length, clear: false);
        var ld = TensorArena<T>.Alloc(n, clear: false);
        Engine.For(n, sm =>
        {
            var logS = Scratch<T>.Get(per);
            for (int c = 0; c < cb; c++)
            {
                int o = (sm * cb + c) * hw, shift = (sm * 2 * cb + 2 * c) * hw, pre = shift + hw;
                for (int q = 0; q < hw; q++)
                {
                    T a = hd[pre + q] + two;
                    T sg = SigmoidScalar(a);
                    u[o + q] = xd[o + q] + hd[shift + q];
                    s[o + q] = sg;
                    y[o + q] = u[o + q] * sg;
                    logS[c * hw + q] = -SoftplusScalar(-a);
                }
            }
            ld[sm] = TensorPrimitives.Sum<T>(logS.AsSpan(0, per));
        });
        var yt = Tensor<T>.Result(xb.Shape, y, [xb, h], r =>
        {
            var dy = r.Grad!;
            var dxb = xb.RequiresGrad ? xb.GradBuffer() : null;
            var dh = h.RequiresGrad ? h.GradBuffer() : null;
            Engine.For(n, sm =>
            {
                for (int c = 0; c < cb; c++)
                {
                    int o = (sm * cb + c) * hw, shift = (sm * 2 * cb + 2 * c) * hw, pre = shift + hw;
                    for (int q = 0; q < hw; q++)
                    {
                        T g = dy[o + q], sg = s[o + q];
                        if (dxb is not null) dxb[o + q] += g * sg;
                        if (dh is not null)
                        {
                            dh[shift + q] += g * sg;
                            dh[pre + q] += g * u[o + q] * sg * (T.One - sg);
                        }
                    }
                }
            });
            TensorArena<T>.Return(u);
            TensorArena<T>.Return(s);
        });
        var ldt = Tensor<T>.Result([n], ld, [h], r =>
        {
            var dld = r.Grad!;
            var dh = h.GradBuffer();
            Engine.For(n, sm =>
            {
                T g = dld[sm];
                for (int c = 0; c < cb; c++)
                {
                    int pre = (sm * 2 * cb + 2 * c + 1) * hw;
                    for (int q = 0; q < hw; q++) dh[pre + q] += g * SigmoidScalar(-(hd[pre + q] + two));
                }
            });
        });
        return (yt, ldt);
    }
}
