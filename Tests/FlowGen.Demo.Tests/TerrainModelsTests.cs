// Which model the viewer opens by default: the bundled trained-scales pair (the default world of `flowgen world`),
// the self-affine world of models/terrain.onnx with --detail none, and --model alone with no detail model.
using FlowGen.Demo.Terrain;

namespace FlowGen.Demo.Tests;

public class TerrainModelsTests
{
    [Fact]
    public void With_no_model_the_viewer_opens_the_bundled_coarse_model_under_the_detail_model()
    {
        using var pair = TerrainModels.Open(null);
        Assert.Contains("terrain-coarse.onnx", pair.Name);
        Assert.Contains("terrain-detail.onnx", pair.Name);
        Assert.NotNull(pair.DetailSampler());
        Assert.Equal(32, pair.PatchSize); // the detail model's patches and pixels
        Assert.Equal(83.5, pair.PixelSizeMetres, 1);

        using var plain = TerrainModels.Open(null, TerrainModels.NoDetail);
        Assert.EndsWith("terrain.onnx", plain.Name);
        Assert.Null(plain.DetailSampler());

        using var fixture = TerrainModels.Open(HeadlessRenderTests.FixtureModel);
        Assert.Null(fixture.DetailSampler());
    }

    [Fact]
    public void Fast_opens_the_bundled_fast_pair()
    {
        using var fast = TerrainModels.Open(null, fast: true);
        Assert.Contains("terrain-coarse-fast.onnx", fast.Name);
        Assert.Contains("terrain-detail-fast.onnx", fast.Name);
        Assert.NotNull(fast.DetailSampler());
        Assert.Equal(32, fast.PatchSize);
        Assert.Throws<FlowGen.Runtime.FlowGenException>(() => TerrainModels.Open(HeadlessRenderTests.FixtureModel, fast: true));
    }
}
