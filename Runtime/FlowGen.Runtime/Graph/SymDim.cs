// A tensor dimension as a linear function of the batch size N: Coef * N + Const. Static dimensions have
// Coef = 0. Shape inference keeps every dimension in this form so one plan serves every batch up to the
// maximum; anything that would leave the form (N * N, N / 3 with a remainder) is refused at load.
namespace FlowGen.Runtime.Graph;

internal readonly record struct SymDim(long Coef, long Const)
{
    public static SymDim Batch => new(1, 0);

    public bool IsStatic => Coef == 0;

    public long At(long n) => Coef * n + Const;

    public static implicit operator SymDim(long value) => new(0, value);

    public static SymDim operator +(SymDim a, SymDim b) => new(checked(a.Coef + b.Coef), checked(a.Const + b.Const));

    public static SymDim operator -(SymDim a, SymDim b) => new(checked(a.Coef - b.Coef), checked(a.Const - b.Const));

    /// <summary>Product, or null when both factors depend on N (not linear).</summary>
    public static SymDim? Multiply(SymDim a, SymDim b)
    {
        if (a.IsStatic) return new(checked(a.Const * b.Coef), checked(a.Const * b.Const));
        if (b.IsStatic) return new(checked(b.Const * a.Coef), checked(b.Const * a.Const));
        return null;
    }

    /// <summary>Exact quotient, or null when it is not a linear function of N for every N.</summary>
    public static SymDim? Divide(SymDim a, SymDim b)
    {
        if (b.IsStatic)
        {
            if (b.Const == 0 || a.Coef % b.Const != 0 || a.Const % b.Const != 0) return null;
            return new(a.Coef / b.Const, a.Const / b.Const);
        }
        // (a1 N + a0) / (b1 N + b0) is a constant k only when a = k b.
        if (a.Coef % b.Coef != 0) return null;
        long k = a.Coef / b.Coef;
        return checked(k * b.Const) == a.Const ? new SymDim(0, k) : null;
    }

    public override string ToString() => Coef == 0 ? Const.ToString() : Const == 0 ? (Coef == 1 ? "N" : $"{Coef}N") : $"{Coef}N{(Const > 0 ? "+" : "")}{Const}";
}

internal static class SymShape
{
    /// <summary>Element count as a linear function of N, or null when more than one dimension depends on N.</summary>
    public static SymDim? Count(ReadOnlySpan<SymDim> shape)
    {
        SymDim acc = 1;
        foreach (var d in shape)
        {
            if (Multiply(acc, d) is not { } p) return null;
            acc = p;
        }
        return acc;

        static SymDim? Multiply(SymDim a, SymDim b) => SymDim.Multiply(a, b);
    }

    public static string Format(ReadOnlySpan<SymDim> shape)
    {
        var parts = new string[shape.Length];
        for (int i = 0; i < shape.Length; i++) parts[i] = shape[i].ToString();
        return "[" + string.Join(",", parts) + "]";
    }

    public static bool IsStatic(ReadOnlySpan<SymDim> shape)
    {
        foreach (var d in shape) if (!d.IsStatic) return false;
        return true;
    }

    public static SymDim[] FromStatic(ReadOnlySpan<long> dims)
    {
        var r = new SymDim[dims.Length];
        for (int i = 0; i < dims.Length; i++) r[i] = dims[i];
        return r;
    }

    /// <summary>Concrete dims at batch size n into <paramref name="dest"/>.</summary>
    public static void At(ReadOnlySpan<SymDim> shape, long n, Span<int> dest)
    {
        for (int i = 0; i < shape.Length; i++) dest[i] = checked((int)shape[i].At(n));
    }
}
