// The bundled worlds against the Gaussian baseline, measured as `flowgen eval terrain-coarse[-fast] --world` measures
// them: 2,048 patches cut from the world of seed 2024 (a fixed draw, so the same numbers every run, bitwise on any
// thread count), distances to real training patches. Both the default world and the fast one (32 hidden channels,
// about half the chunk time) must be closer to real terrain than the Gaussian on every statistic that shows
// non-Gaussian structure; the spectrum rows are left out, as a Gaussian matches the power spectrum by construction.
using FlowGen.Runtime;
using FlowGen.Training.Evaluation;

namespace FlowGen.Training.Tests.Evaluation;

public class BundledWorldRealismTests
{
    [Theory]
    [InlineData("terrain-coarse", "terrain-detail")]
    [InlineData("terrain-coarse-fast", "terrain-detail-fast")]
    public void TheBundledWorldIsCloserToRealTerrainThanTheGaussianBaseline(string coarseName, string detailName)
    {
        using var coarse = FlowModel.Load(RepoFiles.Path("models", coarseName + ".onnx"), new FlowModelOptions { MaxBatch = 64 });
        using var detail = FlowModel.Load(RepoFiles.Path("models", detailName + ".onnx"), new FlowModelOptions { MaxBatch = 64 });
        var world = new WorldPatchModel(coarse, detail, gain: FlowGen.Runtime.Streaming.ConditionalPyramidWorld.DefaultCoarseGain);
        var options = new EvaluationOptions { DataPath = RepoFiles.Dem, PixelSizeM = world.PixelSizeMetres, Temperature = 1f, BitsPerDimCount = 64 };
        var realism = TerrainEvaluation.Run(options, world).Realism;
        var mine = realism.Row(world.Name).Distances;
        var gaussian = realism.Row(TerrainEvaluation.GaussianName).Distances;
        int measured = 0;
        for (int i = 0; i < realism.Statistics.Count; i++)
        {
            string name = realism.Statistics[i].Name;
            if (name.Contains("spectr", StringComparison.Ordinal)) continue;
            Assert.True(mine[i] < gaussian[i], $"{coarseName} under {detailName}: {name} {mine[i]:G4} is not below the Gaussian's {gaussian[i]:G4}");
            measured++;
        }
        Assert.Equal(8, measured); // slope, Laplacian, profile and plan curvature, skewness, hypsometric integral, pit density, drainage area
    }

    [Fact]
    public void TheFastDetailModelRecordsItsPhaseAndDrawCorrelationAndTheDefaultOneNeither()
    {
        // Measured per model (README, "Worlds"): the fast world's crop spectrum came closer with its lattice half a coarse pixel
        // off the grid and the blend told the draw correlation, and its seams inside 5 % with phase maps baked in there; the
        // default world's did not, so it keeps the plain lattice.
        using var fast = FlowModel.Load(RepoFiles.Path("models", "terrain-detail-fast.onnx"));
        Assert.Equal(2, fast.Metadata.ContextPhase);
        Assert.True(fast.Metadata.ContextPhaseBaked);
        Assert.InRange(fast.Metadata.DrawCorrelation, 0.1, 0.4);
        using var plain = FlowModel.Load(RepoFiles.Path("models", "terrain-detail.onnx"));
        Assert.Null(plain.Metadata.ContextPhase);
        Assert.False(plain.Metadata.ContextPhaseBaked);
        Assert.Equal(0, plain.Metadata.DrawCorrelation);
    }
}
