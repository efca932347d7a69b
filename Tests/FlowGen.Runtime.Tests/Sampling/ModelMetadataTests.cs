// The conditional keys of the model contract: flowgen.context ("coarse") and flowgen.context.factor (2..16) parse
// into ModelMetadata, are null when absent, and a malformed value or one key without the other refuses the model at load.
using FlowGen.Runtime.Tests.Onnx;

namespace FlowGen.Runtime.Tests.Sampling;

public class ModelMetadataTests
{
    private static TestModel Relu() => new TestModel().Input("a", [-1, 3]).Node("Relu", ["a"], ["b"]).Output("b");

    [Fact]
    public void ContextKeysParse()
    {
        using var m = FlowModel.Load(Relu().Meta("flowgen.context", "coarse").Meta("flowgen.context.factor", "8").ToBytes());
        Assert.Equal("coarse", m.Metadata.Context);
        Assert.Equal(8, m.Metadata.ContextFactor);
        using var plain = FlowModel.Load(Relu().ToBytes());
        Assert.Null(plain.Metadata.Context);
        Assert.Null(plain.Metadata.ContextFactor);
    }

    [Theory]
    [InlineData("flowgen.context", "fine")]
    [InlineData("flowgen.context", "")]
    [InlineData("flowgen.context.factor", "1")]
    [InlineData("flowgen.context.factor", "17")]
    [InlineData("flowgen.context.factor", "4.0")]
    [InlineData("flowgen.context.factor", "-4")]
    [InlineData("flowgen.context.factor", " 4")]
    [InlineData("flowgen.context.factor", "four")]
    [InlineData("flowgen.context", "coarse")] // one of the pair without the other
    [InlineData("flowgen.context.factor", "4")]
    public void MalformedContextKeysRefuseTheModel(string key, string value)
    {
        var e = Assert.Throws<OnnxModelException>(() => FlowModel.Load(Relu().Meta(key, value).ToBytes(), null, "bad.onnx"));
        Assert.Equal("bad.onnx", e.FilePath);
        Assert.Contains($"'{key}'", e.Reason);
    }
}
