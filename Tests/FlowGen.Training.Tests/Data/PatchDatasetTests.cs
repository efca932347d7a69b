// The data pipeline against glow_ref.py: sigma, split, the reference's held-out crops (its dequantisation
// noise recovered exactly into [0,1)), augmentation as dihedral permutations (or the flips alone, or none), determinism, bad input.
using FlowGen.Runtime.Formats;
using FlowGen.Training.Data;

namespace FlowGen.Training.Tests.Data;

public class PatchDatasetTests
{
    private static readonly Lazy<PatchDataset> Dem = new(() => DatasetLoader.Load(Fixtures.Data("jacksboro_fault_dem.npz"), 32));

    [Fact]
    public void SigmaAndSplitMatchTheReference()
    {
        var d = Dem.Value;
        Assert.Equal(DataKind.Heightmap, d.Kind);
        Assert.Equal((344, 403), (d.Height, d.Width));
        Assert.Equal(322, d.SplitColumn);
        Assert.Equal(93.68934521017086, d.Sigma, 9); // glow_ref_weights_index.json "sigma_m"
        Assert.Equal((344 - 31) * (322 - 31), d.TrainWindowCount);
        Assert.Equal((344 - 31) * (81 - 31), d.TestWindowCount);
    }

    [Fact]
    public void ReferenceHeldOutCropsDifferOnlyByDequantisationNoise()
    {
        var d = Dem.Value;
        var pos = Fixtures.ReferenceTestPositions();
        var refX = NpyCodec.Read(Fixtures.GlowRef("test_x_first256.npy")).AsSpan<float>().ToArray();
        // With u = 0.5 the noise term vanishes: (ref - mine) * sigma = u_ref - 0.5 must lie in [-0.5, 0.5).
        var raster = RasterFile.Load(Fixtures.Data("jacksboro_fault_dem.npz"));
        double sumU = 0;
        for (int s = 0; s < 256; s++)
        {
            var (r0, c0) = pos[s];
            double mean = 0;
            for (int i = 0; i < 32; i++)
                for (int j = 0; j < 32; j++) mean += raster[c0 + j, r0 + i];
            mean /= 1024;
            for (int i = 0; i < 32; i++)
                for (int j = 0; j < 32; j++)
                {
                    double u = refX[s * 1024 + i * 32 + j] * d.Sigma - (raster[c0 + j, r0 + i] - mean) + 0.5;
                    Assert.InRange(u, -1e-3, 1 + 1e-3);
                    sumU += u;
                }
        }
        Assert.InRange(sumU / (256 * 1024), 0.49, 0.51);
        var mine = d.TestSetAt(pos.Take(4).ToArray(), 1);
        for (int i = 0; i < mine.Length; i++) Assert.InRange((mine[i] - refX[i]) * d.Sigma, -1.0 - 1e-3, 1.0 + 1e-3);
    }

    [Fact]
    public void TrainBatchesAreDeterministicNormalisedAndAugmented()
    {
        var d = Dem.Value;
        var a = new float[64 * 1024];
        var b = new float[64 * 1024];
        d.TrainBatch(new Rng(5), 64, a);
        d.TrainBatch(new Rng(5), 64, b);
        Assert.Equal(a, b);
        d.TrainBatch(new Rng(6), 64, b);
        Assert.NotEqual(a, b);
        for (int s = 0; s < 64; s++)
        {
            double m = a.AsSpan(s * 1024, 1024).ToArray().Average();
            Assert.True(Math.Abs(m) < 0.02 / d.Sigma * 32, $"patch {s} mean {m}"); // only the noise mean remains
        }
        double var = a.Select(v => (double)v * v).Average();
        Assert.InRange(var, 0.05, 5);
    }

    [Fact]
    public void DihedralTransformsPermuteTheCrop()
    {
        // A 4x4 raster with distinct values; 2x2 patches: every augmented train crop is one of the 8 dihedral images.
        var plane = Enumerable.Range(0, 8 * 10).Select(i => (double)(i * 7 % 83)).ToArray();
        var d = new PatchDataset([plane], 8, 10, 2, DataKind.Heightmap);
        var x = new float[200 * 4];
        d.TrainBatch(new Rng(1), 200, x);
        var seen = new HashSet<string>();
        for (int s = 0; s < 200; s++)
        {
            var v = x.AsSpan(s * 4, 4).ToArray().Select(f => Math.Round(f * d.Sigma)).ToArray();
            seen.Add(string.Join(",", v.Select(t => t.ToString())));
        }
        Assert.True(seen.Count > 20);
    }

    [Theory]
    [InlineData(Augmentation.Dihedral, 8, true)]
    [InlineData(Augmentation.Flips, 4, false)]
    [InlineData(Augmentation.None, 1, false)]
    public void AugmentationDrawsItsOwnSymmetries(Augmentation augmentation, int images, bool turns)
    {
        // A 3x10 raster of values 10 i² (distinct, at least 10 apart so the dequantisation noise cannot blur them, and no window a
        // shifted copy of another), 2x2 crops: each crop is found by its values, and its rows tell whether it was turned.
        var plane = Enumerable.Range(0, 3 * 10).Select(i => 10.0 * i * i).ToArray();
        var d = new PatchDataset([plane], 3, 10, 2, DataKind.Heightmap);
        var x = new float[2000 * 4];
        d.TrainBatch(new Rng(3), 2000, x, augmentation: augmentation);
        var imagesOf = new Dictionary<int, HashSet<string>>();
        bool turned = false;
        for (int s = 0; s < 2000; s++)
        {
            var crop = x.AsSpan(s * 4, 4).ToArray();
            var (at, values) = FindWindow(plane, 10, crop, d.Sigma);
            var (r0, c0) = (at / 10, at % 10);
            // Rows of the crop as sets of source values; a turn makes them the window's columns.
            var rows = new[] { new[] { values[0], values[1] }, new[] { values[2], values[3] } }.Select(r => r.Order().ToArray()).ToArray();
            var windowRows = new[] { new[] { plane[r0 * 10 + c0], plane[r0 * 10 + c0 + 1] }, new[] { plane[(r0 + 1) * 10 + c0], plane[(r0 + 1) * 10 + c0 + 1] } }
                .Select(r => r.Order().ToArray()).ToArray();
            bool keepsRows = rows.All(r => windowRows.Any(w => w.SequenceEqual(r)));
            turned |= !keepsRows;
            if (augmentation == Augmentation.None) Assert.Equal([plane[r0 * 10 + c0], plane[r0 * 10 + c0 + 1], plane[(r0 + 1) * 10 + c0], plane[(r0 + 1) * 10 + c0 + 1]], values);
            if (!imagesOf.TryGetValue(at, out var set)) imagesOf[at] = set = [];
            set.Add(string.Join(",", values));
        }
        Assert.Equal(turns, turned);
        Assert.Equal(14, imagesOf.Count); // every train window (2 x 7) drawn
        Assert.All(imagesOf.Values, set => Assert.Equal(images, set.Count));
    }

    // The train window whose values the normalised crop holds, and the crop in source values.
    private static (int At, double[] Values) FindWindow(double[] plane, int width, float[] crop, double sigma)
    {
        for (int at = 0; at + width + 1 < plane.Length; at++)
        {
            if (at % width == width - 1) continue;
            double[] window = [plane[at], plane[at + 1], plane[at + width], plane[at + width + 1]];
            double mean = window.Average();
            var values = crop.Select(v => Math.Round(v * sigma + mean) + 0.0).ToArray(); // + 0.0: no -0
            if (values.Order().SequenceEqual(window.Order())) return (at, values);
        }
        throw new Xunit.Sdk.XunitException("a crop matches no window of the raster");
    }

    [Fact]
    public void HeldOutSetIsFixedAndInsideTheTestSplit()
    {
        var d = Dem.Value;
        var (x1, n1, p1) = d.TestSet(100, 2024);
        var (x2, _, p2) = d.TestSet(100, 2024);
        Assert.Equal(100, n1);
        Assert.Equal(x1, x2);
        Assert.Equal(p1, p2);
        Assert.All(p1, p => Assert.True(p.Col >= d.SplitColumn && p.Col + 32 <= d.Width));
        Assert.Equal(100, p1.Distinct().Count());
    }

    [Fact]
    public void MaxReliefIsTheLargestTrainWindowRangeInModelUnits()
    {
        var rng = new Random(7);
        const int h = 23, w = 30, p = 5;
        var plane = Enumerable.Range(0, h * w).Select(_ => rng.NextDouble() * 100).ToArray();
        plane[10 * w + 3] = 900; // a spike in the train part
        plane[4 * w + 28] = -5000; // a deeper one in the test part (columns >= 24) must not count
        var mask = new bool[h * w];
        mask[20 * w + 20] = true;
        plane[20 * w + 20] = 1e6; // under nodata: never counts
        var d = new PatchDataset([plane], h, w, p, DataKind.Heightmap, mask);
        double best = 0;
        for (int i = 0; i + p <= h; i++)
            for (int j = 0; j + p <= d.SplitColumn; j++)
            {
                var win = Enumerable.Range(0, p * p).Select(k => (i + k / p) * w + j + k % p).ToArray();
                if (win.Any(k => mask[k])) continue;
                best = Math.Max(best, win.Max(k => plane[k]) - win.Min(k => plane[k]));
            }
        Assert.True(best > 800);
        Assert.Equal((best + 1) / d.Sigma, d.MaxRelief, 12);
    }

    [Fact]
    public void NodataWindowsAreSkippedAndBadInputIsTyped()
    {
        var plane = Enumerable.Range(0, 20 * 20).Select(i => (double)(i % 13)).ToArray();
        var mask = new bool[400];
        mask[5 * 20 + 5] = true;
        var d = new PatchDataset([plane], 20, 20, 4, DataKind.Heightmap, mask);
        Assert.Equal(17 * 13 - 16, d.TrainWindowCount); // windows covering (5,5) are excluded
        Assert.Throws<TrainingDataException>(() => new PatchDataset([plane], 20, 20, 32, DataKind.Heightmap));
        var nan = (double[])plane.Clone();
        nan[3] = double.NaN;
        Assert.Throws<TrainingDataException>(() => new PatchDataset([nan], 20, 20, 4, DataKind.Heightmap));
        Assert.Throws<TrainingDataException>(() => new PatchDataset([new double[400]], 20, 20, 4, DataKind.Heightmap));
        using var tmp = new TempDir();
        File.WriteAllBytes(tmp.File("empty.npy"), []);
        var e = Assert.Throws<TrainingDataException>(() => DatasetLoader.Load(tmp.File("empty.npy"), 32));
        Assert.Contains("empty.npy", e.Message);
        Assert.Throws<TrainingDataException>(() => DatasetLoader.Load(tmp.File("missing.npz"), 32));
        File.WriteAllBytes(tmp.File("junk.npz"), [1, 2, 3, 4, 5]);
        Assert.ThrowsAny<FlowGen.Runtime.FlowGenException>(() => DatasetLoader.Load(tmp.File("junk.npz"), 32));
    }

    [Fact]
    public void TexturesLoadAsEightBitChannels()
    {
        var d = DatasetLoader.Load(Fixtures.Data("brick.png"), 32);
        Assert.Equal(DataKind.Texture, d.Kind);
        Assert.True(d.Channels is 1 or 3);
        var x = new float[2 * d.SampleSize];
        d.TrainBatch(new Rng(1), 2, x);
        Assert.All(x, v => Assert.True(float.IsFinite(v)));
    }
}
