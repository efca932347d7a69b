// Reads an ONNX file into FlowGen's graph IR, refusing at load everything outside the supported subset:
// other opsets or domains, unknown operators, external data, sparse initializers, functions, subgraphs,
// dangling inputs, duplicate outputs and cycles. Attribute values and shapes are checked later by
// shape inference (GraphCompiler), which also names the node.
using FlowGen.Runtime.Graph;
using FlowGen.Runtime.Onnx.Proto;
using Google.Protobuf;

namespace FlowGen.Runtime.Onnx;

internal static class OnnxReader
{
    public const int MinOpset = 13;
    public const int MaxOpset = 17;

    /// <summary>Files above this size are refused before reading (protobuf's own limit is 2 GiB).</summary>
    public const long MaxFileBytes = int.MaxValue;

    public static ModelGraph ReadFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FlowGenException("model file not found", path);
        if (info.Length > MaxFileBytes) throw new OnnxModelException(path, null, $"file is {info.Length} bytes, above the 2 GiB ONNX limit");
        return Read(File.ReadAllBytes(path), path);
    }

    public static ModelGraph Read(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.IsEmpty) throw new OnnxModelException(source, null, "file is empty");
        ModelProto model;
        try
        {
            var input = new CodedInputStream(bytes.ToArray());
            model = ModelProto.Parser.ParseFrom(input);
            if (!input.IsAtEnd) throw new OnnxModelException(source, null, "trailing bytes after the model");
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxModelException(source, null, $"not a valid ONNX protobuf (truncated or corrupt): {e.Message}", e);
        }
        return Build(model, source);
    }

    private static ModelGraph Build(ModelProto model, string source)
    {
        var g = new ModelGraph(source);
        if (model.Graph is null || (model.Graph.Node.Count == 0 && model.Graph.Output.Count == 0))
            throw new OnnxModelException(source, null, "no graph in the file (truncated or not an ONNX model)");
        if (model.Functions.Count > 0)
            throw new OnnxModelException(source, null, $"model-local functions are not supported ('{model.Functions[0].Name}')");

        int opset = -1;
        foreach (var imp in model.OpsetImport)
            if (imp.Domain is "" or "ai.onnx") opset = (int)Math.Clamp(imp.Version, int.MinValue, int.MaxValue);
        if (opset < 0) throw new OnnxModelException(source, null, "no ai.onnx opset import");
        if (opset is < MinOpset or > MaxOpset)
            throw new OnnxModelException(source, null, $"opset {opset} is not supported (FlowGen runs ai.onnx opsets {MinOpset} to {MaxOpset}; re-export with opset 17)");
        g.Opset = opset;
        foreach (var p in model.MetadataProps) g.Metadata[p.Key] = p.Value;

        var graph = model.Graph;
        if (graph.SparseInitializer.Count > 0)
            throw new OnnxModelException(source, null, "sparse initializers are not supported");

        foreach (var init in graph.Initializer)
        {
            if (string.IsNullOrEmpty(init.Name)) throw new OnnxModelException(source, null, "an initializer has no name");
            if (g.Values.ContainsKey(init.Name)) throw new OnnxModelException(source, null, $"initializer '{init.Name}' is defined twice");
            g.Values[init.Name] = new Value(init.Name) { Const = TensorProtoDecoder.Decode(init, source, null) };
        }
        foreach (var v in g.Values.Values) { v.Type = v.Const!.Type; v.Shape = SymShape.FromStatic(v.Const.Shape); }

        foreach (var input in graph.Input)
        {
            if (g.Values.ContainsKey(input.Name)) continue; // IR < 4 lists initializers as inputs too: they stay constants
            var v = new Value(input.Name) { IsGraphInput = true };
            (v.Type, v.Shape) = InputType(input, source);
            g.Values[input.Name] = v;
            g.Inputs.Add(v);
        }

        // Outputs first, inputs second: files need not list nodes in topological order (cycles are found below).
        var nodes = new List<Node>(graph.Node.Count);
        for (int i = 0; i < graph.Node.Count; i++) nodes.Add(BuildNode(g, graph.Node[i], i));
        for (int i = 0; i < graph.Node.Count; i++) ResolveInputs(g, graph.Node[i], nodes[i]);

        foreach (var output in graph.Output)
        {
            if (!g.Values.TryGetValue(output.Name, out var v))
                throw new OnnxModelException(source, null, $"graph output '{output.Name}' is not produced by any node");
            if (v.IsGraphOutput) throw new OnnxModelException(source, null, $"graph output '{output.Name}' is listed twice");
            v.IsGraphOutput = true;
            if (output.Type?.TensorType is { } tt)
                v.Declared = (tt.ElemType, tt.Shape?.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : (long?)null).ToArray());
            g.Outputs.Add(v);
        }
        if (g.Outputs.Count == 0) throw new OnnxModelException(source, null, "graph has no outputs");
        g.Nodes = TopologicalOrder(g, nodes);
        return g;
    }

    private static Node BuildNode(ModelGraph g, NodeProto p, int index)
    {
        string name = string.IsNullOrEmpty(p.Name) ? $"{p.OpType}#{index}" : p.Name;
        OnnxModelException Fail(string reason) => new(g.Source, name, reason);

        if (p.Domain is not ("" or "ai.onnx"))
            throw Fail($"operator domain '{p.Domain}' is not supported (only ai.onnx)");
        if (!OpRules.IsSupported(p.OpType))
            throw Fail($"operator '{p.OpType}' is not supported");

        var attrs = new Dictionary<string, AttributeProto>(StringComparer.Ordinal);
        foreach (var a in p.Attribute)
        {
            if (a.Type is AttributeProto.Types.AttributeType.Graph or AttributeProto.Types.AttributeType.Graphs)
                throw Fail($"attribute '{a.Name}': subgraphs are not supported");
            if (a.Type is AttributeProto.Types.AttributeType.SparseTensor or AttributeProto.Types.AttributeType.SparseTensors)
                throw Fail($"attribute '{a.Name}': sparse tensors are not supported");
            if (!string.IsNullOrEmpty(a.RefAttrName)) throw Fail($"attribute '{a.Name}' refers to a function attribute");
            if (!attrs.TryAdd(a.Name, a)) throw Fail($"attribute '{a.Name}' is given twice");
        }

        var node = new Node(p.OpType, name, attrs);
        foreach (var outName in p.Output)
        {
            if (outName.Length == 0) throw Fail("optional outputs are not supported");
            if (g.Values.ContainsKey(outName)) throw Fail($"output '{outName}' is already defined elsewhere in the graph");
            var v = new Value(outName) { Producer = node };
            g.Values[outName] = v;
            node.Outputs.Add(v);
        }
        return node;
    }

    private static void ResolveInputs(ModelGraph g, NodeProto p, Node node)
    {
        foreach (var inName in p.Input)
        {
            if (inName.Length == 0) { node.Inputs.Add(null); continue; }
            if (!g.Values.TryGetValue(inName, out var v))
                throw g.Error(node, $"input '{inName}' is not a graph input, initializer or output of any node (dangling input)");
            node.Inputs.Add(v);
            v.Consumers.Add(node);
        }
    }

    private static (ElementType, SymDim[]) InputType(ValueInfoProto input, string source)
    {
        OnnxModelException Fail(string reason) => new(source, null, $"graph input '{input.Name}': {reason}");
        if (input.Type?.TensorType is not { } tt) throw Fail("not a tensor (sequences, maps and optionals are not supported)");
        var type = (TensorProto.Types.DataType)tt.ElemType switch
        {
            TensorProto.Types.DataType.Float => ElementType.Float32,
            TensorProto.Types.DataType.Int64 => ElementType.Int64,
            TensorProto.Types.DataType.Bool => ElementType.Bool,
            var other => throw Fail($"element type {other} is not supported (float32, int64, bool)"),
        };
        if (tt.Shape is null) throw Fail("has no declared shape");
        var shape = new SymDim[tt.Shape.Dim.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            var d = tt.Shape.Dim[i];
            if (d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
            {
                if (d.DimValue < 0 || d.DimValue > TensorProtoDecoder.MaxElements)
                    throw Fail($"dimension {i} is {d.DimValue}, outside 0..{TensorProtoDecoder.MaxElements}");
                shape[i] = d.DimValue;
            }
            else if (i == 0) shape[i] = SymDim.Batch; // a named or unknown leading dim is the batch size
            else throw Fail($"dimension {i} is symbolic; only the leading (batch) dimension may be");
        }
        return (type, shape);
    }

    /// <summary>Kahn's algorithm, stable in file order; nodes left over lie on a cycle.</summary>
    private static List<Node> TopologicalOrder(ModelGraph g, List<Node> nodes)
    {
        var pending = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        foreach (var n in nodes) pending[n] = n.Inputs.Count(v => v?.Producer is not null);
        var ready = new PriorityQueue<Node, int>();
        var index = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < nodes.Count; i++) index[nodes[i]] = i;
        foreach (var n in nodes) if (pending[n] == 0) ready.Enqueue(n, index[n]);
        var order = new List<Node>(nodes.Count);
        while (ready.TryDequeue(out var n, out _))
        {
            order.Add(n);
            foreach (var o in n.Outputs)
                foreach (var c in o.Consumers)
                    if (--pending[c] == 0) ready.Enqueue(c, index[c]);
        }
        if (order.Count != nodes.Count)
        {
            var stuck = nodes.First(n => pending[n] > 0);
            throw g.Error(stuck, "the graph has a cycle through this node");
        }
        return order;
    }
}
