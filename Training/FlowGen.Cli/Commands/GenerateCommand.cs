// `flowgen generate MODEL --count N --seed S [--temperature T] --out DIR`: draws samples FIRST..FIRST+N-1
// of seed S and writes one .npy per sample (C,H,W float32, sample_<index>.npy), each atomically, with a
// progress bar on stderr. Sample i is the same whatever --batch or --threads, so runs can be split.
using System.CommandLine;
using System.Globalization;
using FlowGen.Runtime;
using FlowGen.Runtime.Formats;
using Spectre.Console;

namespace FlowGen.Cli.Commands;

internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "ONNX sampling model (z -> x)" };
        var count = new Option<int>("--count") { Description = "number of samples", DefaultValueFactory = _ => 16 };
        var seed = new Option<ulong>("--seed") { Description = "seed of the latent generator", DefaultValueFactory = _ => 0 };
        var first = new Option<long>("--first") { Description = "index of the first sample", DefaultValueFactory = _ => 0 };
        var temperature = new Option<float?>("--temperature") { Description = "latent scale (default: the model's flowgen.default_temperature)" };
        var units = new Option<string>("--units") { Description = "model or physical (metres / 0..1 intensity)", DefaultValueFactory = _ => "physical" };
        var outDir = new Option<string>("--out") { Description = "output folder", Required = true };
        var batch = new Option<int>("--batch") { Description = "samples per run", DefaultValueFactory = _ => 16 };
        var threads = new Option<int>("--threads") { Description = "worker threads (0 = all cores)", DefaultValueFactory = _ => 0 };
        var command = new Command("generate", "Generate samples from a model as .npy files.") { model, count, seed, first, temperature, units, outDir, batch, threads };
        command.SetAction(pr => Cli.Guard(() => Run(pr.GetValue(model)!, pr.GetValue(count), pr.GetValue(seed), pr.GetValue(first),
            pr.GetValue(temperature), pr.GetValue(units)!, pr.GetValue(outDir)!, pr.GetValue(batch), pr.GetValue(threads))));
        return command;
    }

    internal static int Run(string modelPath, int count, ulong seed, long first, float? temperature, string units, string outDir, int batch, int threads)
    {
        if (count < 0) throw new ArgumentException("--count must not be negative");
        if (first < 0) throw new ArgumentException("--first must not be negative");
        if (batch < 1 || batch > 4096) throw new ArgumentException("--batch must be in 1..4096");
        var unit = units switch
        {
            "model" => SampleUnits.Model,
            "physical" => SampleUnits.Physical,
            _ => throw new ArgumentException($"--units must be model or physical, not '{units}'"),
        };
        using var m = FlowModel.Load(modelPath, new FlowModelOptions { MaxBatch = batch, Threads = threads });
        if (!m.CanSample) m.Sample([], seed, first, 0, 1f); // throws the typed "not a sampling graph" error
        float t = temperature ?? m.Metadata.DefaultTemperature;
        if (!float.IsFinite(t) || t < 0) throw new ArgumentException($"--temperature must be finite and non-negative, not {t}");
        Directory.CreateDirectory(outDir);
        var shape = m.SampleShape.ToArray();
        var buffer = new float[batch * m.SampleLength];
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"generating {count} samples", maxValue: Math.Max(1, count));
                for (int done = 0; done < count;)
                {
                    int n = Math.Min(batch, count - done);
                    m.Sample(buffer, seed, first + done, n, t, unit);
                    for (int i = 0; i < n; i++)
                    {
                        string file = Path.Combine(outDir, $"sample_{(first + done + i).ToString("D6", CultureInfo.InvariantCulture)}.npy");
                        NpyCodec.Write<float>(file, buffer.AsSpan(i * m.SampleLength, m.SampleLength), shape);
                    }
                    done += n;
                    task.Increment(n);
                }
                if (count == 0) task.Increment(1);
            });
        Console.Out.WriteLine($"wrote {count} samples (seed {seed}, temperature {t.ToString(CultureInfo.InvariantCulture)}, {units} units) to {outDir}");
        return Cli.Ok;
    }
}
