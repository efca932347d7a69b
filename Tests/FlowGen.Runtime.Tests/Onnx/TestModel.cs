// Builds small ONNX models in memory with the project's proto classes, for tests: inputs (leading -1 =
// batch), float/int64 initializers, nodes with attributes, outputs; serialised to bytes or a temp file.
using FlowGen.Runtime.Onnx.Proto;
using Google.Protobuf;

namespace FlowGen.Runtime.Tests.Onnx;

internal sealed class TestModel
{
    public ModelProto Model { get; } = new() { IrVersion = 8, ProducerName = "FlowGen tests" };
    public GraphProto Graph => Model.Graph;
    private int _nodes;

    public TestModel(int opset = 17)
    {
        Model.Graph = new GraphProto { Name = "test" };
        Model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
    }

    public TestModel Input(string name, long[] shape, TensorProto.Types.DataType type = TensorProto.Types.DataType.Float)
    {
        Graph.Input.Add(ValueInfo(name, shape, type));
        return this;
    }

    public TestModel Output(string name, long[]? shape = null, TensorProto.Types.DataType type = TensorProto.Types.DataType.Float)
    {
        Graph.Output.Add(ValueInfo(name, shape, type));
        return this;
    }

    public TestModel Floats(string name, long[] shape, float[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(shape);
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        Graph.Initializer.Add(t);
        return this;
    }

    public TestModel Longs(string name, long[] shape, long[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.AddRange(shape);
        t.Int64Data.AddRange(values);
        Graph.Initializer.Add(t);
        return this;
    }

    public TestModel Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var n = new NodeProto { OpType = op, Name = $"{op}_{_nodes++}" };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        n.Attribute.AddRange(attributes);
        Graph.Node.Add(n);
        return this;
    }

    public TestModel Meta(string key, string value)
    {
        Model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return this;
    }

    public byte[] ToBytes() => Model.ToByteArray();

    public static AttributeProto Int(string name, long v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v };
    public static AttributeProto Float(string name, float v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = v };
    public static AttributeProto Str(string name, string v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(v) };

    public static AttributeProto Ints(string name, params long[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(v);
        return a;
    }

    private static ValueInfoProto ValueInfo(string name, long[]? shape, TensorProto.Types.DataType type)
    {
        var tt = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (shape is not null)
        {
            tt.Shape = new TensorShapeProto();
            foreach (var d in shape)
                tt.Shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "N" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tt } };
    }
}
