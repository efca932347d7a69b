// `flowgen generate [MODEL] [--count N] [--seed S] [--format png|npy|r16|exr] [--out DIR] [--shard i/n]`: draws
// samples FIRST..FIRST+N-1 of seed S and writes one file per sample (sample_<index>.<ext>), each atomically, plus
// a preview grid (hillshaded heightmaps, or the texture patches) as preview.png, with a progress bar on stderr.
// Sample i is the same whatever --batch, --threads or --shard, so runs can be split across machines.
// MODEL is a path or the name of a bundled model (terrain, grass, gravel, brick); `flowgen` with no arguments
// runs this with the bundled terrain model (the README's main job).
using System.CommandLine;
using System.Globalization;
using FlowGen.Runtime;
using FlowGen.Runtime.Formats;
using FlowGen.Training.Evaluation;
using Spectre.Console;

namespace FlowGen.Cli.Commands;

/// <summary>Everything one `flowgen generate` run needs.</summary>
internal sealed record GenerateJob
{
    public string Model { get; init; } = BundledModels.DefaultName;
    public int Count { get; init; } = 64;
    public ulong Seed { get; init; }
    public long First { get; init; }
    public float? Temperature { get; init; }
    public double[]? LevelTemperatures { get; init; }
    public string Units { get; init; } = "physical";
    public string Format { get; init; } = "png";
    public string? Preset { get; init; }
    public string? Out { get; init; }
    public int Batch { get; init; } = 16;
    public int Threads { get; init; }
    public FlowBackend Backend { get; init; }
    public string? Shard { get; init; }
    public bool Preview { get; init; } = true;
}

internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = BundledModels.Argument("ONNX sampling model (z -> x)");
        var count = new Option<int>("--count") { Description = "number of samples", DefaultValueFactory = _ => 64 };
        var seed = new Option<ulong>("--seed") { Description = "seed of the latent generator", DefaultValueFactory = _ => 0 };
        var first = new Option<long>("--first") { Description = "index of the first sample", DefaultValueFactory = _ => 0 };
        var temperature = new Option<float?>("--temperature") { Description = "latent scale (default: the model's flowgen.default_temperature)" };
        var levels = new Option<string?>("--level-temperatures")
        {
            Description = "comma-separated latent temperatures per flow level, finest first (e.g. 0.9,1,1: smoother fine detail), on top of --temperature and of any the model has baked in",
        };
        var units = new Option<string>("--units") { Description = "model or physical (metres / 0..1 intensity)", DefaultValueFactory = _ => "physical" };
        var format = new Option<string>("--format") { Description = "png (16-bit heightmaps, 8-bit textures), npy, r16 or exr", DefaultValueFactory = _ => "png" };
        var preset = new Option<string?>("--preset") { Description = "RAW16 preset: unity or unreal (with --format r16)" };
        var outDir = new Option<string?>("--out") { Description = "output folder (default: flowgen-output/<model name>)" };
        var batch = new Option<int>("--batch") { Description = "samples per run", DefaultValueFactory = _ => 16 };
        var threads = new Option<int>("--threads") { Description = "worker threads (0 = all cores)", DefaultValueFactory = _ => 0 };
        var shard = new Option<string?>("--shard") { Description = "write only shard i of n (i/n, 0-based) of the samples" };
        var noPreview = new Option<bool>("--no-preview") { Description = "do not write preview.png" };
        var backend = Cli.BackendOption();
        var command = new Command("generate", "Generate samples from a model: one file per sample and a preview grid.")
        {
            model, count, seed, first, temperature, levels, units, format, preset, outDir, batch, threads, shard, noPreview, backend,
        };
        command.SetAction(pr => Cli.Guard(() => Run(new GenerateJob
        {
            Model = pr.GetValue(model)!, Count = pr.GetValue(count), Seed = pr.GetValue(seed), First = pr.GetValue(first),
            Temperature = pr.GetValue(temperature), LevelTemperatures = EvalCommand.Temperatures(pr.GetValue(levels), "--level-temperatures"), Units = pr.GetValue(units)!, Format = pr.GetValue(format)!,
            Preset = pr.GetValue(preset), Out = pr.GetValue(outDir), Batch = pr.GetValue(batch), Threads = pr.GetValue(threads),
            Shard = pr.GetValue(shard), Preview = !pr.GetValue(noPreview), Backend = Cli.ParseBackend(pr.GetValue(backend)!),
        })));
        return command;
    }

    internal static int Run(GenerateJob job)
    {
        if (job.Count < 0) throw new ArgumentException("--count must not be negative");
        if (job.First < 0) throw new ArgumentException("--first must not be negative");
        if (job.Batch < 1 || job.Batch > 4096) throw new ArgumentException("--batch must be in 1..4096");
        var unit = job.Units switch
        {
            "model" => SampleUnits.Model,
            "physical" => SampleUnits.Physical,
            _ => throw new ArgumentException($"--units must be model or physical, not '{job.Units}'"),
        };
        string ext = job.Format switch
        {
            "png" or "npy" or "r16" or "exr" => "." + job.Format,
            _ => throw new ArgumentException($"--format must be png, npy, r16 or exr, not '{job.Format}'"),
        };
        if (job.Preset is not null && job.Format != "r16") throw new ArgumentException("--preset applies to --format r16 only");
        var (shardIndex, shardCount) = job.Shard is null ? (0, 1) : Cli.ParseShard(job.Shard);
        long begin = job.First + job.Count * (long)shardIndex / shardCount, end = job.First + job.Count * (long)(shardIndex + 1) / shardCount;

        string modelPath = BundledModels.Resolve(job.Model);
        using var m = FlowModel.Load(modelPath, new FlowModelOptions { MaxBatch = job.Batch, Threads = job.Threads, Backend = job.Backend });
        if (!m.CanSample) m.Sample([], job.Seed, job.First, 0, 1f); // throws the typed "not a sampling graph" error
        if (m.IsConditional)
            throw new FlowGenException("this is a detail model (it has a context input): it adds detail to a coarser terrain; use it with `flowgen world --detail`", modelPath);
        float t = job.Temperature ?? m.Metadata.DefaultTemperature;
        if (!float.IsFinite(t) || t < 0) throw new ArgumentException($"--temperature must be finite and non-negative, not {t}");
        if (job.LevelTemperatures is { } levelTemperatures) m.SetLevelTemperatures(levelTemperatures.Select(v => (float)v).ToArray());
        bool texture = m.Metadata.Kind == "texture";
        var shape = m.SampleShape.ToArray();
        int channels = shape[0], height = shape[^2], width = shape[^1];
        if (job.Format != "npy" && shape.Length != 3) throw new ArgumentException($"--format {job.Format} needs C x H x W samples; this model's are [{string.Join(", ", shape)}]");
        if (job.Format == "r16" && (texture || channels != 1)) throw new ArgumentException("--format r16 is for one-channel heightmap models");
        var writeOptions = WriteOptions(job, texture && unit == SampleUnits.Physical);

        string outDir = job.Out ?? Path.Combine("flowgen-output", Path.GetFileNameWithoutExtension(modelPath));
        Directory.CreateDirectory(outDir);
        int n = (int)(end - begin);
        var buffer = new float[job.Batch * m.SampleLength];
        var previewData = new float[Math.Min(n, 16) * m.SampleLength];
        var nonFinite = new List<long>();
        int shown = 0, redrawn = 0;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"generating {n} samples", maxValue: Math.Max(1, n));
                for (int done = 0; done < n;)
                {
                    int k = Math.Min(job.Batch, n - done);
                    redrawn += m.SamplePlausible(buffer, job.Seed, begin + done, k, t, unit);
                    for (int i = 0; i < k; i++)
                    {
                        var sample = buffer.AsSpan(i * m.SampleLength, m.SampleLength);
                        if (!IsFinite(sample))
                        {
                            nonFinite.Add(begin + done + i);
                            continue;
                        }
                        if (shown < 16) sample.CopyTo(previewData.AsSpan(shown++ * m.SampleLength));
                        string file = Path.Combine(outDir, $"sample_{(begin + done + i).ToString("D6", CultureInfo.InvariantCulture)}{ext}");
                        Write(file, sample, shape, writeOptions, texture && unit == SampleUnits.Physical);
                    }
                    done += k;
                    task.Increment(k);
                }
                if (n == 0) task.Increment(1);
            });
        string? preview = null;
        if (redrawn > 0)
            Console.Error.WriteLine($"flowgen: note: {redrawn} sample(s) diverged at temperature {t.ToString(CultureInfo.InvariantCulture)} (not finite, or far more relief "
                + "than any training patch) and were drawn again, same seed and index, at a lower temperature.");
        if (nonFinite.Count > 0)
            Console.Error.WriteLine($"flowgen: warning: {nonFinite.Count} sample(s) were not finite (the flow diverged at temperature {t.ToString(CultureInfo.InvariantCulture)}; "
                + $"try a lower --temperature) and were left out: {string.Join(", ", nonFinite.Take(10))}{(nonFinite.Count > 10 ? ", ..." : "")}");
        if (job.Preview && shown > 0 && channels == 1 && shape.Length == 3)
        {
            preview = Path.Combine(outDir, shardCount == 1 ? "preview.png" : $"preview.shard-{shardIndex}-of-{shardCount}.png");
            var patches = new PatchSet(previewData[..(shown * m.SampleLength)], shown, height, width);
            var grid = texture || m.Metadata.PixelSizeMetres is null || unit == SampleUnits.Model
                ? PatchGrid.Elevation(patches, texture && unit == SampleUnits.Physical ? (0, 1) : PatchGrid.DisplayRange(patches), removeMean: !texture, scale: 4)
                : PatchGrid.Hillshade(patches, m.Metadata.PixelSizeMetres.Value, scale: 4);
            PngCodec.WriteGray8(preview, grid.Width, grid.Height, grid.Pixels);
        }
        string range = shardCount == 1 ? "" : $" (shard {shardIndex}/{shardCount}: samples {begin}..{end - 1})";
        Console.Out.WriteLine($"wrote {n - nonFinite.Count} samples{range} as {job.Format} (seed {job.Seed}, temperature {t.ToString(CultureInfo.InvariantCulture)}{(job.LevelTemperatures is { } lt ? ", level temperatures " + string.Join("/", lt.Select(v => v.ToString(CultureInfo.InvariantCulture))) : "")}, {job.Units} units) to {outDir}"
            + (preview is null ? "" : $"; preview {preview}"));
        return Cli.Ok;
    }

    private static bool IsFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
            if (!float.IsFinite(v)) return false;
        return true;
    }

    private static RasterWriteOptions WriteOptions(GenerateJob job, bool textureImage) => new()
    {
        // Texture intensities are images (8-bit, 0..1); heightmaps are 16-bit through their own recorded min..max.
        PngBitDepth = textureImage ? 8 : 16,
        Range = textureImage ? new ValueRange(0, 1) : null,
        Raw16 = job.Preset switch
        {
            null => null,
            "unity" => new Raw16Options { Preset = Raw16Preset.Unity },
            "unreal" => new Raw16Options { Preset = Raw16Preset.Unreal },
            _ => throw new ArgumentException($"--preset must be unity or unreal, not '{job.Preset}'"),
        },
    };

    private static void Write(string file, ReadOnlySpan<float> sample, int[] shape, RasterWriteOptions options, bool textureImage)
    {
        if (file.EndsWith(".npy", StringComparison.Ordinal))
        {
            NpyCodec.Write<float>(file, sample, shape);
            return;
        }
        int c = shape[0], h = shape[1], w = shape[2];
        var interleaved = new float[sample.Length];
        for (int ch = 0; ch < c; ch++)
            for (int i = 0; i < h * w; i++)
            {
                float v = sample[ch * h * w + i];
                interleaved[i * c + ch] = textureImage ? Math.Clamp(v, 0f, 1f) : v;
            }
        RasterFile.Save(file, new Raster(w, h, c, interleaved), options);
    }
}
