// The contract of every flow layer (nflows/zuko style): Forward is the density direction and returns
// the log-determinant of its Jacobian per sample; Inverse is the sampling direction.
using System.Numerics;
using FlowGen.Training.Autodiff;

namespace FlowGen.Training.Flows;

/// <summary>An invertible transform with a tractable log-determinant.</summary>
public abstract class FlowTransform<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>y = f(x; ctx) and log|det ∂y/∂x| per sample ([N], or a scalar shared by all samples).</summary>
    public abstract (Tensor<T> Y, Tensor<T> LogDet) Forward(Tensor<T> x, Tensor<T>? context = null);

    /// <summary>x = f⁻¹(y; ctx).</summary>
    public abstract Tensor<T> Inverse(Tensor<T> y, Tensor<T>? context = null);
}

/// <summary>Transforms applied in order; log-determinants add.</summary>
public sealed class FlowSequence<T> : FlowTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<FlowTransform<T>> _steps = [];

    /// <summary>Appends a transform registered under <paramref name="name"/>.</summary>
    public FlowSequence<T> Add(string name, FlowTransform<T> step)
    {
        _steps.Add(Child(name, step));
        return this;
    }

    /// <summary>The transforms in order.</summary>
    public IReadOnlyList<FlowTransform<T>> Steps => _steps;

    /// <inheritdoc/>
    public override (Tensor<T> Y, Tensor<T> LogDet) Forward(Tensor<T> x, Tensor<T>? context = null)
    {
        Tensor<T> ld = Tensor<T>.Scalar(T.Zero);
        foreach (var s in _steps)
        {
            var (y, l) = s.Forward(x, context);
            x = y;
            ld = Ops.Add(ld, l);
        }
        return (x, ld);
    }

    /// <inheritdoc/>
    public override Tensor<T> Inverse(Tensor<T> y, Tensor<T>? context = null)
    {
        for (int i = _steps.Count - 1; i >= 0; i--) y = _steps[i].Inverse(y, context);
        return y;
    }
}
