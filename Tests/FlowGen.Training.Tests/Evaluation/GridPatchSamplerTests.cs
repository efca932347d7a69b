using FlowGen.Training.Evaluation;

namespace FlowGen.Training.Tests.Evaluation;

public class GridPatchSamplerTests
{
    [Fact]
    public void BundledDemHasTheReferenceSplitAndSigma()
    {
        var dem = DataGrid.Load(RepoFiles.Dem);
        Assert.Equal((344, 403), (dem.Rows, dem.Columns));
        Assert.Equal(236f, dem.Values.Min());
        Assert.Equal(1076f, dem.Values.Max());
        var sampler = new GridPatchSampler(dem, 32);
        Assert.Equal(322, sampler.SplitColumn);
        // glow_ref.py's sigma_m for this DEM (Tests/Fixtures/glow_ref metadata: 93.68934521017086).
        Assert.Equal(93.68934521017086, sampler.Sigma, 8);
    }

    [Fact]
    public void WindowRmsEqualsBruteForce()
    {
        const int rows = 9, cols = 11, p = 3;
        var z = Enumerable.Range(0, rows * cols).Select(i => (float)(i % 5 * 2.5 + Math.Sqrt(i))).ToArray();
        double total = 0;
        int n = 0;
        for (int r = 0; r + p <= rows; r++)
            for (int c = 2; c + p <= 2 + 7; c++, n++)
            {
                var w = Enumerable.Range(0, p * p).Select(k => (double)z[(r + k / p) * cols + c + k % p]).ToArray();
                double m = w.Average();
                total += w.Average(v => (v - m) * (v - m));
            }
        Assert.Equal(Math.Sqrt(total / n), GridPatchSampler.WindowRms(z, rows, cols, 2, 7, p), 10);
    }

    [Fact]
    public void CropsStayInsideTheirSplitAndAreDeterministic()
    {
        // Columns encode their index: train crops only show columns < split, held-out ones >= split.
        const int rows = 40, cols = 60, p = 8;
        var z = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) z[r * cols + c] = c * 1000 + r;
        var sampler = new GridPatchSampler(new DataGrid(z, rows, cols, "synthetic"), p);
        var train = sampler.Crops(GridSplit.Train, 50, 1);
        var held = sampler.Crops(GridSplit.HeldOut, 50, 1);
        Assert.All(train.Data.ToArray(), v => Assert.True(Math.Round(v / 1000.0) < sampler.SplitColumn));
        Assert.All(held.Data.ToArray(), v => Assert.True(Math.Round(v / 1000.0) >= sampler.SplitColumn));
        Assert.Equal(train.Data.ToArray(), sampler.Crops(GridSplit.Train, 50, 1).Data.ToArray());
        Assert.NotEqual(train.Data.ToArray(), sampler.Crops(GridSplit.Train, 50, 2).Data.ToArray());
        // Dequantisation noise is within half a metre.
        Assert.All(held.Data.ToArray(), v => Assert.InRange(v - Math.Round(v / 1000.0) * 1000 - Math.Round(v - Math.Round(v / 1000.0) * 1000), -0.5, 0.5));
        // Model units: zero mean per patch, scaled by sigma.
        var x = sampler.ToModelUnits(held);
        Assert.Equal(0.0, x.Patch(3).ToArray().Average(v => (double)v), 4);
    }

    [Fact]
    public void DataTooSmallOrUnreadableIsATypedError()
    {
        var small = new DataGrid(new float[40 * 30], 40, 30, "small.npy");
        var e = Assert.Throws<EvaluationException>(() => new GridPatchSampler(small, 32));
        Assert.Contains("small.npy", e.Message);
        Assert.Contains("too small", e.Message);

        var path = Path.Combine(Path.GetTempPath(), $"flowgen-eval-{Guid.NewGuid():N}.npz");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5]);
        try
        {
            var bad = Assert.ThrowsAny<FlowGen.Runtime.FlowGenException>(() => DataGrid.Load(path));
            Assert.Contains(path, bad.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
