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

    private static string Data(string name) => Path.Combine(TestEnvironment.RepoRoot, "data", name);

    [Fact]
    public void Dem_puts_a_real_DEM_under_the_detail_model_mirrored_past_its_edges()
    {
        // The bundled DEM is at the detail model's own 83.5 m: the viewer averages it 4x4 (100x86 pixels of 334 m) and
        // draws the detail on that, so the world's 4x4 block means stay near the DEM's own; past the DEM it goes on mirrored.
        using var fast = TerrainModels.Open(null, fast: true);
        var detail = fast.DetailSampler()!;
        var dem = DemTerrain.Load(Data("jacksboro_fault_dem.npz"), detail);
        Assert.Equal((100, 86), (dem.Width, dem.Height));
        Assert.Equal(334.1, dem.PixelSizeMetres, 1);
        var world = dem.World(detail, 3);
        var heights = new float[64 * 64];
        world.Fill(160, 120, 64, 64, 0, heights, CancellationToken.None);
        var real = FlowGen.Runtime.Formats.RasterFile.Load(Data("jacksboro_fault_dem.npz"));
        double sq = 0;
        for (int i = 0; i < 64 * 64; i++)
        {
            double d = heights[i] - real.Samples[(120 + i / 64) * real.Width + 160 + i % 64];
            sq += d * d;
        }
        Assert.InRange(Math.Sqrt(sq / (64 * 64)), 1, 40); // the DEM's relief (hundreds of metres) with drawn detail on it
        var beyond = new float[32 * 32];
        world.Fill(-2000, 5000, 32, 32, 0, beyond, CancellationToken.None);
        Assert.All(beyond, h => Assert.True(float.IsFinite(h) && h > 0 && h < 2000));

        using var plain = TerrainModels.Open(null, TerrainModels.NoDetail);
        Assert.Contains("detail model", Assert.Throws<FlowGen.Runtime.FlowGenException>(
            () => new FlowGen.Demo.App.DemoWorld(plain, 1, 1f, 1, 1, 1, demPath: Data("jacksboro_fault_dem.npz"))).Message);
        Assert.Contains("georeference", Assert.Throws<FlowGen.Runtime.FlowGenException>(() => DemTerrain.Load(Data("grass.png"), detail)).Message);
        Assert.Equal("x.tif", FlowGen.Demo.App.DemoOptions.Parse(["--dem", "x.tif"]).Dem);
    }
}
