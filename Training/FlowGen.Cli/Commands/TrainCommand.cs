// `flowgen train --data FILE --out DIR [...]`: trains a flow (defaults = the reference recipe), shows a
// progress bar (loss, held-out bits/dim, samples/s), writes checkpoints, sample grids and, at the end,
// DIR/model.onnx. --resume continues DIR's checkpoint exactly; --json prints one final JSON object.
using System.CommandLine;
using System.Text.Json;
using FlowGen.Training;
using FlowGen.Training.Data;
using FlowGen.Training.Export;
using FlowGen.Training.Flows;
using Spectre.Console;

namespace FlowGen.Cli;

internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = "raster to learn from (NPZ/NPY/PNG/GeoTIFF/HGT; 8-bit PNG = texture)" };
        var output = new Option<string>("--out") { Required = true, Description = "output directory (checkpoint, samples, model.onnx)" };
        var arch = new Option<string>("--arch") { DefaultValueFactory = _ => "glow", Description = "glow | realnvp | nsf" };
        var levels = new Option<int>("--levels") { DefaultValueFactory = _ => 3, Description = "levels L" };
        var k = new Option<int>("--steps-per-level") { DefaultValueFactory = _ => 4, Description = "flow steps per level K" };
        var coarsestSteps = new Option<int>("--coarsest-steps")
        {
            DefaultValueFactory = _ => 0,
            Description = "flow steps at the coarsest level, where a patch's large-scale relief is drawn (0: --steps-per-level); they run on the smallest images, so they cost few FLOPs",
        };
        var hidden = new Option<int>("--hidden") { DefaultValueFactory = _ => 64, Description = "hidden channels of the coupling networks" };
        var bins = new Option<int>("--bins") { DefaultValueFactory = _ => 8, Description = "spline bins (nsf)" };
        var patch = new Option<int>("--patch") { DefaultValueFactory = _ => 32, Description = "patch size P (P x P crops)" };
        var contextFactor = new Option<int>("--context-factor") { DefaultValueFactory = _ => 0, Description = "train a detail model for multi-scale worlds: condition on the terrain's own F-times coarser version, learn the residual (0 = plain model)" };
        var contextMode = new Option<string>("--context-mode")
        {
            DefaultValueFactory = _ => "squeeze",
            Description = "how each level of a detail model sees the context: squeeze (default: with the data, 4^l channels at level l), pool " +
                "(2x2 average, one channel per level: a third fewer FLOPs per sample, measured 0.035 bits/dim and curvature realism worse) or hybrid " +
                "(squeezed at the first level, pooled below it: 4 channels per level, 21 % fewer FLOPs; the bundled terrain-detail)",
        };
        var downsample = new Option<int>("--downsample") { DefaultValueFactory = _ => 1, Description = "train a coarse model for multi-scale worlds on the raster's FxF block means (F times larger pixels; 1 = as it is)" };
        var allPhases = new Option<bool>("--all-phases")
        {
            Description = "with --downsample F: train on the block means of all F² block offsets (F² times the windows of a small coarse raster), not only those from the corner",
        };
        var contextPhase = new Option<int?>("--context-phase")
        {
            Description = "with --context-factor F: train only on windows starting this many pixels past the FxF block grid (0 or F/2), where worlds then lay the " +
                "detail lattice (default: windows at every offset); recorded as flowgen.context.phase",
        };
        var phaseMaps = new Option<int?>("--phase-maps")
        {
            Description = "with --context-factor F: the coupling networks also read where each pixel sits on the FxF block grid (two maps), training on windows at every " +
                "offset; the exported model is the one at this offset (0 or F/2), baked in and recorded as flowgen.context.phase",
        };
        var globalPool = new Option<bool>("--global-pool")
        {
            Description = "coupling networks also see the image-averaged features of their input (patch-wide context, e.g. how rugged the patch is; hidden² parameters a coupling)",
        };
        var splitPrior = new Option<bool>("--split-prior")
        {
            Description = "Glow's learned prior at each split: the channels a level factors out get a mean and scale read from the channels that go on (a 3x3 conv), instead of N(0, 1)",
        };
        var contextGradient = new Option<bool>("--context-gradient")
        {
            Description = "detail models: the coupling networks also read the context's gradient magnitude (real residual roughness grows with the coarse terrain's slope)",
        };
        var augment = new Option<string>("--augment")
        {
            DefaultValueFactory = _ => "dihedral",
            Description = "symmetries train crops are drawn under: dihedral (the 8 quarter turns and mirror images, as the reference), flips (identity, " +
                "left-right, up-down, half turn: keeps a terrain's grain along its axes) or none",
        };
        var depressionWeight = new Option<double?>("--depression-weight")
        {
            Description = "heightmaps: also lower, per metre, the expected depth by which the model's own samples lie in closed depressions below " +
                "their spill level (dams across valleys), by the score-function gradient over --depression-batch draws a step (default 0 = off: " +
                "maximum likelihood only; with --resume: the weight from there on, to fine-tune a trained model)",
        };
        var depressionFree = new Option<double>("--depression-free") { DefaultValueFactory = _ => 1.0, Description = "depth (m) below its spill level a pixel may lie unpenalised" };
        var depressionBatch = new Option<int>("--depression-batch") { DefaultValueFactory = _ => 16, Description = "samples drawn a step for --depression-weight" };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 64, Description = "batch size" };
        var steps = new Option<int?>("--steps") { Description = "optimisation steps (default 2000; with --resume: new total)" };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => 1e-3, Description = "Adam learning rate" };
        var warmup = new Option<int>("--warmup") { DefaultValueFactory = _ => 0, Description = "linear learning-rate warm-up steps" };
        var cosine = new Option<bool>("--cosine") { Description = "cosine learning-rate decay to 2 % at the last step (default: constant)" };
        var cosineFrom = new Option<int?>("--cosine-from") { Description = "step the cosine decay starts at (implies --cosine; with --resume: anneal the rest of a constant-rate run)" };
        var clip = new Option<double>("--clip") { DefaultValueFactory = _ => 0, Description = "gradient-norm clip (0 = off)" };
        var wd = new Option<double>("--weight-decay") { DefaultValueFactory = _ => 0, Description = "AdamW weight decay (0 = Adam)" };
        var ema = new Option<double>("--ema") { DefaultValueFactory = _ => 0, Description = "weight EMA decay, e.g. 0.999 (0 = off)" };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => 0UL, Description = "seed of initialisation and data" };
        var threads = new Option<int?>("--threads") { Description = "worker threads (default 2)" };
        var evalEvery = new Option<int>("--eval-every") { DefaultValueFactory = _ => 500, Description = "held-out evaluation interval (steps)" };
        var sampleEvery = new Option<int>("--sample-every") { DefaultValueFactory = _ => 1000, Description = "sample grid PNG interval (steps, 0 = end only)" };
        var ckptEvery = new Option<int>("--checkpoint-every") { DefaultValueFactory = _ => 250, Description = "checkpoint interval (steps)" };
        var testCount = new Option<int>("--test-count") { DefaultValueFactory = _ => 2048, Description = "held-out crops" };
        var resume = new Option<bool>("--resume") { Description = "continue the run saved in --out" };
        var json = new Option<bool>("--json") { Description = "no progress bar; print a final JSON object" };
        var noExport = new Option<bool>("--no-export") { Description = "do not write model.onnx at the end" };
        var command = new Command("train", "Train a normalizing flow on terrain or texture data")
        {
            data, output, arch, levels, k, coarsestSteps, hidden, bins, patch, contextFactor, contextMode, contextPhase, phaseMaps, downsample, allPhases, globalPool, splitPrior, contextGradient, augment, depressionWeight, depressionFree, depressionBatch, batch, steps, lr, warmup, cosine, cosineFrom, clip, wd, ema, seed, threads,
            evalEvery, sampleEvery, ckptEvery, testCount, resume, json, noExport,
        };
        command.SetAction((pr, ct) => Task.FromResult(Cli.Guard(() =>
        {
            Trainer trainer;
            if (pr.GetValue(resume))
                trainer = Trainer.Resume(pr.GetValue(output)!, pr.GetValue(steps), pr.GetValue(threads), pr.GetValue(cosineFrom), pr.GetValue(depressionWeight));
            else
            {
                var options = new TrainOptions
                {
                    Data = pr.GetValue(data) ?? throw new ArgumentException("--data is required (unless --resume)."),
                    Out = pr.GetValue(output)!,
                    Model = new FlowConfig
                    {
                        Arch = ParseArch(pr.GetValue(arch)!), Levels = pr.GetValue(levels), StepsPerLevel = pr.GetValue(k), CoarsestSteps = pr.GetValue(coarsestSteps),
                        Hidden = pr.GetValue(hidden), Bins = pr.GetValue(bins), Size = pr.GetValue(patch),
                        ContextPool = pr.GetValue(contextMode) switch
                        {
                            "pool" or "hybrid" => true,
                            "squeeze" => false,
                            var m => throw new ArgumentException($"--context-mode must be squeeze, pool or hybrid, not '{m}'"),
                        },
                        ContextSqueezeLevels = pr.GetValue(contextMode) == "hybrid" ? 1 : 0,
                        GlobalPool = pr.GetValue(globalPool),
                        SplitPrior = pr.GetValue(splitPrior),
                        ContextGradient = pr.GetValue(contextGradient),
                    },
                    ContextFactor = pr.GetValue(contextFactor), ContextPhase = pr.GetValue(contextPhase), PhaseMaps = pr.GetValue(phaseMaps), Downsample = pr.GetValue(downsample), AllPhases = pr.GetValue(allPhases), Augment = ParseAugment(pr.GetValue(augment)!), Batch = pr.GetValue(batch), Steps = pr.GetValue(steps) ?? 2000, LearningRate = pr.GetValue(lr),
                    WarmupSteps = pr.GetValue(warmup), CosineDecay = pr.GetValue(cosine) || pr.GetValue(cosineFrom) is not null, CosineFrom = pr.GetValue(cosineFrom) ?? 0, ClipNorm = pr.GetValue(clip), WeightDecay = pr.GetValue(wd),
                    DepressionWeight = pr.GetValue(depressionWeight) ?? 0, DepressionFree = pr.GetValue(depressionFree), DepressionBatch = pr.GetValue(depressionBatch),
                    EmaDecay = pr.GetValue(ema), Seed = pr.GetValue(seed), Threads = pr.GetValue(threads) ?? 2,
                    Command = CommandLine(), EvalEvery = pr.GetValue(evalEvery), SampleEvery = pr.GetValue(sampleEvery),
                    CheckpointEvery = pr.GetValue(ckptEvery), TestCount = pr.GetValue(testCount),
                };
                trainer = Trainer.Create(options);
            }
            var result = pr.GetValue(json) ? trainer.Run(null, ct) : RunWithProgress(trainer, ct);
            string? onnx = null;
            if (!pr.GetValue(noExport))
            {
                onnx = Path.Combine(trainer.Options.Out, "model.onnx");
                FlowExporter.Export(trainer.CheckpointPath, onnx, trainer.Options.Command);
            }
            Report(trainer, result, onnx, pr.GetValue(json));
            return Cli.Ok;
        })));
        return command;
    }

    // `flowgen train ...` as typed (the executable's own path left out), arguments with spaces quoted.
    private static string CommandLine() =>
        "flowgen " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1).Select(a => a.Contains(' ') ? $"\"{a}\"" : a));

    internal static FlowArch ParseArch(string s) => s.ToLowerInvariant() switch
    {
        "glow" => FlowArch.Glow,
        "realnvp" => FlowArch.RealNvp,
        "nsf" => FlowArch.Nsf,
        _ => throw new ArgumentException($"--arch must be glow, realnvp or nsf, not '{s}'."),
    };

    internal static Augmentation ParseAugment(string s) => s.ToLowerInvariant() switch
    {
        "dihedral" => Augmentation.Dihedral,
        "flips" => Augmentation.Flips,
        "none" => Augmentation.None,
        _ => throw new ArgumentException($"--augment must be dihedral, flips or none, not '{s}'."),
    };

    private static TrainResult RunWithProgress(Trainer trainer, CancellationToken ct)
    {
        TrainResult? result = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: trainer.Options.Steps);
                task.Value = trainer.Step;
                result = trainer.Run(p =>
                {
                    task.Value = p.Step;
                    task.Description = $"step {p.Step}/{p.Steps} loss {p.TrainBpd:F3} bpd  test {(p.TestBpd is { } t ? t.ToString("F3") : "-")} bpd  {p.SamplesPerSecond:F0} samples/s" +
                        (p.DepressionMetres is { } dm ? $"  depressions {dm:F3} m" : "");
                }, ct);
            });
        return result!;
    }

    private static void Report(Trainer trainer, TrainResult r, string? onnx, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                steps = r.Steps,
                test_bpd = r.TestBpd,
                test_bits_per_quantum = r.TestBitsPerQuantum,
                samples_per_s = r.SamplesPerSecond,
                median_step_s = r.MedianStepSeconds,
                peak_rss_mb = r.PeakRssBytes / (1024.0 * 1024.0),
                sigma = r.Sigma,
                parameters = trainer.Model.ParameterCount,
                threads = trainer.Options.Threads,
                checkpoint = r.CheckpointPath,
                model = onnx,
                evals = r.Evals,
            }));
            return;
        }
        AnsiConsole.MarkupLine($"[green]done[/]: {r.Steps} steps, held-out {r.TestBpd:F4} bits/dim" +
            (r.TestBitsPerQuantum is { } q ? $" ({q:F4} bits per quantum)" : "") +
            $", median {r.SamplesPerSecond:F0} samples/s, peak RSS {r.PeakRssBytes / (1024 * 1024)} MiB");
        AnsiConsole.MarkupLine($"checkpoint {Markup.Escape(r.CheckpointPath)}" + (onnx is null ? "" : $", model {Markup.Escape(onnx)}"));
    }
}
