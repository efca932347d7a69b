// Elementwise ops, each forward next to its backward rule (tinygrad's gradient table idea).
// Binary ops broadcast like NumPy; the backward sums the gradient over repeated dimensions.
using System.Numerics;
using System.Numerics.Tensors;

namespace FlowGen.Training.Autodiff;

/// <summary>The differentiable operations of the training engine.</summary>
public static partial class Ops
{
    private static Tensor<T> Binary<T, TOp>(Tensor<T> a, Tensor<T> b, Action<Tensor<T>, Tensor<T>, Tensor<T>> backward)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : struct, IBinaryOp<T>
    {
        var shape = Broadcast.Shape(a.Shape, b.Shape);
        var o = TensorArena<T>.Alloc(ShapeLength(shape), clear: false);
        Broadcast.Zip<T, TOp>(a.Data, a.Shape, b.Data, b.Shape, o, shape);
        return Tensor<T>.Result(shape, o, [a, b], r => backward(r, a, b));
    }

    /// <summary>a + b (broadcasting). d/da = 1, d/db = 1.</summary>
    public static Tensor<T> Add<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T> =>
        Binary<T, AddOp<T>>(a, b, static (r, a, b) =>
        {
            if (a.RequiresGrad) Broadcast.AccumulateTo(r.Grad!, r.Shape, a.GradBuffer(), a.Shape);
            if (b.RequiresGrad) Broadcast.AccumulateTo(r.Grad!, r.Shape, b.GradBuffer(), b.Shape);
        });

    /// <summary>a - b (broadcasting). d/da = 1, d/db = -1.</summary>
    public static Tensor<T> Sub<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T> =>
        Binary<T, SubOp<T>>(a, b, static (r, a, b) =>
        {
            if (a.RequiresGrad) Broadcast.AccumulateTo(r.Grad!, r.Shape, a.GradBuffer(), a.Shape);
            if (b.RequiresGrad) Broadcast.AccumulateTo(TensorNeg(r.Grad!), r.Shape, b.GradBuffer(), b.Shape);
        });

    /// <summary>a * b (broadcasting). d/da = b, d/db = a.</summary>
    public static Tensor<T> Mul<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T> =>
        Binary<T, MulOp<T>>(a, b, static (r, a, b) =>
        {
            if (a.RequiresGrad) AccumulateProduct(r, b, a);
            if (b.RequiresGrad) AccumulateProduct(r, a, b);
        });

    /// <summary>a / b (broadcasting). d/da = 1/b, d/db = -a/b^2 = -r/b.</summary>
    public static Tensor<T> Div<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T> =>
        Binary<T, DivOp<T>>(a, b, static (r, a, b) =>
        {
            if (a.RequiresGrad)
            {
                var t = TensorArena<T>.Alloc(r.Length, clear: false);
                Broadcast.Zip<T, DivOp<T>>(r.Grad!, r.Shape, b.Data, b.Shape, t, r.Shape);
                Broadcast.AccumulateTo(t, r.Shape, a.GradBuffer(), a.Shape);
            }
            if (b.RequiresGrad)
            {
                var t = TensorArena<T>.Alloc(r.Length, clear: false);
                TensorPrimitives.Multiply(r.Grad!, r.Data, t);
                Broadcast.Zip<T, DivOp<T>>(t, r.Shape, b.Data, b.Shape, t, r.Shape);
                TensorPrimitives.Negate(t, t);
                Broadcast.AccumulateTo(t, r.Shape, b.GradBuffer(), b.Shape);
            }
        });

    // grad of `target` in r = other * target: sum over repeats of (dr * other).
    private static void AccumulateProduct<T>(Tensor<T> r, Tensor<T> other, Tensor<T> target) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var t = TensorArena<T>.Alloc(r.Length, clear: false);
        Broadcast.Zip<T, MulOp<T>>(r.Grad!, r.Shape, other.Data, other.Shape, t, r.Shape);
        Broadcast.AccumulateTo(t, r.Shape, target.GradBuffer(), target.Shape);
        TensorArena<T>.Return(t);
    }

    private static T[] TensorNeg<T>(T[] g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var t = TensorArena<T>.Alloc(g.Length, clear: false);
        TensorPrimitives.Negate(g, t);
        return t;
    }

    /// <summary>x * c for a constant c.</summary>
    public static Tensor<T> Scale<T>(Tensor<T> x, double c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s = T.CreateTruncating(c);
        var o = TensorArena<T>.Alloc(x.Length, clear: false);
        TensorPrimitives.Multiply(x.Data, s, o);
        return Tensor<T>.Result(x.Shape, o, [x], r =>
        {
            var g = x.GradBuffer();
            TensorPrimitives.MultiplyAdd(r.Grad!, s, g, g);
        });
    }

    /// <summary>x + c for a constant c.</summary>
    public static Tensor<T> AddScalar<T>(Tensor<T> x, double c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var o = TensorArena<T>.Alloc(x.Length, clear: false);
        TensorPrimitives.Add(x.Data, T.CreateTruncating(c), o);
        return Tensor<T>.Result(x.Shape, o, [x], r => Accumulate(x, r.Grad!));
    }

    /// <summary>-x.</summary>
    public static Tensor<T> Neg<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Scale(x, -1.0);

    /// <summary>exp(x). d/dx = exp(x) = r.</summary>
    public static Tensor<T> Exp<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var o = TensorArena<T>.Alloc(x.Length, clear: false);
        TensorPrimitives.Exp<T>(x.Data, o);
        return Tensor<T>.Result(x.Shape, o, [x], r => AccumulateMul(x, r.Grad!, r.Data));
    }

    /// <summary>log(x). d/dx = 1/x.</summary>
    public static Tensor<T> Log<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var o = TensorArena<T>.Alloc(x.Length, clear: false);
        TensorPrimitives.Log<T>(x.Data, o);
        return Tensor<T>.Result(x.Shape, o, [x], r =>
        {
            var t = TensorArena<T>.Alloc(x.Length, clear: false);
            TensorPrimitives.Divide(r.Grad!, x.Data, t);
            Accumulate(x, t);
        });
    }

    /// <summary>sigmoid(x) = 1/(1+exp(-x)). d/dx = r(1-r).</summary>
    public static Tensor<T> Sigmoid<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var o = TensorArena<T>.Alloc(x.Length, clear: false);
        for (int i = 0; i < o.Length; i++) o[i] = SigmoidScalar(x.Data[i]);
        return Tensor<T>.Result(x.Shape, o, [x], r =>
        {
            var g = x.GradBuffer();
            for (int i = 0; i < g.Length; i++) g[i] += r.Grad![i] * r.Data[i] * (T.One - r.Data[i]);
        });
    }

    /// <summary>tanh(x). d/dx = 1 - r^2.</summary>
    public static Tensor<T> Tanh<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var o = TensorArena<T>.Alloc(x.Length, clear: false);
        TensorPrimitives.Tanh<T>(x.Data, o);
        return Tensor<T>.Result(x.Shape, o, [x], r =>
        {
            var g = x.GradBuffer();
            for (int i = 0; i < g.Length; i++) g[i] += r.Grad![i] * (T.One - r.Data[i] * r.Data[i]);
        });
    }

    /// <summary>max(x, 0). d/dx = [x > 0].</summary>
    public static Tensor<T> Relu<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var o = TensorArena<T>.Alloc(x.Length, clear: false);
        var xd = x.Data;
        Engine.ForRange(o.Length, (s, n) => TensorPrimitives.Max(xd.AsSpan(s, n), T.Zero, o.AsSpan(s, n)));
        return Tensor<T>.Result(x.Shape, o, [x], r =>
        {
            var g = x.GradBuffer(out bool overwrite);
            var dr = r.Grad!;
            Engine.ForRange(g.Length, (s, n) => ReluBackward(xd.AsSpan(s, n), dr.AsSpan(s, n), g.AsSpan(s, n), overwrite));
        });
    }

    // g (+)= x > 0 ? dr : 0, lane by lane (a masked-out lane adds an exact zero), then the scalar tail.
    private static void ReluBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dr, Span<T> g, bool overwrite) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0, vw = Vector<T>.Count;
        for (; i <= g.Length - vw; i += vw)
        {
            var d = Vector.ConditionalSelect(Vector.GreaterThan(new Vector<T>(x[i..]), Vector<T>.Zero), new Vector<T>(dr[i..]), Vector<T>.Zero);
            (overwrite ? d : new Vector<T>(g[i..]) + d).CopyTo(g[i..]);
        }
        for (; i < g.Length; i++) g[i] = (overwrite ? T.Zero : g[i]) + (x[i] > T.Zero ? dr[i] : T.Zero);
    }

    /// <summary>softplus(x) = log(1 + exp(x)), computed as max(x,0) + log1p(exp(-|x|)). d/dx = sigmoid(x).</summary>
    public static Tensor<T> Softplus<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var o = TensorArena<T>.Alloc(x.Length, clear: false);
        for (int i = 0; i < o.Length; i++) o[i] = SoftplusScalar(x.Data[i]);
        return Tensor<T>.Result(x.Shape, o, [x], r =>
        {
            var g = x.GradBuffer();
            for (int i = 0; i < g.Length; i++) g[i] += r.Grad![i] * SigmoidScalar(x.Data[i]);
        });
    }

    /// <summary>log sigmoid(x) = -softplus(-x) (Glow's coupling log-determinant).</summary>
    public static Tensor<T> LogSigmoid<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Neg(Softplus(Neg(x)));

    /// <summary>x^2. d/dx = 2x.</summary>
    public static Tensor<T> Square<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Mul(x, x);

    internal static T SigmoidScalar<T>(T v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (v >= T.Zero) return T.One / (T.One + T.Exp(-v));
        T e = T.Exp(v);
        return e / (T.One + e);
    }

    internal static T SoftplusScalar<T>(T v) where T : unmanaged, IFloatingPointIeee754<T> =>
        T.Max(v, T.Zero) + T.LogP1(T.Exp(-T.Abs(v)));

    private static void Accumulate<T>(Tensor<T> x, T[] g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!x.RequiresGrad) return;
        var d = x.GradBuffer();
        TensorPrimitives.Add(d, g, d);
    }

    private static void AccumulateMul<T>(Tensor<T> x, T[] a, T[] b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!x.RequiresGrad) return;
        var d = x.GradBuffer();
        TensorPrimitives.MultiplyAdd(a, b, d, d);
    }

    internal static int ShapeLength(int[] shape)
    {
        int n = 1;
        foreach (int d in shape) n *= d;
        return n;
    }
}
