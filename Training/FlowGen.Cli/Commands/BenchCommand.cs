// `flowgen bench MODEL [--batch 1,16,64,256] [--threads N] [--json] [--profile]`: FlowGen's CPU runtime against
// ONNX Runtime's CPU provider (2 intra-op threads) on the same model, batches and inputs in the same
// run. Calls of the two backends are interleaved in rounds so that load from other processes hits
// both alike, with an untimed pause between rounds so that neither's spin-waiting threads slow the other. Reports patches/s, median latency, GFLOP/s (FLOPs counted from the compiled graph), the
// ratio against ORT, the largest difference of the two outputs (|a-b|/(1+|b|)), and the fraction of the machine's peak, measured in the same run as the GEMM micro-kernel's
// throughput on L1-resident panels with the same thread count.
// --profile instead times every compiled step on one serial executor (what each sampling lane runs) and sums them by operator.
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using System.Text.Json;
using FlowGen.Runtime;
using FlowGen.Runtime.Cpu;
using FlowGen.Runtime.Graph;
using FlowGen.Runtime.Onnx;
using FlowGen.Runtime.OnnxRuntime;

namespace FlowGen.Cli.Commands;

internal static class BenchCommand
{
    /// <summary>ONNX Runtime's intra-op threads in the comparison (issue 2's reference setting).</summary>
    public const int OrtThreads = 2;

    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "ONNX model file or bundled model name (one float32 input and output; --profile: any float32 inputs)" };
        var batches = new Option<string>("--batch") { DefaultValueFactory = _ => "1,16,64,256", Description = "comma-separated batch sizes" };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 0, Description = "FlowGen worker threads (0 = one per processor)" };
        var json = new Option<bool>("--json") { Description = "print one JSON array on stdout, one object per batch" };
        var seconds = new Option<double>("--seconds") { DefaultValueFactory = _ => 2.0, Description = "measuring time per backend and batch" };
        var noOrt = new Option<bool>("--no-ort") { Description = "skip the ONNX Runtime comparison" };
        var profile = new Option<bool>("--profile")
        {
            Description = $"time every compiled step on one serial executor, as each sampling lane runs it (at batch {FlowModel.LaneChunk} unless --batch is given); any number of float32 inputs"
        };
        var backend = Cli.BackendOption();
        var command = new Command("bench", "Benchmark FlowGen's runtime against ONNX Runtime on a model") { model, batches, threads, json, seconds, noOrt, profile, backend };
        command.SetAction(pr => Cli.Guard(() => pr.GetValue(profile)
            ? Profile(BundledModels.Resolve(pr.GetValue(model)!), pr.GetResult(batches) is { Implicit: false } ? ParseBatches(pr.GetValue(batches)!) : [FlowModel.LaneChunk],
                pr.GetValue(seconds), pr.GetValue(json), Console.Out)
            : Run(BundledModels.Resolve(pr.GetValue(model)!), pr.GetValue(batches)!, pr.GetValue(threads), pr.GetValue(json),
            pr.GetValue(seconds), pr.GetValue(noOrt), Console.Out, Console.Error, Cli.ParseBackend(pr.GetValue(backend)!))));
        return command;
    }

    internal sealed record Result(int Batch, double PatchesPerS, double LatencyMsMedian, double Gflops,
        double? OrtPatchesPerS, double? OrtLatencyMsMedian, double? OrtGflops, double? RatioVsOrt, double? MaxRelDiffVsOrt,
        double PeakGflops, double FractionOfPeak, int Threads, int OrtThreads);

    internal static int Run(string path, string batchList, int threads, bool json, double seconds, bool noOrt, TextWriter o, TextWriter err,
        FlowBackend backend = FlowBackend.Cpu)
    {
        var batches = ParseBatches(batchList);
        if (threads < 0) throw new ArgumentException("--threads must be 0 (one per processor) or positive");
        if (!(seconds > 0) || seconds > 600) throw new ArgumentException("--seconds must be in (0, 600]");
        int flowThreads = threads == 0 ? Environment.ProcessorCount : threads;
        using var model = FlowModel.Load(path, new FlowModelOptions { MaxBatch = batches.Max(), Threads = flowThreads, Backend = backend });
        if (model.Inputs.Count != 1 || model.Outputs.Count != 1)
            throw new FlowGenException($"bench needs a graph with one input and one output; it has {model.Inputs.Count} and {model.Outputs.Count}", path);
        int inPer = checked((int)model.Plan.Inputs[0].ElementCount(1)), outPer = checked((int)model.Plan.Outputs[0].ElementCount(1));
        var sampleDims = model.Inputs[0].Shape.Skip(1).ToArray();

        OrtSession? ort = null;
        if (!noOrt)
        {
            if (OrtSession.IsAvailable) ort = new OrtSession(path, new OrtSessionSettings { IntraOpThreads = OrtThreads });
            else err.WriteLine($"flowgen bench: ONNX Runtime comparison skipped: {OrtSession.UnavailableReason}");
        }
        using var ortScope = ort;

        // %peak is against the CPU micro-kernel, so only for the CPU backend.
        double peak = backend == FlowBackend.Cpu ? MeasurePeakGflops(flowThreads) : double.NaN;
        string flowSide = backend == FlowBackend.Cpu ? $"FlowGen {flowThreads} threads" : $"FlowGen on Vulkan ({model.DeviceName})";
        if (!json) o.WriteLine($"model {path}: {PlanStatistics.Flops(model.Plan, 1) / 1e6:F1} MFLOP/sample; {flowSide}, " +
            $"ONNX Runtime {(ort is null ? "absent" : OrtSession.Version)} CPU provider {OrtThreads} threads; " +
            (backend == FlowBackend.Cpu ? $"peak (GEMM micro-kernel in L1, {flowThreads} threads) {peak:F1} GFLOP/s; " : "") +
            $"CPU: {GemmKernel.VectorIsa}, {Environment.ProcessorCount} processors");

        var results = new List<Result>();
        foreach (int batch in batches)
        {
            var input = new float[batch * inPer];
            LatentGenerator.Fill(input, seed: 1234, sampleIndex: batch);   // standard normal inputs, as sampling feeds the flow
            var flowOut = new float[batch * outPer];
            var ortOut = new float[batch * outPer];
            long[] ortShape = [batch, .. sampleDims];
            Action flow = () => model.Run(input, flowOut, batch);
            Action? ortRun = ort is null ? null : () => ort.Run(model.Inputs[0].Name, input, ortShape, model.Outputs[0].Name, ortOut);
            var (flowTimes, ortTimes) = Measure(flow, ortRun, seconds);
            double flops = PlanStatistics.Flops(model.Plan, batch);
            double lat = Median(flowTimes);
            double? ortLat = ortRun is null ? null : Median(ortTimes);
            double? diff = ortRun is null ? null : flowOut.Zip(ortOut, (a, b) => Math.Abs(a - b) / (1.0 + Math.Abs(b))).Max();
            results.Add(new Result(batch, batch / lat, lat * 1e3, flops / lat / 1e9,
                ortLat is null ? null : batch / ortLat.Value, ortLat * 1e3, ortLat is null ? null : flops / ortLat.Value / 1e9,
                ortLat is null ? null : ortLat.Value / lat, diff, peak, flops / lat / 1e9 / peak, flowThreads, OrtThreads));
        }

        // peak and its fraction are "NaN" on the Vulkan backend
        if (json) o.WriteLine(JsonSerializer.Serialize(results, new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
        else PrintTable(results, o);
        return Cli.Ok;
    }

    /// <summary>Rows of the step table in `--profile`: the slowest steps.</summary>
    internal const int ProfileTopSteps = 15;

    internal sealed record OpTypeProfile(string OpType, int Steps, double Ms, double Share, double Gflops);

    internal sealed record ProfileResult(int Batch, double TotalMs, double Gflops, IReadOnlyList<OpTypeProfile> ByOpType, IReadOnlyList<StepProfile> Steps);

    /// <summary>`bench --profile`: per-step times of the model's plan at each batch, summed by operator type.</summary>
    internal static int Profile(string path, int[] batches, double seconds, bool json, TextWriter o)
    {
        if (!(seconds > 0) || seconds > 600) throw new ArgumentException("--seconds must be in (0, 600]");
        var results = new List<ProfileResult>();
        foreach (int batch in batches)
        {
            var plan = GraphCompiler.Compile(OnnxReader.ReadFile(path), batch);
            var steps = PlanProfiler.Profile(plan, batch, seconds);
            double total = steps.Sum(s => s.MeanMs);
            var byType = steps.GroupBy(s => s.OpType)
                .Select(g => new OpTypeProfile(g.Key, g.Count(), g.Sum(s => s.MeanMs), g.Sum(s => s.MeanMs) / total, g.Sum(s => s.Flops) / (g.Sum(s => s.MeanMs) * 1e6)))
                .OrderByDescending(t => t.Ms).ToArray();
            results.Add(new ProfileResult(batch, total, steps.Sum(s => s.Flops) / (total * 1e6), byType, steps));
        }
        if (json)
        {
            o.WriteLine(JsonSerializer.Serialize(results, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
            return Cli.Ok;
        }
        var inv = CultureInfo.InvariantCulture;
        foreach (var r in results)
        {
            o.WriteLine(string.Format(inv, "model {0}, batch {1}, one serial executor: {2:F3} ms a run ({3:F0} patches/s a thread), {4:F1} GFLOP/s",
                path, r.Batch, r.TotalMs, r.Batch / r.TotalMs * 1e3, r.Gflops));
            o.WriteLine("operator        steps        ms   share  GFLOP/s");
            foreach (var t in r.ByOpType) o.WriteLine(string.Format(inv, "{0,-14} {1,6} {2,9:F3} {3,7:P1} {4,8:F1}", t.OpType, t.Steps, t.Ms, t.Share, t.Gflops));
            o.WriteLine($"slowest {ProfileTopSteps} steps:");
            o.WriteLine("  step  operator        ms   share  GFLOP/s  output, kernel");
            foreach (var s in r.Steps.OrderByDescending(s => s.MeanMs).Take(ProfileTopSteps))
                o.WriteLine(string.Format(inv, "  {0,4}  {1,-12} {2,6:F3} {3,7:P1} {4,8} {5}", s.Index, s.OpType, s.MeanMs, s.MeanMs / r.TotalMs,
                    s.Flops > 0 ? (s.Flops / (s.MeanMs * 1e6)).ToString("F1", inv) : "-", s.Detail));
        }
        return Cli.Ok;
    }

    // ONNX Runtime's intra-op threads spin-wait after a call by default (allow_spinning = 1) and FlowGen's workers
    // briefly too: without a pause the one backend's spinning threads took the cores from the other's next round (at
    // batch 64 FlowGen ran 5.4k patches/s interleaved against 8.0k alone). An untimed pause between rounds lets them sleep.
    private const int Settle = 20;

    // Warm-up, then rounds alternating the backends (about 50 ms each, a 20 ms untimed pause between) until each had `seconds`.
    private static (List<double> Flow, List<double> Ort) Measure(Action flow, Action? ort, double seconds)
    {
        for (int i = 0; i < 3; i++) { flow(); ort?.Invoke(); }
        var flowTimes = new List<double>();
        var ortTimes = new List<double>();
        double flowTotal = 0, ortTotal = 0;
        while (flowTotal < seconds || (ort is not null && ortTotal < seconds))
        {
            flowTotal += Round(flow, flowTimes);
            if (ort is null) continue;
            Thread.Sleep(Settle);
            ortTotal += Round(ort, ortTimes);
            Thread.Sleep(Settle);
        }
        return (flowTimes, ortTimes);

        static double Round(Action run, List<double> times)
        {
            double spent = 0;
            do
            {
                long t0 = Stopwatch.GetTimestamp();
                run();
                double t = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                times.Add(t);
                spent += t;
            } while (spent < 0.05);
            return spent;
        }
    }

    /// <summary>
    /// The machine's measured peak: the register-blocked micro-kernel every convolution and GEMM runs on, on panels hot
    /// in L1 (a 4 x 256 A panel, 3 registers x 256 rows of B), on each of <paramref name="threads"/> threads at once,
    /// best of several rounds. (A 1024³ GemmKernel call, the previous measure, is held back by packing and memory: the
    /// flows' convolutions ran at twice its rate.)
    /// </summary>
    internal static unsafe double MeasurePeakGflops(int threads)
    {
        const int K = 256, Calls = 4000;
        double best = 0;
        for (int round = 0; round < 5; round++)
        {
            var start = new Barrier(threads);
            var seconds = new double[threads];
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() => seconds[t] = SpinTiles(K, Calls, start))).ToArray();
            foreach (var w in workers) w.Start();
            foreach (var w in workers) w.Join();
            int width = GemmKernel.Width(int.MaxValue);
            double flops = 2.0 * GemmMicroKernel.Rows * GemmMicroKernel.Segments * width * K * Calls * threads;
            best = Math.Max(best, flops / seconds.Max() / 1e9);
        }
        return best;
    }

    // One thread's timed run of `calls` micro-kernel tiles over L1-resident panels, after a warm-up; seconds.
    private static unsafe double SpinTiles(int k, int calls, Barrier start)
    {
        var a = new float[k * GemmMicroKernel.Rows];
        var b = new float[(k + 1) * GemmMicroKernel.Segments * 16];
        var koff = new int[k];
        var tile = new float[GemmMicroKernel.Rows * GemmMicroKernel.Segments * 16];
        for (int i = 0; i < a.Length; i++) a[i] = 1e-3f * (i % 7);
        for (int i = 0; i < b.Length; i++) b[i] = 1e-3f * (i % 5);
        int width = GemmKernel.Width(int.MaxValue);
        for (int p = 0; p < k; p++) koff[p] = p * GemmMicroKernel.Segments * width;
        fixed (float* pa = a, pb = b, pt = tile)
        fixed (int* pk = koff)
        {
            Tiles(pa, pb, pk, pt, k, calls / 4, width);
            start.SignalAndWait();
            long t0 = Stopwatch.GetTimestamp();
            Tiles(pa, pb, pk, pt, k, calls, width);
            return Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }
    }

    private static unsafe void Tiles(float* a, float* b, int* koff, float* tile, int k, int n, int width)
    {
        for (int i = 0; i < n; i++)
            switch (width)
            {
                case 16: GemmMicroKernel.Tile<Vector512<float>, GemmVector512>(a, k, koff, b, b + 16, b + 32, null, tile); break;
                case 8: GemmMicroKernel.Tile<Vector256<float>, GemmVector256>(a, k, koff, b, b + 8, b + 16, null, tile); break;
                case 4: GemmMicroKernel.Tile<Vector128<float>, GemmVector128>(a, k, koff, b, b + 4, b + 8, null, tile); break;
                default: GemmMicroKernel.Tile<float, GemmScalar>(a, k, koff, b, b + 1, b + 2, null, tile); break;
            }
    }

    private static double Median(List<double> values)
    {
        var s = values.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2]);
    }

    internal static int[] ParseBatches(string list)
    {
        var parts = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new ArgumentException("--batch needs at least one batch size");
        return parts.Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int b) && b >= 1 && b <= 65536
            ? b : throw new ArgumentException($"--batch: '{p}' is not a batch size in 1..65536")).ToArray();
    }

    private static void PrintTable(List<Result> results, TextWriter o)
    {
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine("batch  FlowGen patches/s  median ms  GFLOP/s  %peak | ORT patches/s  median ms  GFLOP/s | FlowGen/ORT  max rel diff");
        foreach (var r in results)
            o.WriteLine(string.Format(inv, "{0,5}  {1,17:F0}  {2,9:F3}  {3,7:F1}  {4,5} | {5,13}  {6,9}  {7,7} | {8,11}  {9,9}",
                r.Batch, r.PatchesPerS, r.LatencyMsMedian, r.Gflops, double.IsNaN(r.FractionOfPeak) ? "-" : r.FractionOfPeak.ToString("P0", inv),
                r.OrtPatchesPerS?.ToString("F0", inv) ?? "-", r.OrtLatencyMsMedian?.ToString("F3", inv) ?? "-", r.OrtGflops?.ToString("F1", inv) ?? "-",
                r.RatioVsOrt is { } x ? x.ToString("F2", inv) + "x" : "-", r.MaxRelDiffVsOrt?.ToString("G2", inv) ?? "-"));
    }
}
