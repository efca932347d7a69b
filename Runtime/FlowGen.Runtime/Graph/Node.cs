// A node of the graph IR: an operator, its attributes (kept as the ONNX attribute messages until the
// operator's rule reads them), its inputs (null for omitted optional inputs) and outputs, and the
// normalised parameters shape inference derived for the backends.
using FlowGen.Runtime.Onnx.Proto;

namespace FlowGen.Runtime.Graph;

internal sealed class Node
{
    public Node(string opType, string name, Dictionary<string, AttributeProto> attributes)
    {
        OpType = opType;
        Name = name;
        Attributes = attributes;
    }

    public string OpType { get; set; }

    /// <summary>The ONNX node name, or "OpType#index" when the file leaves it empty.</summary>
    public string Name { get; }

    public Dictionary<string, AttributeProto> Attributes { get; }
    public List<Value?> Inputs { get; } = new();
    public List<Value> Outputs { get; } = new();

    /// <summary>Operator parameters normalised by shape inference (axes made positive, pads resolved...).</summary>
    public object? Params { get; set; }

    public Value? Input(int i) => i < Inputs.Count ? Inputs[i] : null;

    public override string ToString() => $"{OpType} '{Name}'";
}
