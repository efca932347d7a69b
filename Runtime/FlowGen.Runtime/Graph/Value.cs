// A value (edge) of the graph IR: its type, its shape as linear functions of the batch size, and what
// is known about it at load time (constant contents, or shape arithmetic that depends on the batch).
namespace FlowGen.Runtime.Graph;

internal sealed class Value
{
    public Value(string name) => Name = name;

    public string Name { get; }
    public ElementType Type { get; set; } = ElementType.Float32;

    /// <summary>Shape with batch-dependent dims; null until shape inference reaches the value.</summary>
    public SymDim[]? Shape { get; set; }

    /// <summary>Contents when known at load time (initializer, Constant, folded).</summary>
    public ConstTensor? Const { get; set; }

    /// <summary>Int64 contents that depend linearly on the batch size (Shape arithmetic), element by element.</summary>
    public SymDim[]? SymValues { get; set; }

    public Node? Producer { get; set; }
    public List<Node> Consumers { get; } = new();

    /// <summary>For graph outputs: the type and dims the file declares (null dims are symbolic or unknown), checked after inference.</summary>
    public (int ElemType, long?[]? Dims)? Declared { get; set; }

    public bool IsGraphInput { get; set; }
    public bool IsGraphOutput { get; set; }

    /// <summary>Known at load time, either fully or as batch-linear shape arithmetic.</summary>
    public bool IsKnown => Const is not null || SymValues is not null;

    public SymDim[] ShapeOrThrow => Shape ?? throw new InvalidOperationException($"value '{Name}' has no inferred shape");

    public override string ToString() => $"{Name}:{ElementTypes.Name(Type)}{(Shape is null ? "" : SymShape.Format(Shape))}";
}
