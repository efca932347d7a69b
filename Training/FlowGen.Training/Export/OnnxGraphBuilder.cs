// A small helper that assembles an ONNX graph (the project's proto subset): float and int64
// initializers, nodes with attributes, unique value names.
using FlowGen.Runtime.Onnx.Proto;
using Google.Protobuf;

namespace FlowGen.Training.Export;

internal sealed class OnnxGraphBuilder
{
    private int _next;

    public GraphProto Graph { get; } = new() { Name = "flowgen" };

    /// <summary>A fresh value name with a readable prefix.</summary>
    public string Name(string prefix) => $"{prefix}_{_next++}";

    /// <summary>Adds a float32 constant.</summary>
    public string Floats(string prefix, long[] dims, ReadOnlySpan<float> values)
    {
        var t = new TensorProto { Name = Name(prefix), DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        t.RawData = ByteString.CopyFrom(bytes);
        Graph.Initializer.Add(t);
        return t.Name;
    }

    /// <summary>Adds a float32 constant from doubles.</summary>
    public string Floats(string prefix, long[] dims, IEnumerable<double> values) =>
        Floats(prefix, dims, values.Select(v => (float)v).ToArray());

    /// <summary>Adds an int64 constant (shapes, slice bounds, indices).</summary>
    public string Ints(string prefix, params long[] values)
    {
        var t = new TensorProto { Name = Name(prefix), DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(values.Length);
        t.Int64Data.AddRange(values);
        Graph.Initializer.Add(t);
        return t.Name;
    }

    /// <summary>Adds a 0-D int64 constant (CumSum's axis).</summary>
    public string ScalarInt(string prefix, long value)
    {
        var t = new TensorProto { Name = Name(prefix), DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Int64Data.Add(value);
        Graph.Initializer.Add(t);
        return t.Name;
    }

    /// <summary>Adds a node and returns its (first) output name.</summary>
    public string Op(string op, string[] inputs, params AttributeProto[] attrs)
    {
        string o = Name(op.ToLowerInvariant());
        var n = new NodeProto { OpType = op, Name = o };
        n.Input.AddRange(inputs);
        n.Output.Add(o);
        n.Attribute.AddRange(attrs);
        Graph.Node.Add(n);
        return o;
    }

    /// <summary>Renames the output of the last node (graph outputs need fixed names).</summary>
    public void RenameLastOutput(string from, string to)
    {
        var last = Graph.Node[^1];
        if (last.Output[0] != from) throw new InvalidOperationException("Only the last node's output can be renamed.");
        last.Output[0] = to;
    }

    /// <summary>Glow-order squeeze [N,C,S,S] -> [N,4C,S/2,S/2] (channel c*4 + dy*2 + dx), as Ops.Squeeze2x2, by reshape/transpose.</summary>
    public string Squeeze(string x, int c, int s)
    {
        string t = Op("Reshape", [x, Ints("shape", -1, c, s / 2, 2, s / 2, 2)]);
        t = Op("Transpose", [t], IntList("perm", 0, 1, 3, 5, 2, 4));
        return Op("Reshape", [t, Ints("shape", -1, c * 4, s / 2, s / 2)]);
    }

    /// <summary>The graph as an opset-17 model with <paramref name="docString"/> and <paramref name="metadata"/> (metadata_props).</summary>
    public ModelProto ToModel(string docString, IReadOnlyDictionary<string, string> metadata)
    {
        var m = new ModelProto { IrVersion = 8, ProducerName = "FlowGen", ProducerVersion = "1", Graph = Graph, DocString = docString };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        foreach (var (k, v) in metadata) m.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        return m;
    }

    public static AttributeProto Int(string name, long v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v };

    public static AttributeProto IntList(string name, params long[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(v);
        return a;
    }

    public static AttributeProto Str(string name, string v) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(v) };

    /// <summary>A float tensor value description with a symbolic batch dimension.</summary>
    public static ValueInfoProto Value(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        foreach (long d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
