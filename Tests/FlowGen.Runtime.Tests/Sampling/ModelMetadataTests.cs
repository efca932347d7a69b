// The conditional keys of the model contract: flowgen.context ("coarse"), flowgen.context.factor (2..16) and
// flowgen.context.phase (0..factor-1) parse into ModelMetadata, are null when absent, and a malformed value or one key without the other refuses the model at load;
// flowgen.context.phase_baked is 1 beside a phase, or refused.
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
        Assert.Null(m.Metadata.ContextPhase);
        using var phased = FlowModel.Load(Relu().Meta("flowgen.context", "coarse").Meta("flowgen.context.factor", "4").Meta("flowgen.context.phase", "2").ToBytes());
        Assert.Equal(2, phased.Metadata.ContextPhase);
        Assert.False(phased.Metadata.ContextPhaseBaked);
        using var baked = FlowModel.Load(Relu().Meta("flowgen.context", "coarse").Meta("flowgen.context.factor", "4").Meta("flowgen.context.phase", "2")
            .Meta(ModelMetadata.ContextPhaseBakedKey, "1").ToBytes());
        Assert.True(baked.Metadata.ContextPhaseBaked);
        using var plain = FlowModel.Load(Relu().ToBytes());
        Assert.Null(plain.Metadata.Context);
        Assert.Null(plain.Metadata.ContextFactor);
    }

    [Theory]
    [InlineData("4")]   // not below the factor
    [InlineData("-1")]
    [InlineData("one")]
    [InlineData(null)]  // a phase without a detail model's context keys
    public void A_malformed_context_phase_refuses_the_model(string? phase)
    {
        var model = phase is null ? Relu().Meta("flowgen.context.phase", "0")
            : Relu().Meta("flowgen.context", "coarse").Meta("flowgen.context.factor", "4").Meta("flowgen.context.phase", phase);
        var e = Assert.Throws<OnnxModelException>(() => FlowModel.Load(model.ToBytes(), null, "bad.onnx"));
        Assert.Equal("bad.onnx", e.FilePath);
        Assert.Contains("'flowgen.context.phase'", e.Reason);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("yes")]
    [InlineData(null)] // baked without a phase to be baked at
    public void A_malformed_baked_phase_refuses_the_model(string? baked)
    {
        var model = Relu().Meta("flowgen.context", "coarse").Meta("flowgen.context.factor", "4");
        model = baked is null ? model.Meta(ModelMetadata.ContextPhaseBakedKey, "1") : model.Meta("flowgen.context.phase", "2").Meta(ModelMetadata.ContextPhaseBakedKey, baked);
        var e = Assert.Throws<OnnxModelException>(() => FlowModel.Load(model.ToBytes(), null, "bad.onnx"));
        Assert.Contains(ModelMetadata.ContextPhaseBakedKey, e.Reason);
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
