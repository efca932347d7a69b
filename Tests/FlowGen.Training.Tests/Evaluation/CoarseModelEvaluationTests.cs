// A coarse model (trained with --downsample F) is evaluated against the DEM's F×F block means, the data it was fitted
// to: evaluation reads the factor from the model's and the data's pixel sizes. Compared with the full-resolution DEM
// instead, the bundled coarse model's held-out bits/dim came out at -1.70 where its trainer measured -0.45.
using FlowGen.Training.Evaluation;

namespace FlowGen.Training.Tests.Evaluation;

public class CoarseModelEvaluationTests
{
    [Fact]
    public void TheFactorComesFromThePixelSizes()
    {
        Assert.Equal(4, EvaluationOptions.DownsampleFor(334.096, 83.524, "dem.npz"));
        Assert.Equal(1, EvaluationOptions.DownsampleFor(83.6, 83.524, "dem.npz"));
        Assert.Equal(1, EvaluationOptions.DownsampleFor(90, 83.524, "dem.npz")); // the reference recipe's nominal 90 m
        Assert.Equal(2, EvaluationOptions.DownsampleFor(180.0, 90.0, "dem.npz"));
        Assert.Equal(1, EvaluationOptions.DownsampleFor(null, 83.524, "dem.npz"));
        Assert.Equal(1, EvaluationOptions.DownsampleFor(334.0, null, "dem.npz"));
        foreach (double model in new[] { 200.0, 40.0, 83.524 * 17 })
        {
            var e = Assert.Throws<EvaluationException>(() => EvaluationOptions.DownsampleFor(model, 83.524, "dem.npz"));
            Assert.Contains("dem.npz", e.Message);
            Assert.Contains("not the data's", e.Message);
        }
    }

    [Fact]
    public void BlockMeansAverageWholeBlocksFromTheTopLeft()
    {
        // 5 rows x 7 columns, value = 10·row + column; blocks of 2: the last row and column are dropped.
        var values = new float[35];
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 7; j++) values[i * 7 + j] = 10 * i + j;
        var grid = new DataGrid(values, 5, 7, "grid.npy", pixelSizeMetres: 30).BlockMeans(2);
        Assert.Equal((2, 3), (grid.Rows, grid.Columns));
        Assert.Equal(60, grid.PixelSizeMetres);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++) Assert.Equal(10 * (2 * i + 0.5) + 2 * j + 0.5, grid.Values[i * 3 + j], 5);
        Assert.Throws<EvaluationException>(() => new DataGrid(values, 5, 7, "grid.npy").BlockMeans(6));
    }

    [Fact]
    public void TheBundledCoarseModelIsMeasuredOnTheBlockMeansItWasTrainedOn()
    {
        using var model = FlowPatchModel.Load(RepoFiles.Path("models", "terrain-coarse-fast.onnx"));
        var dem = DataGrid.Load(RepoFiles.Dem);
        int factor = EvaluationOptions.DownsampleFor(model.Sampler.Metadata.PixelSizeMetres, dem.PixelSizeMetres, RepoFiles.Dem);
        Assert.Equal(4, factor);
        var options = new EvaluationOptions
        {
            DataPath = RepoFiles.Dem, PixelSizeM = model.Sampler.Metadata.PixelSizeMetres!.Value, Count = 256, BitsPerDimCount = 1024, Downsample = factor,
        };
        var result = TerrainEvaluation.Run(options, model);
        Assert.Contains("86x100 px (4x4 block means)", result.Description);
        // The held-out windows of the block means are the trainer's held-out set: the same bits/dim as it recorded.
        double bpd = result.BitsPerDim.Single(r => r.Source == model.Name).Value!.Value;
        Assert.Equal(model.RecordedBitsPerDim!.Value, bpd, 0.03);
    }
}
