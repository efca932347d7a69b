// RealPatchSampler: patches are the DEM's own training windows (mean removed, under a dihedral symmetry), a pure function
// of the seed and the index, and a lattice world can be built on them.
using FlowGen.Runtime.Streaming;
using FlowGen.Training.Evaluation;

namespace FlowGen.Training.Tests.Evaluation;

public class RealPatchSamplerTests
{
    [Fact]
    public void PatchesAreMeanRemovedTrainingWindowsDrawnByIndex()
    {
        // A 12x20 grid of values i² (no window a shifted copy of another), 4x4 patches.
        const int rows = 12, columns = 20, p = 4;
        var values = Enumerable.Range(0, rows * columns).Select(i => (float)i * i).ToArray();
        var sampler = new RealPatchSampler(new GridPatchSampler(new DataGrid(values, rows, columns, "grid"), p), 334.0);
        Assert.Equal(p, sampler.PatchSize);
        Assert.Equal(334.0, sampler.PixelSizeMetres);
        var a = new float[40 * p * p];
        sampler.Sample(a, 9, -20, 40);
        var b = new float[40 * p * p];
        sampler.Sample(b.AsSpan(0, 10 * p * p), 9, -20, 10);
        sampler.Sample(b.AsSpan(10 * p * p), 9, -10, 30);
        Assert.Equal(a, b); // patch i depends on (seed, i) only, not on the batch it is drawn in
        sampler.Sample(b, 10, -20, 40);
        Assert.NotEqual(a, b);

        int split = (int)(columns * 0.8);
        var seen = new HashSet<(int, int)>();
        for (int n = 0; n < 40; n++)
        {
            var patch = a.AsSpan(n * p * p, p * p).ToArray();
            Assert.Equal(0, patch.Average(), 1e-2);
            // Find its window: the sorted mean-removed values of exactly one training window.
            var sorted = patch.Order().ToArray();
            var matches = new List<(int, int)>();
            for (int r = 0; r + p <= rows; r++)
                for (int c = 0; c + p <= split; c++)
                {
                    var w = new float[p * p];
                    for (int y = 0; y < p; y++) Array.Copy(values, (r + y) * columns + c, w, y * p, p);
                    float mean = w.Average();
                    if (w.Select(v => v - mean).Order().Zip(sorted).All(t => Math.Abs(t.First - t.Second) < 1e-2)) matches.Add((r, c));
                }
            Assert.Single(matches);
            seen.Add(matches[0]);
        }
        Assert.True(seen.Count > 20, $"{seen.Count} distinct windows in 40 draws");
    }

    [Fact]
    public void ALatticeWorldOfRealWindowsKeepsTheirRelief()
    {
        var dem = DataGrid.Load(RepoFiles.Dem).BlockMeans(4);
        var sampler = new RealPatchSampler(new GridPatchSampler(dem, 16), 334.1);
        var map = new float[128 * 128];
        new LatticeWorld(sampler, 1).Fill(0, 0, 128, 128, 0, map, CancellationToken.None);
        // Variance-preserving blending: the world's pixel variance is the windows' mean variance (zero-mean windows).
        var windows = new float[400 * 256];
        sampler.Sample(windows, 5, 0, 400);
        double worldVar = map.Select(v => (double)v * v).Average() - Math.Pow(map.Average(), 2);
        double windowVar = windows.Select(v => (double)v * v).Average();
        Assert.InRange(worldVar / windowVar, 0.7, 1.4);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RealPatchSampler(new GridPatchSampler(dem, 16), 0));
    }
}
