// A dense row-major (NCHW for images) tensor with an optional gradient and the record of the op that
// made it. The graph is dynamic (micrograd style): each op's result keeps its parents and a backward
// rule; Backward() walks the graph in reverse topological order. Generic over float (training) and
// double (gradient checks in double precision run the very same op code).
using System.Numerics;

namespace FlowGen.Training.Autodiff;

/// <summary>Dense tensor with reverse-mode gradient support.</summary>
public sealed class Tensor<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>[]? _parents;
    private Action<Tensor<T>>? _backward;

    /// <summary>Creates a tensor of <paramref name="shape"/> over <paramref name="data"/> (zeros when null).</summary>
    public Tensor(int[] shape, T[]? data = null, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentOutOfRangeException(nameof(shape), "Negative dimension.");
            n *= d;
        }
        if (n > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(shape), "Tensor too large.");
        if (data is not null && data.Length != n)
            throw new ArgumentException($"Data length {data.Length} does not match shape [{string.Join(",", shape)}].", nameof(data));
        Shape = (int[])shape.Clone();
        Data = data ?? TensorArena<T>.Alloc((int)n);
        RequiresGrad = requiresGrad;
    }

    /// <summary>Dimensions, outermost first.</summary>
    public int[] Shape { get; }

    /// <summary>Values in row-major order.</summary>
    public T[] Data { get; }

    /// <summary>Accumulated gradient of the last Backward() (null until one reached this tensor).</summary>
    public T[]? Grad { get; internal set; }

    /// <summary>True for parameters and for results of ops on tensors that require gradients.</summary>
    public bool RequiresGrad { get; private set; }

    /// <summary>Number of elements.</summary>
    public int Length => Data.Length;

    /// <summary>Number of dimensions.</summary>
    public int Rank => Shape.Length;

    /// <summary>The size of dimension <paramref name="i"/> (negative counts from the end).</summary>
    public int Dim(int i) => Shape[i < 0 ? Shape.Length + i : i];

    /// <summary>A scalar tensor.</summary>
    public static Tensor<T> Scalar(T value) => new([], [value]);

    /// <summary>A tensor from double values (converted to <typeparamref name="T"/>).</summary>
    public static Tensor<T> From(int[] shape, ReadOnlySpan<double> values, bool requiresGrad = false)
    {
        var d = new T[values.Length];
        for (int i = 0; i < d.Length; i++) d[i] = T.CreateTruncating(values[i]);
        return new Tensor<T>(shape, d, requiresGrad);
    }

    /// <summary>Element <paramref name="i"/> as a double.</summary>
    public double this[int i] => double.CreateTruncating(Data[i]);

    /// <summary>A copy of the values without graph history.</summary>
    public Tensor<T> Detach() => new(Shape, (T[])Data.Clone());

    /// <summary>Clears the gradient.</summary>
    public void ZeroGrad() => Grad = null;

    internal T[] GradBuffer() => Grad ??= TensorArena<T>.Alloc(Data.Length);

    // The gradient buffer for a backward rule that writes every element when <paramref name="overwrite"/>
    // comes back true (no gradient yet: the buffer is new and uncleared) and adds to it otherwise.
    internal T[] GradBuffer(out bool overwrite)
    {
        overwrite = Grad is null;
        return Grad ??= TensorArena<T>.Alloc(Data.Length, clear: false);
    }

    /// <summary>Records how this result was made (called by ops when gradients are on).</summary>
    internal static Tensor<T> Result(int[] shape, T[] data, Tensor<T>[] parents, Action<Tensor<T>> backward)
    {
        var t = new Tensor<T>(shape, data);
        if (!GradMode.Enabled) return t;
        foreach (var p in parents)
        {
            if (p.RequiresGrad)
            {
                t.RequiresGrad = true;
                t._parents = parents;
                t._backward = backward;
                break;
            }
        }
        return t;
    }

    /// <summary>
    /// Back-propagates from this tensor. A scalar is seeded with 1; otherwise <paramref name="seed"/>
    /// (same length) is the incoming gradient. The graph is released afterwards.
    /// </summary>
    public void Backward(T[]? seed = null)
    {
        if (!RequiresGrad) throw new InvalidOperationException("Backward() on a tensor that does not require gradients.");
        if (seed is null && Length != 1) throw new InvalidOperationException("Backward() without a seed needs a scalar.");
        if (seed is not null && seed.Length != Length) throw new ArgumentException("Seed length mismatch.", nameof(seed));
        var order = new List<Tensor<T>>();
        var seen = new HashSet<Tensor<T>>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor<T> Node, int Next)>();
        stack.Push((this, 0));
        seen.Add(this);
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            var ps = node._parents;
            if (ps is not null && next < ps.Length)
            {
                stack.Push((node, next + 1));
                var p = ps[next];
                if (p._backward is not null && seen.Add(p)) stack.Push((p, 0));
                continue;
            }
            order.Add(node);
        }
        var g = GradBuffer();
        if (seed is null) g[0] += T.One;
        else for (int i = 0; i < g.Length; i++) g[i] += seed[i];
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var node = order[i];
            if (node.Grad is not null) node._backward!(node);
            node._backward = null;
            node._parents = null;
            if (!ReferenceEquals(node, this)) // intermediate grads are not needed again
            {
                TensorArena<T>.Return(node.Grad);
                node.Grad = null;
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"Tensor<{typeof(T).Name}>[{string.Join(",", Shape)}]";
}

/// <summary>Turns graph recording on or off for the current thread (off: sampling, evaluation, init).</summary>
public static class GradMode
{
    [ThreadStatic] private static int t_disabled;

    /// <summary>True when ops record the graph.</summary>
    public static bool Enabled => t_disabled == 0;

    /// <summary>Disables recording until the returned scope is disposed.</summary>
    public static NoGradScope NoGrad()
    {
        t_disabled++;
        return new NoGradScope();
    }

    /// <summary>Scope returned by <see cref="NoGrad"/>.</summary>
    public readonly struct NoGradScope : IDisposable
    {
        /// <summary>Re-enables recording (nesting is counted).</summary>
        public void Dispose() => t_disabled--;
    }
}
