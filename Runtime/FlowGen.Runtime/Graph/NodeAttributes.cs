// Typed reads of a node's ONNX attributes, with the node named in every error. Defaults are the ONNX
// spec's defaults for the operator, passed by the caller.
using FlowGen.Runtime.Onnx;
using FlowGen.Runtime.Onnx.Proto;
using AttrType = FlowGen.Runtime.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace FlowGen.Runtime.Graph;

internal readonly struct NodeAttributes(ModelGraph graph, Node node)
{
    private AttributeProto? Get(string name, AttrType type)
    {
        if (!node.Attributes.TryGetValue(name, out var a)) return null;
        if (a.Type != type && a.Type != AttrType.Undefined)
            throw graph.Error(node, $"attribute '{name}' has type {a.Type}, expected {type}");
        return a;
    }

    public bool Has(string name) => node.Attributes.ContainsKey(name);

    public long Int(string name, long fallback) => Get(name, AttrType.Int)?.I ?? fallback;

    public float Float(string name, float fallback) => Get(name, AttrType.Float)?.F ?? fallback;

    public string String(string name, string fallback) => Get(name, AttrType.String)?.S.ToStringUtf8() ?? fallback;

    public long[]? Ints(string name) => Get(name, AttrType.Ints)?.Ints.ToArray();

    public float[]? Floats(string name) => Get(name, AttrType.Floats)?.Floats.ToArray();

    public ConstTensor? Tensor(string name) =>
        Get(name, AttrType.Tensor) is { } a ? TensorProtoDecoder.Decode(a.T, graph.Source, node.Name) : null;

    /// <summary>Refuses attributes the operator does not understand, so a semantics change never passes silently.</summary>
    public void OnlyKnown(params string[] known)
    {
        foreach (var name in node.Attributes.Keys)
            if (Array.IndexOf(known, name) < 0) throw graph.Error(node, $"attribute '{name}' is not supported for {node.OpType}");
    }
}
