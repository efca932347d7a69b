// `flowgen eval [MODEL] --data FILE`: the model's realism against real patches and the baselines,
// as a console table and optionally a self-contained HTML report. Without MODEL it reports the
// real patches and the baselines alone (the yardstick a model has to beat). With --world it measures patches cut
// from MODEL's multi-scale world (with --detail's detail model) instead of the flow's own patches.
using System.CommandLine;
using FlowGen.Training.Evaluation;
using Spectre.Console;

namespace FlowGen.Cli;

internal static class EvalCommand
{
    public static Command Create()
    {
        var model = new Argument<string?>("model") { Arity = ArgumentArity.ZeroOrOne, Description = "model file (.onnx); omit to evaluate the baselines alone" };
        var data = new Option<string>("--data") { Required = true, Description = "real data: a DEM (.npz/.npy/.hgt) for heightmap models, an 8-bit grayscale .png for texture models" };
        var count = new Option<int>("--count") { DefaultValueFactory = _ => 2048, Description = "patches per compared set (floors shrink as it grows)" };
        var temperature = new Option<float?>("--temperature") { Description = "sampling temperature (default: the model's default temperature)" };
        var sweep = new Option<bool>("--sweep") { Description = "also report the statistics at T = 0.6 .. 1.0 and recommend a default temperature" };
        var sweepAt = new Option<string?>("--sweep-temperatures")
        {
            Description = "comma-separated temperatures for the sweep instead of 0.6 .. 1.0, e.g. 0.9,1,1.02,1.04 (implies --sweep)",
        };
        var levelTemps = new Option<string?>("--level-temperatures")
        {
            Description = "comma-separated latent temperatures per flow level, finest first (e.g. 0.9,1.05,1.05), applied under --temperature; what `flowgen export --level-temperatures` would bake in",
        };
        var report = new Option<string?>("--report") { Description = "write a self-contained HTML report here" };
        var patch = new Option<int?>("--patch") { Description = "patch size without a model (default 32); must match the model's if given" };
        var pixel = new Option<double?>("--pixel-size") { Description = "metres per pixel (default: the model's flowgen.pixel_size_m, else 90)" };
        var density = new Option<string?>("--density") { Description = "density graph x -> (z, log_det) (default: MODEL's stem + .density.onnx when present)" };
        var grids = new Option<string?>("--grids") { Description = "also write each source's sample grid (and hillshade) as PNG files into this folder" };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => 2024UL, Description = "seed of every draw" };
        var world = new Option<bool>("--world") { Description = "measure patches cut from MODEL's multi-scale world (what `flowgen world` exports) instead of its own samples" };
        var (levels, gain, detail, overlap) = Commands.WorldOptions.Create();
        var backend = Cli.BackendOption();
        var command = new Command("eval", "Compare a model's samples with real patches and with Gaussian and fBm baselines")
        {
            model, data, count, temperature, sweep, sweepAt, levelTemps, report, patch, pixel, density, seed, grids, world, levels, gain, detail, overlap, backend,
        };
        command.SetAction(pr => Cli.Guard(() => Run(pr.GetValue(model), pr.GetValue(data)!, pr.GetValue(count), pr.GetValue(temperature),
            pr.GetValue(sweep) || pr.GetValue(sweepAt) is not null, pr.GetValue(report), pr.GetValue(patch), pr.GetValue(pixel), pr.GetValue(density), pr.GetValue(seed), pr.GetValue(grids),
            pr.GetValue(world) ? new WorldChoice(pr.GetValue(levels), pr.GetValue(gain), pr.GetValue(detail)!, pr.GetValue(overlap)) : null,
            Temperatures(pr.GetValue(sweepAt), "--sweep-temperatures")?.Select(t => (float)t).ToArray(), Temperatures(pr.GetValue(levelTemps), "--level-temperatures"),
            Cli.ParseBackend(pr.GetValue(backend)!))));
        return command;
    }

    /// <summary>"0.9,1,1.05" given to <paramref name="option"/> as temperatures; null when absent. Each must be finite and in (0, 4].</summary>
    internal static double[]? Temperatures(string? list, string option)
    {
        if (list is null) return null;
        var parts = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new ArgumentException($"{option} needs at least one temperature, e.g. 0.9,1,1.05");
        return parts.Select(p => double.TryParse(p, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double t) && double.IsFinite(t) && t > 0 && t <= 4
            ? t : throw new ArgumentException($"{option}: '{p}' is not a temperature in (0, 4]")).ToArray();
    }

    private sealed record WorldChoice(int Levels, double? Gain, string Detail, int? Overlap);

    private static int Run(string? modelArg, string dataPath, int count, float? temperature, bool sweep, string? reportPath,
        int? patch, double? pixelSize, string? densityPath, ulong seed, string? gridsFolder, WorldChoice? worldChoice = null,
        IReadOnlyList<float>? sweepTemperatures = null, IReadOnlyList<double>? levelTemperatures = null, FlowGen.Runtime.FlowBackend backend = FlowGen.Runtime.FlowBackend.Cpu)
    {
        if (count < 16) throw new ArgumentException("--count must be at least 16");
        if (sweep && modelArg is null) throw new ArgumentException("--sweep needs a model");
        if (worldChoice is not null && modelArg is null) throw new ArgumentException("--world needs a model");
        if (levelTemperatures is not null && (modelArg is null || worldChoice is not null))
            throw new ArgumentException("--level-temperatures applies to a model's own samples (not to --world, nor without a model)");
        var (modelPath, detailPath) = modelArg is null ? (null, null) : worldChoice is null ? (BundledModels.Resolve(modelArg), null)
            : Commands.WorldOptions.Resolve(modelArg, worldChoice.Detail);
        // Loaded once; a detail model on its own is measured on the DEM's real contexts (context + its residual).
        var sampler = modelPath is null ? null : FlowPatchModel.LoadSampler(modelPath, backend);
        using var detailAlone = worldChoice is null && sampler is { IsConditional: true } ? sampler : null;
        if (detailAlone is not null && (levelTemperatures is not null || densityPath is not null))
            throw new ArgumentException("--level-temperatures and --density are for models that draw whole patches; this is a detail model (bake level temperatures in with `flowgen export`)");
        using var model = sampler is null || detailAlone is not null ? null : FlowPatchModel.Load(sampler, modelPath!, densityPath, levelTemperatures, backend);
        using var detail = Commands.WorldOptions.LoadDetail(detailPath, new FlowGen.Runtime.FlowModelOptions { MaxBatch = 64, Backend = backend });
        var kind = DataKinds.Of(dataPath);
        var loaded = detailAlone ?? model?.Sampler;
        if (loaded is not null) DataKinds.CheckMatch(DataKinds.OfModel(loaded.Metadata.Kind, modelPath!), modelPath!, dataPath);
        // A coarse model (trained with --downsample F) is measured against the DEM's F×F block means, as it was trained.
        int downsample = kind == DataKind.Heightmap && (detail ?? loaded) is { } finest
            ? EvaluationOptions.DownsampleFor(finest.Metadata.PixelSizeMetres, DataGrid.Load(dataPath).PixelSizeMetres, dataPath) : 1;
        IPatchModel? candidate = detailAlone is not null ? new DetailPatchModel(detailAlone, dataPath, downsample)
            : worldChoice is null || model is null ? model : new WorldPatchModel(model.Sampler, detail, worldChoice.Levels,
                Commands.WorldOptions.Gain(worldChoice.Gain, detail is not null), worldChoice.Overlap);
        if (loaded is not null)
        {
            if (patch is { } p && p != candidate!.PatchSize)
                throw new EvaluationException($"--patch {p} does not match the model's {candidate.PatchSize}x{candidate.PatchSize} patches", modelPath);
        }

        var options = new EvaluationOptions
        {
            DataPath = dataPath,
            PatchSize = patch ?? 32,
            PixelSizeM = pixelSize ?? (candidate as WorldPatchModel)?.PixelSizeMetres ?? loaded?.Metadata.PixelSizeMetres ?? 90.0,
            Count = count,
            Temperature = temperature ?? loaded?.Metadata.DefaultTemperature ?? 1f,
            Sweep = sweep,
            SweepTemperatures = sweepTemperatures ?? TemperatureSweep.DefaultTemperatures,
            Seed = seed,
            Downsample = downsample,
        };
        Action<string> log = message => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(message)}[/]");
        if (worldChoice is not null && kind != DataKind.Heightmap) throw new ArgumentException("--world measures heightmap worlds; the data is a texture");
        if (kind == DataKind.Heightmap) Report(TerrainEvaluation.Run(options, candidate, log), reportPath, gridsFolder);
        else Report(TextureEvaluation.Run(options, candidate, log), reportPath, gridsFolder);
        return Cli.Ok;
    }

    private static void Report<TSummary>(EvaluationResult<TSummary> result, string? reportPath, string? gridsFolder) where TSummary : ISpectrumSummary
    {
        Print(result);
        if (gridsFolder is not null)
            AnsiConsole.MarkupLine($"grids: [bold]{Markup.Escape(string.Join(", ", HtmlReport.WriteGrids(gridsFolder, result)))}[/]");
        if (reportPath is null) return;
        HtmlReport.Write(reportPath, result);
        AnsiConsole.MarkupLine($"report: [bold]{Markup.Escape(reportPath)}[/]");
    }

    private static void Print<TSummary>(EvaluationResult<TSummary> result) where TSummary : ISpectrumSummary
    {
        var bpd = new Table().Title("held-out bits/dim").AddColumns("source", "bits/dim", Markup.Escape(result.BitsPerQuantumLabel), "note");
        foreach (var row in result.BitsPerDim)
            bpd.AddRow(Markup.Escape(row.Source), row.Value?.ToString("F4") ?? "-", row.BitsPerQuantum?.ToString("F4") ?? "-", Markup.Escape(row.Note ?? ""));
        AnsiConsole.Write(bpd);

        var realism = result.Realism;
        AnsiConsole.Write(DistanceTable("distance to real training patches (lower is better; floor = sampling noise)", realism.Statistics, realism.VersusTrain));
        AnsiConsole.Write(DistanceTable("distance to held-out patches (for information: includes the split's shift)", realism.Statistics, realism.VersusHeldOut));
        AnsiConsole.Write(SpectrumTable(realism.SpectrumRatios()));
        if (realism is RealismReport<TerrainSummary> terrain)
        {
            AnsiConsole.Write(DrainageTable(terrain));
            AnsiConsole.Write(DepressionTable(terrain));
        }
        if (result.Sweep is { } sweep)
        {
            // Statistics down, temperatures across: fits a terminal.
            var t = new Table().Title("temperature sweep: distance to training patches").AddColumn("statistic");
            foreach (var row in sweep.Rows) t.AddColumn($"T = {row.Temperature:0.0##}");
            for (int i = 0; i < realism.Statistics.Count; i++)
                t.AddRow([Markup.Escape(Header(realism.Statistics[i].Name, realism.Statistics[i].Unit)), .. sweep.Rows.Select(r => Format(r.Distances[i] * realism.Statistics[i].DisplayScale))]);
            t.AddRow(["non-finite patches", .. sweep.Rows.Select(r => r.NonFinitePatches.ToString())]);
            t.AddRow(["score (vs Gaussian)", .. sweep.Rows.Select(r => double.IsPositiveInfinity(r.Score) ? "∞" : r.Score.ToString("F3"))]);
            AnsiConsole.Write(t);
            AnsiConsole.MarkupLine($"recommended default temperature: [bold]{sweep.Recommended:0.0##}[/]");
        }
    }

    private static Table DistanceTable<TSummary>(string title, IReadOnlyList<RealismStatistic<TSummary>> statistics, IReadOnlyList<RealismRow> rows)
    {
        var table = new Table().Title(Markup.Escape(title)).AddColumn("statistic");
        foreach (var row in rows) table.AddColumn(Markup.Escape(row.Source));
        for (int i = 0; i < statistics.Count; i++)
            table.AddRow([Markup.Escape(Header(statistics[i].Name, statistics[i].Unit)), .. rows.Select(r => Format(r.Distances[i] * statistics[i].DisplayScale))]);
        if (rows.Any(r => r.NonFinitePatches > 0))
            table.AddRow(["non-finite patches (left out)", .. rows.Select(r => r.NonFinitePatches.ToString())]);
        return table;
    }

    // Power over the training patches' per band, a column per source: the bands down, so it fits a terminal.
    private static Table SpectrumTable((IReadOnlyList<double> Frequencies, IReadOnlyList<(string Source, double[] Ratio)> Rows) ratios)
    {
        var table = new Table().Title("power spectrum over the training patches', per band (1 = real)").AddColumn("wavelength (px)");
        foreach (var (source, _) in ratios.Rows) table.AddColumn(Markup.Escape(source));
        for (int k = 0; k < ratios.Frequencies.Count; k++)
            table.AddRow([(1 / ratios.Frequencies[k]).ToString("F1"), .. ratios.Rows.Select(r => r.Ratio[k].ToString("F3"))]);
        return table;
    }

    // Share of pixels draining at least 8, 32 and 128 pixels, a row per source: how much of the terrain gathers into valleys and channels.
    private static Table DrainageTable(RealismReport<TerrainSummary> report)
    {
        var table = new Table().Title("share of pixels draining at least N pixels (D8, inside each patch)").AddColumn("source");
        foreach (int area in TerrainSummary.ChannelAreas) table.AddColumn($"N = {area}");
        foreach (var (source, summary) in report.PerSource(s => s))
            table.AddRow([Markup.Escape(source), .. TerrainSummary.ChannelAreas.Select(a => summary.DrainageShare(a).ToString("P2"))]);
        return table;
    }

    // Closed depressions (priority-flood from each patch's border) and the drainage once they are filled: whether a source's
    // valleys are missing or there but dammed by basins that hold water.
    private static Table DepressionTable(RealismReport<TerrainSummary> report)
    {
        var table = new Table().Title("closed depressions, and drainage with them filled (priority-flood from each patch's border)").AddColumn("source");
        foreach (double depth in TerrainSummary.DepressionDepths) table.AddColumn($"pixels ≥ {depth:0.#} m deep");
        foreach (int area in TerrainSummary.ChannelAreas.Skip(1)) table.AddColumn($"N = {area}, filled");
        foreach (var (source, summary) in report.PerSource(s => s))
            table.AddRow([Markup.Escape(source), .. TerrainSummary.DepressionDepths.Select(d => summary.DepressionShare(d).ToString("P2")),
                .. TerrainSummary.ChannelAreas.Skip(1).Select(a => summary.FilledDrainageShare(a).ToString("P2"))]);
        return table;
    }

    private static string Header(string name, string unit) => unit.Length == 0 ? name : $"{name} ({unit})";

    private static string Format(double v) => Math.Abs(v) >= 100 ? v.ToString("F0") : Math.Abs(v) >= 0.01 || v == 0 ? v.ToString("F3") : v.ToString("E2");
}
