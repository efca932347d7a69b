// A chain of elementwise operations run in one pass over the output: load operand First, then apply
// each MicroOp in place, optionally with a second operand broadcast to the output shape. A single Add
// is a chain of one step; fusion concatenates chains whose intermediate has a single consumer.
namespace FlowGen.Runtime.Graph;

internal enum ElementwiseKind
{
    // binary: out = op(out, operand), or op(operand, out) when Reversed
    Add, Sub, Mul, Div, Pow, Min, Max,
    // unary: out = op(out)
    Sqrt, Exp, Log, Neg, Abs, Relu, LeakyRelu, Sigmoid, Tanh, Softplus, Clip,
}

/// <summary>One step; <paramref name="Operand"/> is a node input index or -1; A and B are LeakyRelu's alpha or Clip's bounds.</summary>
internal readonly record struct MicroOp(ElementwiseKind Kind, int Operand = -1, bool Reversed = false, float A = 0, float B = 0)
{
    public bool IsBinary => Kind <= ElementwiseKind.Max;
}

internal sealed record ChainParams(int First, MicroOp[] Ops);

internal static class ElementwiseKinds
{
    public static bool TryUnary(string op, out ElementwiseKind kind)
    {
        (bool ok, kind) = op switch
        {
            "Sqrt" => (true, ElementwiseKind.Sqrt),
            "Exp" => (true, ElementwiseKind.Exp),
            "Log" => (true, ElementwiseKind.Log),
            "Neg" => (true, ElementwiseKind.Neg),
            "Abs" => (true, ElementwiseKind.Abs),
            "Relu" => (true, ElementwiseKind.Relu),
            "LeakyRelu" => (true, ElementwiseKind.LeakyRelu),
            "Sigmoid" => (true, ElementwiseKind.Sigmoid),
            "Tanh" => (true, ElementwiseKind.Tanh),
            "Softplus" => (true, ElementwiseKind.Softplus),
            "Clip" => (true, ElementwiseKind.Clip),
            _ => (false, default),
        };
        return ok;
    }

    public static bool TryBinary(string op, out ElementwiseKind kind)
    {
        (bool ok, kind) = op switch
        {
            "Add" => (true, ElementwiseKind.Add),
            "Sub" => (true, ElementwiseKind.Sub),
            "Mul" => (true, ElementwiseKind.Mul),
            "Div" => (true, ElementwiseKind.Div),
            "Pow" => (true, ElementwiseKind.Pow),
            "Min" => (true, ElementwiseKind.Min),
            "Max" => (true, ElementwiseKind.Max),
            _ => (false, default),
        };
        return ok;
    }
}
