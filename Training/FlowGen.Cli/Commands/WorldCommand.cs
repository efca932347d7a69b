// `flowgen world MODEL --size WxH --out FILE [--seed S] [--temperature T] [--origin X,Y] [--shard i/n | --assemble]
// [--preset unity|unreal] [--levels L] [--gain G] [--detail M] [--lod D]`: exports a seamless W x H heightmap of the
// model's infinite multi-scale world (ConditionalPyramidWorld with a detail model, else PyramidWorld; --levels 1 = the
// single-scale lattice world) at level of detail D as
// 16-bit PNG, RAW16, EXR, NPY or NPZ (by extension). Every pixel depends only on the model, seed, temperature
// and its coordinates, so `--shard i/n` computes rows [i*H/n, (i+1)*H/n) on any machine into
// FILE.shard-i-of-n.npy (+ .json with the parameters), and `--assemble` stitches the n shards into FILE with the
// same conversion a single run uses: bit-identical to the single-machine file.
using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using FlowGen.Runtime;
using FlowGen.Runtime.Formats;
using FlowGen.Runtime.Streaming;
using Spectre.Console;

namespace FlowGen.Cli.Commands;

internal static class WorldCommand
{
    /// <summary>Largest export: 2^30 pixels (a 32768 x 32768 world, 4 GiB of float32 while assembling).</summary>
    internal const long MaxPixels = 1L << 30;

    public static Command Create()
    {
        var model = WorldOptions.ModelArgument();
        var size = new Option<string>("--size") { Description = "world size WxH in pixels, e.g. 8193x8193", Required = true };
        var outFile = new Option<string>("--out") { Description = "output file: .png (16-bit), .r16/.raw, .exr, .npy or .npz", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "world seed", DefaultValueFactory = _ => 0 };
        var temperature = new Option<float?>("--temperature") { Description = "latent scale (default: the model's)" };
        var origin = new Option<string>("--origin") { Description = "world pixel of the top-left corner X,Y", DefaultValueFactory = _ => "0,0" };
        var shard = new Option<string?>("--shard") { Description = "compute only shard i of n (i/n, 0-based) into FILE.shard-i-of-n.npy" };
        var assemble = new Option<bool>("--assemble") { Description = "stitch the shards FILE.shard-*-of-n.npy into FILE" };
        var preset = new Option<string?>("--preset") { Description = "RAW16 preset: unity or unreal" };
        var threads = new Option<int>("--threads") { Description = "worker threads (0 = all cores)", DefaultValueFactory = _ => 0 };
        var (levels, gain, detail, overlap) = WorldOptions.Create();
        var preview = new Option<string?>("--preview") { Description = "also write a shaded colour-relief overview PNG (at most 2048 px a side)" };
        var lod = new Option<int>("--lod") { Description = "level of detail: pixels 2^D times the model's (origin in those pixels)", DefaultValueFactory = _ => 0 };
        var backend = Cli.BackendOption();
        var command = new Command("world", "Export a seamless world heightmap, optionally sharded across machines.")
            { model, size, outFile, seed, temperature, origin, shard, assemble, preset, threads, levels, gain, detail, overlap, lod, preview, backend };
        command.SetAction(pr => Cli.Guard(() =>
        {
            var (modelPath, detailPath) = WorldOptions.Resolve(pr.GetValue(model)!, pr.GetValue(detail)!);
            return Run(new WorldJob(modelPath, ParseSize(pr.GetValue(size)!), pr.GetValue(outFile)!,
                pr.GetValue(seed), pr.GetValue(temperature), ParseOrigin(pr.GetValue(origin)!), pr.GetValue(preset), pr.GetValue(threads),
                pr.GetValue(levels), WorldOptions.Gain(pr.GetValue(gain), detailPath is not null), pr.GetValue(lod), pr.GetValue(preview), detailPath, pr.GetValue(overlap),
                Cli.ParseBackend(pr.GetValue(backend)!)),
                pr.GetValue(shard), pr.GetValue(assemble));
        }));
        return command;
    }

    internal sealed record WorldJob(string Model, (int W, int H) Size, string Out, ulong Seed, float? Temperature, (long X, long Y) Origin, string? Preset, int Threads,
        int Levels = PyramidWorld.DefaultLevels, double Gain = PyramidWorld.DefaultGain, int Lod = 0, string? Preview = null, string? Detail = null,
        int? Overlap = null, FlowBackend Backend = FlowBackend.Cpu);

    internal static int Run(WorldJob job, string? shard, bool assemble)
    {
        if (shard is not null && assemble) throw new ArgumentException("--shard and --assemble exclude each other");
        ValidateOutput(job);
        if (assemble) return Assemble(job);
        var (index, count) = shard is null ? (0, 1) : ParseShard(shard, job.Size.H);
        using var model = FlowModel.Load(job.Model, new FlowModelOptions { MaxBatch = 64, Threads = job.Threads, Backend = job.Backend });
        if (model.Metadata.Kind is { } kind && kind != "heightmap")
            throw new FlowGenException($"the model is of kind '{kind}'; worlds need a heightmap model", job.Model);
        float t = job.Temperature ?? model.Metadata.DefaultTemperature;
        using var detail = WorldOptions.LoadDetail(job.Detail, new FlowModelOptions { MaxBatch = 64, Threads = job.Threads, Backend = job.Backend });
        var world = WorldOptions.World(new FlowPatchSampler(model, t), WorldOptions.DetailSampler(detail), job.Seed, job.Levels, job.Gain, job.Overlap);
        if (job.Lod < 0 || job.Lod > world.MaxLod) throw new ArgumentException($"--lod must be in 0..{world.MaxLod} for {job.Levels} level(s)");
        double pixelSize = world.PixelSizeMetres * (1L << job.Lod);
        int y0 = (int)((long)job.Size.H * index / count), y1 = (int)((long)job.Size.H * (index + 1) / count);
        var rows = Generate(world, job, y0, y1);
        if (shard is null)
        {
            Save(job, rows, pixelSize);
            Console.Out.WriteLine($"wrote {job.Size.W}x{job.Size.H} world (seed {job.Seed}, temperature {Fmt(t)}; {Describe(world, job)}) to {job.Out}");
        }
        else
        {
            string part = ShardPath(job.Out, index, count);
            NpyCodec.Write<float>(part, rows, [y1 - y0, job.Size.W]);
            AtomicFile.Write(part + ".json", stream => JsonSerializer.Serialize(stream, new ShardInfo(ModelHash(job.Model), job.Seed, t,
                job.Size.W, job.Size.H, job.Origin.X, job.Origin.Y, index, count, y0, y1, pixelSize, job.Levels, job.Gain, job.Lod, DetailHash(job), job.Overlap)));
            Console.Out.WriteLine($"wrote shard {index}/{count} (rows {y0}..{y1 - 1}) to {part}");
        }
        return Cli.Ok;
    }

    private static float[] Generate(IWorldSource world, WorldJob job, int y0, int y1)
    {
        int w = job.Size.W, band = 256;
        var values = new float[(long)w * (y1 - y0)];
        long limit = world.CoordinateLimit >> job.Lod;
        if (job.Origin.X < -limit || job.Origin.Y < -limit || job.Origin.X + w > limit || job.Origin.Y + job.Size.H > limit)
            throw new ArgumentException($"--origin and --size leave the world's coordinate range ±{limit}");
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"world rows {y0}..{y1 - 1}", maxValue: Math.Max(1, y1 - y0));
                for (int y = y0; y < y1; y += band)
                {
                    int h = Math.Min(band, y1 - y);
                    world.Fill(job.Origin.X, job.Origin.Y + y, w, h, job.Lod, values.AsSpan((int)((long)(y - y0) * w), w * h), default);
                    task.Increment(h);
                }
            });
        return values;
    }

    private static int Assemble(WorldJob job)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(job.Out))!;
        string prefix = Path.GetFileName(job.Out) + ".shard-";
        var infos = Directory.GetFiles(dir, prefix + "*.npy.json").Select(f => (File: f[..^5], Info: ReadInfo(f))).OrderBy(p => p.Info.Index).ToArray();
        if (infos.Length == 0) throw new FlowGenException("no shards found to assemble", job.Out + ".shard-*-of-*.npy");
        int n = infos[0].Info.Count;
        var first = infos[0].Info;
        for (int i = 0; i < n; i++)
        {
            if (i >= infos.Length || infos[i].Info.Index != i) throw new FlowGenException($"shard {i} of {n} is missing", ShardPath(job.Out, i, n));
            var s = infos[i].Info;
            if (s.Count != n || s.Width != job.Size.W || s.Height != job.Size.H || s.Seed != job.Seed || s.ModelSha256 != ModelHash(job.Model)
                || s.OriginX != job.Origin.X || s.OriginY != job.Origin.Y || s.Temperature != first.Temperature
                || (job.Temperature is { } t && t != s.Temperature) || s.Levels != job.Levels || s.Gain != job.Gain || s.Lod != job.Lod || s.DetailSha256 != DetailHash(job) || s.Overlap != job.Overlap)
                throw new FlowGenException("shard was made with other parameters (model, detail model, seed, size, origin, temperature, levels, gain, overlap or lod)", infos[i].File);
        }
        if (infos.Length != n) throw new FlowGenException($"found {infos.Length} shard files for {n} shards", job.Out);
        var values = new float[(long)job.Size.W * job.Size.H];
        foreach (var (file, info) in infos)
        {
            var part = NpyCodec.Read(file);
            var data = part.ToSingleArray();
            if (data.Length != (long)(info.Y1 - info.Y0) * job.Size.W) throw new FlowGenException("shard holds the wrong number of values", file);
            data.CopyTo(values.AsSpan((int)((long)info.Y0 * job.Size.W)));
        }
        Save(job, values, first.PixelSizeMetres);
        Console.Out.WriteLine($"assembled {n} shards into {job.Out}");
        return Cli.Ok;
    }

    private static void Save(WorldJob job, float[] values, double pixelSize)
    {
        var raster = new Raster(job.Size.W, job.Size.H, 1, values) { Geo = null };
        raster.Metadata["flowgen.world_seed"] = job.Seed.ToString(CultureInfo.InvariantCulture);
        raster.Metadata["flowgen.pixel_size_m"] = pixelSize.ToString("R", CultureInfo.InvariantCulture);
        var options = new RasterWriteOptions
        {
            PngBitDepth = 16,
            Raw16 = job.Preset switch
            {
                null => null,
                "unity" => new Raw16Options { Preset = Raw16Preset.Unity },
                "unreal" => new Raw16Options { Preset = Raw16Preset.Unreal },
                _ => throw new ArgumentException($"--preset must be unity or unreal, not '{job.Preset}'"),
            },
        };
        RasterFile.Save(job.Out, raster, options);
        if (job.Preview is { } preview) WritePreview(preview, values, job.Size.W, job.Size.H, pixelSize);
    }

    /// <summary>Shaded colour relief of the world, box-downsampled to at most 2048 pixels a side, as an RGB PNG.</summary>
    internal static void WritePreview(string path, float[] values, int width, int height, double pixelSize)
    {
        int f = (Math.Max(width, height) + 2047) / 2048, w = width / f, h = height / f;
        var small = new float[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double s = 0;
                for (int v = 0; v < f; v++)
                    for (int u = 0; u < f; u++) s += values[(long)(y * f + v) * width + x * f + u];
                small[y * w + x] = (float)(s / (f * f));
            }
        PngCodec.WriteRgb8(path, w, h, FlowGen.Training.Evaluation.PatchGrid.ShadedReliefMap(small, h, w, pixelSize * f));
    }

    /// <summary>Checks a heightmap export's --out (a format `RasterFile.Save` writes for heightmaps) and --preview (PNG) before any work.</summary>
    internal static void CheckOutputPaths(string output, string? preview)
    {
        string ext = Path.GetExtension(output).ToLowerInvariant();
        if (ext is not (".png" or ".r16" or ".raw" or ".exr" or ".npy" or ".npz"))
            throw new ArgumentException($"--out must end in .png, .r16, .raw, .exr, .npy or .npz (got '{ext}')");
        if (preview is { } p && !p.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"--preview must end in .png (got '{p}')");
    }

    private static void ValidateOutput(WorldJob job)
    {
        CheckOutputPaths(job.Out, job.Preview);
        string ext = Path.GetExtension(job.Out).ToLowerInvariant();
        if (job.Preset is not null && ext is not (".r16" or ".raw")) throw new ArgumentException("--preset applies to RAW16 output (.r16/.raw) only");
        if (job.Preset == "unity" && (job.Size.W != job.Size.H || !IsPowerOfTwoPlusOne(job.Size.W)))
            throw new ArgumentException($"Unity terrain heightmaps are square with 2^n+1 pixels (e.g. 513, 1025, 2049, 4097); got {job.Size.W}x{job.Size.H}");
    }

    private static bool IsPowerOfTwoPlusOne(int n) => n > 2 && ((n - 1) & (n - 2)) == 0;

    internal static (int W, int H) ParseSize(string text)
    {
        var parts = text.ToLowerInvariant().Split('x');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h))
            throw new ArgumentException($"--size must be WxH with positive integers, e.g. 8193x8193 (got '{text}')");
        if (w < 1 || h < 1) throw new ArgumentException($"--size must be positive (got '{text}')");
        if ((long)w * h > MaxPixels) throw new ArgumentException($"--size {w}x{h} exceeds the limit of {MaxPixels} pixels; export it as tiles with --origin");
        return (w, h);
    }

    private static (long, long) ParseOrigin(string text)
    {
        var parts = text.Split(',');
        if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long x)
            || !long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long y))
            throw new ArgumentException($"--origin must be X,Y integers (got '{text}')");
        return (x, y);
    }

    internal static (int Index, int Count) ParseShard(string text, int rows)
    {
        var (i, n) = Cli.ParseShard(text);
        if (n > rows) throw new ArgumentException($"--shard {text}: more shards than rows ({rows})");
        return (i, n);
    }

    // Which world was made: the models, levels and the finest lattice's overlap (the default world changed with FlowGen versions).
    private static string Describe(IWorldSource world, WorldJob job)
    {
        string models = Path.GetFileNameWithoutExtension(job.Model) + (job.Detail is null ? "" : $" under {Path.GetFileNameWithoutExtension(job.Detail)}");
        var (_, overlap, _) = WorldOptions.FinestLattice(world, 0);
        return $"{models}, {job.Levels} levels, patch overlap {overlap} px";
    }

    private static string ShardPath(string output, int index, int count) =>
        $"{output}.shard-{index.ToString(CultureInfo.InvariantCulture)}-of-{count.ToString(CultureInfo.InvariantCulture)}.npy";

    private static string ModelHash(string path)
    {
        if (!File.Exists(path)) throw new FlowGenException("model file not found", path);
        using var s = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(s)).ToLowerInvariant();
    }

    private static string DetailHash(WorldJob job) => job.Detail is null ? WorldOptions.None : ModelHash(job.Detail);

    private static ShardInfo ReadInfo(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<ShardInfo>(File.ReadAllText(path)) ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new FlowGenException($"shard description is not valid: {e.Message}", path, e);
        }
    }

    private static string Fmt(float v) => v.ToString(CultureInfo.InvariantCulture);

    internal sealed record ShardInfo(string ModelSha256, ulong Seed, float Temperature, int Width, int Height, long OriginX, long OriginY,
        int Index, int Count, int Y0, int Y1, double PixelSizeMetres, int Levels, double Gain, int Lod, string DetailSha256 = WorldOptions.None, int? Overlap = null);
}
