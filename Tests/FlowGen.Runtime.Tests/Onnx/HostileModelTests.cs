// Hostile and inconsistent models: each is refused at load with an OnnxModelException naming the node
// and the problem, without unbounded memory or time; initializers in every typed encoding decode exactly.
using FlowGen.Runtime.Graph;
using FlowGen.Runtime.Onnx;
using FlowGen.Runtime.Onnx.Proto;
using Google.Protobuf;

namespace FlowGen.Runtime.Tests.Onnx;

public class HostileModelTests
{
    private static OnnxModelException Refused(TestModel m, string? node = null)
    {
        var e = Assert.Throws<OnnxModelException>(() => FlowModel.Load(m.ToBytes(), null, "hostile.onnx"));
        Assert.Equal("hostile.onnx", e.FilePath);
        if (node is not null) Assert.Equal(node, e.Node);
        return e;
    }

    [Fact]
    public void DeeplyNestedMessagesHitTheRecursionLimit()
    {
        // an attribute holding a tensor inside an attribute inside ... 500 levels of GraphProto nesting
        var inner = new GraphProto { Name = "g" };
        for (int i = 0; i < 500; i++)
        {
            var n = new NodeProto { OpType = "If" };
            n.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = inner });
            inner = new GraphProto { Name = "g" };
            inner.Node.Add(n);
        }
        var model = new ModelProto { IrVersion = 8, Graph = inner };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 17 });
        var e = Assert.Throws<OnnxModelException>(() => FlowModel.Load(model.ToByteArray(), null, "hostile.onnx"));
        Assert.Contains("not a valid ONNX protobuf", e.Reason);
    }

    [Fact]
    public void RefusesShapesThatAreNotLinearInTheBatch()
    {
        // MatMul of x [N,4] with itself transposed gives [N,N]
        var m = new TestModel().Input("x", [-1, 4]).Node("Transpose", ["x"], ["t"]).Node("MatMul", ["x", "t"], ["y"]).Output("y");
        Assert.Contains("batch", Refused(m, "MatMul_1").Reason);
    }

    [Fact]
    public void RefusesRunTimeConvWeightsAndBadGroups()
    {
        var m = new TestModel().Input("x", [-1, 4, 8, 8]).Input("w", [8, 4, 3, 3]).Node("Conv", ["x", "w"], ["y"]).Output("y");
        Assert.Contains("weight must be a constant", Refused(m, "Conv_0").Reason);
        var g = new TestModel().Input("x", [-1, 4, 8, 8]).Floats("w", [6, 4, 1, 1], new float[24])
            .Node("Conv", ["x", "w"], ["y"], TestModel.Int("group", 4)).Output("y");
        Assert.Contains("group 4", Refused(g, "Conv_0").Reason);
        var k = new TestModel().Input("x", [-1, 1, 2, 2]).Floats("w", [1, 1, 5, 5], new float[25]).Node("Conv", ["x", "w"], ["y"]).Output("y");
        Assert.Contains("does not fit", Refused(k, "Conv_0").Reason);
    }

    [Fact]
    public void RefusesOutOfRangeConstantIndicesAndBadReshapes()
    {
        var g = new TestModel().Input("x", [-1, 4]).Longs("i", [2], [1, 4]).Node("Gather", ["x", "i"], ["y"], TestModel.Int("axis", 1)).Output("y");
        Assert.Contains("index 4 is out of range", Refused(g, "Gather_0").Reason);
        var r = new TestModel().Input("x", [-1, 6]).Longs("s", [2], [-1, 4]).Node("Reshape", ["x", "s"], ["y"]).Output("y");
        Assert.Contains("cannot reshape", Refused(r, "Reshape_0").Reason);
        var d = new TestModel().Input("x", [-1, 6]).Input("s", [2], TensorProto.Types.DataType.Int64).Node("Reshape", ["x", "s"], ["y"]).Output("y");
        Assert.Contains("computable at load time", Refused(d, "Reshape_0").Reason);
    }

    [Fact]
    public void RefusesWrongArityAndMissingRequiredAttributes()
    {
        Assert.Contains("expects 2 inputs", Refused(new TestModel().Input("x", [1, 4]).Node("Add", ["x"], ["y"]).Output("y"), "Add_0").Reason);
        Assert.Contains("'axis' is required", Refused(new TestModel().Input("x", [1, 4]).Node("Concat", ["x", "x"], ["y"]).Output("y"), "Concat_0").Reason);
        Assert.Contains("Cast to ONNX type 11", Refused(new TestModel().Input("x", [1, 4]).Node("Cast", ["x"], ["y"], TestModel.Int("to", 11)).Output("y"), "Cast_0").Reason);
    }

    [Fact]
    public void RefusesOutputsThatContradictTheirDeclaration()
    {
        var m = new TestModel().Input("x", [-1, 4]).Node("Relu", ["x"], ["y"]).Output("y", [-1, 5]);
        Assert.Contains("declared with dimension 1 = 5", Refused(m, "Relu_0").Reason);
        var t = new TestModel().Input("x", [-1, 4]).Node("Less", ["x", "x"], ["y"]).Output("y", [-1, 4]);
        Assert.Contains("declared as ONNX type 1", Refused(t, "Less_0").Reason);
    }

    [Fact]
    public void HugeBatchIsRefusedBeforeAllocating()
    {
        var m = new TestModel().Input("x", [-1, 1024, 1024]).Node("Relu", ["x"], ["y"]).Output("y");
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<OnnxModelException>(() => FlowModel.Load(m.ToBytes(), new FlowModelOptions { MaxBatch = 100_000 }, "hostile.onnx"));
        Assert.Contains("elements at batch 100000", e.Reason);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
    }

    [Fact]
    public void TypedInitializerEncodingsDecodeExactly()
    {
        var t = new TensorProto { Name = "d", DataType = (int)TensorProto.Types.DataType.Double };
        t.Dims.Add(3);
        t.DoubleData.AddRange([1.5, -2.25, 1e10]);
        Assert.Equal([1.5f, -2.25f, 1e10f], TensorProtoDecoder.Decode(t, "f", null).Floats.ToArray());

        var i32 = new TensorProto { Name = "i", DataType = (int)TensorProto.Types.DataType.Int32 };
        i32.Dims.Add(2);
        i32.Int32Data.AddRange([-7, 1 << 30]);
        var di = TensorProtoDecoder.Decode(i32, "f", null);
        Assert.Equal(ElementType.Int64, di.Type);
        Assert.Equal([-7L, 1 << 30], di.Longs.ToArray());

        var h = new TensorProto { Name = "h", DataType = (int)TensorProto.Types.DataType.Float16, RawData = ByteString.CopyFrom(BitConverter.GetBytes((Half)0.5f)) };
        h.Dims.Add(1);
        Assert.Equal(0.5f, TensorProtoDecoder.Decode(h, "f", null).Floats[0]);

        var b = new TensorProto { Name = "b", DataType = (int)TensorProto.Types.DataType.Bool, RawData = ByteString.CopyFrom(0, 1, 2) };
        b.Dims.Add(3);
        Assert.Equal([0, 1, 1], TensorProtoDecoder.Decode(b, "f", null).Data);

        var u8 = new TensorProto { Name = "u", DataType = (int)TensorProto.Types.DataType.Uint8, RawData = ByteString.CopyFrom(255, 0) };
        u8.Dims.Add(2);
        Assert.Equal([255L, 0], TensorProtoDecoder.Decode(u8, "f", null).Longs.ToArray());

        var s = new TensorProto { Name = "s", DataType = (int)TensorProto.Types.DataType.String };
        Assert.Throws<OnnxModelException>(() => TensorProtoDecoder.Decode(s, "f", null));
    }
}
