// The graph IR of one ONNX model: values, nodes in topological order, graph inputs and outputs, and the
// model's metadata. Built by OnnxReader, transformed by GraphCompiler's passes.
namespace FlowGen.Runtime.Graph;

internal sealed class ModelGraph
{
    public ModelGraph(string source) => Source = source;

    /// <summary>The file (or a description of the bytes) the graph came from, for error messages.</summary>
    public string Source { get; }

    public int Opset { get; set; }
    public Dictionary<string, Value> Values { get; } = new(StringComparer.Ordinal);
    public List<Node> Nodes { get; set; } = new();
    public List<Value> Inputs { get; } = new();
    public List<Value> Outputs { get; } = new();
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    public OnnxModelException Error(Node? node, string reason) => new(Source, node?.Name, reason);
}
