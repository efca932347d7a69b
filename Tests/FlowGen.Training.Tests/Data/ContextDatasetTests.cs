// Detail-model data (--context-factor): the coarse context is the block means upsampled with pixel centres aligned
// (a ramp comes back exactly), context + residual is the real crop (up to dequantisation noise and a constant), the
// dihedral augmentation moves context and residual together, a context phase keeps the windows at that offset from
// the block grid, bad combinations are refused.
using FlowGen.Runtime.Streaming;
using FlowGen.Training.Data;

namespace FlowGen.Training.Tests.Data;

public class ContextDatasetTests
{
    private static readonly Lazy<PatchDataset> Dem = new(() => DatasetLoader.Load(Fixtures.Data("jacksboro_fault_dem.npz"), 32, contextFactor: 4));

    [Fact]
    public void Block_means_upsampled_give_back_a_ramp_away_from_the_edges()
    {
        // Catmull-Rom reproduces linear functions and a block mean of a ramp is its value at the block centre, so any
        // misalignment of half a pixel or more shows as an offset of at least 0.5 * slope.
        const int w = 64, h = 48;
        var plane = new double[h * w];
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) plane[i * w + j] = 3.0 * j - 2.0 * i + 100;
        var context = CatmullRom.BlockContext(plane, w, 0, w, h, 4);
        for (int i = 8; i < h - 8; i++)
            for (int j = 8; j < w - 8; j++)
                Assert.Equal(plane[i * w + j], context[i * w + j], 3);
        // The region form (a column range of a wider raster) reads only that range.
        var right = CatmullRom.BlockContext(plane, w, 32, 32, h, 4);
        Assert.Equal(plane[20 * w + 32 + 12], right[20 * 32 + 12], 3);
    }

    [Fact]
    public void Context_plus_residual_is_the_real_crop()
    {
        var d = Dem.Value;
        Assert.Equal(4, d.ContextFactor);
        Assert.Equal(32 * 32, d.ContextSize);
        var (x, n, positions) = d.TestSet(40, 7);
        var c = d.ContextsAt(positions);
        var raster = FlowGen.Runtime.Formats.RasterFile.Load(Fixtures.Data("jacksboro_fault_dem.npz"));
        double residualVar = 0, cropVar = 0;
        for (int s = 0; s < n; s++)
        {
            var (r0, c0) = positions[s];
            // (x + c)·sigma - crop must be constant over the patch, up to the ±0.5 m dequantisation noise.
            double lo = double.MaxValue, hi = double.MinValue, mean = 0;
            for (int i = 0; i < 32; i++)
                for (int j = 0; j < 32; j++)
                {
                    double v = raster.Samples[(r0 + i) * raster.Width + c0 + j];
                    double diff = (x[s * 1024 + i * 32 + j] + c[s * 1024 + i * 32 + j]) * d.Sigma - v;
                    lo = Math.Min(lo, diff);
                    hi = Math.Max(hi, diff);
                    mean += v / 1024;
                }
            Assert.True(hi - lo <= 1.0 + 1e-3, $"crop {s}: context + residual differs from the crop by {hi - lo} m across the patch");
            for (int i = 0; i < 1024; i++)
            {
                double v = raster.Samples[(r0 + i / 32) * raster.Width + c0 + i % 32] - mean;
                cropVar += v * v;
                residualVar += x[s * 1024 + i] * (double)x[s * 1024 + i] * d.Sigma * d.Sigma;
            }
        }
        // The context carries most of the relief: the residual is the detail.
        Assert.True(residualVar < 0.25 * cropVar, $"residual variance {residualVar / cropVar:P0} of the crops'");
    }

    [Fact]
    public void Augmentation_moves_context_and_residual_together()
    {
        // Augmented samples: the context must be the smooth part of context + residual. Box-smoothing x + c over 4x4
        // must land near c; a context rotated or flipped differently from its residual would not.
        var d = Dem.Value;
        const int n = 64;
        var x = new float[n * 1024];
        var c = new float[n * 1024];
        d.TrainBatch(new Rng(3), n, x, c);
        double err = 0, energy = 0;
        for (int s = 0; s < n; s++)
            for (int bi = 1; bi < 7; bi++)
                for (int bj = 1; bj < 7; bj++)
                {
                    double full = 0, ctx = 0;
                    for (int i = 4 * bi; i < 4 * bi + 4; i++)
                        for (int j = 4 * bj; j < 4 * bj + 4; j++)
                        {
                            full += x[s * 1024 + i * 32 + j] + c[s * 1024 + i * 32 + j];
                            ctx += c[s * 1024 + i * 32 + j];
                        }
                    err += (full - ctx) * (full - ctx) / 256;
                    energy += ctx * ctx / 256;
                }
        Assert.True(err < 0.05 * energy, $"4x4 means of context + residual differ from the context's by {Math.Sqrt(err / energy):P1} of its RMS");
        Assert.Throws<ArgumentException>(() => d.TrainBatch(new Rng(3), 2, new float[2048]));
    }

    [Fact]
    public void A_context_phase_keeps_the_windows_that_far_past_the_block_grid()
    {
        var all = Dem.Value;
        var at = DatasetLoader.Load(Fixtures.Data("jacksboro_fault_dem.npz"), 32, contextFactor: 4, contextPhase: 2);
        Assert.Null(all.ContextPhase);
        Assert.Equal(2, at.ContextPhase);
        Assert.InRange(at.TrainWindowCount, all.TrainWindowCount / 17, all.TrainWindowCount / 15);
        Assert.InRange(at.TestWindowCount, all.TestWindowCount / 17, all.TestWindowCount / 15);
        Assert.Equal(all.Sigma, at.Sigma); // normalised as every window
        var (_, n, positions) = at.TestSet(300, 5);
        Assert.Equal(300, n);
        Assert.All(positions, p =>
        {
            Assert.Equal(2, p.Row % 4);
            Assert.Equal(2, (p.Col - at.SplitColumn) % 4); // the held-out split's blocks start at its first column
        });
    }

    [Fact]
    public void Phase_maps_say_where_each_pixel_sits_on_the_block_grid_and_turn_with_the_crop()
    {
        var d = DatasetLoader.Load(Fixtures.Data("jacksboro_fault_dem.npz"), 32, contextFactor: 4, phaseMaps: true);
        Assert.True(d.PhaseMaps);
        Assert.Equal(3, d.ContextChannels);
        Assert.Equal(3 * 1024, d.ContextSize);
        // Held-out crops (not transformed): the context as without maps, then the maps of the crop's offset from its
        // split's grid (the held-out split's blocks start at its first column).
        var (_, n, positions) = d.TestSet(50, 7);
        var c = d.ContextsAt(positions);
        var plain = Dem.Value.ContextsAt(positions);
        var expected = new float[2 * 1024];
        var offsets = new HashSet<(int, int)>();
        for (int s = 0; s < n; s++)
        {
            var (row, col) = (positions[s].Row % 4, (positions[s].Col - d.SplitColumn) % 4);
            offsets.Add((row, col));
            PhaseMaps.Write(expected, 32, 4, row, col);
            Assert.Equal(plain.AsSpan(s * 1024, 1024).ToArray(), c.AsSpan(s * 3072, 1024).ToArray());
            Assert.Equal(expected, c.AsSpan(s * 3072 + 1024, 2048).ToArray());
        }
        Assert.True(offsets.Count > 8, $"held-out crops at only {offsets.Count} of the 16 offsets");
        // Augmented train crops, turned and flipped: map 0 still varies down the crop's rows only and map 1 along its
        // columns only, each the grid's pattern at some offset (a quarter turn swaps what the source's rows and columns say).
        const int m = 64;
        var x = new float[m * 1024];
        var cc = new float[m * 3072];
        d.TrainBatch(new Rng(3), m, x, cc);
        for (int s = 0; s < m; s++)
        {
            var rows = cc.AsSpan(s * 3072 + 1024, 1024).ToArray();
            var cols = cc.AsSpan(s * 3072 + 2048, 1024).ToArray();
            for (int i = 0; i < 32; i++)
                for (int j = 0; j < 32; j++)
                {
                    Assert.Equal(rows[i * 32], rows[i * 32 + j]);
                    Assert.Equal(cols[j], cols[i * 32 + j]);
                }
            Assert.Contains(Enumerable.Range(0, 4), k => Enumerable.Range(0, 32).All(i => rows[i * 32] == PhaseMaps.Value(k + i, 4)));
            Assert.Contains(Enumerable.Range(0, 4), k => Enumerable.Range(0, 32).All(j => cols[j] == PhaseMaps.Value(k + j, 4)));
        }
        // The maps peak at the block centres, where the upsampled context's knots are, and are symmetric about them.
        Assert.Equal(PhaseMaps.Value(1, 4), PhaseMaps.Value(2, 4));
        Assert.Equal(PhaseMaps.Value(0, 4), PhaseMaps.Value(3, 4));
        Assert.True(PhaseMaps.Value(1, 4) > PhaseMaps.Value(0, 4));
        Assert.Equal(PhaseMaps.Value(-3, 4), PhaseMaps.Value(1, 4));
        Assert.Equal(1f, PhaseMaps.Value(2, 5));
    }

    [Fact]
    public void Phase_maps_need_a_context_and_every_offset()
    {
        Assert.Throws<TrainingDataException>(() => DatasetLoader.Load(Fixtures.Data("jacksboro_fault_dem.npz"), 32, phaseMaps: true));
        Assert.Throws<TrainingDataException>(() => DatasetLoader.Load(Fixtures.Data("jacksboro_fault_dem.npz"), 32, contextFactor: 4, contextPhase: 2, phaseMaps: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => PhaseMaps.Value(0, 0));
        Assert.Throws<ArgumentException>(() => PhaseMaps.Write(new float[100], 8, 4, 0, 0));
    }

    [Theory]
    [InlineData(4, 1)]  // a flip would move it to 3
    [InlineData(4, 4)]
    [InlineData(4, -1)]
    [InlineData(0, 0)]  // no context
    public void Bad_context_phases_are_refused(int factor, int phase) =>
        Assert.Throws<TrainingDataException>(() => DatasetLoader.Load(Fixtures.Data("jacksboro_fault_dem.npz"), 32, contextFactor: factor, contextPhase: phase));

    [Fact]
    public void Bad_context_settings_are_refused()
    {
        Assert.Throws<TrainingDataException>(() => DatasetLoader.Load(Fixtures.Data("brick.png"), 32, contextFactor: 4));
        Assert.Throws<TrainingDataException>(() => DatasetLoader.Load(Fixtures.Data("jacksboro_fault_dem.npz"), 32, contextFactor: 1));
        Assert.Throws<TrainingDataException>(() => DatasetLoader.Load(Fixtures.Data("jacksboro_fault_dem.npz"), 32, contextFactor: 17));
        var plain = DatasetLoader.Load(Fixtures.Data("jacksboro_fault_dem.npz"), 32);
        Assert.Throws<ArgumentException>(() => plain.TrainBatch(new Rng(1), 2, new float[2048], new float[2048]));
    }
}
