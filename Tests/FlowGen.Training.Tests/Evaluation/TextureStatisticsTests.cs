using FlowGen.Training.Evaluation;

namespace FlowGen.Training.Tests.Evaluation;

public class TextureStatisticsTests
{
    [Fact]
    public void GlcmOfKnownPatches()
    {
        // Constant: everything co-occurs with itself.
        var flat = Enumerable.Repeat(0.4f, 64).ToArray();
        var (c, h, e, r) = TextureSummary.Glcm(flat, 8, 8);
        Assert.Equal((0.0, 1.0, 1.0, 1.0), (c, h, e, r));

        // Checkerboard of levels 0 and 15: every right/down neighbour differs by 15.
        var checker = Enumerable.Range(0, 64).Select(i => (i / 8 + i % 8) % 2 == 0 ? 0f : 0.999f).ToArray();
        (c, h, e, r) = TextureSummary.Glcm(checker, 8, 8);
        Assert.Equal(225.0, c, 9);
        Assert.Equal(1.0 / 226, h, 9);
        Assert.Equal(Math.Sqrt(0.5), e, 9);
        Assert.Equal(-1.0, r, 9);

        // Vertical stripes two pixels wide: right neighbours differ half the time, down neighbours never.
        var stripes = Enumerable.Range(0, 64).Select(i => i % 8 / 2 % 2 == 0 ? 0f : 0.999f).ToArray();
        (c, _, _, _) = TextureSummary.Glcm(stripes, 8, 8);
        // Pairs: 56 right (24 differ), 56 down (0 differ): contrast = 225 * 24 / 112.
        Assert.Equal(225.0 * 24 / 112, c, 9);
    }

    [Fact]
    public void HistogramDistanceIsTotalVariation()
    {
        Assert.Equal(1.0, TextureSummary.HistogramDistance([1, 0, 0], [0, 0.5, 0.5]), 12);
        Assert.Equal(0.25, TextureSummary.HistogramDistance([0.5, 0.5, 0], [0.25, 0.5, 0.25]), 12);
        var a = new PatchSet(Enumerable.Range(0, 64).Select(i => i / 64f).ToArray(), 1, 8, 8);
        var s = TextureSummary.Compute(a);
        Assert.All(s.Histogram, v => Assert.Equal(1.0 / 64, v, 12));
    }

    [Fact]
    public void TextureEvaluationOnBundledGrass()
    {
        var options = new EvaluationOptions { DataPath = RepoFiles.Path("data", "grass.png"), PatchSize = 16, Count = 300, BitsPerDimCount = 128 };
        var result = TextureEvaluation.Run(options);
        var gaussian = result.BitsPerDim.Single(r => r.Source == TerrainEvaluation.GaussianName);
        // A Gaussian over 8-bit photographs: a few bits per level, well under the 8 of a uniform model.
        Assert.InRange(gaussian.BitsPerQuantum!.Value, 3.0, 8.0);
        Assert.Equal(gaussian.Value!.Value + 8, gaussian.BitsPerQuantum.Value, 12);
        Assert.Equal(TextureStatistics.All.Count, result.Realism.VersusTrain[0].Distances.Count);
        Assert.Null(result.PixelSizeM);
        // Rendering works for textures too: one grid per set (train, held-out, Gaussian, fBm), no hillshade.
        Assert.Equal(4, System.Text.RegularExpressions.Regex.Matches(HtmlReport.Render(result), "<img ").Count);
    }

    [Fact]
    public void NonTextureDataIsRefused()
    {
        // The DEM holds metres up to 1076: not 8-bit levels.
        var e = Assert.Throws<EvaluationException>(() => TextureEvaluation.Run(new EvaluationOptions { DataPath = RepoFiles.Dem, Count = 16 }));
        Assert.Contains("8-bit", e.Message);
    }
}
