using FlowGen.Training.Evaluation;

namespace FlowGen.Training.Tests.Evaluation;

public class RealismReportTests
{
    // Real DEM crops as the reference; a diverging "model" is the same crops with one patch blown up.
    private static readonly Lazy<GridPatchSampler> Sampler = new(() => new GridPatchSampler(DataGrid.Load(RepoFiles.Dem), 32));

    private static RealismReport<TerrainSummary> Report(params PatchSource[] candidates)
    {
        var s = Sampler.Value;
        return RealismReport<TerrainSummary>.Compute(TerrainStatistics.All, p => TerrainSummary.Compute(p, 90),
            s.Crops(GridSplit.Train, 128, 1), s.Crops(GridSplit.Train, 128, 2), s.Crops(GridSplit.HeldOut, 128, 3), candidates);
    }

    [Fact]
    public void IdenticalSetIsAtDistanceZeroAndNonFinitePatchesAreLeftOutAndCounted()
    {
        var train = Sampler.Value.Crops(GridSplit.Train, 128, 1);
        var broken = train.Data.ToArray();
        broken[5 * 1024 + 17] = float.PositiveInfinity;
        broken[9 * 1024] = float.NaN;
        var report = Report(new PatchSource("same", train), new PatchSource("broken", new PatchSet(broken, 128, 32, 32)));
        Assert.All(report.Row("same").Distances, d => Assert.Equal(0.0, d, 12));
        Assert.Equal(0, report.Row("same").NonFinitePatches);
        Assert.Equal(2, report.Row("broken").NonFinitePatches);
        Assert.All(report.Row("broken").Distances, d => Assert.True(double.IsFinite(d)));
    }

    [Fact]
    public void SweepNeverRecommendsATemperatureWithNonFiniteSamples()
    {
        var s = Sampler.Value;
        var gaussian = GaussianBaseline.FitDem(s);
        var report = Report(new PatchSource(TerrainEvaluation.GaussianName, gaussian.Sample(128, 4).Affine(s.Sigma, 0)));
        // The Gaussian at T, except that at T = 1 (its best) one sample diverges.
        var sweep = TemperatureSweep.Run(report, t =>
        {
            var data = gaussian.Sample(128, 5, t).Affine(s.Sigma, 0).Data.ToArray();
            if (t == 1.0f) data[100] = float.NaN;
            return new PatchSet(data, 128, 32, 32);
        }, [0.8f, 0.9f, 1.0f], TerrainEvaluation.GaussianName);
        Assert.Equal(1, sweep.Rows[^1].NonFinitePatches);
        Assert.True(double.IsPositiveInfinity(sweep.Rows[^1].Score));
        Assert.Equal(0.9f, sweep.Recommended);
    }
}
