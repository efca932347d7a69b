// `flowgen run MODEL --in NAME=FILE.npy ... --out NAME=FILE.npy ...`: runs any supported ONNX graph on
// inputs from .npy files and writes chosen outputs as .npy (atomically), for interop and debugging.
// Outputs not written to a file are summarised on stdout.
using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using FlowGen.Runtime;
using FlowGen.Runtime.Formats;

namespace FlowGen.Cli.Commands;

internal static class RunCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "ONNX model file" };
        var inputs = new Option<string[]>("--in") { Description = "NAME=FILE.npy, once per graph input", Arity = ArgumentArity.ZeroOrMore };
        var outputs = new Option<string[]>("--out") { Description = "NAME=FILE.npy, once per output to save", Arity = ArgumentArity.ZeroOrMore };
        var threads = new Option<int>("--threads") { Description = "worker threads (0 = all cores)", DefaultValueFactory = _ => 0 };
        var backend = Cli.BackendOption();
        var command = new Command("run", "Run an ONNX graph on .npy inputs and write its outputs as .npy.") { model, inputs, outputs, threads, backend };
        command.SetAction(pr => Cli.Guard(() => Run(pr.GetValue(model)!, pr.GetValue(inputs) ?? [], pr.GetValue(outputs) ?? [], pr.GetValue(threads), Console.Out,
            Cli.ParseBackend(pr.GetValue(backend)!))));
        return command;
    }

    internal static int Run(string modelPath, string[] ins, string[] outs, int threads, TextWriter stdout, FlowBackend backend = FlowBackend.Cpu)
    {
        var feeds = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        foreach (var (name, file) in ins.Select(Pair))
        {
            if (feeds.ContainsKey(name)) throw new ArgumentException($"--in {name} is given twice");
            feeds[name] = ToTensor(NpyCodec.Read(file), file);
        }
        var targets = outs.Select(Pair).ToList();
        if (targets.Select(t => t.Name).Distinct().Count() != targets.Count) throw new ArgumentException("an --out name is given twice");
        int batch = Math.Max(1, feeds.Values.Select(t => t.Shape.Length > 0 ? t.Shape[0] : 1).DefaultIfEmpty(1).Max());
        using var m = FlowModel.Load(modelPath, new FlowModelOptions { MaxBatch = batch, Threads = threads, Backend = backend });
        foreach (var (name, _) in targets)
            if (!m.Outputs.Any(o => o.Name == name))
                throw new ArgumentException($"the model has no output '{name}' (outputs: {string.Join(", ", m.Outputs.Select(o => o.Name))})");
        var results = m.Run(feeds);
        foreach (var (name, file) in targets) Write(file, results[name]);
        foreach (var (name, t) in results.Where(r => !targets.Any(x => x.Name == r.Key)))
            stdout.WriteLine($"{name}: {ElementTypes.Name(t.Type)} [{string.Join(",", t.Shape)}]{Summary(t)}");
        return Cli.Ok;
    }

    private static (string Name, string File) Pair(string spec)
    {
        int eq = spec.IndexOf('=');
        if (eq <= 0 || eq == spec.Length - 1) throw new ArgumentException($"'{spec}' is not NAME=FILE.npy");
        return (spec[..eq], spec[(eq + 1)..]);
    }

    private static TensorData ToTensor(NpyArray a, string file)
    {
        var shape = a.Shape;
        return a.DType switch
        {
            NpyDType.Float32 => TensorData.FromFloats(shape, a.AsSpan<float>().ToArray()),
            NpyDType.Float64 => TensorData.FromFloats(shape, a.ToSingleArray()),
            NpyDType.Int64 => TensorData.FromLongs(shape, a.AsSpan<long>().ToArray()),
            NpyDType.Int32 => TensorData.FromLongs(shape, Array.ConvertAll(a.AsSpan<int>().ToArray(), v => (long)v)),
            NpyDType.Bool => TensorData.FromBools(shape, Array.ConvertAll(a.Data, b => b != 0)),
            _ => throw new FlowGenException($"element type {a.DType} is not supported as a model input (float32, float64, int64, int32, bool)", file),
        };
    }

    private static void Write(string file, TensorData t)
    {
        switch (t.Data)
        {
            case float[] f: NpyCodec.Write<float>(file, f, t.Shape); break;
            case long[] l: NpyCodec.Write<long>(file, l, t.Shape); break;
            case bool[] b: NpyCodec.Write(file, new NpyArray(NpyDType.Bool, t.Shape, Array.ConvertAll(b, v => v ? (byte)1 : (byte)0))); break;
        }
    }

    private static string Summary(TensorData t)
    {
        if (t.Data is not float[] f || f.Length == 0) return "";
        var inv = CultureInfo.InvariantCulture;
        return $" min {f.Min().ToString("G6", inv)} max {f.Max().ToString("G6", inv)} mean {f.Average(v => (double)v).ToString("G6", inv)}";
    }
}
