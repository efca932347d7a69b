// A container of named tensors (trainable parameters and fixed buffers) and child modules, with
// PyTorch-style dotted names ("levels.0.1.actnorm.bias") so checkpoints and foreign weights map by name.
using System.Numerics;

namespace FlowGen.Training.Autodiff;

/// <summary>Base class of layers and models: owns named parameters, buffers and children.</summary>
public abstract class Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<(string Name, Tensor<T> Value, bool Trainable)> _tensors = [];
    private readonly List<(string Name, Module<T> Child)> _children = [];

    /// <summary>Registers a trainable parameter.</summary>
    protected Tensor<T> Param(string name, Tensor<T> value)
    {
        var p = new Tensor<T>(value.Shape, value.Data, requiresGrad: true);
        _tensors.Add((name, p, true));
        return p;
    }

    /// <summary>Registers a fixed buffer (saved, never trained).</summary>
    protected Tensor<T> Buffer(string name, Tensor<T> value)
    {
        _tensors.Add((name, value, false));
        return value;
    }

    /// <summary>Registers a child module.</summary>
    protected TM Child<TM>(string name, TM child) where TM : Module<T>
    {
        _children.Add((name, child));
        return child;
    }

    /// <summary>All tensors of this module and its children, depth first, in registration order.</summary>
    public IEnumerable<(string Name, Tensor<T> Value, bool Trainable)> NamedTensors(string prefix = "")
    {
        foreach (var (n, v, tr) in _tensors) yield return (prefix + n, v, tr);
        foreach (var (n, c) in _children)
            foreach (var e in c.NamedTensors(prefix + n + ".")) yield return e;
    }

    /// <summary>The trainable parameters.</summary>
    public IEnumerable<Tensor<T>> Parameters() => NamedTensors().Where(e => e.Trainable).Select(e => e.Value);

    /// <summary>Number of trainable scalars.</summary>
    public long ParameterCount => Parameters().Sum(p => (long)p.Length);
}
