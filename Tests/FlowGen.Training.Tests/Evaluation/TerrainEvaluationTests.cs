using System.Diagnostics;
using System.Text.RegularExpressions;
using FlowGen.Training.Evaluation;

namespace FlowGen.Training.Tests.Evaluation;

/// <summary>End to end on the bundled DEM with small draws (fast), the Gaussian standing in as the model.</summary>
public class TerrainEvaluationTests
{
    private static readonly Lazy<(EvaluationResult<TerrainSummary> Result, GaussianBaseline Gaussian, double Sigma)> Evaluated = new(() =>
    {
        var sampler = new GridPatchSampler(DataGrid.Load(RepoFiles.Dem), 32);
        var gaussian = GaussianBaseline.FitDem(sampler);
        var options = new EvaluationOptions { DataPath = RepoFiles.Dem, Count = 256, BitsPerDimCount = 256, Sweep = true };
        return (TerrainEvaluation.Run(options, new GaussianPatchModel(gaussian, sampler.Sigma)), gaussian, sampler.Sigma);
    });

    [Fact]
    public void ModelPathBitsPerDimEqualsTheBaselineForTheSameDensity()
    {
        var (result, _, sigma) = Evaluated.Value;
        var model = result.BitsPerDim.Single(r => r.Source == "Gaussian as model");
        var baseline = result.BitsPerDim.Single(r => r.Source == TerrainEvaluation.GaussianName);
        Assert.NotNull(model.Value);
        Assert.Equal(baseline.Value!.Value, model.Value!.Value, 9);
        Assert.Equal(model.Value.Value + Math.Log2(sigma), model.BitsPerQuantum!.Value, 9);
        Assert.Null(result.BitsPerDim.Single(r => r.Source == TerrainEvaluation.FractalNoiseName).Value);
    }

    [Fact]
    public void ReportHasFloorHeldOutAndEveryCandidateForEveryStatistic()
    {
        var report = Evaluated.Value.Result.Realism;
        Assert.Equal([RealismRows.FloorName, RealismRows.HeldOutName, "Gaussian as model", TerrainEvaluation.GaussianName, TerrainEvaluation.FractalNoiseName],
            report.VersusTrain.Select(r => r.Source));
        Assert.All(report.VersusTrain, r => Assert.Equal(TerrainStatistics.All.Count, r.Distances.Count));
        Assert.All(report.VersusTrain.SelectMany(r => r.Distances), d => Assert.True(d >= 0 && double.IsFinite(d)));
        // Two draws of the same training split are closer than the held-out region is to them (a real shift)
        // and closer than fBm, whose slopes are far off (it matches the spectrum, not the slope distribution).
        int slope = 0;
        Assert.True(report.Row(RealismRows.FloorName).Distances[slope] < report.Row(RealismRows.HeldOutName).Distances[slope]);
        Assert.True(report.Row(RealismRows.FloorName).Distances[slope] < report.Row(TerrainEvaluation.FractalNoiseName).Distances[slope]);
    }

    [Fact]
    public void SweepOfTheGaussianRecommendsItsOwnTemperature()
    {
        // The Gaussian's samples at T < 1 are flatter than the data it was fitted to: the sweep must see it.
        var sweep = Evaluated.Value.Result.Sweep!;
        Assert.Equal(TemperatureSweep.DefaultTemperatures, sweep.Rows.Select(r => r.Temperature));
        Assert.Equal(1.0f, sweep.Recommended);
        Assert.True(sweep.Rows[0].Distances[0] > sweep.Rows[^1].Distances[0]);
    }

    [Fact]
    public void SpectrumRatiosPerBandShowWhereASourceMissesPower()
    {
        // The Gaussian (as model and as baseline) matches the training spectrum by construction, and the second training
        // draw is real: both near 1 in every band; fBm, a power law, misses the DEM's bands by far.
        var (frequencies, rows) = Evaluated.Value.Result.Realism.SpectrumRatios();
        Assert.Equal(8, frequencies.Count);
        Assert.Equal([RealismRows.FloorName, RealismRows.HeldOutName, "Gaussian as model", TerrainEvaluation.GaussianName, TerrainEvaluation.FractalNoiseName],
            rows.Select(r => r.Source));
        foreach (var name in new[] { RealismRows.FloorName, "Gaussian as model", TerrainEvaluation.GaussianName })
            Assert.All(rows.Single(r => r.Source == name).Ratio, v => Assert.InRange(v, 0.8, 1.25));
        Assert.Contains(rows.Single(r => r.Source == TerrainEvaluation.FractalNoiseName).Ratio, v => v < 0.5 || v > 2);
        Assert.Contains("id=\"spectrum-bands\"", HtmlReport.Render(Evaluated.Value.Result));
    }

    [Fact]
    public void DrainageSharesShowTheDemsChannelsAgainstTheGaussians()
    {
        // Real terrain gathers water into channels: about 1 % of the training patches' pixels drain 128 pixels or more,
        // several times the Gaussian's share; the floor's second draw of training patches agrees with the first.
        var shares = Evaluated.Value.Result.Realism.PerSource(s => s);
        Assert.Equal("train", shares[0].Source);
        var train = shares[0].Value;
        var floor = shares.Single(x => x.Source == RealismRows.FloorName).Value;
        var gaussian = shares.Single(x => x.Source == TerrainEvaluation.GaussianName).Value;
        Assert.InRange(train.DrainageShare(128), 0.005, 0.02);
        Assert.InRange(floor.DrainageShare(128) / train.DrainageShare(128), 0.8, 1.25);
        Assert.True(train.DrainageShare(128) > 2 * gaussian.DrainageShare(128), $"train {train.DrainageShare(128)}, Gaussian {gaussian.DrainageShare(128)}");
        Assert.True(train.DrainageShare(8) > train.DrainageShare(32) && train.DrainageShare(32) > train.DrainageShare(128));
        Assert.Throws<ArgumentOutOfRangeException>(() => train.DrainageShare(100));
        Assert.Throws<ArgumentOutOfRangeException>(() => train.DrainageShare(256));
        // Filling the closed depressions only ever joins basins: more pixels drain a channel-sized area, and the DEM's own
        // depressions 1 m deep or more are a few percent of its pixels.
        Assert.True(train.FilledDrainageShare(128) > train.DrainageShare(128), $"filled {train.FilledDrainageShare(128)}, raw {train.DrainageShare(128)}");
        Assert.InRange(train.DepressionShare(1), 0.002, 0.1);
        Assert.True(train.DepressionShare(1) > train.DepressionShare(5));
        var html = HtmlReport.Render(Evaluated.Value.Result);
        Assert.Contains("id=\"drainage-shares\"", html);
        Assert.Contains("id=\"depressions\"", html);
    }

    [Fact]
    public void TextureModelOnADemAndMismatchedInputsAreTypedErrors()
    {
        var e = Assert.Throws<EvaluationException>(() => DataKinds.CheckMatch(DataKind.Texture, "grass.onnx", RepoFiles.Dem));
        Assert.Contains("texture model", e.Message);
        Assert.Contains("grass.onnx", e.Message);
        Assert.Throws<EvaluationException>(() => DataKinds.CheckMatch(DataKind.Heightmap, "terrain.onnx", RepoFiles.Path("data", "grass.png")));
        Assert.Throws<EvaluationException>(() => DataKinds.OfModel(null, "m.onnx"));
        Assert.Throws<EvaluationException>(() => DataKinds.Of("dem.xyz"));
        // A patch size the DEM cannot hold in its held-out split (81 columns).
        var big = Assert.Throws<EvaluationException>(() => TerrainEvaluation.Run(new EvaluationOptions { DataPath = RepoFiles.Dem, PatchSize = 96 }));
        Assert.Contains("too small", big.Message);
    }

    [ChromiumFact]
    public void ReportRendersInHeadlessChromium()
    {
        var dir = Directory.CreateTempSubdirectory("flowgen-report-");
        try
        {
            string path = Path.Combine(dir.FullName, "report.html");
            HtmlReport.Write(path, Evaluated.Value.Result);
            Assert.False(Directory.EnumerateFiles(dir.FullName, "*.tmp").Any());
            string dom = RunChromium(dir.FullName, "--dump-dom", "--virtual-time-budget=5000", new Uri(path).AbsoluteUri);
            // Charts: one histogram per distributional statistic plus the spectrum, each with a polyline per source.
            int charts = Regex.Matches(dom, "<svg[^>]*class=\"chart\"").Count;
            Assert.Equal(TerrainStatistics.All.Count(s => s.Samples is not null) + 1, charts);
            Assert.True(Regex.Matches(dom, "<polyline").Count >= charts * 5);
            // Grids: elevation + hillshade for train, held-out, model, Gaussian, fBm; all decoded by the browser.
            Assert.Equal(10, Regex.Matches(dom, "<img ").Count);
            Assert.Contains("data-images-decoded=\"10\"", dom);
            Assert.Contains("Temperature sweep", dom);

            string shot = Path.Combine(dir.FullName, "shot.png");
            RunChromium(dir.FullName, $"--screenshot={shot}", "--window-size=1200,900", new Uri(path).AbsoluteUri);
            var image = FlowGen.Runtime.Formats.PngCodec.Read(shot);
            // 8-bit samples 0..255: a rendered page has text, tables and grids, so many distinct levels.
            Assert.True(image.Samples.Distinct().Count() > 32, "screenshot is blank");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string RunChromium(string workDir, params string[] args)
    {
        var psi = new ProcessStartInfo(ChromiumFactAttribute.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workDir,
        };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                     "--user-data-dir=" + Path.Combine(workDir, "profile") }.Concat(args))
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("chromium did not finish in 60 s");
        }
        Assert.True(p.ExitCode == 0, $"chromium exited {p.ExitCode}: {stderr.Result}");
        return stdout;
    }
}

/// <summary>A fact that skips, naming the reason, when headless Chromium is not installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Path = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(Path)) Skip = $"headless Chromium not found at {Path}";
    }
}
