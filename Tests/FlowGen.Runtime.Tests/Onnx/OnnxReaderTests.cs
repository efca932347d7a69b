// Loading refuses every unsupported or malformed model at load time with an OnnxModelException that
// names the file, the node and the reason; well-formed models load with their metadata.
using FlowGen.Runtime.Onnx.Proto;
using Google.Protobuf;

namespace FlowGen.Runtime.Tests.Onnx;

public class OnnxReaderTests
{
    private static TestModel AddModel(int opset = 17) => new TestModel(opset)
        .Input("x", [-1, 4]).Floats("b", [4], [1, 2, 3, 4]).Node("Add", ["x", "b"], ["y"]).Output("y");

    private static OnnxModelException Refused(byte[] bytes, string? expectNode = null)
    {
        var e = Assert.Throws<OnnxModelException>(() => FlowModel.Load(bytes, null, "bad.onnx"));
        Assert.StartsWith("bad.onnx: ", e.Message);
        Assert.Equal("bad.onnx", e.FilePath);
        if (expectNode is not null) Assert.Equal(expectNode, e.Node);
        Assert.IsAssignableFrom<FlowGenException>(e);
        return e;
    }

    [Fact]
    public void LoadsWellFormedModelWithMetadata()
    {
        using var m = FlowModel.Load(AddModel().Meta("flowgen.kind", "texture").Meta("custom", "v").ToBytes());
        Assert.Equal("texture", m.Metadata.Kind);
        Assert.Equal("v", m.Metadata.Raw["custom"]);
        Assert.Equal([-1L, 4], m.Inputs[0].Shape);
        var y = m.Run(new Dictionary<string, TensorData> { ["x"] = TensorData.FromFloats([2, 4], [0, 0, 0, 0, 1, 1, 1, 1]) });
        Assert.Equal([1f, 2, 3, 4, 2, 3, 4, 5], y["y"].Floats);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(18)]
    public void RefusesOpsetsOutside13To17(int opset)
    {
        var e = Refused(AddModel(opset).ToBytes());
        Assert.Contains($"opset {opset}", e.Reason);
    }

    [Fact]
    public void RefusesUnknownOperatorNamingTheNode()
    {
        var m = new TestModel().Input("x", [1, 4]).Node("Erf", ["x"], ["y"]).Output("y");
        var e = Refused(m.ToBytes(), "Erf_0");
        Assert.Contains("'Erf' is not supported", e.Reason);
    }

    [Fact]
    public void RefusesOtherDomains()
    {
        var m = AddModel();
        m.Graph.Node[0].Domain = "com.microsoft";
        Assert.Contains("domain", Refused(m.ToBytes(), "Add_0").Reason);
    }

    [Fact]
    public void RefusesUnsupportedAttributeValue()
    {
        var m = new TestModel().Input("x", [1, 4]).Node("DepthToSpace", ["x"], ["y"], TestModel.Int("blocksize", 2), TestModel.Str("mode", "XYZ")).Output("y");
        Assert.Contains("needs a 4-D input", Refused(m.ToBytes(), "DepthToSpace_0").Reason);
        var m2 = new TestModel().Input("x", [1, 4, 2, 2]).Node("DepthToSpace", ["x"], ["y"], TestModel.Int("blocksize", 2), TestModel.Str("mode", "XYZ")).Output("y");
        Assert.Contains("mode 'XYZ'", Refused(m2.ToBytes(), "DepthToSpace_0").Reason);
        var m3 = AddModel();
        m3.Graph.Node[0].Attribute.Add(TestModel.Int("broadcast", 1));
        Assert.Contains("attribute 'broadcast'", Refused(m3.ToBytes(), "Add_0").Reason);
    }

    [Fact]
    public void RefusesExternalData()
    {
        var m = AddModel();
        m.Graph.Initializer[0].DataLocation = TensorProto.Types.DataLocation.External;
        m.Graph.Initializer[0].ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
        Assert.Contains("external data", Refused(m.ToBytes()).Reason);
    }

    [Fact]
    public void RefusesSparseInitializersAndFunctions()
    {
        var m = AddModel();
        m.Graph.SparseInitializer.Add(new SparseTensorProto { Values = new TensorProto { Name = "s" } });
        Assert.Contains("sparse", Refused(m.ToBytes()).Reason);
        var f = AddModel();
        f.Model.Functions.Add(new FunctionProto { Name = "MyFn", Domain = "custom" });
        Assert.Contains("functions", Refused(f.ToBytes()).Reason);
    }

    [Fact]
    public void RefusesDanglingInput()
    {
        var m = new TestModel().Input("x", [1, 4]).Node("Add", ["x", "ghost"], ["y"]).Output("y");
        Assert.Contains("'ghost'", Refused(m.ToBytes(), "Add_0").Reason);
    }

    [Fact]
    public void RefusesCycles()
    {
        // a = x + b, b = Relu(a)
        var m = new TestModel().Input("x", [1, 4]);
        m.Node("Add", ["x", "b"], ["a"]).Node("Relu", ["a"], ["b"]).Output("b");
        Assert.Contains("cycle", Refused(m.ToBytes()).Reason);
        // listed out of topological order but acyclic: accepted
        var ok = new TestModel().Input("x", [1, 4]).Node("Relu", ["a"], ["y"]).Node("Neg", ["x"], ["a"]).Output("y");
        using var model = FlowModel.Load(ok.ToBytes());
        Assert.Equal([0f, 0, 1, 2], model.Run(new Dictionary<string, TensorData> { ["x"] = TensorData.FromFloats([1, 4], [1, 0, -1, -2]) })["y"].Floats);
    }

    [Fact]
    public void RefusesShapeMismatch()
    {
        var m = new TestModel().Input("x", [-1, 4]).Floats("b", [3], [1, 2, 3]).Node("Add", ["x", "b"], ["y"]).Output("y");
        Assert.Contains("do not broadcast", Refused(m.ToBytes(), "Add_0").Reason);
    }

    [Fact]
    public void RefusesInitializerWhoseDataDisagreesWithDims()
    {
        var m = AddModel();
        m.Graph.Initializer[0].Dims[0] = 5;
        Assert.Contains("need 20", Refused(m.ToBytes()).Reason);
    }

    [Fact]
    public void RefusesHugeDeclaredDimsWithoutAllocating()
    {
        var m = new TestModel().Input("x", [-1, 4]).Node("Add", ["x", "b"], ["y"]).Output("y");
        var t = new TensorProto { Name = "b", DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange([1L << 40, 1L << 40]);
        m.Graph.Initializer.Add(t);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Contains("exceeds the limit", Refused(m.ToBytes()).Reason);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20);

        var huge = new TestModel().Input("x", [-1, 1 << 20, 1 << 20]).Node("Relu", ["x"], ["y"]).Output("y");
        Assert.Contains("limit", Refused(huge.ToBytes()).Reason);
    }

    [Fact]
    public void RefusesTruncatedAndCorruptFiles()
    {
        var bytes = AddModel().ToBytes();
        for (int cut = 1; cut < bytes.Length; cut += 7)
        {
            var e = Assert.ThrowsAny<FlowGenException>(() => FlowModel.Load(bytes.AsSpan(0, cut), null, "bad.onnx"));
            Assert.Equal("bad.onnx", e.FilePath);
        }
        var rng = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            var c = (byte[])bytes.Clone();
            c[rng.Next(c.Length)] ^= (byte)(1 << rng.Next(8));
            try { using var m = FlowModel.Load(c, null, "bad.onnx"); }
            catch (FlowGenException e) { Assert.Equal("bad.onnx", e.FilePath); }
        }
        Assert.Throws<OnnxModelException>(() => FlowModel.Load([], null, "bad.onnx"));
        Assert.Throws<OnnxModelException>(() => FlowModel.Load(new byte[] { 0xff, 0xff, 0xff, 0xff, 0x0f }, null, "bad.onnx"));
    }

    [Fact]
    public void MissingFileIsTypedError()
    {
        var e = Assert.ThrowsAny<FlowGenException>(() => FlowModel.Load("/nonexistent/model.onnx"));
        Assert.Equal("/nonexistent/model.onnx", e.FilePath);
    }

    [Fact]
    public void RefusesUnsupportedInputTypeAndSymbolicInnerDims()
    {
        var m = new TestModel().Input("x", [1, 4], TensorProto.Types.DataType.Double).Node("Relu", ["x"], ["y"]).Output("y");
        Assert.Contains("Double", Refused(m.ToBytes()).Reason);
        var s = new TestModel().Input("x", [1, -1]).Node("Relu", ["x"], ["y"]).Output("y");
        Assert.Contains("symbolic", Refused(s.ToBytes()).Reason);
    }

    [Fact]
    public void RefusesMalformedMetadata()
    {
        Assert.Contains("flowgen.scale", Refused(AddModel().Meta("flowgen.scale", "abc").ToBytes()).Reason);
        Assert.Contains("flowgen.shape", Refused(AddModel().Meta("flowgen.shape", "1,-2,3").ToBytes()).Reason);
    }
}
